package engine

import "github.com/tidwall/gjson"

// ContainerConfig is the portable part of a container's configuration: what
// ContainerCreate sends and ContainerInspect reports as Config.
type ContainerConfig struct {
	Hostname     string              `json:",omitempty"`
	Domainname   string              `json:",omitempty"`
	User         string              `json:",omitempty"`
	AttachStdin  bool                `json:",omitempty"`
	AttachStdout bool                `json:",omitempty"`
	AttachStderr bool                `json:",omitempty"`
	ExposedPorts map[string]struct{} `json:",omitempty"` // "80/tcp"
	Tty          bool                `json:",omitempty"`
	OpenStdin    bool                `json:",omitempty"`
	StdinOnce    bool                `json:",omitempty"`
	Env          []string            `json:",omitempty"` // "KEY=value"
	Cmd          []string            `json:",omitempty"`
	Entrypoint   []string            `json:",omitempty"`
	Image        string              `json:",omitempty"`
	Volumes      map[string]struct{} `json:",omitempty"`
	WorkingDir   string              `json:",omitempty"`
	Labels       map[string]string   `json:",omitempty"`
	StopSignal   string              `json:",omitempty"`
	StopTimeout  *int                `json:",omitempty"` // seconds; nil for the daemon's default (10)
	Shell        []string            `json:",omitempty"`
}

func (c *ContainerConfig) decode(r gjson.Result) error {
	if err := wantObject(r, "Config"); err != nil {
		return err
	}
	*c = ContainerConfig{}
	r.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "Hostname":
			c.Hostname = v.String()
		case "Domainname":
			c.Domainname = v.String()
		case "User":
			c.User = v.String()
		case "AttachStdin":
			c.AttachStdin = v.Bool()
		case "AttachStdout":
			c.AttachStdout = v.Bool()
		case "AttachStderr":
			c.AttachStderr = v.Bool()
		case "ExposedPorts":
			c.ExposedPorts = set(v)
		case "Tty":
			c.Tty = v.Bool()
		case "OpenStdin":
			c.OpenStdin = v.Bool()
		case "StdinOnce":
			c.StdinOnce = v.Bool()
		case "Env":
			c.Env = strs(v)
		case "Cmd":
			c.Cmd = strs(v)
		case "Entrypoint":
			c.Entrypoint = strs(v)
		case "Image":
			c.Image = v.String()
		case "Volumes":
			c.Volumes = set(v)
		case "WorkingDir":
			c.WorkingDir = v.String()
		case "Labels":
			c.Labels = strMap(v)
		case "StopSignal":
			c.StopSignal = v.String()
		case "StopTimeout":
			if v.Type == gjson.Number {
				n := int(v.Int())
				c.StopTimeout = &n
			}
		case "Shell":
			c.Shell = strs(v)
		}
		return true
	})
	return nil
}

func set(r gjson.Result) map[string]struct{} {
	ks := keys(r)
	if ks == nil {
		return nil
	}
	m := make(map[string]struct{}, len(ks))
	for _, k := range ks {
		m[k] = struct{}{}
	}
	return m
}

// HostConfig is the host-dependent part of a container's configuration. It
// types the fields most callers set; ContainerCreate accepts raw JSON for
// the rest.
type HostConfig struct {
	Binds          []string                 `json:",omitempty"` // "/host:/container[:ro]"
	NetworkMode    string                   `json:",omitempty"`
	PortBindings   map[string][]PortBinding `json:",omitempty"` // "80/tcp" -> host ports
	RestartPolicy  RestartPolicy            `json:",omitempty"`
	AutoRemove     bool                     `json:",omitempty"`
	Privileged     bool                     `json:",omitempty"`
	ReadonlyRootfs bool                     `json:",omitempty"`
	Init           *bool                    `json:",omitempty"` // nil for the daemon's default
	CapAdd         []string                 `json:",omitempty"`
	CapDrop        []string                 `json:",omitempty"`
	ExtraHosts     []string                 `json:",omitempty"` // "host:ip"
	Tmpfs          map[string]string        `json:",omitempty"` // path -> mount options
	SecurityOpt    []string                 `json:",omitempty"`
	Memory         int64                    `json:",omitempty"`         // bytes
	NanoCPUs       int64                    `json:"NanoCpus,omitempty"` // 1e9 per CPU
	CPUShares      int64                    `json:"CpuShares,omitempty"`
	PidsLimit      int64                    `json:",omitempty"`
	ShmSize        int64                    `json:",omitempty"`
	LogConfig      LogConfig                `json:",omitempty"`
}

// RestartPolicy says when the daemon restarts a container.
type RestartPolicy struct {
	Name              string `json:",omitempty"` // "", no, always, unless-stopped or on-failure
	MaximumRetryCount int    `json:",omitempty"`
}

// LogConfig is a container's logging driver.
type LogConfig struct {
	Type   string            `json:",omitempty"`
	Config map[string]string `json:",omitempty"`
}

func (h *HostConfig) decode(r gjson.Result) error {
	if err := wantObject(r, "HostConfig"); err != nil {
		return err
	}
	*h = HostConfig{}
	r.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "Binds":
			h.Binds = strs(v)
		case "NetworkMode":
			h.NetworkMode = v.String()
		case "PortBindings":
			h.PortBindings = portBindings(v)
		case "RestartPolicy":
			h.RestartPolicy = RestartPolicy{Name: v.Get("Name").String(), MaximumRetryCount: int(v.Get("MaximumRetryCount").Int())}
		case "AutoRemove":
			h.AutoRemove = v.Bool()
		case "Privileged":
			h.Privileged = v.Bool()
		case "ReadonlyRootfs":
			h.ReadonlyRootfs = v.Bool()
		case "Init":
			if v.Type == gjson.True || v.Type == gjson.False {
				b := v.Bool()
				h.Init = &b
			}
		case "CapAdd":
			h.CapAdd = strs(v)
		case "CapDrop":
			h.CapDrop = strs(v)
		case "ExtraHosts":
			h.ExtraHosts = strs(v)
		case "Tmpfs":
			h.Tmpfs = strMap(v)
		case "SecurityOpt":
			h.SecurityOpt = strs(v)
		case "Memory":
			h.Memory = v.Int()
		case "NanoCpus":
			h.NanoCPUs = v.Int()
		case "CpuShares":
			h.CPUShares = v.Int()
		case "PidsLimit":
			h.PidsLimit = v.Int()
		case "ShmSize":
			h.ShmSize = v.Int()
		case "LogConfig":
			h.LogConfig = LogConfig{Type: v.Get("Type").String(), Config: strMap(v.Get("Config"))}
		}
		return true
	})
	return nil
}

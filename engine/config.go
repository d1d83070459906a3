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
	*c = ContainerConfig{
		Hostname: r.Get("Hostname").String(), Domainname: r.Get("Domainname").String(), User: r.Get("User").String(),
		AttachStdin: r.Get("AttachStdin").Bool(), AttachStdout: r.Get("AttachStdout").Bool(), AttachStderr: r.Get("AttachStderr").Bool(),
		ExposedPorts: set(r.Get("ExposedPorts")), Tty: r.Get("Tty").Bool(), OpenStdin: r.Get("OpenStdin").Bool(),
		StdinOnce: r.Get("StdinOnce").Bool(), Env: strs(r.Get("Env")), Cmd: strs(r.Get("Cmd")),
		Entrypoint: strs(r.Get("Entrypoint")), Image: r.Get("Image").String(), Volumes: set(r.Get("Volumes")),
		WorkingDir: r.Get("WorkingDir").String(), Labels: strMap(r.Get("Labels")), StopSignal: r.Get("StopSignal").String(),
		Shell: strs(r.Get("Shell")),
	}
	if t := r.Get("StopTimeout"); t.Type == gjson.Number {
		n := int(t.Int())
		c.StopTimeout = &n
	}
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
	Memory         int64                    `json:",omitempty"` // bytes
	NanoCPUs       int64                    `json:",omitempty"` // 1e9 per CPU
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
	*h = HostConfig{
		Binds: strs(r.Get("Binds")), NetworkMode: r.Get("NetworkMode").String(),
		PortBindings:   portBindings(r.Get("PortBindings")),
		RestartPolicy:  RestartPolicy{Name: r.Get("RestartPolicy.Name").String(), MaximumRetryCount: int(r.Get("RestartPolicy.MaximumRetryCount").Int())},
		AutoRemove:     r.Get("AutoRemove").Bool(),
		Privileged:     r.Get("Privileged").Bool(),
		ReadonlyRootfs: r.Get("ReadonlyRootfs").Bool(),
		CapAdd:         strs(r.Get("CapAdd")), CapDrop: strs(r.Get("CapDrop")), ExtraHosts: strs(r.Get("ExtraHosts")),
		Tmpfs: strMap(r.Get("Tmpfs")), SecurityOpt: strs(r.Get("SecurityOpt")),
		Memory: r.Get("Memory").Int(), NanoCPUs: r.Get("NanoCpus").Int(), CPUShares: r.Get("CpuShares").Int(),
		PidsLimit: r.Get("PidsLimit").Int(), ShmSize: r.Get("ShmSize").Int(),
		LogConfig: LogConfig{Type: r.Get("LogConfig.Type").String(), Config: strMap(r.Get("LogConfig.Config"))},
	}
	if v := r.Get("Init"); v.Type == gjson.True || v.Type == gjson.False {
		b := v.Bool()
		h.Init = &b
	}
	return nil
}

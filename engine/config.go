package engine

import "github.com/tidwall/gjson"

// ContainerConfig is the portable part of a container's configuration: what
// ContainerCreate sends and ContainerInspect reports as Config. It types
// every field of the API's ContainerConfig except MacAddress, deprecated
// since API 1.44: set EndpointSettings.MacAddress instead.
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
	Healthcheck  *HealthConfig       `json:",omitempty"` // nil for the image's
	// ArgsEscaped says Cmd is already escaped for Windows' command line.
	ArgsEscaped     bool     `json:",omitempty"`
	NetworkDisabled bool     `json:",omitempty"`
	OnBuild         []string `json:",omitempty"` // ONBUILD instructions, for an image committed from the container
}

func (c *ContainerConfig) decode(r gjson.Result) error {
	if err := wantObject(r, "Config"); err != nil {
		return err
	}
	*c = ContainerConfig{}
	var err error
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
		case "Healthcheck":
			if v.IsObject() {
				c.Healthcheck = new(HealthConfig)
				err = decodeJSON(v, "Config.Healthcheck", c.Healthcheck)
			}
		case "ArgsEscaped":
			c.ArgsEscaped = v.Bool()
		case "NetworkDisabled":
			c.NetworkDisabled = v.Bool()
		case "OnBuild":
			c.OnBuild = strs(v)
		}
		return err == nil
	})
	return err
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

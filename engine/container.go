package engine

import (
	"encoding/json"
	"time"

	"github.com/tidwall/gjson"
)

// ContainerSummary is one entry of a container list.
type ContainerSummary struct {
	ID         string   `json:"Id"`
	Names      []string // with the leading "/", as the daemon sends them
	Image      string
	ImageID    string
	Command    string
	Created    time.Time `json:"-"` // seconds since the epoch on the wire
	State      string    // created, running, paused, restarting, removing, exited or dead
	Status     string    // human-readable, such as "Up 4 days"
	Ports      []PortSummary
	Labels     map[string]string
	SizeRw     int64                       `json:",omitempty"` // only when the list asked for sizes
	SizeRootFs int64                       `json:",omitempty"`
	Networks   map[string]EndpointSettings `json:"-"` // NetworkSettings.Networks on the wire
	Mounts     []MountPoint
	Raw        `json:"-"`
}

// MarshalJSON returns the document c was decoded from, or else c's fields
// under the API's names.
func (c ContainerSummary) MarshalJSON() ([]byte, error) {
	type fields ContainerSummary
	var ns *summaryNetworks
	if c.Networks != nil {
		ns = &summaryNetworks{c.Networks}
	}
	return marshalResponse(c.Raw, struct {
		fields
		Created         unixSeconds
		NetworkSettings *summaryNetworks `json:",omitempty"`
	}{fields(c), unixSeconds(c.Created), ns})
}

// UnmarshalJSON decodes a container summary as Decode does.
func (c *ContainerSummary) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, c) }

type summaryNetworks struct {
	Networks map[string]EndpointSettings
}

// Name returns the container's first name without the leading "/".
func (c ContainerSummary) Name() string {
	if len(c.Names) == 0 {
		return ""
	}
	n := c.Names[0]
	if len(n) > 0 && n[0] == '/' {
		return n[1:]
	}
	return n
}

func (c *ContainerSummary) decode(r gjson.Result) error {
	if err := wantObject(r, "container summary"); err != nil {
		return err
	}
	c.Raw = Raw(r.Raw)
	var err error
	r.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "Id":
			c.ID = v.String()
		case "Names":
			c.Names = strs(v)
		case "Image":
			c.Image = v.String()
		case "ImageID":
			c.ImageID = v.String()
		case "Command":
			c.Command = v.String()
		case "Created":
			c.Created = unixTime(v)
		case "State":
			c.State = v.String()
		case "Status":
			c.Status = v.String()
		case "Ports":
			c.Ports = newList[PortSummary](v)
			v.ForEach(func(_, p gjson.Result) bool {
				var ps PortSummary
				p.ForEach(func(k, v gjson.Result) bool {
					switch k.Str {
					case "IP":
						ps.IP = v.String()
					case "PrivatePort":
						ps.PrivatePort = uint16(v.Uint())
					case "PublicPort":
						ps.PublicPort = uint16(v.Uint())
					case "Type":
						ps.Type = v.String()
					}
					return true
				})
				c.Ports = append(c.Ports, ps)
				return true
			})
		case "Labels":
			c.Labels = strMap(v)
		case "SizeRw":
			c.SizeRw = v.Int()
		case "SizeRootFs":
			c.SizeRootFs = v.Int()
		case "NetworkSettings":
			c.Networks, err = endpoints(v.Get("Networks"))
		case "Mounts":
			c.Mounts = mounts(v)
		}
		return err == nil
	})
	return err
}

// PortSummary is a port a listed container exposes.
type PortSummary struct {
	IP          string `json:",omitempty"`
	PrivatePort uint16
	PublicPort  uint16 `json:",omitempty"`
	Type        string // tcp, udp or sctp
}

// MountPoint is a mount in a container.
type MountPoint struct {
	Type        string // bind, volume, tmpfs, npipe, cluster or image
	Name        string `json:",omitempty"` // the volume's name, for volumes
	Source      string
	Destination string
	Driver      string `json:",omitempty"`
	Mode        string
	RW          bool
	Propagation string
}

func mounts(r gjson.Result) []MountPoint {
	out := newList[MountPoint](r)
	r.ForEach(func(_, m gjson.Result) bool {
		// One pass over the mount's fields, not a Get (a scan from the
		// start) per field: mounts were a quarter of a long list's decoding.
		var mp MountPoint
		m.ForEach(func(k, v gjson.Result) bool {
			switch k.Str {
			case "Type":
				mp.Type = v.String()
			case "Name":
				mp.Name = v.String()
			case "Source":
				mp.Source = v.String()
			case "Destination":
				mp.Destination = v.String()
			case "Driver":
				mp.Driver = v.String()
			case "Mode":
				mp.Mode = v.String()
			case "RW":
				mp.RW = v.Bool()
			case "Propagation":
				mp.Propagation = v.String()
			}
			return true
		})
		out = append(out, mp)
		return true
	})
	return out
}

// EndpointSettings is a container's attachment to one network.
// As a create or connect request it sets the fields given; the daemon
// fills the rest.
type EndpointSettings struct {
	// IPAMConfig requests fixed addresses on a user-defined network.
	IPAMConfig          *EndpointIPAMConfig `json:",omitempty"`
	NetworkID           string              `json:",omitempty"`
	EndpointID          string              `json:",omitempty"`
	Gateway             string              `json:",omitempty"`
	IPAddress           string              `json:",omitempty"`
	IPPrefixLen         int                 `json:",omitempty"`
	IPv6Gateway         string              `json:",omitempty"`
	GlobalIPv6Address   string              `json:",omitempty"`
	GlobalIPv6PrefixLen int                 `json:",omitempty"`
	MacAddress          string              `json:",omitempty"`
	Aliases             []string            `json:",omitempty"`
	DNSNames            []string            `json:",omitempty"` // API 1.44 and later
}

// EndpointIPAMConfig is the addresses asked for on one network.
type EndpointIPAMConfig struct {
	IPv4Address  string   `json:",omitempty"`
	IPv6Address  string   `json:",omitempty"`
	LinkLocalIPs []string `json:",omitempty"`
}

func endpoints(r gjson.Result) (map[string]EndpointSettings, error) {
	if err := wantObject(r, "Networks"); err != nil || !r.IsObject() {
		return nil, err
	}
	out := make(map[string]EndpointSettings)
	r.ForEach(func(name, v gjson.Result) bool {
		out[name.Str] = endpoint(v)
		return true
	})
	return out, nil
}

func endpoint(r gjson.Result) EndpointSettings {
	var e EndpointSettings
	r.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "IPAMConfig":
			if v.IsObject() {
				e.IPAMConfig = &EndpointIPAMConfig{}
				v.ForEach(func(k, v gjson.Result) bool {
					switch k.Str {
					case "IPv4Address":
						e.IPAMConfig.IPv4Address = v.String()
					case "IPv6Address":
						e.IPAMConfig.IPv6Address = v.String()
					case "LinkLocalIPs":
						e.IPAMConfig.LinkLocalIPs = strs(v)
					}
					return true
				})
			}
		case "NetworkID":
			e.NetworkID = v.String()
		case "EndpointID":
			e.EndpointID = v.String()
		case "Gateway":
			e.Gateway = v.String()
		case "IPAddress":
			e.IPAddress = v.String()
		case "IPPrefixLen":
			e.IPPrefixLen = int(v.Int())
		case "IPv6Gateway":
			e.IPv6Gateway = v.String()
		case "GlobalIPv6Address":
			e.GlobalIPv6Address = v.String()
		case "GlobalIPv6PrefixLen":
			e.GlobalIPv6PrefixLen = int(v.Int())
		case "MacAddress":
			e.MacAddress = v.String()
		case "Aliases":
			e.Aliases = strs(v)
		case "DNSNames":
			e.DNSNames = strs(v)
		}
		return true
	})
	return e
}

// ContainerInspectResponse is the detail of one container.
type ContainerInspectResponse struct {
	ID              string `json:"Id"`
	Name            string // with the leading "/"
	Created         time.Time
	Path            string
	Args            []string
	State           ContainerState
	Image           string // the image ID
	RestartCount    int
	Driver          string
	Platform        string
	ExecIDs         []string
	Config          ContainerConfig
	HostConfig      HostConfig
	NetworkSettings NetworkSettings
	Mounts          []MountPoint
	SizeRw          int64 `json:",omitempty"`
	SizeRootFs      int64 `json:",omitempty"`
	Raw             `json:"-"`
}

// MarshalJSON returns the document c was decoded from, or else c's fields
// under the API's names.
func (c ContainerInspectResponse) MarshalJSON() ([]byte, error) {
	type fields ContainerInspectResponse
	return marshalResponse(c.Raw, fields(c))
}

// UnmarshalJSON decodes a container as Decode does.
func (c *ContainerInspectResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, c) }

func (c *ContainerInspectResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "container"); err != nil {
		return err
	}
	c.Raw = Raw(r.Raw)
	var err error
	r.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "Id":
			c.ID = v.String()
		case "Name":
			c.Name = v.String()
		case "Created":
			c.Created = timestamp(v)
		case "Path":
			c.Path = v.String()
		case "Args":
			c.Args = strs(v)
		case "State":
			err = c.State.decode(v)
		case "Image":
			c.Image = v.String()
		case "RestartCount":
			c.RestartCount = int(v.Int())
		case "Driver":
			c.Driver = v.String()
		case "Platform":
			c.Platform = v.String()
		case "ExecIDs":
			c.ExecIDs = strs(v)
		case "Config":
			err = c.Config.decode(v)
		case "HostConfig":
			err = c.HostConfig.decode(v)
		case "NetworkSettings":
			err = c.NetworkSettings.decode(v)
		case "Mounts":
			c.Mounts = mounts(v)
		case "SizeRw":
			c.SizeRw = v.Int()
		case "SizeRootFs":
			c.SizeRootFs = v.Int()
		}
		return err == nil
	})
	return err
}

// ContainerState is a container's run state.
type ContainerState struct {
	Status     string // created, running, paused, restarting, removing, exited or dead
	Running    bool
	Paused     bool
	Restarting bool
	OOMKilled  bool
	Dead       bool
	Pid        int
	ExitCode   int
	Error      string
	StartedAt  time.Time // zero if never started
	FinishedAt time.Time // zero if never finished
	// Health is Health.Status on the wire: starting, healthy, unhealthy,
	// or "" without a health check.
	Health string `json:"-"`
}

// MarshalJSON returns s under the API's names.
func (s ContainerState) MarshalJSON() ([]byte, error) {
	type fields ContainerState
	var health *struct{ Status string }
	if s.Health != "" {
		health = &struct{ Status string }{s.Health}
	}
	return json.Marshal(struct {
		fields
		Health *struct{ Status string } `json:",omitempty"`
	}{fields(s), health})
}

// UnmarshalJSON decodes a container state as ContainerInspectResponse's
// decoding does.
func (s *ContainerState) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, s) }

func (s *ContainerState) decode(r gjson.Result) error {
	if err := wantObject(r, "State"); err != nil {
		return err
	}
	*s = ContainerState{}
	var err error
	r.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "Status":
			s.Status = v.String()
		case "Running":
			s.Running = v.Bool()
		case "Paused":
			s.Paused = v.Bool()
		case "Restarting":
			s.Restarting = v.Bool()
		case "OOMKilled":
			s.OOMKilled = v.Bool()
		case "Dead":
			s.Dead = v.Bool()
		case "Pid":
			s.Pid = int(v.Int())
		case "ExitCode":
			var code int64
			code, err = exactInt(v, "State.ExitCode")
			s.ExitCode = int(code)
		case "Error":
			s.Error = v.String()
		case "StartedAt":
			s.StartedAt = timestamp(v)
		case "FinishedAt":
			s.FinishedAt = timestamp(v)
		case "Health":
			s.Health = v.Get("Status").String()
		}
		return err == nil
	})
	return err
}

// NetworkSettings is a container's networking as inspected. The top-level
// IPAddress, Gateway and MacAddress fields are gone from API 1.52 on: read
// them per network from Networks.
type NetworkSettings struct {
	SandboxID  string
	SandboxKey string
	Ports      map[string][]PortBinding // "80/tcp" -> host bindings; nil value if not published
	Networks   map[string]EndpointSettings
}

// PortBinding is a host address and port a container port is published on.
type PortBinding struct {
	HostIP   string `json:"HostIp,omitempty"`
	HostPort string `json:"HostPort,omitempty"`
}

func (n *NetworkSettings) decode(r gjson.Result) error {
	if err := wantObject(r, "NetworkSettings"); err != nil {
		return err
	}
	var err error
	r.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "SandboxID":
			n.SandboxID = v.String()
		case "SandboxKey":
			n.SandboxKey = v.String()
		case "Ports":
			n.Ports = portBindings(v)
		case "Networks":
			n.Networks, err = endpoints(v)
		}
		return err == nil
	})
	return err
}

func portBindings(r gjson.Result) map[string][]PortBinding {
	if !r.IsObject() {
		return nil
	}
	out := make(map[string][]PortBinding)
	r.ForEach(func(port, bs gjson.Result) bool {
		var list []PortBinding
		bs.ForEach(func(_, b gjson.Result) bool {
			var pb PortBinding
			b.ForEach(func(k, v gjson.Result) bool {
				switch k.Str {
				case "HostIp":
					pb.HostIP = v.String()
				case "HostPort":
					pb.HostPort = v.String()
				}
				return true
			})
			list = append(list, pb)
			return true
		})
		out[port.Str] = list
		return true
	})
	return out
}

// ContainerCreateResponse is the answer to a container create.
type ContainerCreateResponse struct {
	ID       string `json:"Id"`
	Warnings []string
	Raw      `json:"-"`
}

// MarshalJSON returns the document c was decoded from, or else c's fields
// under the API's names.
func (c ContainerCreateResponse) MarshalJSON() ([]byte, error) {
	type fields ContainerCreateResponse
	return marshalResponse(c.Raw, fields(c))
}

// UnmarshalJSON decodes a create response as Decode does.
func (c *ContainerCreateResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, c) }

func (c *ContainerCreateResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "create response"); err != nil {
		return err
	}
	*c = ContainerCreateResponse{ID: r.Get("Id").String(), Warnings: strs(r.Get("Warnings")), Raw: Raw(r.Raw)}
	return nil
}

// ContainerWaitResponse is a container's exit as reported by a wait.
type ContainerWaitResponse struct {
	StatusCode int64
	Error      string `json:"-"` // Error.Message: why waiting failed, if it did
	Raw        `json:"-"`
}

// MarshalJSON returns the document w was decoded from, or else w's fields
// under the API's names.
func (w ContainerWaitResponse) MarshalJSON() ([]byte, error) {
	type fields ContainerWaitResponse
	var e *struct{ Message string }
	if w.Error != "" {
		e = &struct{ Message string }{w.Error}
	}
	return marshalResponse(w.Raw, struct {
		fields
		Error *struct{ Message string } `json:",omitempty"`
	}{fields(w), e})
}

// UnmarshalJSON decodes a wait response as Decode does.
func (w *ContainerWaitResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, w) }

func (w *ContainerWaitResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "wait response"); err != nil {
		return err
	}
	code, err := exactInt(r.Get("StatusCode"), "StatusCode")
	if err != nil {
		return err
	}
	*w = ContainerWaitResponse{StatusCode: code, Error: r.Get("Error.Message").String(), Raw: Raw(r.Raw)}
	return nil
}

// ContainerTopResponse is the process list of a container.
type ContainerTopResponse struct {
	Titles    []string
	Processes [][]string
	Raw       `json:"-"`
}

// MarshalJSON returns the document t was decoded from, or else t's fields
// under the API's names.
func (t ContainerTopResponse) MarshalJSON() ([]byte, error) {
	type fields ContainerTopResponse
	return marshalResponse(t.Raw, fields(t))
}

// UnmarshalJSON decodes a top response as Decode does.
func (t *ContainerTopResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, t) }

func (t *ContainerTopResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "top response"); err != nil {
		return err
	}
	*t = ContainerTopResponse{Titles: strs(r.Get("Titles")), Raw: Raw(r.Raw)}
	r.Get("Processes").ForEach(func(_, p gjson.Result) bool {
		t.Processes = append(t.Processes, strs(p))
		return true
	})
	return nil
}

// ContainerPruneResponse is what a container prune removed.
type ContainerPruneResponse struct {
	ContainersDeleted []string // IDs
	SpaceReclaimed    int64    // bytes
	Raw               `json:"-"`
}

func (p *ContainerPruneResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "container prune response"); err != nil {
		return err
	}
	*p = ContainerPruneResponse{ContainersDeleted: strs(r.Get("ContainersDeleted")), SpaceReclaimed: r.Get("SpaceReclaimed").Int(), Raw: Raw(r.Raw)}
	return nil
}

// MarshalJSON returns the document p was decoded from, or else p's fields
// under the API's names.
func (p ContainerPruneResponse) MarshalJSON() ([]byte, error) {
	type fields ContainerPruneResponse
	return marshalResponse(p.Raw, fields(p))
}

// UnmarshalJSON decodes a prune response as Decode does.
func (p *ContainerPruneResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, p) }

// ContainerUpdateResponse is the answer to a container update.
type ContainerUpdateResponse struct {
	Warnings []string
	Raw      `json:"-"`
}

// MarshalJSON returns the document u was decoded from, or else u's fields
// under the API's names.
func (u ContainerUpdateResponse) MarshalJSON() ([]byte, error) {
	type fields ContainerUpdateResponse
	return marshalResponse(u.Raw, fields(u))
}

// UnmarshalJSON decodes an update response as Decode does.
func (u *ContainerUpdateResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, u) }

func (u *ContainerUpdateResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "update response"); err != nil {
		return err
	}
	*u = ContainerUpdateResponse{Warnings: strs(r.Get("Warnings")), Raw: Raw(r.Raw)}
	return nil
}

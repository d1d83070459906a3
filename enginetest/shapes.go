package enginetest

import (
	"fmt"
	"strings"
	"time"
)

// summary is the ContainerSummary of GET /containers/json.
func (c *container) summary(v apiVersion, size bool, now time.Time) map[string]any {
	s := map[string]any{
		"Id":         c.ID,
		"Names":      []string{"/" + c.Name},
		"Image":      c.Image,
		"ImageID":    c.ImageID,
		"Command":    shellJoin(c.Cmd),
		"Created":    c.Created.Unix(),
		"Ports":      []any{},
		"Labels":     nonNilMap(c.Labels),
		"State":      c.State,
		"Status":     c.statusText(now),
		"HostConfig": map[string]any{"NetworkMode": "bridge"},
		"NetworkSettings": map[string]any{
			"Networks": map[string]any{"bridge": c.endpoint(v)},
		},
		"Mounts": []any{},
	}
	if size {
		s["SizeRw"] = c.SizeRw
		s["SizeRootFs"] = c.SizeRw + 4<<20
	}
	return s
}

// statusText is the human-readable Status of the list, as `docker ps` shows it.
func (c *container) statusText(now time.Time) string {
	switch c.State {
	case "running":
		return "Up " + humanDuration(now.Sub(c.StartedAt))
	case "paused":
		return "Up " + humanDuration(now.Sub(c.StartedAt)) + " (Paused)"
	case "restarting":
		return fmt.Sprintf("Restarting (%d) %s ago", c.ExitCode, humanDuration(now.Sub(c.FinishedAt)))
	case "exited":
		return fmt.Sprintf("Exited (%d) %s ago", c.ExitCode, humanDuration(now.Sub(c.FinishedAt)))
	case "removing":
		return "Removal In Progress"
	case "dead":
		return "Dead"
	}
	return "Created"
}

// endpoint is the EndpointSettings of the container on the default bridge.
func (c *container) endpoint(v apiVersion) map[string]any {
	ep := map[string]any{
		"IPAMConfig": nil, "Links": nil, "Aliases": nil,
		"NetworkID":           hashHex("bridge"),
		"EndpointID":          "",
		"Gateway":             "",
		"IPAddress":           c.ip,
		"IPPrefixLen":         0,
		"IPv6Gateway":         "",
		"GlobalIPv6Address":   "",
		"GlobalIPv6PrefixLen": 0,
		"MacAddress":          "",
		"DriverOpts":          nil,
	}
	if c.ip != "" {
		ep["EndpointID"] = hashHex("endpoint " + c.ID)
		ep["Gateway"] = "172.17.0.1"
		ep["IPPrefixLen"] = 16
		ep["MacAddress"] = "02:42:ac:11:00:02"
	}
	if v.atLeast(1, 44) {
		ep["DNSNames"] = nil
	}
	if v.atLeast(1, 48) {
		ep["GwPriority"] = 0
	}
	return ep
}

// inspect is the ContainerInspectResponse of GET /containers/{id}/json, in
// the shape of API version v.
func (c *container) inspect(v apiVersion) map[string]any {
	var execIDs any // null, not [], when there are none, as the daemon sends
	if len(c.execIDs) > 0 {
		execIDs = append([]string(nil), c.execIDs...)
	}
	env := any(nil)
	if len(c.Env) > 0 {
		env = c.Env
	}
	short := c.ID[:12]
	ns := map[string]any{
		"SandboxID":  "",
		"SandboxKey": "",
		"Ports":      map[string]any{},
		"Networks":   map[string]any{"bridge": c.endpoint(v)},
	}
	if !v.atLeast(1, 52) {
		// API 1.52 dropped the deprecated top-level copies of the default
		// network's settings; older clients still read them.
		ep := c.endpoint(v)
		for _, k := range []string{"EndpointID", "Gateway", "GlobalIPv6Address", "GlobalIPv6PrefixLen", "IPAddress", "IPPrefixLen", "IPv6Gateway", "MacAddress"} {
			ns[k] = ep[k]
		}
		ns["Bridge"] = ""
		ns["HairpinMode"] = false
		ns["LinkLocalIPv6Address"] = ""
		ns["LinkLocalIPv6PrefixLen"] = 0
		ns["SecondaryIPAddresses"] = nil
		ns["SecondaryIPv6Addresses"] = nil
	}
	config := map[string]any{
		"Hostname":     short,
		"Domainname":   "",
		"User":         c.User,
		"AttachStdin":  false,
		"AttachStdout": false, // as for `docker run -d`
		"AttachStderr": false,
		"Tty":          c.Tty,
		"OpenStdin":    c.OpenStdin,
		"StdinOnce":    c.StdinOnce,
		"Env":          env,
		"Cmd":          c.Cmd,
		"Image":        c.Image,
		"Volumes":      nil,
		"WorkingDir":   c.WorkingDir,
		"Entrypoint":   nil,
		"Labels":       nonNilMap(c.Labels),
	}
	if !v.atLeast(1, 52) {
		config["OnBuild"] = nil
	}
	return map[string]any{
		"Id":      c.ID,
		"Created": formatTime(c.Created),
		"Path":    c.Cmd[0],
		"Args":    append([]string{}, c.Cmd[1:]...),
		"State": map[string]any{
			"Status":     c.State,
			"Running":    isRunning(c.State),
			"Paused":     c.State == "paused",
			"Restarting": c.State == "restarting",
			"OOMKilled":  false,
			"Dead":       c.State == "dead",
			"Pid":        c.pid,
			"ExitCode":   c.ExitCode,
			"Error":      "",
			"StartedAt":  formatTime(c.StartedAt),
			"FinishedAt": formatTime(c.FinishedAt),
		},
		"Image":           c.ImageID,
		"ResolvConfPath":  "/var/lib/docker/containers/" + c.ID + "/resolv.conf",
		"HostnamePath":    "/var/lib/docker/containers/" + c.ID + "/hostname",
		"HostsPath":       "/var/lib/docker/containers/" + c.ID + "/hosts",
		"LogPath":         "/var/lib/docker/containers/" + c.ID + "/" + c.ID + "-json.log",
		"Name":            "/" + c.Name,
		"RestartCount":    0,
		"Driver":          "overlay2",
		"Platform":        "linux",
		"MountLabel":      "",
		"ProcessLabel":    "",
		"AppArmorProfile": "",
		"ExecIDs":         execIDs,
		"HostConfig": map[string]any{
			"NetworkMode":   "bridge",
			"RestartPolicy": map[string]any{"Name": "no", "MaximumRetryCount": 0},
			"AutoRemove":    false,
			"Binds":         nil,
			"LogConfig":     map[string]any{"Type": "json-file", "Config": map[string]any{}},
			"PortBindings":  map[string]any{},
			"Privileged":    false,
		},
		"GraphDriver":     map[string]any{"Name": "overlay2", "Data": nil},
		"Mounts":          []any{},
		"Config":          config,
		"NetworkSettings": ns,
	}
}

// formatTime formats t as the daemon does in inspect output; the zero time
// stays "0001-01-01T00:00:00Z", which clients must read as "never".
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// humanDuration is Docker's units.HumanDuration, used in the list's Status.
func humanDuration(d time.Duration) string {
	if s := int(d.Seconds()); s < 1 {
		return "Less than a second"
	} else if s == 1 {
		return "1 second"
	} else if s < 60 {
		return fmt.Sprintf("%d seconds", s)
	} else if m := int(d.Minutes()); m == 1 {
		return "About a minute"
	} else if m < 60 {
		return fmt.Sprintf("%d minutes", m)
	} else if h := int(d.Hours() + 0.5); h == 1 {
		return "About an hour"
	} else if h < 48 {
		return fmt.Sprintf("%d hours", h)
	} else if h < 24*7*2 {
		return fmt.Sprintf("%d days", h/24)
	} else if h < 24*30*2 {
		return fmt.Sprintf("%d weeks", h/24/7)
	} else if h < 24*365*2 {
		return fmt.Sprintf("%d months", h/24/30)
	}
	return fmt.Sprintf("%d years", int(d.Hours())/24/365)
}

// shellJoin is the list's Command: the command line with each argument
// that needs it single-quoted, as `docker ps --no-trunc` shows.
func shellJoin(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
		}) < 0 {
			quoted[i] = a
			continue
		}
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(quoted, " ")
}

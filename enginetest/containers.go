package enginetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Container describes a container the engine pretends to have. Zero fields
// get defaults when it is added; see AddContainer.
type Container struct {
	// ID is the 64-hex-digit ID. Default: derived from the engine's counter,
	// so it is the same in every run of a test.
	ID string
	// Name is the name without its leading "/". Default: "enginetest_N".
	Name  string
	Image string // default "busybox:latest"
	// ImageID default: "sha256:" and the SHA-256 of Image.
	ImageID string
	Cmd     []string // default ["sh"]
	Env     []string
	User    string
	// WorkingDir is Config.WorkingDir.
	WorkingDir string
	Labels     map[string]string
	Tty        bool
	// State is one of "created", "running", "paused", "restarting",
	// "removing", "exited" or "dead". Default: "running".
	State    string
	ExitCode int
	// Created default: the time the container is added. StartedAt default:
	// Created, unless the container was never started. FinishedAt default:
	// the time it is added, for an exited or dead container.
	Created, StartedAt, FinishedAt time.Time
	// Logs are the messages GET /containers/{id}/logs returns.
	Logs []LogEntry
	// SizeRw is reported by the list with size=1.
	SizeRw int64
}

// container is a Container as the engine stores it, with what the engine
// itself keeps track of.
type container struct {
	Container
	seq     int // order of addition, to sort containers created at the same instant
	pid     int
	ip      string
	execIDs []string
}

var validStates = map[string]bool{
	"created": true, "running": true, "paused": true, "restarting": true,
	"removing": true, "exited": true, "dead": true,
}

// AddContainer adds c, filling in defaults, and returns its full ID. The
// container can then be addressed as Docker allows: by full ID, by a unique
// prefix of the ID, or by name with or without the leading "/".
func (e *Engine) AddContainer(c Container) string {
	e.t.Helper()
	if c.State == "" {
		c.State = "running"
	}
	if !validStates[c.State] {
		e.t.Errorf("enginetest: AddContainer: invalid state %q", c.State)
		return ""
	}
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nextSeq++
	seq := e.nextSeq
	if c.ID == "" {
		c.ID = hashHex(fmt.Sprintf("enginetest container %d", seq))
	}
	c.Name = strings.TrimPrefix(c.Name, "/")
	if c.Name == "" {
		c.Name = fmt.Sprintf("enginetest_%d", seq)
	}
	for _, o := range e.containers {
		if o.ID == c.ID || o.Name == c.Name {
			e.t.Errorf("enginetest: AddContainer: %s/%s conflicts with %s/%s", c.ID, c.Name, o.ID, o.Name)
			return ""
		}
	}
	if c.Image == "" {
		c.Image = "busybox:latest"
	}
	if c.ImageID == "" {
		c.ImageID = "sha256:" + hashHex(c.Image)
	}
	if len(c.Cmd) == 0 {
		c.Cmd = []string{"sh"}
	}
	if c.Created.IsZero() {
		c.Created = now
	}
	if c.StartedAt.IsZero() && c.State != "created" {
		c.StartedAt = c.Created
	}
	if c.FinishedAt.IsZero() && (c.State == "exited" || c.State == "dead") {
		c.FinishedAt = now
	}
	c.Cmd = append([]string(nil), c.Cmd...)
	c.Env = append([]string(nil), c.Env...)
	c.Labels = cloneMap(c.Labels)
	c.Logs = stampLogs(append([]LogEntry(nil), c.Logs...), now)
	ct := &container{Container: c, seq: seq}
	if isRunning(c.State) {
		ct.pid = 1000 + seq
		ct.ip = fmt.Sprintf("172.17.%d.%d", seq/250, seq%250+2)
	}
	e.containers[c.ID] = ct
	e.notifyLocked()
	return c.ID
}

// StopContainer marks the container exited with exitCode, which ends the log
// streams that follow it and the execs running in it.
func (e *Engine) StopContainer(id string, exitCode int) {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	c, status, msg := e.lookupLocked(id)
	if c == nil {
		e.t.Errorf("enginetest: StopContainer: %d %s", status, msg)
		return
	}
	c.State = "exited"
	c.ExitCode = exitCode
	c.FinishedAt = time.Now()
	c.pid = 0
	c.ip = ""
	e.killExecsLocked(c.ID)
	e.notifyLocked()
}

// RemoveContainer deletes the container, which ends the log streams that
// follow it; later requests for it get 404.
func (e *Engine) RemoveContainer(id string) {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	c, status, msg := e.lookupLocked(id)
	if c == nil {
		e.t.Errorf("enginetest: RemoveContainer: %d %s", status, msg)
		return
	}
	e.killExecsLocked(c.ID)
	for id, x := range e.execs {
		if x.containerID == c.ID {
			delete(e.execs, id) // as the daemon forgets them: exec inspect gets 404
		}
	}
	delete(e.containers, c.ID)
	e.notifyLocked()
}

// Container returns the current state of the container id, as resolved by
// the daemon's rules, and whether it exists.
func (e *Engine) Container(id string) (Container, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, _, _ := e.lookupLocked(id)
	if c == nil {
		return Container{}, false
	}
	out := c.Container
	out.Cmd = append([]string(nil), c.Cmd...)
	out.Env = append([]string(nil), c.Env...)
	out.Labels = cloneMap(c.Labels)
	out.Logs = append([]LogEntry(nil), c.Logs...)
	return out, true
}

// lookupLocked resolves a container reference as the daemon does: a full ID,
// then a name (with or without "/"), then a unique ID prefix. On failure it
// returns the status and message the daemon would answer with.
func (e *Engine) lookupLocked(ref string) (*container, int, string) {
	if c, ok := e.containers[ref]; ok {
		return c, 0, ""
	}
	name := strings.TrimPrefix(ref, "/")
	for _, c := range e.containers {
		if c.Name == name {
			return c, 0, ""
		}
	}
	var found *container
	if ref != "" {
		for id, c := range e.containers {
			if strings.HasPrefix(id, ref) {
				if found != nil {
					return nil, http.StatusInternalServerError, "Multiple IDs found with provided prefix: " + ref
				}
				found = c
			}
		}
	}
	if found == nil {
		return nil, http.StatusNotFound, "No such container: " + ref
	}
	return found, 0, ""
}

func isRunning(state string) bool {
	return state == "running" || state == "paused" || state == "restarting"
}

func (e *Engine) containerList(w http.ResponseWriter, r *http.Request, v apiVersion) {
	q := r.URL.Query()
	all := boolValue(q.Get("all"))
	limit := 0
	if s := q.Get("limit"); s != "" {
		n, err := parseInt(s)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		limit = n
	}
	filters, err := parseFilters(q.Get("filters"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	match, err := containerFilter(filters)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	// The daemon shows stopped containers when asked for the newest N or
	// for a status, even without all.
	if limit > 0 || len(filters["status"]) > 0 {
		all = true
	}
	size := boolValue(q.Get("size"))

	e.mu.Lock()
	list := make([]*container, 0, len(e.containers))
	for _, c := range e.containers {
		if (all || isRunning(c.State)) && match(c) {
			list = append(list, c)
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if !list[i].Created.Equal(list[j].Created) {
			return list[i].Created.After(list[j].Created)
		}
		return list[i].seq > list[j].seq
	})
	if limit > 0 && len(list) > limit {
		list = list[:limit]
	}
	out := make([]map[string]any, len(list))
	now := time.Now()
	for i, c := range list {
		out[i] = c.summary(v, size, now)
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (e *Engine) containerInspect(w http.ResponseWriter, r *http.Request, v apiVersion) {
	e.mu.Lock()
	c, status, msg := e.lookupLocked(r.PathValue("id"))
	if c == nil {
		e.mu.Unlock()
		writeError(w, status, msg)
		return
	}
	body := c.inspect(v)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// summary is the ContainerSummary of GET /containers/json.
func (c *container) summary(v apiVersion, size bool, now time.Time) map[string]any {
	s := map[string]any{
		"Id":         c.ID,
		"Names":      []string{"/" + c.Name},
		"Image":      c.Image,
		"ImageID":    c.ImageID,
		"Command":    strings.Join(c.Cmd, " "),
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
		"AttachStdout": true,
		"AttachStderr": true,
		"Tty":          c.Tty,
		"OpenStdin":    false,
		"StdinOnce":    false,
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

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// nonNilMap keeps a nil label map from encoding as null; the daemon sends {}.
func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

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
	// OpenStdin and StdinOnce are Config.OpenStdin and Config.StdinOnce.
	// The fake plays every container's main process as cat: what a client
	// attached with stdin writes comes back as stdout, and the end of that
	// stdin ends a container with StdinOnce and no TTY (it exits 0), and
	// only the attachment otherwise, as the daemon does. With a TTY the
	// detach keys end the attachment and are not echoed.
	OpenStdin, StdinOnce bool
	// ConsoleSize is the [height, width] of the container's TTY, as the
	// last POST /containers/{id}/resize set it.
	ConsoleSize [2]uint
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
	// SizeRw is reported by the list and by inspect with size=1, and
	// SizeRootFs as 4 MiB more.
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
	exits   int // how many times it stopped, for waits on the next exit
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
	e.stopLocked(c, exitCode)
}

// stopLocked marks c exited with exitCode and wakes whoever follows it.
func (e *Engine) stopLocked(c *container, exitCode int) {
	c.State = "exited"
	c.ExitCode = exitCode
	c.FinishedAt = time.Now()
	c.pid = 0
	c.ip = ""
	c.exits++
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
	if boolValue(r.URL.Query().Get("size")) {
		body["SizeRw"], body["SizeRootFs"] = c.SizeRw, c.SizeRw+4<<20
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
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

package enginetest

import (
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"time"
)

// WithSwarm makes the engine the only node, and manager, of a swarm: it
// serves /swarm, /nodes, /services and /tasks, and the logs of services
// and tasks (what AppendTaskLog added). Every task runs as soon as
// it is scheduled, one per replica (one for a global service), and a
// changed TaskTemplate replaces them all, as a completed rolling update
// does. Updates check the version index and refuse a stale one with the
// daemon's "update out of sequence". Without WithSwarm those routes
// answer 503 like a daemon in no swarm.
func WithSwarm() Option {
	return func(c *config) error {
		c.swarm = true
		return nil
	}
}

// fakeNodeID is the engine's node ID in its swarm.
const fakeNodeID = "enginetestnode0000000000a"

type fakeService struct {
	id      string
	version uint64
	created time.Time
	updated time.Time
	spec    map[string]any
	prev    map[string]any
	updateC time.Time // when the last update completed; zero if none
}

type fakeTask struct {
	id, serviceID  string
	slot           int
	created        time.Time
	spec           any
	desired, state string
	message        string
	logs           []LogEntry // AppendTaskLog's
}

type swarmState struct {
	version  uint64 // the store's index, as swarmkit's raft index
	services map[string]*fakeService
	tasks    []*fakeTask
}

func (e *Engine) notManager(w http.ResponseWriter) bool {
	if e.cfg.swarm {
		return false
	}
	writeError(w, http.StatusServiceUnavailable, `This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.`)
	return true
}

func (e *Engine) swarmLocked() *swarmState {
	if e.swarm == nil {
		e.swarm = &swarmState{version: 10, services: map[string]*fakeService{}}
	}
	return e.swarm
}

func (e *Engine) swarmInspect(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	if e.notManager(w) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ID": "enginetestswarm00000000000", "Version": map[string]any{"Index": 10},
		"Spec":       map[string]any{"Name": "default", "Labels": map[string]string{}, "Orchestration": map[string]any{"TaskHistoryRetentionLimit": 5}},
		"JoinTokens": map[string]string{"Worker": "SWMTKN-1-enginetest-worker", "Manager": "SWMTKN-1-enginetest-manager"}})
}

func (e *Engine) nodeDoc() map[string]any {
	return map[string]any{"ID": fakeNodeID, "Version": map[string]any{"Index": 9},
		"Spec":          map[string]any{"Labels": map[string]string{}, "Role": "manager", "Availability": "active"},
		"Description":   map[string]any{"Hostname": "enginetest", "Platform": map[string]string{"Architecture": "x86_64", "OS": e.cfg.osType}, "Engine": map[string]any{"EngineVersion": e.cfg.engineVersion}},
		"Status":        map[string]any{"State": "ready", "Addr": "127.0.0.1"},
		"ManagerStatus": map[string]any{"Leader": true, "Reachability": "reachable", "Addr": "127.0.0.1:2377"}}
}

func (e *Engine) nodeList(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	if !e.notManager(w) {
		writeJSON(w, http.StatusOK, []any{e.nodeDoc()})
	}
}

func (e *Engine) nodeInspect(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	if e.notManager(w) {
		return
	}
	if id := r.PathValue("id"); id != fakeNodeID && id != "enginetest" {
		writeError(w, http.StatusNotFound, "node "+id+" not found")
		return
	}
	writeJSON(w, http.StatusOK, e.nodeDoc())
}

func (e *Engine) serviceCreate(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	if e.notManager(w) {
		return
	}
	var spec map[string]any
	if err := e.readJSON(r, &spec); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.swarmLocked()
	name, _ := spec["Name"].(string)
	if name == "" {
		e.nextSeq++
		name = fmt.Sprintf("service_%d", e.nextSeq)
		spec["Name"] = name
	}
	if e.findServiceLocked(name) != nil {
		writeError(w, http.StatusConflict, "rpc error: code = AlreadyExists desc = name conflicts with an existing object: service "+name+" already exists")
		return
	}
	now := time.Now().UTC()
	s.version++
	svc := &fakeService{id: hashHex("service" + name + now.String())[:25], version: s.version, created: now, updated: now, spec: spec}
	s.services[svc.id] = svc
	e.scheduleLocked(svc, now)
	writeJSON(w, http.StatusCreated, map[string]any{"ID": svc.id})
}

// findServiceLocked finds a service by ID, unique ID prefix or name.
func (e *Engine) findServiceLocked(ref string) *fakeService {
	s := e.swarmLocked()
	if svc := s.services[ref]; svc != nil {
		return svc
	}
	for _, svc := range s.services {
		if svc.spec["Name"] == ref {
			return svc
		}
	}
	var found *fakeService
	for id, svc := range s.services {
		if len(ref) > 0 && len(ref) < len(id) && id[:len(ref)] == ref {
			if found != nil {
				return nil
			}
			found = svc
		}
	}
	return found
}

// wantTasks is how many tasks a service's spec asks for.
func wantTasks(spec map[string]any) int {
	mode, _ := spec["Mode"].(map[string]any)
	if rep, ok := mode["Replicated"].(map[string]any); ok {
		n, _ := rep["Replicas"].(float64)
		return int(n)
	}
	if len(mode) == 0 {
		return 1
	}
	return 1 // global (one node), or a job: one task
}

// scheduleLocked brings the service's running tasks to what its spec
// asks: new tasks run at once; a changed template or a lower count shuts
// tasks down.
func (e *Engine) scheduleLocked(svc *fakeService, now time.Time) {
	s := e.swarmLocked()
	want := wantTasks(svc.spec)
	template := svc.spec["TaskTemplate"]
	slots := map[int]bool{}
	for _, t := range s.tasks {
		if t.serviceID != svc.id || t.desired != "running" {
			continue
		}
		if t.slot > want || !reflect.DeepEqual(t.spec, template) {
			t.desired, t.state, t.message = "shutdown", "shutdown", "shutdown"
			continue
		}
		slots[t.slot] = true
	}
	for slot := 1; slot <= want; slot++ {
		if slots[slot] {
			continue
		}
		e.nextSeq++
		s.tasks = append(s.tasks, &fakeTask{id: hashHex(fmt.Sprintf("task%s%d%d", svc.id, slot, e.nextSeq))[:25], serviceID: svc.id,
			slot: slot, created: now, spec: template, desired: "running", state: "running", message: "started"})
	}
}

func (e *Engine) serviceDoc(svc *fakeService, status bool) map[string]any {
	doc := map[string]any{"ID": svc.id, "Version": map[string]any{"Index": svc.version},
		"CreatedAt": formatTime(svc.created), "UpdatedAt": formatTime(svc.updated), "Spec": svc.spec, "Endpoint": map[string]any{"Spec": map[string]any{}}}
	if svc.prev != nil {
		doc["PreviousSpec"] = svc.prev
	}
	if !svc.updateC.IsZero() {
		doc["UpdateStatus"] = map[string]any{"State": "completed", "StartedAt": formatTime(svc.updated), "CompletedAt": formatTime(svc.updateC), "Message": "update completed"}
	}
	if status {
		running := 0
		for _, t := range e.swarm.tasks {
			if t.serviceID == svc.id && t.state == "running" {
				running++
			}
		}
		doc["ServiceStatus"] = map[string]any{"RunningTasks": running, "DesiredTasks": wantTasks(svc.spec), "CompletedTasks": 0}
	}
	return doc
}

func (e *Engine) serviceList(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	if e.notManager(w) {
		return
	}
	f, err := parseFilters(r.URL.Query().Get("filters"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	status := boolValue(r.URL.Query().Get("status"))
	e.mu.Lock()
	defer e.mu.Unlock()
	list := []any{}
	for _, svc := range e.sortedServicesLocked() {
		if matchAny(f["id"], svc.id) && matchAny(f["name"], svc.spec["Name"].(string)) {
			list = append(list, e.serviceDoc(svc, status))
		}
	}
	writeJSON(w, http.StatusOK, list)
}

func (e *Engine) sortedServicesLocked() []*fakeService {
	var list []*fakeService
	for _, svc := range e.swarmLocked().services {
		list = append(list, svc)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].created.Before(list[j].created) })
	return list
}

// matchAny reports whether value starts with one of the terms, or there
// are none: the daemon matches IDs and names by prefix.
func matchAny(terms []string, value string) bool {
	for _, t := range terms {
		if len(t) <= len(value) && value[:len(t)] == t {
			return true
		}
	}
	return len(terms) == 0
}

// serviceOr404Locked finds the service the path names, or answers 404.
func (e *Engine) serviceOr404Locked(w http.ResponseWriter, r *http.Request) *fakeService {
	svc := e.findServiceLocked(r.PathValue("id"))
	if svc == nil {
		writeError(w, http.StatusNotFound, "service "+r.PathValue("id")+" not found")
	}
	return svc
}

func (e *Engine) serviceInspect(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	if e.notManager(w) {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if svc := e.serviceOr404Locked(w, r); svc != nil {
		writeJSON(w, http.StatusOK, e.serviceDoc(svc, false))
	}
}

func (e *Engine) serviceUpdate(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	if e.notManager(w) {
		return
	}
	var spec map[string]any
	if err := e.readJSON(r, &spec); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	version, err := strconv.ParseUint(r.URL.Query().Get("version"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid service version '"+r.URL.Query().Get("version")+"'")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	svc := e.serviceOr404Locked(w, r)
	switch {
	case svc == nil:
		return
	case version != svc.version:
		writeError(w, http.StatusInternalServerError, "rpc error: code = Unknown desc = update out of sequence")
		return
	}
	if r.URL.Query().Get("rollback") == "previous" {
		if svc.prev == nil {
			writeError(w, http.StatusInternalServerError, "rpc error: code = FailedPrecondition desc = service "+svc.id+" does not have a previous spec")
			return
		}
		spec = svc.prev
	}
	now := time.Now().UTC()
	s := e.swarmLocked()
	s.version++
	svc.prev, svc.spec, svc.version, svc.updated = svc.spec, spec, s.version, now
	if !reflect.DeepEqual(svc.prev["TaskTemplate"], spec["TaskTemplate"]) {
		svc.updateC = now
	}
	e.scheduleLocked(svc, now)
	writeJSON(w, http.StatusOK, map[string]any{"Warnings": nil})
}

func (e *Engine) serviceRemove(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	if e.notManager(w) {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	svc := e.serviceOr404Locked(w, r)
	if svc == nil {
		return
	}
	s := e.swarmLocked()
	delete(s.services, svc.id)
	kept := s.tasks[:0]
	for _, t := range s.tasks {
		if t.serviceID != svc.id {
			kept = append(kept, t)
		}
	}
	s.tasks = kept
	w.WriteHeader(http.StatusOK)
}

func (e *Engine) taskDoc(t *fakeTask) map[string]any {
	return map[string]any{"ID": t.id, "Version": map[string]any{"Index": 20}, "CreatedAt": formatTime(t.created), "UpdatedAt": formatTime(t.created),
		"Labels": map[string]string{}, "Spec": t.spec, "ServiceID": t.serviceID, "Slot": t.slot, "NodeID": fakeNodeID,
		"Status":       map[string]any{"Timestamp": formatTime(t.created), "State": t.state, "Message": t.message},
		"DesiredState": t.desired}
}

func (e *Engine) taskList(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	if e.notManager(w) {
		return
	}
	f, err := parseFilters(r.URL.Query().Get("filters"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var services []string
	for _, ref := range f["service"] {
		if svc := e.findServiceLocked(ref); svc != nil {
			services = append(services, svc.id)
		} else {
			services = append(services, "\x00none")
		}
	}
	list := []any{}
	for _, t := range e.swarmLocked().tasks {
		if (len(services) == 0 || contains(services, t.serviceID)) && (len(f["desired-state"]) == 0 || contains(f["desired-state"], t.desired)) &&
			matchAny(f["id"], t.id) {
			list = append(list, e.taskDoc(t))
		}
	}
	writeJSON(w, http.StatusOK, list)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (e *Engine) taskInspect(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	if e.notManager(w) {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, t := range e.swarmLocked().tasks {
		if t.id == r.PathValue("id") {
			writeJSON(w, http.StatusOK, e.taskDoc(t))
			return
		}
	}
	writeError(w, http.StatusNotFound, "task "+r.PathValue("id")+" not found")
}

// AppendTaskLog adds messages to the log of a task of the swarm (by ID,
// as TaskList gives it), which service and task logs serve, each line
// with the task's details (com.docker.swarm.task.id, ...) when asked.
func (e *Engine) AppendTaskLog(taskID string, entries ...LogEntry) {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, t := range e.swarmLocked().tasks {
		if t.id == taskID {
			t.logs = append(t.logs, stampLogs(append([]LogEntry(nil), entries...), time.Now())...)
			return
		}
	}
	e.t.Errorf("enginetest: AppendTaskLog: no task %s", taskID)
}

// serviceLogs serves GET /services/{id}/logs: the logs of the service's
// tasks merged by time. It does not follow: the answer ends with what the
// tasks logged so far.
func (e *Engine) serviceLogs(w http.ResponseWriter, r *http.Request, v apiVersion) {
	if e.notManager(w) {
		return
	}
	e.mu.Lock()
	svc := e.serviceOr404Locked(w, r)
	var tasks []*fakeTask
	if svc != nil {
		for _, t := range e.swarm.tasks {
			if t.serviceID == svc.id {
				tasks = append(tasks, t)
			}
		}
	}
	e.mu.Unlock()
	if svc != nil {
		e.writeTaskLogs(w, r, v, tasks)
	}
}

// taskLogs serves GET /tasks/{id}/logs, as serviceLogs does.
func (e *Engine) taskLogs(w http.ResponseWriter, r *http.Request, v apiVersion) {
	if e.notManager(w) {
		return
	}
	e.mu.Lock()
	var task *fakeTask
	for _, t := range e.swarmLocked().tasks {
		if t.id == r.PathValue("id") {
			task = t
		}
	}
	e.mu.Unlock()
	if task == nil {
		writeError(w, http.StatusNotFound, "task "+r.PathValue("id")+" not found")
		return
	}
	e.writeTaskLogs(w, r, v, []*fakeTask{task})
}

// writeTaskLogs writes the logs of tasks as the daemon does: frames, each
// message prefixed with its time and its details as asked.
func (e *Engine) writeTaskLogs(w http.ResponseWriter, r *http.Request, v apiVersion, tasks []*fakeTask) {
	qv := r.URL.Query()
	q := logQuery{stdout: boolValue(qv.Get("stdout")), stderr: boolValue(qv.Get("stderr")), timestamps: boolValue(qv.Get("timestamps"))}
	if !q.stdout && !q.stderr {
		writeError(w, http.StatusBadRequest, "Bad parameters: you must choose at least one stream")
		return
	}
	details := boolValue(qv.Get("details"))
	type line struct {
		LogEntry
		task *fakeTask
	}
	var lines []line
	e.mu.Lock()
	for _, t := range tasks {
		for _, l := range t.logs {
			lines = append(lines, line{l, t})
		}
	}
	e.mu.Unlock()
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Time.Before(lines[j].Time) })
	if v.atLeast(1, 42) && !e.cfg.before23() {
		w.Header().Set("Content-Type", "application/vnd.docker.multiplexed-stream")
	}
	w.WriteHeader(http.StatusOK)
	entries := make([]LogEntry, 0, len(lines))
	for _, l := range lines {
		if details {
			l.Text = "com.docker.swarm.node.id=" + fakeNodeID + ",com.docker.swarm.service.id=" + l.task.serviceID +
				",com.docker.swarm.task.id=" + l.task.id + " " + l.Text
		}
		entries = append(entries, l.LogEntry)
	}
	(&logWriter{w: w, q: &q}).write(entries)
}

package engine

import (
	"strconv"
	"time"

	"github.com/tidwall/gjson"
)

// Task is one scheduled instance of a service: a container on a node.
type Task struct {
	Meta
	Name         string // usually empty: see DisplayName
	Labels       map[string]string
	Spec         TaskSpec // the spec the task was created from
	ServiceID    string
	Slot         int    // replicated services: which replica; 0 for global ones
	NodeID       string // "" until the task is assigned
	Status       TaskStatus
	DesiredState string // the state the orchestrator wants: running, shutdown, complete, ...
	// JobIteration is the run of a job this task belongs to; nil for
	// services that are not jobs.
	JobIteration *ObjectVersion
	Raw          `json:"-"`
}

type taskFields Task

// MarshalJSON returns the document the value was decoded from, or else
// its fields under the API's names.
func (v Task) MarshalJSON() ([]byte, error) { return marshalResponse(v.Raw, taskFields(v)) }

// UnmarshalJSON decodes as Decode does, Raw included.
func (v *Task) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, v) }

// DisplayName is the task's name as the docker CLI shows it: the
// service's name and the task's slot ("web.2"), or its node's ID for a
// global service ("web.3f9a..."), unless the task has a Name of its own.
func (t Task) DisplayName(service string) string {
	switch {
	case t.Name != "":
		return t.Name
	case t.Slot != 0:
		return service + "." + strconv.Itoa(t.Slot)
	}
	return service + "." + t.NodeID
}

// TaskStatus is where a task is in its life: new, allocated, pending,
// assigned, accepted, preparing, ready, starting, running, complete,
// shutdown, failed, rejected, remove or orphaned.
type TaskStatus struct {
	Timestamp time.Time
	State     string
	Message   string // what the node last did, such as "started"
	Err       string // why the task failed, such as "task: non-zero exit (1)"
	// ContainerStatus is the task's container, once the node created one.
	ContainerStatus *ContainerStatus
}

// ContainerStatus is a task's container.
type ContainerStatus struct {
	ContainerID string
	PID         int
	ExitCode    int
}

// Terminal reports whether the task has reached a state it never leaves.
func (s TaskStatus) Terminal() bool {
	switch s.State {
	case "complete", "shutdown", "failed", "rejected", "remove", "orphaned":
		return true
	}
	return false
}

func (t *Task) decode(r gjson.Result) error {
	if err := wantObject(r, "task"); err != nil {
		return err
	}
	*t = Task{Raw: Raw(r.Raw), Name: r.Get("Name").String(), Labels: strMap(r.Get("Labels")),
		ServiceID: r.Get("ServiceID").String(), Slot: int(r.Get("Slot").Int()), NodeID: r.Get("NodeID").String(),
		DesiredState: r.Get("DesiredState").String()}
	t.decodeMeta(r)
	if err := decodeSpec(r.Get("Spec"), "task Spec", &t.Spec); err != nil {
		return err
	}
	st := r.Get("Status")
	t.Status = TaskStatus{Timestamp: timestamp(st.Get("Timestamp")), State: st.Get("State").String(),
		Message: st.Get("Message").String(), Err: st.Get("Err").String()}
	if c := st.Get("ContainerStatus"); c.IsObject() {
		t.Status.ContainerStatus = &ContainerStatus{ContainerID: c.Get("ContainerID").String(),
			PID: int(c.Get("PID").Int()), ExitCode: int(c.Get("ExitCode").Int())}
	}
	if j := r.Get("JobIteration"); j.IsObject() {
		t.JobIteration = &ObjectVersion{Index: j.Get("Index").Uint()}
	}
	return nil
}

package dockwire

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/dockwire/dockwire/engine"
)

// ServiceWaitOptions tunes ServiceWait and ServiceConverge.
type ServiceWaitOptions struct {
	// Interval is how often the service's tasks are polled; 0 for 500 ms.
	Interval time.Duration
	// Stable is how long every wanted task must stay running before the
	// service counts as converged, so that a command that fails at once is
	// caught; 0 for 5 s, as docker service create waits. Jobs need no
	// such wait: they converge when their tasks complete.
	Stable time.Duration
}

// TaskChange is a task seen in a new state by ServiceConverge.
type TaskChange struct {
	Task engine.Task // as last seen
	From string      // the state it was seen in before; "" the first time it is seen
}

// ServiceWaitError says why a service did not converge: one of its tasks
// failed, its update paused or rolled back, or the wait's context ended
// first (then Err is the context's error, and Reason what was still
// missing, such as a node that went down).
type ServiceWaitError struct {
	Service string       // as the caller named it
	Reason  string       // what went wrong, or what was missing
	Task    *engine.Task // the task that failed, if one did
	Err     error        // the context's error, if it ended the wait
}

func (e *ServiceWaitError) Error() string {
	msg := fmt.Sprintf("dockwire: service %q did not converge: %s", e.Service, e.Reason)
	if e.Err != nil {
		msg += " (" + e.Err.Error() + ")"
	}
	return msg
}

func (e *ServiceWaitError) Unwrap() error { return e.Err }

// ServiceWait waits until a service has converged: as many tasks running
// as the service wants (every node's, for a global service) and none of
// those told to stop still running (but on a node that is down, which
// cannot stop them), stable for opts.Stable, with any
// rolling update completed; or, for a job, its tasks complete. It returns a *ServiceWaitError as soon as a task of the
// service's current spec fails or is rejected (with the task's error, like
// docker service create without --detach), when an update pauses or rolls
// back, or when ctx ends first.
func (c *Client) ServiceWait(ctx context.Context, id string, opts ServiceWaitOptions) error {
	for _, err := range c.ServiceConverge(ctx, id, opts) {
		if err != nil {
			return err
		}
	}
	return nil
}

// ServiceConverge watches a service converge (see ServiceWait), yielding
// each task it sees in a new state, and ends after the first error (a
// *ServiceWaitError or a failed call), or without one when the service
// has converged. Each range polls afresh: a second range reports every
// task again, as new.
func (c *Client) ServiceConverge(ctx context.Context, id string, opts ServiceWaitOptions) iter.Seq2[TaskChange, error] {
	return func(yield func(TaskChange, error) bool) {
		interval, stable := opts.Interval, opts.Stable
		if interval <= 0 {
			interval = 500 * time.Millisecond
		}
		if stable <= 0 {
			stable = 5 * time.Second
		}
		svc, err := c.ServiceInspect(ctx, id, ServiceInspectOptions{})
		if err != nil {
			yield(TaskChange{}, err)
			return
		}
		w := &convergeWatch{c: c, name: id, id: svc.ID, seen: map[string]string{}}
		var convergedAt time.Time
		timer := time.NewTimer(0)
		defer timer.Stop()
		for {
			select {
			case <-ctx.Done():
				yield(TaskChange{}, w.timedOut(ctx))
				return
			case <-timer.C:
			}
			changes, err := w.poll(ctx)
			if err != nil {
				if ctx.Err() != nil {
					err = w.timedOut(ctx)
				}
				yield(TaskChange{}, err)
				return
			}
			for _, ch := range changes {
				if !yield(ch, nil) {
					return
				}
			}
			if err := w.failure(); err != nil {
				yield(TaskChange{}, err)
				return
			}
			switch done, job := w.converged(); {
			case !done:
				convergedAt = time.Time{}
			case job:
				return
			case convergedAt.IsZero():
				convergedAt = time.Now()
			case time.Since(convergedAt) >= stable:
				return
			}
			timer.Reset(interval)
		}
	}
}

// convergeWatch is ServiceConverge's view of the service, poll by poll.
type convergeWatch struct {
	c        *Client
	name, id string
	svc      engine.Service
	tasks    []engine.Task
	seen     map[string]string // task ID -> state last yielded
	down     map[string]bool   // IDs of the nodes seen down, as of the last poll that asked
}

// poll reads the service (with its task counts) and its tasks, and
// returns the tasks whose state changed.
func (w *convergeWatch) poll(ctx context.Context) ([]TaskChange, error) {
	list, err := w.c.ServiceList(ctx, ServiceListOptions{Filters: Filters{"id": {w.id}}, Status: true})
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(list, func(s engine.Service) bool { return s.ID == w.id })
	if i < 0 {
		return nil, &ServiceWaitError{Service: w.name, Reason: "the service was removed"}
	}
	tasks, err := w.c.TaskList(ctx, TaskListOptions{Filters: Filters{"service": {w.id}}})
	if err != nil {
		return nil, err // keeping the last poll's view, for timedOut
	}
	w.svc, w.tasks = list[i], tasks
	slices.SortFunc(w.tasks, func(a, b engine.Task) int { return a.CreatedAt.Compare(b.CreatedAt) })
	// A task told to stop that still runs may be on a node that is down:
	// it cannot stop there, and the daemon reports it running until it
	// orphans it a day later. Which nodes are down is asked only then.
	if slices.ContainsFunc(w.tasks, stopping) {
		nodes, err := w.c.NodeList(ctx, NodeListOptions{})
		if err != nil {
			return nil, err
		}
		w.down = map[string]bool{}
		for _, n := range nodes {
			if n.Status.State == "down" {
				w.down[n.ID] = true
			}
		}
	}
	var changes []TaskChange
	for _, t := range w.tasks {
		if from, ok := w.seen[t.ID]; !ok || from != t.Status.State {
			changes = append(changes, TaskChange{Task: t, From: from})
			w.seen[t.ID] = t.Status.State
		}
	}
	return changes, nil
}

// current reports whether t belongs to the service's current spec: created
// since the service was created or its last update started, and, for a
// job, in its current run.
func (w *convergeWatch) current(t engine.Task) bool {
	since := w.svc.CreatedAt
	if u := w.svc.UpdateStatus; u != nil && u.StartedAt.After(since) {
		since = u.StartedAt
	}
	if j := w.svc.JobStatus; j != nil && t.JobIteration != nil && t.JobIteration.Index != j.JobIteration.Index {
		return false
	}
	return !t.CreatedAt.Before(since)
}

// failure returns the error of a failed task of the current spec, or of a
// paused or rolled-back update.
func (w *convergeWatch) failure() error {
	for _, t := range w.tasks {
		if (t.Status.State == "failed" || t.Status.State == "rejected") && w.current(t) {
			t := t
			return &ServiceWaitError{Service: w.name, Task: &t, Reason: "task " + taskDescription(w.svc.Spec.Name, t)}
		}
	}
	if u := w.svc.UpdateStatus; u != nil {
		switch u.State {
		case "paused", "rollback_paused":
			return &ServiceWaitError{Service: w.name, Reason: "its update paused: " + u.Message}
		case "rollback_completed":
			return &ServiceWaitError{Service: w.name, Reason: "its update was rolled back: " + u.Message}
		}
	}
	return nil
}

// converged reports whether the service has what it wants, and whether it
// is a job (whose convergence is final).
func (w *convergeWatch) converged() (done, job bool) {
	mode := w.svc.Spec.Mode
	if mode.ReplicatedJob != nil || mode.GlobalJob != nil {
		complete := 0
		for _, t := range w.tasks {
			if !w.current(t) {
				continue
			}
			if !t.Status.Terminal() {
				return false, true
			}
			if t.Status.State == "complete" {
				complete++
			}
		}
		want := 1
		if mode.ReplicatedJob != nil {
			want = int(max(1, mode.ReplicatedJob.TotalCompletions))
		}
		return complete >= want, true
	}
	if u := w.svc.UpdateStatus; u != nil && u.State != "completed" && u.State != "" {
		return false, false
	}
	// Count the tasks meant to run that do: the daemon's RunningTasks also
	// counts tasks on their way out (a drained node's, until they stop).
	// Tasks told to go (scaled away, drained, replaced) must be gone too.
	running := uint64(0)
	for _, t := range w.tasks {
		if t.DesiredState != "running" {
			if stopping(t) && !w.down[t.NodeID] {
				return false, false
			}
			continue
		}
		if t.Status.State != "running" {
			return false, false
		}
		running++
	}
	want := uint64(0)
	switch {
	case mode.Replicated != nil:
		want = mode.Replicated.Replicas
	case w.svc.ServiceStatus != nil:
		// A global service wants one task per eligible node: the daemon
		// counts the tasks it has not told to shut down.
		want = max(1, w.svc.ServiceStatus.DesiredTasks)
	default:
		want = 1
	}
	return running == want, false
}

// timedOut describes what the service still lacked when ctx ended, asking
// the manager (briefly, past ctx) which nodes are down.
func (w *convergeWatch) timedOut(ctx context.Context) error {
	e := &ServiceWaitError{Service: w.name, Err: ctx.Err()}
	var parts []string
	if st := w.svc.ServiceStatus; st != nil {
		parts = append(parts, fmt.Sprintf("%d/%d tasks running", st.RunningTasks, st.DesiredTasks))
	}
	for _, t := range w.tasks {
		if t.DesiredState == "running" && t.Status.State != "running" {
			parts = append(parts, "task "+taskDescription(w.svc.Spec.Name, t))
		}
	}
	nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if nodes, err := w.c.NodeList(nctx, NodeListOptions{}); err == nil {
		for _, n := range nodes {
			if n.Status.State != "ready" {
				parts = append(parts, fmt.Sprintf("node %s (%s) is %s", n.Description.Hostname, shortID(n.ID), n.Status.State))
			}
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "no task state seen yet")
	}
	e.Reason = strings.Join(parts, "; ")
	return e
}

// stopping reports whether a task was told to stop and still runs.
func stopping(t engine.Task) bool { return t.DesiredState != "running" && t.Status.State == "running" }

// taskDescription renders a task for errors: "web.2 on node 3f9a...:
// failed: task: non-zero exit (3)".
func taskDescription(service string, t engine.Task) string {
	var b strings.Builder
	b.WriteString(t.DisplayName(service))
	if t.NodeID != "" {
		b.WriteString(" on node " + shortID(t.NodeID))
	}
	b.WriteString(": " + t.Status.State)
	for _, s := range []string{t.Status.Err, t.Status.Message} {
		if s != "" {
			b.WriteString(": " + cleanText(s, 300))
			break
		}
	}
	return b.String()
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

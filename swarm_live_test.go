package dockwire_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/internal/livetest"
)

// The two-node swarm of scripts/engines.sh start swarm: eval "$(bash
// scripts/engines.sh env swarm)" sets DOCKWIRE_SWARM_MANAGER and
// DOCKWIRE_SWARM_WORKER. Without them the swarm tests skip, unless
// DOCKWIRE_LIVE=1 under CI=true: CI starts the swarm, so a missing one
// there is a failure.

// swarmImage is the image scripts/engines.sh loads into both nodes.
const swarmImage = "busybox:local"

type liveSwarm struct {
	manager, worker *dockwire.Client
	workerNodeID    string
	managerNodeID   string
}

func swarmBed(t *testing.T) *liveSwarm {
	t.Helper()
	mh, wh := os.Getenv("DOCKWIRE_SWARM_MANAGER"), os.Getenv("DOCKWIRE_SWARM_WORKER")
	if mh == "" || wh == "" {
		if livetest.Required() && os.Getenv("CI") == "true" {
			t.Fatal("DOCKWIRE_LIVE=1 under CI but no swarm: run scripts/engines.sh start swarm and eval \"$(bash scripts/engines.sh env swarm)\"")
		}
		t.Skip("no two-node swarm (DOCKWIRE_SWARM_MANAGER, DOCKWIRE_SWARM_WORKER from scripts/engines.sh env swarm)")
	}
	s := &liveSwarm{manager: swarmClient(t, mh), worker: swarmClient(t, wh)}
	ctx := livetest.Context(t)
	for _, c := range []*dockwire.Client{s.manager, s.worker} {
		info, err := c.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		id := info.Get("Swarm.NodeID").String()
		if info.SwarmState != "active" || id == "" {
			t.Fatalf("the swarm bed is not up (%s: %s): scripts/engines.sh start swarm", info.Name, info.SwarmState)
		}
		if c == s.manager {
			s.managerNodeID = id
		} else {
			s.workerNodeID = id
		}
	}
	return s
}

func swarmClient(t *testing.T, host string) *dockwire.Client {
	t.Helper()
	c, err := dockwire.New(host, dockwire.WithTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// liveService creates a service on c from spec (given a unique name, the
// test label and, if empty, the swarm image) and removes it when the test
// ends. It returns the service's name.
func liveService(t *testing.T, c *dockwire.Client, spec engine.ServiceSpec) string {
	t.Helper()
	spec.Name = livetest.UniqueName("dw-svc")
	spec.Labels = map[string]string{livetest.Label: "1"}
	if spec.TaskTemplate.ContainerSpec == nil {
		spec.TaskTemplate.ContainerSpec = &engine.ContainerSpec{}
	}
	if spec.TaskTemplate.ContainerSpec.Image == "" {
		spec.TaskTemplate.ContainerSpec.Image = swarmImage
	}
	if spec.TaskTemplate.ContainerSpec.StopGracePeriod == 0 {
		spec.TaskTemplate.ContainerSpec.StopGracePeriod = time.Second
	}
	if _, err := c.ServiceCreate(livetest.Context(t), dockwire.ServiceCreateOptions{Spec: spec}); err != nil {
		t.Fatalf("creating service %s: %v", spec.Name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.ServiceRemove(ctx, spec.Name, dockwire.ServiceRemoveOptions{}); err != nil && !errors.Is(err, dockwire.ErrNotFound) {
			t.Errorf("removing service %s: %v", spec.Name, err)
		}
	})
	return spec.Name
}

// quick waits for convergence with a short stability period.
var quick = dockwire.ServiceWaitOptions{Interval: 200 * time.Millisecond, Stable: time.Second}

func waitService(t *testing.T, c *dockwire.Client, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(livetest.Context(t), 90*time.Second)
	defer cancel()
	if err := c.ServiceWait(ctx, name, quick); err != nil {
		t.Fatal(err)
	}
}

// runningNodes returns the node of each running task of a service.
func runningNodes(t *testing.T, c *dockwire.Client, name string) []string {
	t.Helper()
	tasks, err := c.TaskList(livetest.Context(t), dockwire.TaskListOptions{Filters: dockwire.Filters{"service": {name}, "desired-state": {"running"}}})
	if err != nil {
		t.Fatal(err)
	}
	var nodes []string
	for _, task := range tasks {
		if task.Status.State == "running" {
			nodes = append(nodes, task.NodeID)
		}
	}
	slices.Sort(nodes)
	return nodes
}

func replicated(n uint64) engine.ServiceMode {
	return engine.ServiceMode{Replicated: &engine.ReplicatedService{Replicas: n}}
}

func sleeper() *engine.ContainerSpec {
	return &engine.ContainerSpec{Args: []string{"sleep", "3600"}}
}

// Two replicas at most one per node land one on each node; the service
// scales to 4 and back once the limit is lifted.
func TestLiveSwarmSpreadAndScale(t *testing.T) {
	s := swarmBed(t)
	ctx := livetest.Context(t)
	name := liveService(t, s.manager, engine.ServiceSpec{Mode: replicated(2),
		TaskTemplate: engine.TaskSpec{ContainerSpec: sleeper(), Placement: &engine.Placement{MaxReplicas: 1}}})
	waitService(t, s.manager, name)
	want := []string{s.managerNodeID, s.workerNodeID}
	slices.Sort(want)
	if got := runningNodes(t, s.manager, name); !slices.Equal(got, want) {
		t.Fatalf("2 replicas, at most 1 per node, run on nodes %v, want one on each of %v", got, want)
	}

	if _, err := s.manager.ServiceModify(ctx, name, func(spec *engine.ServiceSpec) error {
		spec.TaskTemplate.Placement.MaxReplicas = 0
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []uint64{4, 2} {
		if err := s.manager.ServiceScale(ctx, name, n); err != nil {
			t.Fatal(err)
		}
		waitService(t, s.manager, name)
		list, err := s.manager.ServiceList(ctx, dockwire.ServiceListOptions{Filters: dockwire.Filters{"name": {name}}, Status: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ServiceStatus == nil || list[0].ServiceStatus.RunningTasks != n || list[0].ServiceStatus.DesiredTasks != n {
			t.Fatalf("after scaling to %d: %+v", n, list)
		}
	}
}

// A rolling update, one task at a time, changes the containers' label and
// completes.
func TestLiveSwarmRollingUpdate(t *testing.T) {
	s := swarmBed(t)
	ctx := livetest.Context(t)
	name := liveService(t, s.manager, engine.ServiceSpec{Mode: replicated(2),
		TaskTemplate: engine.TaskSpec{ContainerSpec: sleeper()},
		UpdateConfig: &engine.UpdateConfig{Parallelism: 1, Delay: 100 * time.Millisecond, Monitor: time.Second}})
	waitService(t, s.manager, name)
	if _, err := s.manager.ServiceModify(ctx, name, func(spec *engine.ServiceSpec) error {
		spec.TaskTemplate.ContainerSpec.Labels = map[string]string{"dockwire.version": "2"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	waitService(t, s.manager, name)
	svc, err := s.manager.ServiceInspect(ctx, name, dockwire.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if svc.UpdateStatus == nil || svc.UpdateStatus.State != "completed" || svc.PreviousSpec == nil {
		t.Fatalf("update status %+v, previous spec %v", svc.UpdateStatus, svc.PreviousSpec != nil)
	}
	tasks, err := s.manager.TaskList(ctx, dockwire.TaskListOptions{Filters: dockwire.Filters{"service": {name}, "desired-state": {"running"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		if task.Spec.ContainerSpec.Labels["dockwire.version"] != "2" {
			t.Errorf("task %s runs the old spec", task.DisplayName(name))
		}
	}
	// A stale version is refused as a conflict.
	_, err = s.manager.ServiceUpdate(ctx, name, engine.ObjectVersion{Index: svc.Version.Index - 1}, svc.Spec, dockwire.ServiceUpdateOptions{})
	if !errors.Is(err, dockwire.ErrConflict) {
		t.Errorf("update with a stale version: %v, want ErrConflict", err)
	}
}

// A task whose command fails makes the wait fail with the task's error.
func TestLiveSwarmFailingTask(t *testing.T) {
	s := swarmBed(t)
	name := liveService(t, s.manager, engine.ServiceSpec{Mode: replicated(1),
		TaskTemplate: engine.TaskSpec{ContainerSpec: &engine.ContainerSpec{Args: []string{"sh", "-c", "exit 3"}},
			RestartPolicy: &engine.SwarmRestartPolicy{Condition: "none"}}})
	ctx, cancel := context.WithTimeout(livetest.Context(t), 60*time.Second)
	defer cancel()
	// The default stability period: on a loaded machine a node can take
	// a second or more to report that a task's container has exited.
	err := s.manager.ServiceWait(ctx, name, dockwire.ServiceWaitOptions{Interval: 200 * time.Millisecond})
	var we *dockwire.ServiceWaitError
	if !errors.As(err, &we) || we.Task == nil || !strings.Contains(err.Error(), "non-zero exit (3)") || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait for a failing service = %v, want the task's non-zero exit (3)", err)
	}
}

// Draining the worker moves its tasks to the manager.
func TestLiveSwarmDrain(t *testing.T) {
	s := swarmBed(t)
	name := liveService(t, s.manager, engine.ServiceSpec{Mode: replicated(2),
		TaskTemplate: engine.TaskSpec{ContainerSpec: sleeper(), Placement: &engine.Placement{Preferences: []engine.PlacementPreference{{Spread: &engine.SpreadOver{SpreadDescriptor: "node.id"}}}}}})
	waitService(t, s.manager, name)
	if nodes := runningNodes(t, s.manager, name); !slices.Contains(nodes, s.workerNodeID) {
		t.Fatalf("no task on the worker before the drain: %v", nodes)
	}
	setAvailability(t, s.manager, s.workerNodeID, "drain")
	t.Cleanup(func() { setAvailability(t, s.manager, s.workerNodeID, "active") })
	waitService(t, s.manager, name)
	if got, want := runningNodes(t, s.manager, name), []string{s.managerNodeID, s.managerNodeID}; !slices.Equal(got, want) {
		t.Fatalf("after draining the worker, tasks run on %v, want both on the manager %s", got, s.managerNodeID)
	}
}

func setAvailability(t *testing.T, c *dockwire.Client, node, availability string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := c.NodeInspect(ctx, node)
	if err != nil {
		t.Fatal(err)
	}
	n.Spec.Availability = availability
	if err := c.NodeUpdate(ctx, n.ID, n.Version, n.Spec); err != nil {
		t.Fatal(err)
	}
}

// A secret and a config mounted into a service are readable in its task;
// service logs say which task wrote each line, on both nodes.
func TestLiveSwarmSecretConfigAndLogs(t *testing.T) {
	s := swarmBed(t)
	ctx := livetest.Context(t)
	secretName, configName := livetest.UniqueName("dw-secret"), livetest.UniqueName("dw-config")
	sec, err := s.manager.SecretCreate(ctx, dockwire.SecretCreateOptions{Spec: engine.SecretSpec{Name: secretName, Data: []byte("s3cret-value"),
		Labels: map[string]string{livetest.Label: "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.manager.SecretRemove(context.Background(), sec.ID, dockwire.SecretRemoveOptions{}) })
	cfg, err := s.manager.ConfigCreate(ctx, dockwire.ConfigCreateOptions{Spec: engine.ConfigSpec{Name: configName, Data: []byte("config-value"),
		Labels: map[string]string{livetest.Label: "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.manager.ConfigRemove(context.Background(), cfg.ID, dockwire.ConfigRemoveOptions{}) })

	name := liveService(t, s.manager, engine.ServiceSpec{Mode: replicated(2),
		TaskTemplate: engine.TaskSpec{
			ContainerSpec: &engine.ContainerSpec{Args: []string{"sh", "-c", "cat /run/secrets/pw; echo; cat /etc/app.conf; echo; sleep 3600"},
				Secrets: []engine.SecretReference{{SecretID: sec.ID, SecretName: secretName, File: &engine.SecretFile{Name: "pw", UID: "0", GID: "0", Mode: 0o400}}},
				Configs: []engine.ConfigReference{{ConfigID: cfg.ID, ConfigName: configName, File: &engine.SecretFile{Name: "/etc/app.conf", UID: "0", GID: "0", Mode: 0o444}}}},
			Placement: &engine.Placement{MaxReplicas: 1}}})
	waitService(t, s.manager, name)

	// A secret in use cannot go; its data never comes back.
	if err := s.manager.SecretRemove(ctx, sec.ID, dockwire.SecretRemoveOptions{}); err == nil {
		t.Error("removing a secret in use succeeded")
	}
	got, err := s.manager.SecretInspect(ctx, secretName)
	if err != nil || got.Spec.Data != nil || strings.Contains(string(got.Raw), "s3cret") {
		t.Errorf("secret inspect: %v, data %q", err, got.Spec.Data)
	}

	tasks, err := s.manager.TaskList(ctx, dockwire.TaskListOptions{Filters: dockwire.Filters{"service": {name}, "desired-state": {"running"}}})
	if err != nil {
		t.Fatal(err)
	}
	taskNames := map[string]string{}
	for _, task := range tasks {
		taskNames[task.ID] = task.DisplayName(name)
	}
	// The lines arrive from both nodes; the tasks may still be writing.
	seen := map[string][]string{}
	deadline := time.Now().Add(30 * time.Second)
	for len(seen) < 2 || !allHave(seen, "s3cret-value", "config-value") {
		if time.Now().After(deadline) {
			t.Fatalf("service logs after 30 s: %v", seen)
		}
		seen = map[string][]string{}
		ls, err := s.manager.ServiceLogs(ctx, name, dockwire.ServiceLogsOptions{Details: true})
		if err != nil {
			t.Fatal(err)
		}
		for l, err := range ls.Lines() {
			if err != nil {
				t.Fatal(err)
			}
			task := taskNames[l.Details["com.docker.swarm.task.id"]]
			seen[task] = append(seen[task], l.Text)
		}
		ls.Close()
	}
	for task := range seen {
		if !strings.HasPrefix(task, name+".") {
			t.Errorf("a log line from task %q, not one of %v", task, taskNames)
		}
	}

	// Task logs: one task's lines only.
	for id := range taskNames {
		ls, err := s.manager.TaskLogs(ctx, id, dockwire.TaskLogsOptions{Tail: 2})
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for l, err := range ls.Lines() {
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, l.Text)
		}
		ls.Close()
		if !slices.Equal(lines, []string{"s3cret-value", "config-value"}) {
			t.Errorf("task %s logs = %q", taskNames[id], lines)
		}
		break
	}
}

func allHave(seen map[string][]string, want ...string) bool {
	for _, lines := range seen {
		for _, w := range want {
			if !slices.Contains(lines, w) {
				return false
			}
		}
	}
	return true
}

// A global service runs one task per node; a replicated job completes.
func TestLiveSwarmGlobalAndJob(t *testing.T) {
	s := swarmBed(t)
	global := liveService(t, s.manager, engine.ServiceSpec{Mode: engine.ServiceMode{Global: &struct{}{}},
		TaskTemplate: engine.TaskSpec{ContainerSpec: sleeper()}})
	waitService(t, s.manager, global)
	want := []string{s.managerNodeID, s.workerNodeID}
	slices.Sort(want)
	if got := runningNodes(t, s.manager, global); !slices.Equal(got, want) {
		t.Errorf("global service runs on %v, want one task on each of %v", got, want)
	}
	if err := s.manager.ServiceScale(livetest.Context(t), global, 3); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("scaling a global service: %v", err)
	}

	job := liveService(t, s.manager, engine.ServiceSpec{Mode: engine.ServiceMode{ReplicatedJob: &engine.ReplicatedJob{MaxConcurrent: 2, TotalCompletions: 3}},
		TaskTemplate: engine.TaskSpec{ContainerSpec: &engine.ContainerSpec{Args: []string{"true"}}}})
	waitService(t, s.manager, job)
	tasks, err := s.manager.TaskList(livetest.Context(t), dockwire.TaskListOptions{Filters: dockwire.Filters{"service": {job}}})
	if err != nil {
		t.Fatal(err)
	}
	complete := 0
	for _, task := range tasks {
		if task.Status.State == "complete" {
			complete++
		}
	}
	if complete < 3 {
		t.Errorf("job converged with %d complete tasks, want 3", complete)
	}
}

// The worker refuses swarm calls as a non-manager; a spec the daemon
// refuses is a bad request naming the service.
func TestLiveSwarmErrors(t *testing.T) {
	s := swarmBed(t)
	ctx := livetest.Context(t)
	_, err := s.worker.ServiceList(ctx, dockwire.ServiceListOptions{})
	if !errors.Is(err, dockwire.ErrNotSwarmManager) || errors.Is(err, dockwire.ErrNotInSwarm) {
		t.Errorf("service list on the worker: %v", err)
	}
	if _, err := s.worker.SwarmInit(ctx, dockwire.SwarmInitOptions{}); !errors.Is(err, dockwire.ErrAlreadyInSwarm) {
		t.Errorf("init on the worker: %v", err)
	}
	name := livetest.UniqueName("dw-svc")
	_, err = s.manager.ServiceCreate(ctx, dockwire.ServiceCreateOptions{Spec: engine.ServiceSpec{Name: name,
		TaskTemplate: engine.TaskSpec{ContainerSpec: &engine.ContainerSpec{Image: swarmImage}, Placement: &engine.Placement{Constraints: []string{"node.role=manager"}}}}})
	if !errors.Is(err, dockwire.ErrBadRequest) || !strings.Contains(err.Error(), name) {
		t.Errorf("bad constraint: %v", err)
	}
	_, err = s.manager.ServiceCreate(ctx, dockwire.ServiceCreateOptions{Spec: engine.ServiceSpec{Name: name,
		TaskTemplate: engine.TaskSpec{ContainerSpec: &engine.ContainerSpec{Image: swarmImage}, Networks: []engine.NetworkAttachmentConfig{{Target: "dw-no-such-network"}}}}})
	if err == nil {
		s.manager.ServiceRemove(ctx, name, dockwire.ServiceRemoveOptions{})
	}
	if !errors.Is(err, dockwire.ErrBadRequest) || !strings.Contains(err.Error(), name) {
		t.Errorf("unknown network: %v", err)
	}
	if _, err := s.manager.ServiceInspect(ctx, name, dockwire.ServiceInspectOptions{}); !errors.Is(err, dockwire.ErrNotFound) {
		t.Errorf("inspect of a missing service: %v", err)
	}
	sw, err := s.manager.SwarmInspect(ctx)
	if err != nil || sw.JoinTokens.Worker == "" {
		t.Errorf("swarm inspect: %v, %+v", err, sw.JoinTokens)
	}
	nodes, err := s.manager.NodeList(ctx, dockwire.NodeListOptions{})
	if err != nil || len(nodes) < 2 {
		t.Errorf("node list: %v, %d nodes", err, len(nodes))
	}
}

// A single-node swarm on every listed engine in no swarm (Docker 20.10,
// API 1.41, among them): the test makes it, and leaves it at the end,
// removing the docker_gwbridge network it brought if there was none. An
// engine already in a swarm is left alone: the two-node tests cover it.
func TestLiveSwarmSingleNode(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		e.SkipOnPodman(t, "Podman has no swarm mode: /swarm and /services answer 404 or 503")
		c := e.Client
		ctx := livetest.Context(t)
		info, err := c.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.SwarmState != "inactive" {
			t.Skipf("%s is in a swarm (%s) this test did not make", e.Host, info.SwarmState)
		}
		_, err = c.NetworkInspect(ctx, "docker_gwbridge", dockwire.NetworkInspectOptions{})
		hadBridge := err == nil
		image := e.Image(t)
		if _, err := c.ServiceList(ctx, dockwire.ServiceListOptions{}); !errors.Is(err, dockwire.ErrNotInSwarm) || !strings.Contains(err.Error(), "SwarmInit") {
			t.Errorf("service list outside a swarm: %v", err)
		}
		nodeID, err := c.SwarmInit(ctx, dockwire.SwarmInitOptions{ListenAddr: "127.0.0.1:2377", AdvertiseAddr: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := c.SwarmLeave(ctx, dockwire.SwarmLeaveOptions{Force: true}); err != nil {
				t.Errorf("leaving the swarm: %v", err)
			}
			if !hadBridge {
				if err := c.NetworkRemove(ctx, "docker_gwbridge"); err != nil && !errors.Is(err, dockwire.ErrNotFound) {
					t.Errorf("removing docker_gwbridge: %v", err)
				}
			}
		})

		sw, err := c.SwarmInspect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sw.Spec.Labels = map[string]string{livetest.Label: "1"}
		if err := c.SwarmUpdate(ctx, sw.Version, sw.Spec, dockwire.SwarmUpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if sw2, err := c.SwarmInspect(ctx); err != nil || sw2.Spec.Labels[livetest.Label] != "1" || sw2.Spec.Raft == nil || sw2.Spec.Raft.ElectionTick != sw.Spec.Raft.ElectionTick {
			t.Errorf("swarm after update: %v %+v", err, sw2.Spec)
		}
		if key, err := c.SwarmUnlockKey(ctx); err != nil || key != "" {
			t.Errorf("unlock key of a swarm that does not lock: %q, %v", key, err)
		}
		nodes, err := c.NodeList(ctx, dockwire.NodeListOptions{})
		if err != nil || len(nodes) != 1 || nodes[0].ID != nodeID || nodes[0].ManagerStatus == nil || !nodes[0].ManagerStatus.Leader {
			t.Fatalf("nodes: %v %+v", err, nodes)
		}
		if _, err := c.SwarmInit(ctx, dockwire.SwarmInitOptions{}); !errors.Is(err, dockwire.ErrAlreadyInSwarm) {
			t.Errorf("a second init: %v", err)
		}

		name := liveService(t, c, engine.ServiceSpec{Mode: replicated(1), TaskTemplate: engine.TaskSpec{
			ContainerSpec: &engine.ContainerSpec{Image: image, Args: []string{"sh", "-c", "echo hello from the task; sleep 3600"}}}})
		waitService(t, c, name)
		if err := c.ServiceScale(ctx, name, 2); err != nil {
			t.Fatal(err)
		}
		waitService(t, c, name)
		if got := runningNodes(t, c, name); !slices.Equal(got, []string{nodeID, nodeID}) {
			t.Errorf("after scaling to 2: tasks on %v", got)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			ls, err := c.ServiceLogs(ctx, name, dockwire.ServiceLogsOptions{})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for l, err := range ls.Lines() {
				if err != nil {
					t.Fatal(err)
				}
				if l.Text == "hello from the task" {
					n++
				}
			}
			ls.Close()
			if n == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("service logs hold %d greetings, want 2", n)
			}
		}

		sec, err := c.SecretCreate(ctx, dockwire.SecretCreateOptions{Spec: engine.SecretSpec{Name: livetest.UniqueName("dw-secret"), Data: []byte("x")}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.SecretInspect(ctx, sec.ID)
		if err != nil {
			t.Fatal(err)
		}
		got.Spec.Labels = map[string]string{"v": "2"}
		if err := c.SecretUpdate(ctx, got.ID, got.Version, got.Spec); err != nil {
			t.Errorf("relabelling a secret: %v", err)
		}
		if err := c.SecretRemove(ctx, sec.ID, dockwire.SecretRemoveOptions{}); err != nil {
			t.Error(err)
		}
	})
}

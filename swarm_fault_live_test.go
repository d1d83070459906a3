package dockwire_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/internal/await"
	"github.com/dockwire/dockwire/internal/livetest"
)

// TestFault_SW1_WorkerDies kills the worker's daemon while two services
// run a task on each node. The manager sees the node go down and
// reschedules: the service free to run both tasks on the manager
// converges there, although the tasks left on the dead node still read
// running; the one limited to a task per node cannot, and its wait ends
// at its deadline saying the node is down and why its task is pending.
// The worker is then started again (scripts/engines.sh start swarm, as it
// was) and the test waits until the manager sees it Ready. The outage
// lasts about a minute: other swarm tests running beside it may fail.
func TestFault_SW1_WorkerDies(t *testing.T) {
	s := swarmBed(t)
	ctx := livetest.Context(t)
	sock := strings.TrimPrefix(os.Getenv("DOCKWIRE_SWARM_WORKER"), "unix://")
	pidFile := filepath.Join(filepath.Dir(sock), "d.pid") // dockerd's --pidfile, next to its socket
	b, err := os.ReadFile(pidFile)
	pid, perr := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || perr != nil {
		if livetest.Required() && os.Getenv("CI") == "true" {
			t.Fatalf("the worker's daemon pid (%s): %v %v", pidFile, err, perr)
		}
		t.Skipf("the worker's daemon pid is not readable (%s): %v %v", pidFile, err, perr)
	}

	spec := func(maxPerNode uint64) engine.ServiceSpec {
		return engine.ServiceSpec{Mode: replicated(2), TaskTemplate: engine.TaskSpec{ContainerSpec: sleeper(),
			Placement: &engine.Placement{MaxReplicas: maxPerNode}}}
	}
	free, limited := liveService(t, s.manager, spec(0)), liveService(t, s.manager, spec(1))
	for _, name := range []string{free, limited} {
		waitService(t, s.manager, name)
		if nodes := runningNodes(t, s.manager, name); len(nodes) != 2 || nodes[0] == nodes[1] {
			t.Fatalf("service %s runs on nodes %v before the kill; want one task on each", name, nodes)
		}
	}

	// Registered after the services' removal, so it runs first: the worker
	// comes back and stops its old tasks itself.
	t.Cleanup(func() { restartWorker(t, s) })
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("killing the worker's daemon (pid %d): %v", pid, err)
	}
	waitNodeState(t, s.manager, s.workerNodeID, "down")

	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := s.manager.ServiceWait(wctx, free, quick); err != nil {
		t.Errorf("service %s did not converge on the manager alone: %v", free, err)
	}
	if nodes := runningNodes(t, s.manager, free); len(nodes) != 2 || nodes[0] != s.managerNodeID || nodes[1] != s.managerNodeID {
		t.Errorf("service %s runs on %v; want both tasks on the manager %s", free, nodes, s.managerNodeID)
	}

	wctx, cancel = context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err = s.manager.ServiceWait(wctx, limited, quick)
	var we *dockwire.ServiceWaitError
	if !errors.As(err, &we) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait for %s with a node down: %v; want a *ServiceWaitError at the deadline", limited, err)
	}
	for _, want := range []string{"pending", "is down"} {
		if !strings.Contains(we.Reason, want) {
			t.Errorf("the wait's reason lacks %q: %s", want, we.Reason)
		}
	}
	t.Logf("wait with the worker down: %v", err)
}

// restartWorker starts the worker's daemon again as scripts/engines.sh
// does, and waits until the manager sees the node Ready.
func restartWorker(t *testing.T, s *liveSwarm) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "bash", "scripts/engines.sh", "start", "swarm").CombinedOutput()
	if err != nil {
		t.Fatalf("restarting the worker (scripts/engines.sh start swarm): %v\n%s", err, out)
	}
	waitNodeState(t, s.manager, s.workerNodeID, "ready")
}

// waitNodeState waits until the manager reports the node in state, asking
// twice a second.
func waitNodeState(t *testing.T, manager *dockwire.Client, id, state string) {
	t.Helper()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	await.Until(t, "node "+id+" "+state, func() bool {
		<-tick.C
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n, err := manager.NodeInspect(ctx, id)
		return err == nil && n.Status.State == state
	})
}

package dockwire_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/internal/await"
	"github.com/dockwire/dockwire/internal/livetest"
)

func TestLiveContainerLifecycle(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		ctx := livetest.Context(t)
		c := e.Client
		name := livetest.UniqueName("dwlife")
		id := e.Create(t, dockwire.ContainerCreateOptions{
			Name: name,
			Config: engine.ContainerConfig{
				Cmd: []string{"sleep", "3600"}, Env: []string{"GREETING=hi"}, WorkingDir: "/tmp",
				Labels: map[string]string{"com.example.dotted.key": "v"},
			},
			HostConfig: engine.HostConfig{Resources: engine.Resources{Memory: 64 << 20}},
			Extra:      []byte(`{"HostConfig": {"OomScoreAdj": 123}}`),
		})

		info, err := c.ContainerInspect(ctx, name, dockwire.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if info.ID != id || info.Name != "/"+name || info.State.Status != "created" || info.Config.WorkingDir != "/tmp" ||
			info.HostConfig.Memory != 64<<20 || info.Config.Labels["com.example.dotted.key"] != "v" {
			t.Errorf("inspect after create: %+v", info)
		}
		if got := info.Get("HostConfig.OomScoreAdj").Int(); got != 123 {
			t.Errorf("Extra did not reach the daemon: OomScoreAdj = %d", got)
		}
		if info.SizeRootFs != 0 { // Docker leaves it out, Podman sends 0
			t.Errorf("inspect without Size has SizeRootFs %d", info.SizeRootFs)
		}
		if sized, err := c.ContainerInspect(ctx, name, dockwire.ContainerInspectOptions{Size: true}); err != nil ||
			sized.SizeRootFs <= 0 || !sized.Get("SizeRw").Exists() {
			t.Errorf("inspect with Size: SizeRw %d, SizeRootFs %d, %v; want the image's size", sized.SizeRw, sized.SizeRootFs, err)
		}
		if running, err := c.ContainerIsRunning(ctx, id); running || err != nil {
			t.Errorf("IsRunning on a created container: %v, %v", running, err)
		}

		if err := c.ContainerStart(ctx, id); err != nil {
			t.Fatalf("start: %v", err)
		}
		if err := c.ContainerStart(ctx, id); err != nil {
			t.Errorf("second start: %v; want the daemon's 304 as success", err)
		}
		if running, err := c.ContainerIsRunning(ctx, id); !running || err != nil {
			t.Errorf("IsRunning after start: %v, %v", running, err)
		}

		top, err := c.ContainerTop(ctx, id, "")
		if err != nil || len(top.Processes) == 0 || !strings.Contains(strings.Join(top.Processes[0], " "), "sleep") {
			t.Errorf("top: %+v, %v", top, err)
		}

		if err := c.ContainerPause(ctx, id); err != nil {
			t.Fatal(err)
		}
		if info, _ := c.ContainerInspect(ctx, id, dockwire.ContainerInspectOptions{}); !info.State.Paused {
			t.Error("not paused after pause")
		}
		if err := c.ContainerUnpause(ctx, id); err != nil {
			t.Fatal(err)
		}

		t.Run("update", func(t *testing.T) {
			e.SkipOnPodmanBefore(t, 5, "POST /containers/{id}/update answers 404: the compat API lacks it")
			if _, err := c.ContainerUpdate(ctx, id, dockwire.ContainerUpdateOptions{Resources: engine.Resources{Memory: 96 << 20, MemorySwap: -1}}); err != nil {
				t.Errorf("update: %v", err)
			} else if info, _ := c.ContainerInspect(ctx, id, dockwire.ContainerInspectOptions{}); info.HostConfig.Memory != 96<<20 {
				t.Errorf("memory after update = %d", info.HostConfig.Memory)
			}
		})

		newName := name + "-renamed"
		if err := c.ContainerRename(ctx, id, newName); err != nil {
			t.Fatal(err)
		}
		if ok, err := c.ContainerExists(ctx, newName); !ok || err != nil {
			t.Errorf("exists under the new name: %v, %v", ok, err)
		}

		if err := c.ContainerRemove(ctx, id, dockwire.ContainerRemoveOptions{}); !errors.Is(err, dockwire.ErrConflict) {
			t.Errorf("remove of a running container without force: %v; want ErrConflict", err)
		}

		if err := c.ContainerRestart(ctx, id, dockwire.ContainerRestartOptions{KillNow: true}); err != nil {
			t.Fatal(err)
		}
		if err := c.ContainerKill(ctx, id, "SIGKILL"); err != nil {
			t.Fatal(err)
		}
		exit, err := c.ContainerWait(ctx, id, dockwire.WaitNotRunning)
		if err != nil || exit.StatusCode != 137 {
			t.Errorf("wait after SIGKILL: %+v, %v; want 137", exit, err)
		}
		if err := c.ContainerStop(ctx, id, dockwire.ContainerStopOptions{}); err != nil {
			t.Errorf("stop of a stopped container: %v; want the daemon's 304 as success", err)
		}
		if err := c.ContainerKill(ctx, id, ""); !errors.Is(err, dockwire.ErrConflict) {
			t.Errorf("kill of a stopped container: %v; want ErrConflict", err)
		}

		report, err := c.ContainerPrune(ctx, dockwire.ContainerPruneOptions{Filters: dockwire.Filters{"label": {livetest.Label + "=1", "dwlife=" + name}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(report.ContainersDeleted) != 0 {
			t.Errorf("prune filtered on a label nobody has removed %v", report.ContainersDeleted)
		}
		if err := c.ContainerRemove(ctx, id, dockwire.ContainerRemoveOptions{Volumes: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ContainerInspect(ctx, id, dockwire.ContainerInspectOptions{}); !errors.Is(err, dockwire.ErrContainerNotFound) {
			t.Errorf("inspect after remove: %v; want ErrContainerNotFound", err)
		}
	})
}

func TestLiveContainerStopGraceAndSignal(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		ctx := livetest.Context(t)
		id := e.Container(t, dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{
			Cmd: []string{"sh", "-c", "trap 'exit 42' INT; echo trapped; while true; do sleep 0.1; done"},
		}})
		// A SIGINT that comes before the trap is set is ignored (the shell is
		// PID 1), and the stop ends in a SIGKILL.
		await.Until(t, "the container to set its SIGINT trap", func() bool {
			return slices.Contains(liveLines(t, e.Client, id, dockwire.ContainerLogsOptions{}), "stdout:trapped")
		})
		opts := dockwire.ContainerStopOptions{Signal: "SIGINT", Timeout: 5 * time.Second}
		err := e.Client.ContainerStop(ctx, id, opts)
		if e.API == "1.41" {
			var ve *dockwire.VersionError
			if !errors.As(err, &ve) || ve.Required != "1.42" {
				t.Fatalf("stop signal on API 1.41: %v; want a requires-1.42 error", err)
			}
			opts.Signal = ""
			opts.Timeout, opts.KillNow = 0, true
			if err := e.Client.ContainerStop(ctx, id, opts); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		info, _ := e.Client.ContainerInspect(ctx, id, dockwire.ContainerInspectOptions{})
		if info.State.ExitCode != 42 {
			t.Errorf("exit code %d; want 42 from the SIGINT trap", info.State.ExitCode)
		}
	})
}

func TestFault_G7_LiveWaitRegisteredBeforeStart(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		e.SkipOnPodmanBefore(t, 5, "a wait registered before the container starts returns at once with status 0")
		ctx := livetest.Context(t)
		id := e.Create(t, dockwire.ContainerCreateOptions{
			Config:     engine.ContainerConfig{Cmd: []string{"sh", "-c", "exit 5"}},
			HostConfig: engine.HostConfig{AutoRemove: true},
		})
		w, err := e.Client.ContainerWaitRegister(ctx, id, dockwire.WaitRemoved)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if err := e.Client.ContainerStart(ctx, id); err != nil {
			t.Fatal(err)
		}
		exit, err := w.Result()
		if err != nil || exit.StatusCode != 5 {
			t.Errorf("wait: %+v, %v; want status 5", exit, err)
		}
		if _, err := e.Client.ContainerWait(ctx, id, dockwire.WaitNotRunning); !errors.Is(err, dockwire.ErrContainerNotFound) {
			t.Errorf("wait after removal: %v; want ErrContainerNotFound (G7)", err)
		}
	})
}

package dockwire_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/internal/livetest"
)

func TestLiveRun(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		ctx := livetest.Context(t)
		image := e.Image(t)
		labels := map[string]string{livetest.Label: "1"}

		t.Run("output and exit code", func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			res, err := e.Client.Run(ctx, dockwire.RunOptions{
				Image: image, Cmd: []string{"sh", "-c", "echo out $A; echo err >&2; exit 3"}, Env: []string{"A=1"},
				Name: livetest.UniqueName("dwrun"), Remove: true, Stdout: &stdout, Stderr: &stderr,
				Create: dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{Labels: labels}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != 3 || stdout.String() != "out 1\n" || stderr.String() != "err\n" {
				t.Errorf("exit %d, stdout %q, stderr %q; want 3, out 1, err", res.ExitCode, stdout.String(), stderr.String())
			}
			if ok, err := e.Client.ContainerExists(ctx, res.ID); ok || err != nil {
				t.Errorf("after Remove the container exists=%v (%v)", ok, err)
			}
		})

		t.Run("auto-removed container that exits at once", func(t *testing.T) {
			res, err := e.Client.Run(ctx, dockwire.RunOptions{Image: image, Cmd: []string{"sh", "-c", "exit 7"},
				Create: dockwire.ContainerCreateOptions{
					Config:     engine.ContainerConfig{Labels: labels},
					HostConfig: engine.HostConfig{AutoRemove: true},
				},
			})
			if err != nil || res.ExitCode != 7 {
				t.Errorf("exit %d, err %v; want 7, nil (the wait is registered before the start)", res.ExitCode, err)
			}
		})

		t.Run("cancel kills and removes", func(t *testing.T) {
			cctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
			defer cancel()
			start := time.Now()
			res, err := e.Client.Run(cctx, dockwire.RunOptions{Image: image, Cmd: []string{"sleep", "60"}, Remove: true,
				Create: dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{Labels: labels}},
			})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v; want the context's error", err)
			}
			// Well before the sleep ends; the forced removal alone took 12 s on
			// a loaded machine.
			if d := time.Since(start); d > 45*time.Second {
				t.Errorf("returned after %v; want the container killed, not waited for", d)
			}
			if ok, err := e.Client.ContainerExists(ctx, res.ID); ok || err != nil {
				t.Errorf("after cancel the container exists=%v (%v)", ok, err)
			}
		})

		t.Run("missing image", func(t *testing.T) {
			_, err := e.Client.Run(ctx, dockwire.RunOptions{Image: "dockwire-test/no-such-image:1",
				Create: dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{Labels: labels}},
			})
			if !errors.Is(err, dockwire.ErrImageNotFound) {
				t.Errorf("err = %v; want ErrImageNotFound", err)
			}
		})

		t.Run("detached", func(t *testing.T) {
			name := livetest.UniqueName("dwrund")
			created, err := e.Client.RunDetached(ctx, dockwire.RunOptions{
				Image: image, Name: name, Cmd: []string{"sh", "-c", "echo up $A; exec sleep 60"}, Env: []string{"A=2"},
				Create: dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{Labels: labels}},
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				e.Client.ContainerRemove(context.WithoutCancel(ctx), created.ID, dockwire.ContainerRemoveOptions{Force: true})
			})
			info, err := e.Client.ContainerInspect(ctx, name, dockwire.ContainerInspectOptions{})
			if err != nil || info.ID != created.ID || !info.State.Running {
				t.Fatalf("inspect %s after RunDetached: id %s, running %v, %v; want %s, running", name, info.ID, info.State.Running, err, created.ID)
			}
			// The output arrives while the container runs on.
			logs, err := e.Client.ContainerLogs(ctx, created.ID, dockwire.ContainerLogsOptions{Follow: true})
			if err != nil {
				t.Fatal(err)
			}
			defer logs.Close()
			for l, err := range logs.Lines() {
				if err != nil {
					t.Fatal(err)
				}
				if l.Text != "up 2" {
					t.Errorf("first line %q; want %q", l.Text, "up 2")
				}
				break
			}
		})

		t.Run("detached with Remove", func(t *testing.T) {
			created, err := e.Client.RunDetached(ctx, dockwire.RunOptions{Image: image, Cmd: []string{"sh", "-c", "exit 0"}, Remove: true,
				Create: dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{Labels: labels}},
			})
			if err != nil {
				t.Fatal(err)
			}
			// The daemon removes it when it exits: wait for that.
			if _, err := e.Client.ContainerWait(ctx, created.ID, dockwire.WaitRemoved); err != nil && !errors.Is(err, dockwire.ErrContainerNotFound) {
				t.Fatalf("wait for removal: %v", err)
			}
			if ok, err := e.Client.ContainerExists(ctx, created.ID); ok || err != nil {
				t.Errorf("after exit the container exists=%v (%v); want it removed by the daemon", ok, err)
			}
		})

		t.Run("detached start fails, Remove cleans up", func(t *testing.T) {
			name := livetest.UniqueName("dwrunf")
			created, err := e.Client.RunDetached(ctx, dockwire.RunOptions{Image: image, Name: name, Cmd: []string{"/no/such/binary"}, Remove: true,
				Create: dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{Labels: labels}},
			})
			if err == nil || created.ID == "" {
				t.Fatalf("RunDetached of a missing binary: id %q, err %v; want the ID and an error", created.ID, err)
			}
			if ok, err := e.Client.ContainerExists(ctx, name); ok || err != nil {
				t.Errorf("after the failed start the container exists=%v (%v); want it removed", ok, err)
			}
		})
	})
}

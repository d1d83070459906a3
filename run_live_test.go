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
				ContainerCreateOptions: dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{
					Image: image, Labels: labels, Cmd: []string{"sh", "-c", "echo out; echo err >&2; exit 3"},
				}},
				Stdout: &stdout, Stderr: &stderr, Remove: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != 3 || stdout.String() != "out\n" || stderr.String() != "err\n" {
				t.Errorf("exit %d, stdout %q, stderr %q; want 3, out, err", res.ExitCode, stdout.String(), stderr.String())
			}
			if ok, err := e.Client.ContainerExists(ctx, res.ID); ok || err != nil {
				t.Errorf("after Remove the container exists=%v (%v)", ok, err)
			}
		})

		t.Run("auto-removed container that exits at once", func(t *testing.T) {
			res, err := e.Client.Run(ctx, dockwire.RunOptions{
				ContainerCreateOptions: dockwire.ContainerCreateOptions{
					Config:     engine.ContainerConfig{Image: image, Labels: labels, Cmd: []string{"sh", "-c", "exit 7"}},
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
			res, err := e.Client.Run(cctx, dockwire.RunOptions{
				ContainerCreateOptions: dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{
					Image: image, Labels: labels, Cmd: []string{"sleep", "60"},
				}},
				Remove: true,
			})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v; want the context's error", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("returned after %v", d)
			}
			if ok, err := e.Client.ContainerExists(ctx, res.ID); ok || err != nil {
				t.Errorf("after cancel the container exists=%v (%v)", ok, err)
			}
		})

		t.Run("missing image", func(t *testing.T) {
			_, err := e.Client.Run(ctx, dockwire.RunOptions{ContainerCreateOptions: dockwire.ContainerCreateOptions{
				Config: engine.ContainerConfig{Image: "dockwire-test/no-such-image:1", Labels: labels},
			}})
			if !errors.Is(err, dockwire.ErrImageNotFound) {
				t.Errorf("err = %v; want ErrImageNotFound", err)
			}
		})
	})
}

package dockwire

import (
	"context"
	"errors"
	"github.com/dockwire/dockwire/engine"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// pingDaemon serves /_ping on a Unix socket and returns its path.
func pingDaemon(t *testing.T) string {
	t.Helper()
	socket := filepath.Join(t.TempDir(), "d.sock")
	pingable(t, socket)
	return socket
}

func TestDefaultClientRefusesClose(t *testing.T) {
	withSockets(t)
	socket := pingDaemon(t)
	t.Setenv("DOCKER_HOST", "unix://"+socket)
	reset := func() {
		defaultClient.once = sync.Once{}
		defaultClient.c, defaultClient.err = nil, nil
	}
	reset()
	t.Cleanup(reset)

	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	err = c.Close()
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "Default()") {
		t.Errorf("Close of the shared client: %v, want an error that says it is shared", err)
	}
	if _, err := c.Ping(testCtx(t)); err != nil {
		t.Errorf("the shared client after Close: %v", err)
	}
	if again, _ := Default(); again != c {
		t.Error("Default returned another client")
	}
}

// Calls after Close fail, on the client's own connections and under
// WithTransport alike.
func TestCallsAfterCloseFail(t *testing.T) {
	socket := pingDaemon(t)
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", socket)
	}}
	for name, opts := range map[string][]Option{"pool": nil, "WithTransport": {WithTransport(tr)}} {
		c, err := New("unix://"+socket, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Ping(testCtx(t)); err != nil {
			t.Fatalf("%s: before Close: %v", name, err)
		}
		if err := c.Close(); err != nil {
			t.Fatalf("%s: Close: %v", name, err)
		}
		_, err = c.Ping(testCtx(t))
		if !errors.Is(err, errClientClosed) || !strings.Contains(err.Error(), "Close was called") {
			t.Errorf("%s: Ping after Close: %v, want an error saying the client is closed", name, err)
		}
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Each mount option a later API added names its version.
func TestMountsNeed(t *testing.T) {
	for _, tc := range []struct {
		mount         engine.Mount
		version, what string
	}{
		{engine.Mount{Type: "bind", BindOptions: &engine.BindOptions{Propagation: "rprivate", NonRecursive: true}}, "", ""},
		{engine.Mount{Type: "bind", BindOptions: &engine.BindOptions{CreateMountpoint: true}}, "1.42", "BindOptions.CreateMountpoint"},
		{engine.Mount{Type: "bind", ReadOnly: true, BindOptions: &engine.BindOptions{ReadOnlyNonRecursive: true}}, "1.44", "BindOptions.ReadOnlyNonRecursive/ReadOnlyForceRecursive"},
		{engine.Mount{Type: "volume", VolumeOptions: &engine.VolumeOptions{Subpath: "sub"}}, "1.45", "VolumeOptions.Subpath"},
		{engine.Mount{Type: "tmpfs", TmpfsOptions: &engine.TmpfsOptions{Options: [][]string{{"noexec"}}}}, "1.46", "TmpfsOptions.Options"},
		{engine.Mount{Type: "image", Source: "busybox"}, "1.48", "an image mount"},
	} {
		// Alone, and after one that needs less: the highest wins.
		for _, mounts := range [][]engine.Mount{{tc.mount}, {{Type: "bind", BindOptions: &engine.BindOptions{CreateMountpoint: true}}, tc.mount}} {
			v, what := mountsNeed(mounts)
			if tc.version == "" && len(mounts) == 2 {
				continue
			}
			if v != tc.version || what != tc.what {
				t.Errorf("mountsNeed(%+v) = %q, %q; want %q, %q", mounts, v, what, tc.version, tc.what)
			}
		}
	}
}

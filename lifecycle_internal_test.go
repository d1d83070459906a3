package dockwire

import (
	"context"
	"errors"
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

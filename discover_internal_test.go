package dockwire

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// pingable serves /_ping on a Unix socket at path and counts requests.
func pingable(t *testing.T, path string) *atomic.Int64 {
	t.Helper()
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Api-Version", "1.45")
		w.Write([]byte("OK"))
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return &n
}

// deadSocket leaves a socket file that nothing listens on.
func deadSocket(t *testing.T, path string) {
	t.Helper()
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
}

// withSockets points discovery at dir: the default and Podman's system
// sockets become dir/default.sock and dir/system-podman.sock, and
// XDG_RUNTIME_DIR is dir.
func withSockets(t *testing.T) string {
	dir := t.TempDir()
	oldDefault, oldPodman := defaultSocket, podmanSocket
	defaultSocket, podmanSocket = "unix://"+filepath.Join(dir, "default.sock"), "unix://"+filepath.Join(dir, "system-podman.sock")
	t.Cleanup(func() { defaultSocket, podmanSocket = oldDefault, oldPodman })
	t.Setenv("XDG_RUNTIME_DIR", dir)
	for _, k := range []string{"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "DOCKER_API_VERSION"} {
		t.Setenv(k, "")
	}
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	return dir
}

func TestDiscoveryTakesTheFirstThatAnswers(t *testing.T) {
	dir := withSockets(t)
	deadSocket(t, filepath.Join(dir, "docker.sock")) // rootless Docker, stopped
	if err := os.MkdirAll(filepath.Join(dir, "podman"), 0o700); err != nil {
		t.Fatal(err)
	}
	rootlessPodman := pingable(t, filepath.Join(dir, "podman", "podman.sock"))
	systemPodman := pingable(t, filepath.Join(dir, "system-podman.sock"))
	stranger := pingable(t, filepath.Join(dir, "other.sock"))

	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	ep := c.Endpoint()
	if ep.Host != "unix://"+filepath.Join(dir, "podman", "podman.sock") || ep.Source != "rootless Podman" {
		t.Fatalf("chose %s; want rootless Podman's socket", ep)
	}
	var results []string
	for _, p := range ep.Tried {
		results = append(results, p.Source+"="+p.Result)
	}
	want := "the default socket=missing,rootless Docker=refused (a stale socket file),rootless Podman=answered"
	if got := strings.Join(results, ","); got != want {
		t.Errorf("tried %s\nwant %s", got, want)
	}
	if !strings.Contains(ep.String(), "rootless Podman; tried ") {
		t.Errorf("String() = %q", ep)
	}
	if systemPodman.Load() != 0 || stranger.Load() != 0 {
		t.Errorf("discovery sent %d requests past the socket that answered and %d to a socket not in its list", systemPodman.Load(), stranger.Load())
	}
	if rootlessPodman.Load() != 1 {
		t.Errorf("the chosen socket got %d probes; want 1", rootlessPodman.Load())
	}
}

func TestDiscoveryFindingNothingSaysWhatItTried(t *testing.T) {
	withSockets(t)
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.Host() != defaultSocket || len(c.Endpoint().Tried) != 4 {
		t.Fatalf("nothing answers: chose %s; want the default socket after trying all 4", c.Endpoint())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = c.Ping(ctx)
	if !errors.Is(err, ErrDaemonUnreachable) || !strings.Contains(err.Error(), "no engine found: tried ") || !strings.Contains(err.Error(), "rootless Podman") {
		t.Fatalf("ping with no engine: %v; want the list of sockets tried", err)
	}
}

func TestDiscoveryOnlyWhenNothingChooses(t *testing.T) {
	dir := withSockets(t)
	hits := pingable(t, filepath.Join(dir, "default.sock"))
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(dir, "chosen.sock"))
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if ep := c.Endpoint(); ep.Source != "DOCKER_HOST" || len(ep.Tried) != 0 || hits.Load() != 0 {
		t.Fatalf("with DOCKER_HOST set: %s after %d probes; want DOCKER_HOST and no probe", ep, hits.Load())
	}
	t.Setenv("DOCKER_HOST", "")
	c, err = FromEnv(WithDialer(func(ctx context.Context) (net.Conn, error) { return nil, errors.New("unused") }))
	if err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 0 || c.Endpoint().Source != "the default socket" {
		t.Fatalf("with a dialer of the caller's: %s after %d probes; want no probe", c.Endpoint(), hits.Load())
	}
}

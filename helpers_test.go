package dockwire_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/await"
	"github.com/dockwire/dockwire/stdcopy"
)

// daemon is a fake daemon on a Unix socket in t.TempDir(), answering /_ping
// with apiVersion and everything else with h.
type daemon struct {
	*httptest.Server
	socket   string
	requests atomic.Int64 // requests other than pings
	pings    atomic.Int64
	accepts  atomic.Int64 // connections
}

type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

func newDaemon(t *testing.T, apiVersion string, h http.HandlerFunc) *daemon {
	t.Helper()
	return newDaemonAt(t, filepath.Join(t.TempDir(), "d.sock"), apiVersion, h)
}

// newDaemonAt starts a fake daemon on the given socket path.
func newDaemonAt(t *testing.T, socket, apiVersion string, h http.HandlerFunc) *daemon {
	t.Helper()
	d := &daemon{socket: socket}
	d.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_ping" {
			d.pings.Add(1)
			w.Header().Set("Api-Version", apiVersion)
			w.Header().Set("Ostype", "linux")
			return
		}
		d.requests.Add(1)
		h(w, r)
	}))
	l, err := net.Listen("unix", d.socket)
	if err != nil {
		t.Fatal(err)
	}
	d.Listener = countingListener{l, &d.accepts}
	d.Start()
	t.Cleanup(d.Close)
	return d
}

func (d *daemon) host() string { return "unix://" + d.socket }

func (d *daemon) client(t *testing.T, opts ...dockwire.Option) *dockwire.Client {
	t.Helper()
	return hostClient(t, d.host(), opts...)
}

// hostClient returns a client for host, closed when the test ends.
func hostClient(t *testing.T, host string, opts ...dockwire.Option) *dockwire.Client {
	t.Helper()
	c, err := dockwire.New(host, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rawDaemon accepts connections on a Unix socket and hands each to serve,
// for faults below HTTP.
func rawDaemon(t *testing.T, serve func(c net.Conn)) string {
	t.Helper()
	socket := filepath.Join(t.TempDir(), "raw.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return "unix://" + socket
}

// testContext returns a context that ends with the test, or after
// await.Timeout.
func testContext(t *testing.T) context.Context { return await.Context(t) }

// engineClient returns a client for the fake engine e, closed when the
// test ends.
func engineClient(t *testing.T, e *enginetest.Engine, opts ...dockwire.Option) *dockwire.Client {
	t.Helper()
	return hostClient(t, e.Host(), opts...)
}

// streamClient returns a client for e that fails fast rather than
// retrying, closed when the test ends.
func streamClient(t *testing.T, e *enginetest.Engine) *dockwire.Client {
	t.Helper()
	return engineClient(t, e, dockwire.WithRetry(1, 0))
}

// openFDs counts the process's open file descriptors; it skips the test
// where /proc/self/fd does not exist.
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd here")
	}
	return len(entries)
}

// firstWrite discards what is written to it, and closes written at the
// first Write: a consumer that has written once is reading the stream.
type firstWrite struct {
	once    sync.Once
	written chan struct{}
}

func newFirstWrite() *firstWrite { return &firstWrite{written: make(chan struct{})} }

func (w *firstWrite) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.written) })
	return len(p), nil
}

// frame is one multiplexed frame, as stdcopy's writer sends it.
func frame(stream stdcopy.StreamType, payload string) []byte {
	var b bytes.Buffer
	stdcopy.NewWriter(&b, stream).Write([]byte(payload))
	return b.Bytes()
}

func jsonReply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// endsOnCancel cancels, then requires the operation reporting on done to
// end with context.Canceled within 100ms (fault row F1).
func endsOnCancel(t *testing.T, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	start := time.Now()
	cancel()
	err := await.Recv(t, "the operation to end after its context was cancelled", done)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("returned %v after cancel, want within 100ms", d)
	}
}

// waitProgress reads a pull, push, build or load to its end and returns
// the error that ended it, or the one that kept it from starting.
func waitProgress(p *dockwire.Progress, err error) error {
	if err != nil {
		return err
	}
	return p.Wait()
}

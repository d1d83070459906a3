package dockwire_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
)

// A context that ended is reported as the context's own error, not as what
// its ending did to the dial, write or read under way ("dial unix ...:
// operation was canceled", "i/o timeout", "use of closed network
// connection").
func requireCtxErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if err != want {
		t.Errorf("%s: err = %#v (%v), want the context's own %v", what, err, err, want)
	}
}

// lateDeadline is a context whose deadline has passed a moment ago and
// whose own timer has not marked it done yet: what a dial bounded by the
// deadline sees when it fails first.
type lateDeadline struct{ context.Context }

func (lateDeadline) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }

func TestContextErrorOnDial(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, `{"Id":"x"}`) })
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, retry := range []int{1, 4} {
		c := d.client(t, dockwire.WithAPIVersion("1.41"), dockwire.WithRetry(retry, 10*time.Millisecond))
		_, err := c.ContainerInspect(cancelled, "x", dockwire.ContainerInspectOptions{})
		requireCtxErr(t, "cancelled", err, context.Canceled)
		_, err = c.ContainerInspect(lateDeadline{context.Background()}, "x", dockwire.ContainerInspectOptions{})
		requireCtxErr(t, "deadline passed", err, context.DeadlineExceeded)
	}
	// A dialer of the caller's that reports the cancellation in its own words.
	c := d.client(t, dockwire.WithAPIVersion("1.41"), dockwire.WithDialer(func(ctx context.Context) (net.Conn, error) {
		var nd net.Dialer
		return nd.DialContext(ctx, "unix", d.socket)
	}))
	_, err := c.ContainerInspect(cancelled, "x", dockwire.ContainerInspectOptions{})
	requireCtxErr(t, "WithDialer, cancelled", err, context.Canceled)
}

// endless is a request body that never ends.
type endless struct{ n chan<- int }

func (e endless) Read(p []byte) (int, error) {
	select {
	case e.n <- len(p):
	default:
	}
	return len(p), nil
}

func TestContextErrorOnWrite(t *testing.T) {
	// The daemon reads the head of the request, then nothing more, so that
	// the upload blocks once the socket's buffers are full.
	done := make(chan struct{})
	defer close(done)
	socket := rawDaemon(t, func(c net.Conn) {
		c.Read(make([]byte, 4096))
		<-done
	})
	c, err := dockwire.New(socket, dockwire.WithAPIVersion("1.41"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, want := range []error{context.Canceled, context.DeadlineExceeded} {
		ctx, cancel := context.WithCancel(context.Background())
		if want == context.DeadlineExceeded {
			ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
		}
		read := make(chan int, 1)
		go func() {
			<-read // the upload is under way
			if want == context.Canceled {
				cancel()
			}
		}()
		err := c.CopyToContainer(ctx, "box", "/", endless{read}, dockwire.CopyToContainerOptions{})
		cancel()
		requireCtxErr(t, "upload", err, want)
	}
}

func TestContextErrorOnRead(t *testing.T) {
	requested := make(chan struct{}, 1)
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/logs") {
			w.Header().Set("Content-Type", "application/vnd.docker.raw-stream")
			w.Write([]byte("first\n"))
			w.(http.Flusher).Flush()
		}
		requested <- struct{}{}
		<-r.Context().Done() // no answer, or no more of it
	})
	c := d.client(t, dockwire.WithAPIVersion("1.41"))
	for _, want := range []error{context.Canceled, context.DeadlineExceeded} {
		ctx, cancel := context.WithCancel(context.Background())
		if want == context.DeadlineExceeded {
			ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
		}
		go func() {
			<-requested
			if want == context.Canceled {
				cancel()
			}
		}()
		_, err := c.ContainerInspect(ctx, "x", dockwire.ContainerInspectOptions{})
		requireCtxErr(t, "waiting for the answer", err, want)
		cancel()

		ctx, cancel = context.WithCancel(context.Background())
		if want == context.DeadlineExceeded {
			ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
		}
		s, err := c.ContainerLogs(ctx, "x", dockwire.ContainerLogsOptions{Follow: true})
		if err != nil {
			t.Fatal(err)
		}
		<-requested
		buf := make([]byte, 64)
		if _, err := s.Read(buf); err != nil {
			t.Fatal(err)
		}
		if want == context.Canceled {
			cancel()
		}
		_, err = io.ReadAll(s)
		requireCtxErr(t, "reading a stream", err, want)
		s.Close()
		cancel()
	}
}

func TestFault_A3_RefusedHint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := dockwire.New("tcp://"+addr, dockwire.WithRetry(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Ping(testContext(t))
	var ce *dockwire.ConnectError
	if !errors.As(err, &ce) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %v, want a refused *ConnectError", err)
	}
	if strings.Contains(ce.Hint, "socket file") || !strings.Contains(ce.Hint, "TCP") {
		t.Errorf("hint for a refused tcp:// connection: %q", ce.Hint)
	}
}

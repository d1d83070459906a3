package dockwire_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/internal/await"
)

// cancelOnAnswer cancels a context as soon as the answer's status line
// arrives, after the request was sent and before the client looks at it.
type cancelOnAnswer struct {
	net.Conn
	cancel *atomic.Pointer[context.CancelFunc]
}

func (c cancelOnAnswer) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if bytes.Contains(p[:n], []byte("HTTP/1.1 200")) {
		if f := c.cancel.Swap(nil); f != nil {
			(*f)()
		}
	}
	return n, err
}

// TestFault_F2_CancelAsAnswerArrivesReleasesConnection: a GET whose ctx
// ends just as its answer arrives must give back its connection, or a
// bounded pool runs dry.
func TestFault_F2_CancelAsAnswerArrivesReleasesConnection(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, `{"Id":"abc"}`) })
	var cancel atomic.Pointer[context.CancelFunc]
	dial := dockwire.WithDialer(func(ctx context.Context) (net.Conn, error) {
		var dl net.Dialer
		conn, err := dl.DialContext(ctx, "unix", d.socket)
		if err != nil {
			return nil, err
		}
		return cancelOnAnswer{conn, &cancel}, nil
	})
	c := d.client(t, dockwire.WithAPIVersion("1.41"), dockwire.WithMaxConns(1), dial)
	for i := 0; i < 3; i++ {
		// The deadline only matters if a connection leaked: the call then
		// waits for one until it passes.
		ctx, stop := context.WithTimeout(context.Background(), 2*time.Second)
		cancel.Store(&stop)
		if _, err := c.ContainerInspect(ctx, "x", dockwire.ContainerInspectOptions{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("call %d: %v; want context.Canceled (a deadline means an earlier call kept its connection)", i, err)
		}
	}
	ctx, stop := context.WithTimeout(context.Background(), 2*time.Second)
	defer stop()
	if _, err := c.ContainerInspect(ctx, "x", dockwire.ContainerInspectOptions{}); err != nil {
		t.Fatalf("after three cancelled calls with WithMaxConns(1): %v; a connection was never released", err)
	}
}

// TestFault_I7_NegotiationWaitHonoursCtx: a caller waiting for another
// caller's negotiation stops when its own ctx ends.
func TestFault_I7_NegotiationWaitHonoursCtx(t *testing.T) {
	release, arrived := make(chan struct{}), make(chan struct{}, 1)
	d := newDaemon(t, "", nil)
	d.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.Header().Set("Api-Version", "1.41")
	})
	defer close(release)
	c := d.client(t)
	slow, cancelSlow := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelSlow()
	go c.APIVersion(slow)
	await.Recv(t, "the first caller's negotiation to reach the daemon", arrived)
	quick, cancelQuick := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancelQuick()
	start := time.Now()
	if _, err := c.APIVersion(quick); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v; want the caller's own deadline", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("waited %v behind another caller's negotiation", d)
	}
}

// TestFault_A7_TimeoutDoesNotBoundUploads: WithTimeout bounds the wait for
// the answer, not the time an upload takes.
func TestFault_A7_TimeoutDoesNotBoundUploads(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 64<<10)
		for { // about 2 MiB/s
			if _, err := r.Body.Read(buf); err != nil {
				break
			}
			time.Sleep(30 * time.Millisecond)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"stream":"Loaded image: x:latest\n"}`+"\n")
	})
	// The client's last write ends when the socket buffer takes it, a few
	// hundred KiB before the daemon has read it all: the timeout leaves room
	// for that on a loaded machine, and the upload still takes longer.
	c := d.client(t, dockwire.WithTimeout(2*time.Second))
	upload := io.MultiReader(bytes.NewReader(make([]byte, 6<<20))) // a stream, not a sized reader
	start := time.Now()
	if err := waitProgress(c.ImageLoad(testContext(t), upload, dockwire.ImageLoadOptions{})); err != nil {
		t.Fatalf("a 6 MiB load at 2 MiB/s under a 2s timeout: %v; want it to finish", err)
	}
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("the upload took %v, less than the timeout: the test proves nothing", d)
	}
}

// TestFault_B11_InterimAnswerSkipped: a 1xx interim answer (103 Early
// Hints) is skipped, so that the real answer reaches its own request and
// not the next one.
func TestFault_B11_InterimAnswerSkipped(t *testing.T) {
	host := rawDaemon(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			body := fmt.Sprintf(`{"Id":"answer-to-%s"}`, strings.TrimPrefix(req.URL.Path, "/v1.41/containers/"))
			io.WriteString(c, "HTTP/1.1 103 Early Hints\r\n\r\n")
			time.Sleep(20 * time.Millisecond)
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		}
	})
	c, _ := dockwire.New(host, dockwire.WithAPIVersion("1.41"))
	for _, id := range []string{"aaa", "bbb"} {
		info, err := c.ContainerInspect(testContext(t), id, dockwire.ContainerInspectOptions{})
		if err != nil || info.ID != "answer-to-"+id+"/json" {
			t.Errorf("inspect %s: %q, %v", id, info.ID, err)
		}
	}
}

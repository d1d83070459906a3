package dockwire_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/internal/await"
)

func TestFault_A6_ResetWhileReadingBody(t *testing.T) {
	host := rawDaemon(t, func(c net.Conn) {
		first := make([]byte, 16) // the start of the request line only: the rest stays unread
		if n, _ := c.Read(first); strings.Contains(string(first[:n]), "/_ping") {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"Id\":\"abc\",")
		time.Sleep(20 * time.Millisecond)
		// Returning closes the connection with the request's headers
		// unread, which makes Linux reset it instead of ending it cleanly.
	})
	c, _ := dockwire.New(host, dockwire.WithAPIVersion("1.41"))
	base := runtime.NumGoroutine()
	_, err := c.ContainerInspect(testContext(t), "abc", dockwire.ContainerInspectOptions{})
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("err = %v; want the reset to show", err)
	}
	await.Goroutines(t, base+1)
}

func TestFault_C2_UnknownFieldsIgnored(t *testing.T) {
	d := newDaemon(t, "1.55", func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 200, `{"Id":"abc","FutureField":{"deep":[1,2,{"x":null}]},"State":{"Status":"running","Running":true,"NewThing":7},"Config":{"Tty":true,"Unknown":"x"}}`)
	})
	info, err := d.client(t).ContainerInspect(testContext(t), "abc", dockwire.ContainerInspectOptions{})
	if err != nil || info.ID != "abc" || !info.State.Running || !info.Config.Tty {
		t.Fatalf("inspect with unknown fields: %+v, %v", info, err)
	}
	if got := info.Get("FutureField.deep.2").Raw; got != `{"x":null}` {
		t.Errorf("unknown field through Get: %s", got)
	}
}

func TestFault_C4_LabelKeysReadExactly(t *testing.T) {
	keys := []string{"com.docker.compose.project", "a*b", "a?b", "a|b", "a#b", "a@b", "@reverse"}
	var body strings.Builder
	body.WriteString(`[{"Id":"abc","Labels":{`)
	for i, k := range keys {
		if i > 0 {
			body.WriteString(",")
		}
		body.WriteString(`"` + k + `":"v` + k + `"`)
	}
	body.WriteString(`}}]`)
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, body.String()) })
	list, err := d.client(t).ContainerList(testContext(t), dockwire.ContainerListOptions{})
	if err != nil || len(list) != 1 {
		t.Fatal(list, err)
	}
	for _, k := range keys {
		if got := list[0].Labels[k]; got != "v"+k {
			t.Errorf("label %q = %q, want %q", k, got, "v"+k)
		}
	}
}

func TestFault_H7_StaleIdleConnectionAndPOST(t *testing.T) {
	var posts atomic.Int64
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		jsonReply(w, 200, `[]`)
	})
	c := d.client(t)
	ctx := testContext(t)
	if _, err := c.ContainerList(ctx, dockwire.ContainerListOptions{}); err != nil {
		t.Fatal(err)
	}
	// The daemon closes the idle connection (as on its idle timeout).
	// CloseClientConnections returns once they are closed, and on a Unix
	// socket the client's end sees the close at once.
	d.CloseClientConnections()
	if err := c.ContainerStart(ctx, "web"); err != nil {
		t.Fatalf("POST on a pool whose idle connection was closed: %v", err)
	}
	if got := posts.Load(); got != 1 {
		t.Errorf("daemon saw %d POSTs, want exactly 1", got)
	}
}

func TestWithMaxConnsBoundsConnectionsInUse(t *testing.T) {
	var inFlight, peak atomic.Int64
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		inFlight.Add(-1)
		jsonReply(w, 200, `[]`)
	})
	c := d.client(t, dockwire.WithMaxConns(2))
	ctx := testContext(t)
	errs := make(chan error, 10)
	for i := 0; i < 10; i++ {
		go func() {
			_, err := c.ContainerList(ctx, dockwire.ContainerListOptions{})
			errs <- err
		}()
	}
	for i := 0; i < 10; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if p := peak.Load(); p > 2 {
		t.Errorf("%d requests in flight at once, want at most 2", p)
	}
	if n := d.accepts.Load(); n > 3 {
		t.Errorf("%d connections opened, want at most 2 (plus the ping's)", n)
	}

	// A call that finds every slot taken by a stream waits for its ctx.
	hold, _ := dockwire.New(d.host(), dockwire.WithMaxConns(1))
	w, err := hold.ContainerWaitRegister(ctx, "web", dockwire.WaitNextExit)
	if err == nil {
		defer w.Close()
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := hold.ContainerList(short, dockwire.ContainerListOptions{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("with the only slot held: %v; want the context's deadline", err)
	}
}

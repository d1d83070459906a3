package dockwire_test

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/internal/await"
)

func TestFault_G8_WaitAnsweredWithProxyText(t *testing.T) {
	long := "copying response body from upstream: unexpected EOF " + strings.Repeat("x", 10<<10)
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(long))
	})
	_, err := d.client(t).ContainerWait(testContext(t), "web", dockwire.WaitNotRunning)
	if !errors.Is(err, dockwire.ErrDecode) || !strings.Contains(err.Error(), "copying response body") {
		t.Fatalf("err = %v; want a decode error quoting the proxy", err)
	}
	if n := len(err.Error()); n > 3<<10 {
		t.Errorf("message is %d bytes; want it capped near 2 KiB", n)
	}
}

func TestFault_G9_WaitErrorMessage(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("condition") != "next-exit" {
			t.Errorf("condition = %q", r.URL.Query().Get("condition"))
		}
		jsonReply(w, 200, `{"StatusCode":137,"Error":{"Message":"container was removed while waiting"}}`)
	})
	res, err := d.client(t).ContainerWait(testContext(t), "web", dockwire.WaitNextExit)
	if res.StatusCode != 137 || err == nil || !strings.Contains(err.Error(), "container was removed while waiting") || !strings.Contains(err.Error(), "137") {
		t.Errorf("res = %+v, err = %v; want the status code and the daemon's message", res, err)
	}
}

func TestFault_C6_WaitStatusCodeNotAnInteger(t *testing.T) {
	for _, body := range []string{`{"StatusCode":"0"}`, `{"StatusCode":1.5}`, `{"StatusCode":99999999999999999999}`, `{}`} {
		d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, body) })
		res, err := d.client(t).ContainerWait(testContext(t), "web", "")
		if !errors.Is(err, dockwire.ErrDecode) || res.StatusCode != 0 {
			t.Errorf("%s: res = %+v, err = %v; want ErrDecode, never a silent 0", body, res, err)
		}
	}
}

func TestFault_F11_AbandonedWait(t *testing.T) {
	release := make(chan struct{})
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c := d.client(t)
	base := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		ctx, cancel := context.WithCancel(testContext(t))
		w, err := c.ContainerWaitRegister(ctx, "web", dockwire.WaitNextExit)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := w.Result(); done <- err }()
		cancel()
		if err := await.Recv(t, "Result to return after cancel", done); !errors.Is(err, context.Canceled) {
			t.Fatalf("abandoned wait: %v; want context.Canceled", err)
		}
	}
	await.Goroutines(t, base+2) // of 20 abandoned waits
}

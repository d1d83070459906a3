package dockwire_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/google/go-cmp/cmp"
)

// progressEngine starts a fake engine whose pull endpoint answers with
// body, and a client for it.
func progressEngine(t *testing.T, body string) (*enginetest.Engine, *dockwire.Client) {
	t.Helper()
	e := enginetest.New(t)
	e.Handle("POST", "/images/create", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	return e, imgClient(t, e)
}

func imgClient(t *testing.T, e *enginetest.Engine) *dockwire.Client {
	t.Helper()
	c, err := dockwire.New(e.Host())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func imgContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// collect reads every message of p and the error that ended it.
func collectProgress(p *dockwire.Progress) (statuses []string, err error) {
	for m, err := range p.Messages() {
		if err != nil {
			return statuses, err
		}
		statuses = append(statuses, m.Status+m.Stream)
	}
	return statuses, nil
}

func TestFault_C7_ProgressStreamFraming(t *testing.T) {
	want := []string{"a", "b", "c"}
	for name, body := range map[string]string{
		"one per line":      "{\"status\":\"a\"}\n{\"status\":\"b\"}\n{\"status\":\"c\"}\n",
		"concatenated":      `{"status":"a"}{"status":"b"}{"status":"c"}`,
		"crlf and blank":    "{\"status\":\"a\"}\r\n\r\n\r\n{\"status\":\"b\"}\r\n  {\"status\":\"c\"}\r\n",
		"json-seq":          "\x1e{\"status\":\"a\"}\n\x1e{\"status\":\"b\"}\n\x1e{\"status\":\"c\"}\n",
		"braces in strings": "{\"status\":\"a\",\"x\":\"}{\\\"\"}\n{\"status\":\"b\"}{\"status\":\"c\"}",
	} {
		t.Run(name, func(t *testing.T) {
			_, c := progressEngine(t, body)
			got, err := collectProgress(c.ImagePull(imgContext(t), "busybox", dockwire.ImagePullOptions{}))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFault_C7_ProgressPartialObjectAtEOF(t *testing.T) {
	_, c := progressEngine(t, "{\"status\":\"a\"}\n{\"status\":\"Downl")
	got, err := collectProgress(c.ImagePull(imgContext(t), "busybox", dockwire.ImagePullOptions{}))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	if diff := cmp.Diff([]string{"a"}, got); diff != "" {
		t.Errorf("messages before the cut (-want +got):\n%s", diff)
	}
	// Wait reports the same for a fresh run.
	_, c = progressEngine(t, "{\"status\":\"a\"}\n{\"status\":\"Downl")
	if err := c.ImagePull(imgContext(t), "busybox", dockwire.ImagePullOptions{}).Wait(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Wait = %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestFault_C7_ProgressHugeMessage(t *testing.T) {
	_, c := progressEngine(t, `{"status":"`+strings.Repeat("x", 10<<20)+`"}`)
	err := c.ImagePull(imgContext(t), "busybox", dockwire.ImagePullOptions{}).Wait()
	if !errors.Is(err, dockwire.ErrResponseTooLarge) {
		t.Fatalf("Wait = %v, want ErrResponseTooLarge", err)
	}
}

func TestFault_C7_ProgressNotJSON(t *testing.T) {
	_, c := progressEngine(t, "{\"status\":\"a\"}\nthis is not json\n")
	err := c.ImagePull(imgContext(t), "busybox", dockwire.ImagePullOptions{}).Wait()
	if !errors.Is(err, dockwire.ErrDecode) {
		t.Fatalf("Wait = %v, want ErrDecode", err)
	}
}

func TestProgressStreamError(t *testing.T) {
	body := `{"status":"Pulling from library/busybox","id":"latest"}
{"status":"Downloading","progressDetail":{"current":10,"total":100},"progress":"[=>  ]","id":"abc","timeNano":1700000000000000001}
{"errorDetail":{"code":7,"message":"manifest unknown\u001b[31m: nope"},"error":"manifest unknown: nope"}
{"status":"never seen"}
`
	_, c := progressEngine(t, body)
	p := c.ImagePull(imgContext(t), "busybox:1", dockwire.ImagePullOptions{})
	var msgs []engine.JSONMessage
	var streamErr error
	for m, err := range p.Messages() {
		msgs = append(msgs, m)
		if err != nil {
			streamErr = err
		}
	}
	if len(msgs) != 3 {
		t.Fatalf("got %d messages, want 3 (the stream ends at the error)", len(msgs))
	}
	if m := msgs[1]; m.Current != 10 || m.Total != 100 || m.ID != "abc" || m.Progress != "[=>  ]" || m.Time.UnixNano() != 1700000000000000001 {
		t.Errorf("progress message decoded as %+v", m)
	}
	var se *dockwire.StreamError
	if !errors.As(streamErr, &se) {
		t.Fatalf("error = %v (%T), want *StreamError", streamErr, streamErr)
	}
	want := &dockwire.StreamError{Op: "pull", Ref: "busybox:1", Host: c.Host(), Code: 7, Message: "manifest unknown: nope"}
	if diff := cmp.Diff(want, se); diff != "" {
		t.Errorf("StreamError (-want +got):\n%s", diff)
	}
	if s := se.Error(); !strings.Contains(s, "pull") || !strings.Contains(s, "busybox:1") || !strings.Contains(s, c.Host()) || strings.Contains(s, "\x1b") {
		t.Errorf("Error() = %q: want op, ref and host, and no escape sequence", s)
	}
	// Wait after Messages reports the run's outcome without sending again.
	if err := p.Wait(); !errors.As(err, &se) {
		t.Errorf("Wait after Messages = %v, want the same *StreamError", err)
	}
}

func TestProgressLegacyErrorField(t *testing.T) {
	_, c := progressEngine(t, `{"error":"old daemon says no"}`)
	err := c.ImagePull(imgContext(t), "busybox", dockwire.ImagePullOptions{}).Wait()
	var se *dockwire.StreamError
	if !errors.As(err, &se) || se.Message != "old daemon says no" {
		t.Fatalf("Wait = %v, want a *StreamError with the legacy message", err)
	}
}

func TestProgressRunsOnce(t *testing.T) {
	e, c := progressEngine(t, `{"status":"done"}`)
	p := c.ImagePull(imgContext(t), "busybox", dockwire.ImagePullOptions{})
	if n := e.Count("POST", "/images/create"); n != 0 {
		t.Fatalf("%d requests before Wait, want none", n)
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	for _, err := range p.Messages() {
		t.Errorf("a second Messages yielded %v", err)
	}
	if n := e.Count("POST", "/images/create"); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// endlessProgress streams progress until the client goes away, and reports
// that on gone.
func endlessProgress(gone chan<- struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer close(gone)
		w.Header().Set("Content-Type", "application/json")
		for {
			if _, err := io.WriteString(w, "{\"status\":\"Downloading\"}\n"); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Millisecond):
			}
		}
	}
}

func TestProgressBreakClosesConnection(t *testing.T) {
	e := enginetest.New(t)
	gone := make(chan struct{})
	e.Handle("POST", "/images/create", endlessProgress(gone))
	c := imgClient(t, e)
	p := c.ImagePull(imgContext(t), "busybox", dockwire.ImagePullOptions{})
	n := 0
	for _, err := range p.Messages() {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("the daemon still streams after the loop broke")
	}
	if err := p.Wait(); err == nil {
		t.Error("Wait after an abandoned loop = nil, want an error")
	}
}

func TestProgressContextEnds(t *testing.T) {
	e := enginetest.New(t)
	gone := make(chan struct{})
	e.Handle("POST", "/images/create", endlessProgress(gone))
	c := imgClient(t, e)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := c.ImagePull(ctx, "busybox", dockwire.ImagePullOptions{})
	n := 0
	var err error
	for _, err = range p.Messages() {
		if err != nil {
			break
		}
		if n++; n == 3 {
			cancel()
		}
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("stream ended with %v, want context.Canceled", err)
	}
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("the daemon still streams after ctx ended")
	}
}

func TestFault_H1_ProgressNotRetried(t *testing.T) {
	for name, f := range map[string]enginetest.Fault{
		"500":             enginetest.Status(500, "boom"),
		"503":             enginetest.Status(503, "busy"),
		"reset":           enginetest.CloseAfter(0),
		"cut mid-headers": enginetest.CloseAfter(10),
	} {
		t.Run(name, func(t *testing.T) {
			e := enginetest.New(t)
			e.Fault("POST", "/images/create", f)
			e.Fault("POST", "/build", f)
			e.Fault("POST", "/images/load", f)
			c := imgClient(t, e)
			ctx := imgContext(t)
			for _, p := range []*dockwire.Progress{
				c.ImagePull(ctx, "busybox", dockwire.ImagePullOptions{}),
				c.ImageBuild(ctx, strings.NewReader("not really a tar"), dockwire.ImageBuildOptions{}),
				c.ImageLoad(ctx, strings.NewReader("not really a tar"), dockwire.ImageLoadOptions{}),
			} {
				err := p.Wait()
				var apiErr *dockwire.APIError
				if !errors.As(err, &apiErr) && !errors.Is(err, dockwire.ErrDaemonUnreachable) {
					t.Errorf("Wait = %v (%T), want an *APIError or a *ConnectError", err, err)
				}
			}
			for _, route := range []string{"/images/create", "/build", "/images/load"} {
				if n := e.Count("POST", route); n != 1 {
					t.Errorf("POST %s sent %d times, want exactly 1", route, n)
				}
			}
		})
	}
}

func TestProgressInvalidArgumentSendsNothing(t *testing.T) {
	e := enginetest.New(t)
	c := imgClient(t, e)
	ctx := imgContext(t)
	for name, p := range map[string]*dockwire.Progress{
		"pull dotdot":      c.ImagePull(ctx, "a/../b", dockwire.ImagePullOptions{}),
		"pull query":       c.ImagePull(ctx, "a?b", dockwire.ImagePullOptions{}),
		"pull bad digest":  c.ImagePull(ctx, "a@sha256:xyz", dockwire.ImagePullOptions{}),
		"pull both auths":  c.ImagePull(ctx, "a", dockwire.ImagePullOptions{Auth: dockwire.AuthConfig{Username: "u"}, RegistryAuth: "e30="}),
		"pull all tags":    c.ImagePull(ctx, "a:1", dockwire.ImagePullOptions{AllTags: true}),
		"push digest":      c.ImagePush(ctx, "a@sha256:"+strings.Repeat("a", 64), dockwire.ImagePushOptions{}),
		"build no context": c.ImageBuild(ctx, nil, dockwire.ImageBuildOptions{}),
		"build bad tag":    c.ImageBuild(ctx, strings.NewReader(""), dockwire.ImageBuildOptions{Tags: []string{"a b"}}),
		"build negative":   c.ImageBuild(ctx, strings.NewReader(""), dockwire.ImageBuildOptions{Memory: -1}),
		"load nil":         c.ImageLoad(ctx, nil, dockwire.ImageLoadOptions{}),
		"load platform":    c.ImageLoad(ctx, strings.NewReader(""), dockwire.ImageLoadOptions{Platform: "linux"}),
	} {
		if err := p.Wait(); !errors.Is(err, dockwire.ErrInvalidArgument) {
			t.Errorf("%s: Wait = %v, want ErrInvalidArgument", name, err)
		}
	}
	if reqs := e.Requests(); len(reqs) != 0 {
		t.Errorf("%d requests sent, want none: %+v", len(reqs), reqs[0])
	}
}

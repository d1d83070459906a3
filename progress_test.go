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
	"github.com/dockwire/dockwire/internal/await"
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
	return e, engineClient(t, e)
}

// collectProgress reads every message of p and the error that ended it,
// or returns err, the call's own.
func collectProgress(p *dockwire.Progress, err error) (statuses []string, _ error) {
	if err != nil {
		return nil, err
	}
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
			got, err := collectProgress(c.ImagePull(testContext(t), "busybox", dockwire.ImagePullOptions{}))
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
	got, err := collectProgress(c.ImagePull(testContext(t), "busybox", dockwire.ImagePullOptions{}))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	if diff := cmp.Diff([]string{"a"}, got); diff != "" {
		t.Errorf("messages before the cut (-want +got):\n%s", diff)
	}
	// Wait reports the same for a fresh run.
	_, c = progressEngine(t, "{\"status\":\"a\"}\n{\"status\":\"Downl")
	if err := waitProgress(c.ImagePull(testContext(t), "busybox", dockwire.ImagePullOptions{})); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Wait = %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestFault_C7_ProgressHugeMessage(t *testing.T) {
	_, c := progressEngine(t, `{"status":"`+strings.Repeat("x", 10<<20)+`"}`)
	err := waitProgress(c.ImagePull(testContext(t), "busybox", dockwire.ImagePullOptions{}))
	if !errors.Is(err, dockwire.ErrResponseTooLarge) {
		t.Fatalf("Wait = %v, want ErrResponseTooLarge", err)
	}
}

func TestFault_C7_ProgressNotJSON(t *testing.T) {
	_, c := progressEngine(t, "{\"status\":\"a\"}\nthis is not json\n")
	err := waitProgress(c.ImagePull(testContext(t), "busybox", dockwire.ImagePullOptions{}))
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
	p, err := c.ImagePull(testContext(t), "busybox:1", dockwire.ImagePullOptions{})
	if err != nil {
		t.Fatal(err)
	}
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
	err := waitProgress(c.ImagePull(testContext(t), "busybox", dockwire.ImagePullOptions{}))
	var se *dockwire.StreamError
	if !errors.As(err, &se) || se.Message != "old daemon says no" {
		t.Fatalf("Wait = %v, want a *StreamError with the legacy message", err)
	}
}

func TestProgressSendsWhenCalled(t *testing.T) {
	e, c := progressEngine(t, `{"status":"done"}`)
	p, err := c.ImagePull(testContext(t), "busybox", dockwire.ImagePullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Before anything reads the stream, the pull has reached the daemon.
	if n := e.Count("POST", "/images/create"); n != 1 {
		t.Fatalf("%d requests once ImagePull returned, want 1", n)
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Errorf("a second Wait = %v, want how the stream ended: nil", err)
	}
	var errs []error
	for m, err := range p.Messages() {
		if m.Status != "" {
			t.Errorf("a second Messages yielded the message %+v", m)
		}
		errs = append(errs, err)
	}
	if len(errs) != 1 || !errors.Is(errs[0], dockwire.ErrInvalidArgument) || !strings.Contains(errs[0].Error(), "already read") {
		t.Errorf("a second Messages yielded %v, want one error saying the stream was already read", errs)
	}
	if n := e.Count("POST", "/images/create"); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestProgressStatusBeforeReturn(t *testing.T) {
	for name, tc := range map[string]struct {
		route string
		call  func(c *dockwire.Client, ctx context.Context) (*dockwire.Progress, error)
	}{
		"pull": {"/images/create", func(c *dockwire.Client, ctx context.Context) (*dockwire.Progress, error) {
			return c.ImagePull(ctx, "a/b:1", dockwire.ImagePullOptions{})
		}},
		"push": {"/images/a/b/push", func(c *dockwire.Client, ctx context.Context) (*dockwire.Progress, error) {
			return c.ImagePush(ctx, "a/b:1", dockwire.ImagePushOptions{})
		}},
		"build": {"/build", func(c *dockwire.Client, ctx context.Context) (*dockwire.Progress, error) {
			return c.ImageBuild(ctx, strings.NewReader("tar"), dockwire.ImageBuildOptions{})
		}},
		"load": {"/images/load", func(c *dockwire.Client, ctx context.Context) (*dockwire.Progress, error) {
			return c.ImageLoad(ctx, strings.NewReader("tar"), dockwire.ImageLoadOptions{})
		}},
	} {
		t.Run(name, func(t *testing.T) {
			e := enginetest.New(t)
			e.Fault("POST", tc.route, enginetest.Status(http.StatusUnauthorized, "unauthorized: authentication required"))
			p, err := tc.call(engineClient(t, e), testContext(t))
			if p != nil || !errors.Is(err, dockwire.ErrUnauthorized) {
				t.Fatalf("= %v, %v, want no Progress and an error matching ErrUnauthorized", p, err)
			}
		})
	}
}

func TestProgressCloseCancels(t *testing.T) {
	p, gone := endlessPull(t, testContext(t))
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	waitGone(t, gone, "the daemon still streams after Close")
	if err := p.Wait(); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Wait after Close = %v, want an error saying the Progress was closed", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("a second Close = %v", err)
	}
}

func TestProgressCloseWhileReading(t *testing.T) {
	p, gone := endlessPull(t, testContext(t))
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		n := 0
		for _, err := range p.Messages() {
			if err != nil {
				done <- err
				return
			}
			if n++; n == 1 {
				close(started)
			}
		}
		done <- nil
	}()
	<-started
	p.Close()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("the loop ended with %v, want an error saying the Progress was closed", err)
		}
	case <-time.After(await.Timeout):
		t.Fatal("Wait still blocks after Close")
	}
	<-gone
}

func TestProgressContextEndsBeforeReading(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p, gone := endlessPull(t, ctx)
	cancel()
	waitGone(t, gone, "the daemon still streams after the call's ctx ended")
	if err := p.Wait(); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait = %v, want context.Canceled", err)
	}
}

// endlessPull starts a pull from a fake daemon that streams progress
// until the client goes away, and reports that on gone.
func endlessPull(t *testing.T, ctx context.Context) (p *dockwire.Progress, gone <-chan struct{}) {
	t.Helper()
	e := enginetest.New(t)
	g := make(chan struct{})
	e.Handle("POST", "/images/create", endlessProgress(g))
	p, err := engineClient(t, e).ImagePull(ctx, "busybox", dockwire.ImagePullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p, g
}

// waitGone fails the test unless the fake daemon's stream ends soon.
func waitGone(t *testing.T, gone <-chan struct{}, failure string) {
	t.Helper()
	await.Recv(t, "the stream to end ("+failure+" otherwise)", gone)
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
	p, gone := endlessPull(t, testContext(t))
	n := 0
	for _, err := range p.Messages() {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	waitGone(t, gone, "the daemon still streams after the loop broke")
	if err := p.Wait(); err == nil {
		t.Error("Wait after an abandoned loop = nil, want an error")
	}
}

func TestProgressContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, gone := endlessPull(t, ctx)
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
	waitGone(t, gone, "the daemon still streams after ctx ended")
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
			c := engineClient(t, e)
			ctx := testContext(t)
			for _, err := range []error{
				second(c.ImagePull(ctx, "busybox", dockwire.ImagePullOptions{})),
				second(c.ImageBuild(ctx, strings.NewReader("not really a tar"), dockwire.ImageBuildOptions{})),
				second(c.ImageLoad(ctx, strings.NewReader("not really a tar"), dockwire.ImageLoadOptions{})),
			} {
				var apiErr *dockwire.APIError
				if !errors.As(err, &apiErr) && !errors.Is(err, dockwire.ErrDaemonUnreachable) {
					t.Errorf("= %v (%T), want an *APIError or a *ConnectError", err, err)
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

// second returns the error of a call that also returned a Progress, which
// must then be nil.
func second(p *dockwire.Progress, err error) error {
	if p != nil {
		p.Close()
		return errors.New("a Progress came back with the error")
	}
	return err
}

func TestProgressInvalidArgumentSendsNothing(t *testing.T) {
	e := enginetest.New(t)
	c := engineClient(t, e)
	ctx := testContext(t)
	closed := &closeTrackingReader{Reader: strings.NewReader("")}
	for name, err := range map[string]error{
		"pull dotdot":      second(c.ImagePull(ctx, "a/../b", dockwire.ImagePullOptions{})),
		"pull query":       second(c.ImagePull(ctx, "a?b", dockwire.ImagePullOptions{})),
		"pull bad digest":  second(c.ImagePull(ctx, "a@sha256:xyz", dockwire.ImagePullOptions{})),
		"pull both auths":  second(c.ImagePull(ctx, "a", dockwire.ImagePullOptions{Auth: dockwire.AuthConfig{Username: "u"}, RegistryAuth: "e30="})),
		"pull all tags":    second(c.ImagePull(ctx, "a:1", dockwire.ImagePullOptions{AllTags: true})),
		"push digest":      second(c.ImagePush(ctx, "a@sha256:"+strings.Repeat("a", 64), dockwire.ImagePushOptions{})),
		"build no context": second(c.ImageBuild(ctx, nil, dockwire.ImageBuildOptions{})),
		"build bad tag":    second(c.ImageBuild(ctx, closed, dockwire.ImageBuildOptions{Tags: []string{"a b"}})),
		"build negative":   second(c.ImageBuild(ctx, strings.NewReader(""), dockwire.ImageBuildOptions{Memory: -1})),
		"load nil":         second(c.ImageLoad(ctx, nil, dockwire.ImageLoadOptions{})),
		"load platform":    second(c.ImageLoad(ctx, strings.NewReader(""), dockwire.ImageLoadOptions{Platform: "linux"})),
	} {
		if !errors.Is(err, dockwire.ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
	if reqs := e.Requests(); len(reqs) != 0 {
		t.Errorf("%d requests sent, want none: %+v", len(reqs), reqs[0])
	}
	if !closed.closed.Load() {
		t.Error("a refused build did not close its context")
	}
}

// Pull and push report the manifest digest, as docker pull and push print
// it (the words are Docker 20.10's and 28.5's); the image ID is not in
// their streams.
func TestProgressDigest(t *testing.T) {
	const digest = "sha256:81b845c9dad48798cf298f2568df0bfef383b26a7f09ea08a2c19e0307a31a60"
	for name, tc := range map[string]struct {
		route, body string
		start       func(c *dockwire.Client) (*dockwire.Progress, error)
	}{
		"pull": {"/images/create", `{"status":"Pulling from progress/probe","id":"1"}
{"status":"Digest: ` + digest + `"}
{"status":"Status: Image is up to date for 127.0.0.1:5055/progress/probe:1"}
`, func(c *dockwire.Client) (*dockwire.Progress, error) {
			return c.ImagePull(testContext(t), "127.0.0.1:5055/progress/probe:1", dockwire.ImagePullOptions{})
		}},
		"push": {"/images/{name...}", `{"status":"The push refers to repository [127.0.0.1:5055/progress/probe]"}
{"status":"Pushed","progressDetail":{},"id":"74f43824b5f0"}
{"status":"1: digest: ` + digest + ` size: 527"}
{"progressDetail":{},"aux":{"Tag":"1","Digest":"` + digest + `","Size":527}}
`, func(c *dockwire.Client) (*dockwire.Progress, error) {
			return c.ImagePush(testContext(t), "127.0.0.1:5055/progress/probe:1", dockwire.ImagePushOptions{})
		}},
	} {
		t.Run(name, func(t *testing.T) {
			e := enginetest.New(t)
			e.Handle("POST", tc.route, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, tc.body)
			}))
			p, err := tc.start(engineClient(t, e))
			if err != nil {
				t.Fatal(err)
			}
			if p.Digest() != "" {
				t.Errorf("Digest() = %q before the stream was read", p.Digest())
			}
			if err := p.Wait(); err != nil {
				t.Fatal(err)
			}
			if p.Digest() != digest || p.ImageID() != "" {
				t.Errorf("Digest() = %q, ImageID() = %q; want %s and no ID", p.Digest(), p.ImageID(), digest)
			}
		})
	}
}

// A build's Stream is the daemon's text, unaltered: its bare "\n"
// messages and the ANSI escapes of RUN output (as Docker 20.10 and 28.5
// send them) are kept, so that the messages written out in order are the
// build log.
func TestProgressBuildStreamVerbatim(t *testing.T) {
	want := []string{
		"Step 1/2 : FROM busybox",
		"\n",
		" ---> 3dda3cd2b813\n",
		" ---> Running in ccfad3f4b51b\n",
		"\x1b[31mred\x1b[0m\nno newline",
		"Removing intermediate container ccfad3f4b51b\n",
	}
	var body strings.Builder
	for _, s := range want {
		body.WriteString(`{"stream":` + jsonString(s) + "}\n")
	}
	e := enginetest.New(t)
	e.Handle("POST", "/build", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body.String())
	}))
	got, err := collectProgress(engineClient(t, e).ImageBuild(testContext(t), strings.NewReader("tar"), dockwire.ImageBuildOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stream of the messages (-want +got):\n%s", diff)
	}
}

// trickleLoad starts a fake engine whose load endpoint writes body a few
// bytes at a time, flushing each, so that every message arrives split
// across reads; then, if hold, it keeps the stream open until the client
// goes away. It returns the Progress of a load begun with ctx.
func trickleLoad(t *testing.T, ctx context.Context, body string, hold bool) *dockwire.Progress {
	t.Helper()
	e := enginetest.New(t)
	e.Handle("POST", "/images/load", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for len(body) > 0 {
			n := min(5, len(body))
			if _, err := io.WriteString(w, body[:n]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			body = body[n:]
		}
		if hold {
			<-r.Context().Done()
		}
	}))
	p, err := engineClient(t, e).ImageLoad(ctx, strings.NewReader("archive"), dockwire.ImageLoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Progress reads through the shared message loop (decodeMessages): split
// messages are joined, an aux message sets the image, an errorDetail ends
// the stream as a *StreamError, and a ctx that ends while a message is
// half sent ends it with the ctx's error.
func TestProgressSplitMessages(t *testing.T) {
	const id = "sha256:81b845c9dad48798cf298f2568df0bfef383b26a7f09ea08a2c19e0307a31a60"
	const head = "{\"stream\":\"Loading layer\\n\"}\r\n\x1e{\"progressDetail\":{},\"aux\":{\"ID\":\"" + id + "\"}}{\"stream\":\"Loaded image ID: sha256:0000\\n\"}\n"

	t.Run("errorDetail", func(t *testing.T) {
		p := trickleLoad(t, testContext(t), head+`{"errorDetail":{"message":"disk {full}"},"error":"disk {full}"}`+"\n{\"stream\":\"never\"}\n", false)
		got, err := collectProgress(p, nil)
		var se *dockwire.StreamError
		if !errors.As(err, &se) || se.Message != "disk {full}" || se.Op != "load" {
			t.Fatalf("stream ended with %v, want a load *StreamError saying disk {full}", err)
		}
		if diff := cmp.Diff([]string{"Loading layer\n", "", "Loaded image ID: sha256:0000\n"}, got); diff != "" {
			t.Errorf("messages (-want +got):\n%s", diff)
		}
		if p.ImageID() != id {
			t.Errorf("ImageID() = %q, want the aux message's %s", p.ImageID(), id)
		}
	})

	t.Run("ctx ends mid-message", func(t *testing.T) {
		ctx, cancel := context.WithCancel(testContext(t))
		defer cancel()
		p := trickleLoad(t, ctx, head+`{"stream":"half a mess`, true)
		var got []string
		var err error
		for m, merr := range p.Messages() {
			if err = merr; err != nil {
				break
			}
			if got = append(got, m.Stream); len(got) == 3 {
				cancel()
			}
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stream ended with %v, want context.Canceled", err)
		}
		if len(got) != 3 || p.ImageID() != id {
			t.Errorf("got %q and ImageID %q before the cancel, want 3 messages and %s", got, p.ImageID(), id)
		}
		if werr := p.Wait(); !errors.Is(werr, context.Canceled) {
			t.Errorf("Wait afterwards = %v, want context.Canceled", werr)
		}
	})

	t.Run("cut at EOF", func(t *testing.T) {
		err := trickleLoad(t, testContext(t), head+`{"stream":"half a mess`, false).Wait()
		if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "load") {
			t.Fatalf("Wait = %v, want a load error wrapping io.ErrUnexpectedEOF", err)
		}
	})
}

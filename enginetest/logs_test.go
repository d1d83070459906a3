package enginetest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/dockwire/dockwire/internal/await"
	"github.com/dockwire/dockwire/stdcopy"
	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func sampleLogs() []LogEntry {
	return []LogEntry{
		{Stream: stdcopy.Stdout, Time: t0, Text: "one\n"},
		{Stream: stdcopy.Stderr, Time: t0.Add(time.Second), Text: "two\n"},
		{Stream: stdcopy.Stdout, Time: t0.Add(2 * time.Second), Text: "three\n"},
	}
}

func TestLogsQueries(t *testing.T) {
	e := New(t)
	e.AddContainer(Container{Name: "box", State: "exited", Logs: sampleLogs()})
	c := newClient(e)
	tests := []struct {
		query string
		want  []string
	}{
		{"stdout=1&stderr=1", []string{"stdout:one\n", "stderr:two\n", "stdout:three\n"}},
		{"stdout=1", []string{"stdout:one\n", "stdout:three\n"}},
		{"stderr=true", []string{"stderr:two\n"}},
		{"stdout=1&stderr=1&tail=2", []string{"stderr:two\n", "stdout:three\n"}},
		{"stdout=1&stderr=1&tail=0", nil},
		{"stdout=1&stderr=1&tail=all", []string{"stdout:one\n", "stderr:two\n", "stdout:three\n"}},
		{"stdout=1&stderr=1&since=1714564801", []string{"stderr:two\n", "stdout:three\n"}},
		{"stdout=1&stderr=1&since=1714564800.5", []string{"stderr:two\n", "stdout:three\n"}},
		{"stdout=1&stderr=1&until=1714564801", []string{"stdout:one\n", "stderr:two\n"}},
		{"stdout=1&timestamps=1", []string{"stdout:2024-05-01T12:00:00.000000000Z one\n", "stdout:2024-05-01T12:00:02.000000000Z three\n"}},
	}
	for _, tt := range tests {
		resp, body := do(t, c, "GET", "/v1.55/containers/box/logs?"+tt.query, "")
		if resp.StatusCode != 200 {
			t.Fatalf("?%s: status %d %s", tt.query, resp.StatusCode, body)
		}
		if diff := cmp.Diff(tt.want, demux(t, body)); diff != "" {
			t.Errorf("?%s (-want +got):\n%s", tt.query, diff)
		}
	}
	for q, msg := range map[string]string{
		"":                   "Bad parameters: you must choose at least one stream",
		"stdout=0&stderr=no": "Bad parameters: you must choose at least one stream",
		"stdout=1&since=abc": `invalid timestamp "abc"`,
	} {
		resp, body := do(t, c, "GET", "/v1.55/containers/box/logs?"+q, "")
		if resp.StatusCode != 400 || message(t, body) != msg {
			t.Errorf("?%s: %d %s", q, resp.StatusCode, body)
		}
	}
	if resp, _ := do(t, c, "GET", "/v1.55/containers/nope/logs?stdout=1", ""); resp.StatusCode != 404 {
		t.Errorf("missing container: %d", resp.StatusCode)
	}
}

func TestLogsContentTypeByVersion(t *testing.T) {
	for _, tt := range []struct {
		engine, request string
		tty             bool
		want            string
	}{
		{"1.41", "1.41", false, ""}, // Engine 20.10 sends none; the body is multiplexed
		{"1.41", "1.41", true, ""},
		{"1.55", "1.41", false, "application/vnd.docker.raw-stream"}, // yet multiplexed
		{"1.55", "1.42", false, "application/vnd.docker.multiplexed-stream"},
		{"1.55", "1.55", true, "application/vnd.docker.raw-stream"},
	} {
		e := New(t, WithAPIVersion(tt.engine), WithMinAPIVersion("1.40"))
		e.AddContainer(Container{Name: "box", Tty: tt.tty, Logs: sampleLogs()[:1]})
		resp, body := do(t, newClient(e), "GET", "/v"+tt.request+"/containers/box/logs?stdout=1", "")
		if got, ok := resp.Header["Content-Type"]; tt.want == "" && ok || tt.want != "" && (len(got) != 1 || got[0] != tt.want) {
			t.Errorf("engine %s, request %s, tty %v: Content-Type %q, want %q", tt.engine, tt.request, tt.tty, got, tt.want)
		}
		wantBody := "\x01\x00\x00\x00\x00\x00\x00\x04one\n"
		if tt.tty {
			wantBody = "one\n"
		}
		if string(body) != wantBody {
			t.Errorf("engine %s, request %s, tty %v: body %q, want %q", tt.engine, tt.request, tt.tty, body, wantBody)
		}
	}
}

func TestFault_F3_FollowEndsWhenContainerStops(t *testing.T) {
	e := New(t)
	e.AddContainer(Container{Name: "box", Logs: sampleLogs()[:1]})
	resp, err := newClient(e).Get(baseURL + "/v1.55/containers/box/logs?stdout=1&stderr=1&follow=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	frames := make(chan stdcopy.Frame)
	errc := make(chan error, 1)
	go func() {
		for f, err := range stdcopy.Frames(resp.Body) {
			if err != nil {
				errc <- err
				return
			}
			frames <- stdcopy.Frame{Stream: f.Stream, Payload: append([]byte(nil), f.Payload...)}
		}
		errc <- nil
	}()
	next := func() string {
		t.Helper()
		select {
		case f := <-frames:
			return f.Stream.String() + ":" + string(f.Payload)
		case err := <-errc:
			t.Fatalf("stream ended early: %v", err)
		case <-time.After(await.Timeout):
			t.Fatalf("waited %v for a frame", await.Timeout)
		}
		return ""
	}
	if got := next(); got != "stdout:one\n" {
		t.Errorf("first frame %q", got)
	}
	e.AppendLog("box", LogEntry{Stream: stdcopy.Stderr, Text: "live\n"})
	if got := next(); got != "stderr:live\n" {
		t.Errorf("appended frame %q", got)
	}
	e.AppendLog("box", LogEntry{Text: "last\n"})
	e.StopContainer("box", 0)
	if got := next(); got != "stdout:last\n" {
		t.Errorf("last frame %q", got)
	}
	if err := await.Recv(t, "the follow to end when the container stopped", errc); err != nil {
		t.Errorf("stream ended with %v, want a clean end", err)
	}
}

func TestFault_F4_FollowCreatedContainerReturnsAtOnce(t *testing.T) {
	e := New(t)
	e.AddContainer(Container{Name: "new", State: "created"})
	e.AddContainer(Container{Name: "old", State: "exited", Logs: sampleLogs()})
	c := newClient(e)
	for _, name := range []string{"new", "old"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "GET", baseURL+"/v1.55/containers/"+name+"/logs?stdout=1&follow=1", nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(resp.Body); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		resp.Body.Close()
		cancel()
	}
}

func TestFault_F1_FollowCancelledByClient(t *testing.T) {
	e := New(t)
	e.AddContainer(Container{Name: "box"})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", baseURL+"/v1.55/containers/box/logs?stdout=1&follow=1", nil)
	resp, err := newClient(e).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	cancel() // the follow is open: the engine has answered
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Fatal("read ended without error")
	}
	// The follower notices the client left; Close (in Cleanup) would hang otherwise.
	await.Until(t, "the engine to drop the follow connection its client left", func() bool { return e.OpenConns() == 0 })
}

func TestFollowUntil(t *testing.T) {
	e := New(t)
	e.AddContainer(Container{Name: "box"})
	until := time.Now().Add(300 * time.Millisecond)
	q := fmt.Sprintf("stdout=1&follow=1&until=%d.%09d", until.Unix(), until.Nanosecond())
	start := time.Now()
	resp, body := do(t, newClient(e), "GET", "/v1.55/containers/box/logs?"+q, "")
	if resp.StatusCode != 200 || len(body) != 0 || time.Since(start) > 3*time.Second {
		t.Errorf("status %d body %q after %v", resp.StatusCode, body, time.Since(start))
	}
}

func TestLogsTimestampsTTY(t *testing.T) {
	e := New(t)
	e.AddContainer(Container{Name: "box", Tty: true, Logs: []LogEntry{{Time: t0, Text: "a\r\n"}, {Time: t0.Add(time.Nanosecond), Text: "b\r\n"}}})
	_, body := do(t, newClient(e), "GET", "/v1.55/containers/box/logs?stdout=1&timestamps=1", "")
	want := "2024-05-01T12:00:00.000000000Z a\r\n2024-05-01T12:00:00.000000001Z b\r\n"
	if string(body) != want {
		t.Errorf("body %q, want %q", body, want)
	}
}

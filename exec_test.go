package dockwire_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/await"
	"github.com/dockwire/dockwire/stdcopy"
	"github.com/google/go-cmp/cmp"
)

// requestBody decodes the JSON body of the last request to route.
func requestBody(t *testing.T, e *enginetest.Engine, method, route string) (map[string]any, http.Header) {
	t.Helper()
	reqs := e.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		r := reqs[i]
		if r.Method != method || !routeMatches(route, r.Route) {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatalf("%s %s body %q: %v", method, r.Route, r.Body, err)
		}
		return m, r.Header
	}
	t.Fatalf("no %s %s request", method, route)
	return nil, nil
}

// routeMatches matches a route against a pattern with {x} segments.
func routeMatches(pattern, route string) bool {
	p, r := strings.Split(pattern, "/"), strings.Split(route, "/")
	if len(p) != len(r) {
		return false
	}
	for i := range p {
		if !strings.HasPrefix(p[i], "{") && p[i] != r[i] {
			return false
		}
	}
	return true
}

func TestExecCaptureRequests(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box"})
	e.SetExec("", enginetest.ExecOutput("out\n", "err\n", 3))
	c := engineClient(t, e)
	res, err := c.ExecCapture(testContext(t), "box", dockwire.ExecOptions{
		Cmd: []string{"sh", "-c", "exit 3"}, Env: []string{"A=1"}, User: "1000:1000", WorkingDir: "/tmp", Privileged: true,
		Stdout: io.Discard, // ignored by ExecCapture
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dockwire.ExecResult{ExitCode: 3, Stdout: "out\n", Stderr: "err\n"}, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	create, _ := requestBody(t, e, "POST", "/containers/{id}/exec")
	wantCreate := map[string]any{
		"AttachStdin": false, "AttachStdout": true, "AttachStderr": true, "Tty": false,
		"Cmd": []any{"sh", "-c", "exit 3"}, "Env": []any{"A=1"}, "User": "1000:1000", "WorkingDir": "/tmp", "Privileged": true,
	}
	if diff := cmp.Diff(wantCreate, create); diff != "" {
		t.Errorf("create body (-want +got):\n%s", diff)
	}
	start, h := requestBody(t, e, "POST", "/exec/{id}/start")
	if diff := cmp.Diff(map[string]any{"Detach": false, "Tty": false}, start); diff != "" {
		t.Errorf("start body (-want +got):\n%s", diff)
	}
	if h.Get("Upgrade") != "" {
		t.Errorf("Upgrade %q without stdin", h.Get("Upgrade"))
	}
}

// A non-zero exit is data; ExecCheck makes it a *CommandError with the end
// of stderr.
func TestExecCheck(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box"})
	long := strings.Repeat("é", 3000) + "END"
	e.SetExec("", enginetest.ExecOutput("", long, 2))
	c := engineClient(t, e)
	ctx := testContext(t)
	code, err := c.Exec(ctx, "box", dockwire.ExecOptions{Cmd: []string{"false"}})
	if err != nil || code != 2 {
		t.Errorf("Exec: %d, %v; want 2, nil", code, err)
	}
	res, err := c.ExecCheck(ctx, "box", dockwire.ExecOptions{Cmd: []string{"false"}})
	var ce *dockwire.CommandError
	if !errors.As(err, &ce) {
		t.Fatalf("ExecCheck: %v, want *CommandError", err)
	}
	if ce.ExitCode != 2 || ce.Container != "box" || !cmp.Equal(ce.Cmd, []string{"false"}) || res.ExitCode != 2 || res.Stderr != long {
		t.Errorf("CommandError %+v, result %d", ce, res.ExitCode)
	}
	if len(ce.Stderr) > 4096 || !strings.HasSuffix(ce.Stderr, "END") || !strings.HasPrefix(ce.Stderr, "é") {
		t.Errorf("Stderr tail: %d bytes, %q...", len(ce.Stderr), ce.Stderr[:8])
	}

	e.SetExec("", enginetest.ExecOutput("fine", "", 0))
	if res, err := c.ExecCheck(ctx, "box", dockwire.ExecOptions{Cmd: []string{"true"}}); err != nil || res.Stdout != "fine" {
		t.Errorf("ExecCheck success: %+v, %v", res, err)
	}
}

func TestExecTty(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box"})
	e.SetExec("", enginetest.ExecOutput("out\r\n", "err\r\n", 1))
	c := engineClient(t, e)
	res, err := c.ExecCheck(testContext(t), "box", dockwire.ExecOptions{Cmd: []string{"x"}, Tty: true})
	var ce *dockwire.CommandError
	if !errors.As(err, &ce) || ce.Stderr != "out\r\nerr\r\n" {
		t.Errorf("ExecCheck with a TTY: %v; want the merged output in the error", err)
	}
	if res.Stdout != "out\r\nerr\r\n" || res.Stderr != "" {
		t.Errorf("TTY output not raw on stdout: %+v", res)
	}
	start, _ := requestBody(t, e, "POST", "/exec/{id}/start")
	if start["Tty"] != true {
		t.Errorf("start body %v", start)
	}
}

func TestExecCaptureLimit(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box"})
	out := strings.Repeat("0123456789abcdef", 256) // 4 KiB
	e.SetExec("", enginetest.ExecOutput(out, "", 0))
	// The client's response cap is for JSON answers, not command output.
	c := engineClient(t, e, dockwire.WithMaxResponseSize(2048))
	ctx := testContext(t)
	if res, err := c.ExecCapture(ctx, "box", dockwire.ExecOptions{Cmd: []string{"x"}}); err != nil || res.Stdout != out {
		t.Errorf("4 KiB under the default cap: %d bytes, %v", len(res.Stdout), err)
	}
	if res, err := c.ExecCapture(ctx, "box", dockwire.ExecOptions{Cmd: []string{"x"}, MaxOutput: 4096}); err != nil || res.Stdout != out {
		t.Errorf("4 KiB, MaxOutput 4096: %d bytes, %v", len(res.Stdout), err)
	}
	e.SetExec("", enginetest.ExecOutput(out[:2048], out[2048:], 0))
	_, err := c.ExecCapture(ctx, "box", dockwire.ExecOptions{Cmd: []string{"x"}, MaxOutput: 4095})
	if !errors.Is(err, dockwire.ErrOutputTooLarge) || !strings.Contains(err.Error(), "raise MaxOutput") || !strings.Contains(err.Error(), `"box"`) {
		t.Errorf("4 KiB over two streams, MaxOutput 4095: %v; want ErrOutputTooLarge saying what to do", err)
	}
}

func TestExecInvalid(t *testing.T) {
	e := enginetest.New(t, enginetest.WithAPIVersion("1.41"))
	e.AddContainer(enginetest.Container{Name: "box"})
	c := engineClient(t, e)
	ctx := testContext(t)
	if _, err := c.Exec(ctx, "box", dockwire.ExecOptions{}); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("no command: %v", err)
	}
	if _, err := c.Exec(ctx, "../x", dockwire.ExecOptions{Cmd: []string{"x"}}); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("bad container: %v", err)
	}
	if _, err := c.ExecInspect(ctx, "a/b"); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("bad exec ID: %v", err)
	}
	if _, err := c.Exec(ctx, "box", dockwire.ExecOptions{Cmd: []string{"x"}, Tty: true, ConsoleSize: [2]uint{24, 80}}); !errors.Is(err, dockwire.ErrAPIVersion) {
		t.Errorf("ConsoleSize on API 1.41: %v, want ErrAPIVersion", err)
	}
	if n := e.Count("POST", "/containers/{id}/exec"); n != 0 {
		t.Errorf("%d exec creates for invalid input", n)
	}
	if _, err := c.Exec(ctx, "nope", dockwire.ExecOptions{Cmd: []string{"x"}}); !errors.Is(err, dockwire.ErrContainerNotFound) {
		t.Errorf("missing container: %v", err)
	}
}

func TestExecConsoleSize(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box"})
	c := engineClient(t, e)
	if _, err := c.Exec(testContext(t), "box", dockwire.ExecOptions{Cmd: []string{"x"}, Tty: true, ConsoleSize: [2]uint{24, 80}}); err != nil {
		t.Fatal(err)
	}
	create, _ := requestBody(t, e, "POST", "/containers/{id}/exec")
	start, _ := requestBody(t, e, "POST", "/exec/{id}/start")
	for _, body := range []map[string]any{create, start} {
		if !cmp.Equal(body["ConsoleSize"], []any{24.0, 80.0}) {
			t.Errorf("ConsoleSize %v", body["ConsoleSize"])
		}
	}
}

// The low-level calls: create, start with stdin, write, half-close, read,
// wait; then resize and inspect.
func TestExecLowLevel(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box"})
	c := engineClient(t, e)
	ctx := testContext(t)
	id, err := c.ExecCreate(ctx, "box", dockwire.ExecCreateOptions{Cmd: []string{"cat"}, AttachStdin: true, AttachStdout: true, AttachStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.ExecStart(ctx, id, dockwire.ExecStartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Multiplexed() {
		t.Error("Multiplexed() = false without a TTY")
	}
	if _, h := requestBody(t, e, "POST", "/exec/{id}/start"); h.Get("Upgrade") != "tcp" || h.Get("Connection") != "Upgrade" {
		t.Errorf("start headers %v, want an upgrade to tcp", h)
	}
	if _, err := io.WriteString(s, "hello\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := s.CopyTo(&out, nil); err != nil {
		t.Fatal(err)
	}
	if out.String() != "cat\nhello\n" {
		t.Errorf("output %q", out.String())
	}
	if code, err := c.ExecWait(ctx, id); code != 0 || err != nil {
		t.Errorf("ExecWait: %d, %v", code, err)
	}
	info, err := c.ExecInspect(ctx, id)
	if err != nil || info.Running || info.ExitCode == nil || *info.ExitCode != 0 || info.ProcessConfig.Entrypoint != "cat" {
		t.Errorf("ExecInspect: %+v, %v", info, err)
	}
	if err := c.ExecResize(ctx, id, dockwire.ExecResizeOptions{Height: 24, Width: 80}); err != nil {
		t.Errorf("ExecResize: %v", err)
	}

	// Without AttachStdin there is no stdin to write.
	id2, err := c.ExecCreate(ctx, "box", dockwire.ExecCreateOptions{Cmd: []string{"x"}, AttachStdout: true})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := c.ExecStart(ctx, id2, dockwire.ExecStartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.Write([]byte("x")); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Write without stdin: %v", err)
	}
	if err := s2.CloseWrite(); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("CloseWrite without stdin: %v", err)
	}
}

func TestFault_G1_ExitCodeNullPolled(t *testing.T) {
	e := enginetest.New(t, enginetest.WithExecExitDelay(300*time.Millisecond))
	e.AddContainer(enginetest.Container{Name: "box"})
	e.SetExec("", enginetest.ExecOutput("done\n", "", 7))
	c := engineClient(t, e)
	res, err := c.ExecCapture(testContext(t), "box", dockwire.ExecOptions{Cmd: []string{"x"}})
	if err != nil || res.ExitCode != 7 || res.Stdout != "done\n" {
		t.Errorf("ExecCapture: %+v, %v; want exit code 7, never a null read as 0", res, err)
	}
	if n := e.Count("GET", "/exec/{id}/json"); n < 3 || n > 20 {
		t.Errorf("%d inspects over 300ms; want polling with a backoff", n)
	}
}

func TestFault_G2_NoStreamsAttached(t *testing.T) {
	e := enginetest.New(t, enginetest.WithExecExitDelay(100*time.Millisecond))
	e.AddContainer(enginetest.Container{Name: "box"})
	e.SetExec("", enginetest.ExecOutput("unseen", "unseen", 4))
	c := engineClient(t, e)
	ctx := testContext(t)
	id, err := c.ExecCreate(ctx, "box", dockwire.ExecCreateOptions{Cmd: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.ExecStart(ctx, id, dockwire.ExecStartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.CopyTo(io.Discard, io.Discard)
	s.Close()
	if n != 0 || err != nil {
		t.Errorf("output of an exec with nothing attached: %d, %v", n, err)
	}
	if code, err := c.ExecWait(ctx, id); code != 4 || err != nil {
		t.Errorf("ExecWait: %d, %v; want 4", code, err)
	}
}

func TestFault_G3_ExecStartNotRepeated(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box"})
	c := engineClient(t, e)
	ctx := testContext(t)
	id, err := c.ExecCreate(ctx, "box", dockwire.ExecCreateOptions{Cmd: []string{"x"}, AttachStdout: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.ExecStart(ctx, id, dockwire.ExecStartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, s)
	s.Close()
	// The daemon would answer 200 and put the conflict in the output.
	if _, err := c.ExecStart(ctx, id, dockwire.ExecStartOptions{}); !errors.Is(err, dockwire.ErrConflict) {
		t.Errorf("second ExecStart: %v, want ErrConflict", err)
	}
	if n := e.Count("POST", "/exec/{id}/start"); n != 1 {
		t.Errorf("%d starts sent, want 1", n)
	}

	id2, err := c.ExecCreate(ctx, "box", dockwire.ExecCreateOptions{Cmd: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ExecStartDetached(ctx, id2); err != nil {
		t.Fatal(err)
	}
	if err := c.ExecStartDetached(ctx, id2); !errors.Is(err, dockwire.ErrConflict) {
		t.Errorf("second detached start: %v, want ErrConflict", err)
	}
	if n := e.Count("POST", "/exec/{id}/start"); n != 3 {
		t.Errorf("%d starts sent, want 3: a start is never retried", n)
	}
	// Nor after a 503.
	id3, _ := c.ExecCreate(ctx, "box", dockwire.ExecCreateOptions{Cmd: []string{"x"}})
	e.Fault("POST", "/exec/{id}/start", enginetest.Status(503, "busy").Times(1))
	if _, err := c.Exec(ctx, "box", dockwire.ExecOptions{Cmd: []string{"x"}}); !errors.Is(err, dockwire.ErrUnavailable) {
		t.Errorf("start answered 503: %v", err)
	}
	_ = id3
	if n := e.Count("POST", "/exec/{id}/start"); n != 4 {
		t.Errorf("%d starts sent, want 4", n)
	}
}

// G4: cancelling returns at once and closes the connection. A real daemon
// does not kill the command then (see TestLiveExec); the fake's process
// sees its output fail, as a real one writing to a closed pipe would.
func TestFault_G4_CancelReturnsPromptly(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box"})
	gone := make(chan struct{})
	e.SetExec("", func(ctx context.Context, x *enginetest.Exec) int {
		defer close(gone)
		for {
			// Like a process writing to a pipe nobody reads any more.
			if _, err := io.WriteString(x.Stdout, "tick\n"); err != nil {
				return 137
			}
			select {
			case <-ctx.Done():
				return 137
			case <-time.After(10 * time.Millisecond):
			}
		}
	})
	c := engineClient(t, e)
	if _, err := c.Ping(testContext(t)); err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(testContext(t))
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	code, err := c.Exec(ctx, "box", dockwire.ExecOptions{Cmd: []string{"ticker"}, Stdin: strings.NewReader("")})
	if !errors.Is(err, context.Canceled) || code != -1 {
		t.Errorf("Exec: %d, %v; want -1, context.Canceled", code, err)
	}
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Errorf("returned after %v; want promptly after the cancel at 100ms", d)
	}
	await.Recv(t, "the exec connection to close after the cancel", gone)
	await.Goroutines(t, base)
}

func TestFault_G5_ExecInStoppedOrPausedContainer(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "paused", State: "paused"})
	e.AddContainer(enginetest.Container{Name: "exited", State: "exited"})
	c := engineClient(t, e)
	for _, name := range []string{"paused", "exited"} {
		_, err := c.Exec(testContext(t), name, dockwire.ExecOptions{Cmd: []string{"x"}})
		var ae *dockwire.APIError
		if !errors.Is(err, dockwire.ErrConflict) || !errors.As(err, &ae) || ae.Message == "" {
			t.Errorf("%s: %v, want a 409 with the daemon's message", name, err)
		}
	}
}

func TestFault_G6_ExecInspectAfterContainerRemoved(t *testing.T) {
	e := enginetest.New(t)
	id := e.AddContainer(enginetest.Container{Name: "box"})
	c := engineClient(t, e)
	ctx := testContext(t)
	execID, err := c.ExecCreate(ctx, "box", dockwire.ExecCreateOptions{Cmd: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	e.RemoveContainer(id)
	_, err = c.ExecInspect(ctx, execID)
	if !errors.Is(err, dockwire.ErrNotFound) || !errors.Is(err, dockwire.ErrExecNotFound) {
		t.Errorf("ExecInspect: %v, want ErrNotFound", err)
	}
	if _, err := c.ExecWait(ctx, execID); !errors.Is(err, dockwire.ErrExecNotFound) {
		t.Errorf("ExecWait: %v, want ErrExecNotFound", err)
	}
}

// hijackStart makes the engine answer exec start by hand: serve gets the
// raw connection and whatever the server read past the request.
func hijackStart(t *testing.T, e *enginetest.Engine, serve func(conn net.Conn, br *bufio.Reader)) {
	e.Handle("POST", "/exec/{id}/start", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		serve(conn, brw.Reader)
	}))
}

// execExits makes exec inspect report every exec ended with code.
func execExits(e *enginetest.Engine, code int) {
	e.Handle("GET", "/exec/{id}/json", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"ID": r.PathValue("id"), "Running": false, "ExitCode": code, "ProcessConfig": map[string]any{}})
	}))
}

const upgraded = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"

func TestFault_E1_StdinHalfClose(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box"})
	execExits(e, 0)
	hijackStart(t, e, func(conn net.Conn, br *bufio.Reader) {
		// Output right behind the 101, in the same write: the client's
		// response reader buffers it with the headers.
		if _, err := conn.Write(append([]byte(upgraded), frame(stdcopy.Stdout, "greeting\n")...)); err != nil {
			return
		}
		in, err := io.ReadAll(br) // until the client half-closes
		if err != nil {
			return
		}
		conn.Write(frame(stdcopy.Stdout, string(in)))
		conn.Write(frame(stdcopy.Stderr, "eof seen\n"))
	})
	c := engineClient(t, e)
	start := time.Now()
	res, err := c.ExecCapture(testContext(t), "box", dockwire.ExecOptions{Cmd: []string{"cat"}, Stdin: strings.NewReader("hello\nworld\n")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dockwire.ExecResult{Stdout: "greeting\nhello\nworld\n", Stderr: "eof seen\n"}, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}

	// The default fake exec echoes stdin too, over the real 101 path.
	e2 := enginetest.New(t)
	e2.AddContainer(enginetest.Container{Name: "box"})
	c2 := engineClient(t, e2)
	var out bytes.Buffer
	code, err := c2.Exec(testContext(t), "box", dockwire.ExecOptions{Cmd: []string{"cat"}, Stdin: strings.NewReader("abc"), Stdout: &out})
	if err != nil || code != 0 || out.String() != "cat\nabc" {
		t.Errorf("Exec: %d, %v, %q", code, err, out.String())
	}
}

func TestFault_E2_UpgradeRefused(t *testing.T) {
	tests := []struct {
		status int
		msg    string
		is     error
	}{
		{409, "Container box is paused, unpause the container before exec", dockwire.ErrConflict},
		{404, "No such exec instance: x", dockwire.ErrExecNotFound},
		{400, "bad parameter", dockwire.ErrBadRequest},
	}
	for _, tt := range tests {
		e := enginetest.New(t)
		e.AddContainer(enginetest.Container{Name: "box"})
		e.Fault("POST", "/exec/{id}/start", enginetest.Status(tt.status, tt.msg))
		c := engineClient(t, e)
		_, err := c.Exec(testContext(t), "box", dockwire.ExecOptions{Cmd: []string{"cat"}, Stdin: strings.NewReader("x")})
		var ae *dockwire.APIError
		if !errors.Is(err, tt.is) || !errors.As(err, &ae) || ae.Message != tt.msg {
			t.Errorf("%d: %v", tt.status, err)
		}
	}
}

func TestFault_E3_UpgradeAnswered200(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box"})
	execExits(e, 5)
	hijackStart(t, e, func(conn net.Conn, br *bufio.Reader) {
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n")
		in, _ := io.ReadAll(br)
		conn.Write(frame(stdcopy.Stdout, strings.ToUpper(string(in))))
	})
	c := engineClient(t, e)
	res, err := c.ExecCapture(testContext(t), "box", dockwire.ExecOptions{Cmd: []string{"tr"}, Stdin: strings.NewReader("abc")})
	if err != nil || res.ExitCode != 5 || res.Stdout != "ABC" {
		t.Errorf("%+v, %v", res, err)
	}
}

func TestFault_E4_StreamNeverCloses(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box"})
	hijackStart(t, e, func(conn net.Conn, br *bufio.Reader) {
		conn.Write(append([]byte(upgraded), frame(stdcopy.Stdout, "exited, but the stream stays\n")...))
		io.Copy(io.Discard, br) // until the client closes
	})
	c := engineClient(t, e)
	if _, err := c.Ping(testContext(t)); err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(testContext(t), 200*time.Millisecond)
	defer cancel()
	_, err := c.Exec(ctx, "box", dockwire.ExecOptions{Cmd: []string{"x"}, Stdin: strings.NewReader("in")})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v, want context.DeadlineExceeded", err)
	}

	// Close unblocks a reader of the low-level stream.
	ctx2 := testContext(t)
	id, err := c.ExecCreate(ctx2, "box", dockwire.ExecCreateOptions{Cmd: []string{"x"}, AttachStdin: true, AttachStdout: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.ExecStart(ctx2, id, dockwire.ExecStartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	out := newFirstWrite()
	go func() {
		_, err := s.CopyTo(out, nil)
		done <- err
	}()
	await.Recv(t, "CopyTo to copy the first frame", out.written) // then it waits for more
	s.Close()
	await.Recv(t, "Close to unblock CopyTo", done)
	await.Goroutines(t, base)
}

// endlessZeros is an endless stdin.
type endlessZeros struct{}

func (endlessZeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestFault_E5_ExitWhileWritingStdin(t *testing.T) {
	t.Run("daemon drains", func(t *testing.T) {
		e := enginetest.New(t)
		e.AddContainer(enginetest.Container{Name: "box"})
		e.SetExec("", enginetest.ExecOutput("bye\n", "", 3)) // never reads stdin
		c := engineClient(t, e)
		res, err := c.ExecCapture(testContext(t), "box", dockwire.ExecOptions{Cmd: []string{"x"}, Stdin: io.LimitReader(endlessZeros{}, 64<<20)})
		if err != nil || res.ExitCode != 3 || res.Stdout != "bye\n" {
			t.Errorf("%+v, %v", res, err)
		}
	})
	t.Run("daemon closes with stdin unread", func(t *testing.T) {
		// Closing a socket with unread input resets it: the client reads
		// the output, then ECONNRESET instead of EOF.
		e := enginetest.New(t)
		e.AddContainer(enginetest.Container{Name: "box"})
		execExits(e, 3)
		hijackStart(t, e, func(conn net.Conn, br *bufio.Reader) {
			conn.Write(append([]byte(upgraded), frame(stdcopy.Stdout, "bye\n")...))
			br.Peek(1) // stdin is arriving
		})
		c := engineClient(t, e)
		res, err := c.ExecCapture(testContext(t), "box", dockwire.ExecOptions{Cmd: []string{"x"}, Stdin: endlessZeros{}})
		if err != nil || res.ExitCode != 3 || res.Stdout != "bye\n" {
			t.Errorf("%+v, %v", res, err)
		}
	})
	t.Run("stdin blocks forever", func(t *testing.T) {
		e := enginetest.New(t)
		e.AddContainer(enginetest.Container{Name: "box"})
		e.SetExec("", enginetest.ExecOutput("bye\n", "", 0))
		c := engineClient(t, e)
		if _, err := c.Ping(testContext(t)); err != nil {
			t.Fatal(err)
		}
		base := runtime.NumGoroutine()
		pr, pw := io.Pipe()
		res, err := c.ExecCapture(testContext(t), "box", dockwire.ExecOptions{Cmd: []string{"x"}, Stdin: pr})
		if err != nil || res.Stdout != "bye\n" {
			t.Errorf("%+v, %v", res, err)
		}
		// The stdin goroutine ends when its Read returns.
		pw.Write([]byte("late")) // dropped
		pw.Close()
		await.Goroutines(t, base)
	})
	t.Run("stdin fails", func(t *testing.T) {
		e := enginetest.New(t)
		e.AddContainer(enginetest.Container{Name: "box"})
		c := engineClient(t, e)
		boom := errors.New("boom")
		res, err := c.ExecCapture(testContext(t), "box", dockwire.ExecOptions{Cmd: []string{"cat"},
			Stdin: io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(boom))})
		if !errors.Is(err, boom) || res.ExitCode != 0 || res.Stdout != "cat\npartial" {
			t.Errorf("%+v, %v; want the exit code, the output and the stdin error", res, err)
		}
	})
}

// noHalfClose hides the connection's CloseWrite.
type noHalfClose struct{ c net.Conn }

func (n noHalfClose) Read(p []byte) (int, error)         { return n.c.Read(p) }
func (n noHalfClose) Write(p []byte) (int, error)        { return n.c.Write(p) }
func (n noHalfClose) Close() error                       { return n.c.Close() }
func (n noHalfClose) LocalAddr() net.Addr                { return n.c.LocalAddr() }
func (n noHalfClose) RemoteAddr() net.Addr               { return n.c.RemoteAddr() }
func (n noHalfClose) SetDeadline(t time.Time) error      { return n.c.SetDeadline(t) }
func (n noHalfClose) SetReadDeadline(t time.Time) error  { return n.c.SetReadDeadline(t) }
func (n noHalfClose) SetWriteDeadline(t time.Time) error { return n.c.SetWriteDeadline(t) }

func TestFault_E7_CloseWriteUnsupported(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box"})
	c := engineClient(t, e, dockwire.WithDialer(func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "unix", e.SocketPath())
		if err != nil {
			return nil, err
		}
		return noHalfClose{conn}, nil
	}))
	ctx := testContext(t)
	if _, err := c.Exec(ctx, "box", dockwire.ExecOptions{Cmd: []string{"cat"}, Stdin: strings.NewReader("x")}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Exec with stdin: %v, want errors.ErrUnsupported", err)
	}
	id, err := c.ExecCreate(ctx, "box", dockwire.ExecCreateOptions{Cmd: []string{"cat"}, AttachStdin: true, AttachStdout: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.ExecStart(ctx, id, dockwire.ExecStartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CloseWrite(); err == nil || !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("CloseWrite: %v, want an error, not nil", err)
	}
	// Without stdin the same connection is fine.
	if code, err := c.Exec(ctx, "box", dockwire.ExecOptions{Cmd: []string{"true"}}); err != nil || code != 0 {
		t.Errorf("Exec without stdin: %d, %v", code, err)
	}
}

// A command the runtime cannot start is an *ExecStartError carrying the
// runtime's message, never output and an exit code; a command that runs
// and exits 126 or 127 itself, even printing "\r\n", is not.
func TestFault_G10_ExecCannotStart(t *testing.T) {
	const msg = `OCI runtime exec failed: exec failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown`
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box"})
	e.SetExec("", enginetest.ExecCannotStart(msg, 127))
	c := engineClient(t, e)
	ctx := testContext(t)
	check := func(what string, err error) {
		t.Helper()
		var se *dockwire.ExecStartError
		if !errors.As(err, &se) || !errors.Is(err, dockwire.ErrExecNotStarted) {
			t.Fatalf("%s: %v; want an *ExecStartError", what, err)
		}
		if se.Container != "box" && (what != "ExecWait" || se.Container == "") || se.ExitCode != 127 || se.ExecID == "" || !cmp.Equal(se.Cmd, []string{"nope", "x"}) {
			t.Errorf("%s: %+v", what, se)
		}
		if what != "ExecWait" && (se.Message != msg || !strings.Contains(err.Error(), msg)) {
			t.Errorf("%s: message %q in %q; want the runtime's", what, se.Message, err)
		}
	}
	for _, tty := range []bool{false, true} {
		var out, errOut bytes.Buffer
		code, err := c.Exec(ctx, "box", dockwire.ExecOptions{Cmd: []string{"nope", "x"}, Tty: tty, Stdout: &out, Stderr: &errOut})
		check("Exec", err)
		if code != -1 || out.Len()+errOut.Len() != 0 {
			t.Errorf("Exec with Tty %v: code %d, output %q %q; want -1 and the message only in the error", tty, code, out.String(), errOut.String())
		}
	}
	res, err := c.ExecCapture(ctx, "box", dockwire.ExecOptions{Cmd: []string{"nope", "x"}})
	check("ExecCapture", err)
	if res != (dockwire.ExecResult{ExitCode: -1}) {
		t.Errorf("ExecCapture result %+v; want no output and code -1", res)
	}
	_, err = c.ExecCheck(ctx, "box", dockwire.ExecOptions{Cmd: []string{"nope", "x"}})
	check("ExecCheck", err)

	id, err := c.ExecCreate(ctx, "box", dockwire.ExecCreateOptions{Cmd: []string{"nope", "x"}, AttachStdout: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.ExecStart(ctx, id, dockwire.ExecStartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	if _, err := s.CopyTo(&raw, io.Discard); err != nil || raw.String() != msg+"\r\n" {
		t.Errorf("ExecStart output %q, %v; want the runtime's message as the daemon sends it", raw.String(), err)
	}
	s.Close()
	code, err := c.ExecWait(ctx, id)
	check("ExecWait", err)
	if code != -1 {
		t.Errorf("ExecWait: %d", code)
	}

	// The same shape from a command that ran is its output.
	for _, code := range []int{126, 127} {
		e.SetExec("", enginetest.ExecOutput(msg+"\r\n", "", code))
		var out bytes.Buffer
		got, err := c.Exec(ctx, "box", dockwire.ExecOptions{Cmd: []string{"sh", "-c", "exit"}, Stdout: &out})
		if err != nil || got != code || out.String() != msg+"\r\n" {
			t.Errorf("a command that ran and exited %d: %d, %v, output %q", code, got, err, out.String())
		}
		res, err := c.ExecCapture(ctx, "box", dockwire.ExecOptions{Cmd: []string{"sh", "-c", "exit"}})
		if err != nil || res != (dockwire.ExecResult{ExitCode: code, Stdout: msg + "\r\n"}) {
			t.Errorf("ExecCapture of a command that ran and exited %d: %+v, %v", code, res, err)
		}
	}
}

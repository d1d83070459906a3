package enginetest

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire/internal/await"
	"github.com/google/go-cmp/cmp"
)

func decodeID(t *testing.T, body []byte) string {
	t.Helper()
	var v struct{ Id string }
	if err := json.Unmarshal(body, &v); err != nil || v.Id == "" {
		t.Fatalf("create body %q: %v", body, err)
	}
	return v.Id
}

func createExec(t *testing.T, e *Engine, c *http.Client, container, body string) string {
	t.Helper()
	resp, b := do(t, c, "POST", "/v"+e.APIVersion()+"/containers/"+container+"/exec", body)
	if resp.StatusCode != 201 {
		t.Fatalf("exec create: %d %s", resp.StatusCode, b)
	}
	return decodeID(t, b)
}

// startExecRaw writes an exec start request by hand on a fresh connection,
// as a client that needs half-close must, and returns the connection with
// a reader positioned at the response.
func startExecRaw(t *testing.T, e *Engine, execID, body string, upgrade bool) (*net.UnixConn, *bufio.Reader) {
	t.Helper()
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: e.SocketPath(), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	req, _ := http.NewRequest("POST", baseURL+"/v"+e.APIVersion()+"/exec/"+execID+"/start", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if upgrade {
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "tcp")
	}
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	return conn, bufio.NewReader(conn)
}

// readHead reads the status line and headers of a hijacked response.
func readHead(t *testing.T, br *bufio.Reader) (status string, h http.Header) {
	t.Helper()
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("status line: %v", err)
	}
	h = http.Header{}
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("headers: %v", err)
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			return strings.TrimRight(line, "\r\n"), h
		}
		k, v, _ := strings.Cut(l, ": ")
		h.Add(k, v)
	}
}

func inspectExec(t *testing.T, c *http.Client, id string) map[string]any {
	t.Helper()
	return getJSON(t, c, "/exec/"+id+"/json", 200).(map[string]any)
}

func TestFault_E1_ExecUpgradeStdinHalfClose(t *testing.T) {
	for _, tt := range []struct {
		api, wantType string
		tty           bool
	}{
		{"1.55", "application/vnd.docker.multiplexed-stream", false},
		{"1.55", "application/vnd.docker.raw-stream", true},
		{"1.41", "application/vnd.docker.raw-stream", false}, // before 1.42 always raw
	} {
		e := New(t, WithAPIVersion(tt.api))
		e.AddContainer(Container{Name: "box"})
		c := newClient(e)
		id := createExec(t, e, c, "box", `{"AttachStdin":true,"AttachStdout":true,"AttachStderr":true,"Cmd":["cat"],"Tty":`+map[bool]string{true: "true", false: "false"}[tt.tty]+`}`)
		conn, br := startExecRaw(t, e, id, `{"Tty":`+map[bool]string{true: "true", false: "false"}[tt.tty]+`}`, true)
		// Stdin sent right behind the request, before the 101 is read, is
		// still delivered.
		io.WriteString(conn, "hello\n")
		status, h := readHead(t, br)
		if status != "HTTP/1.1 101 UPGRADED" || h.Get("Content-Type") != tt.wantType || h.Get("Connection") != "Upgrade" || h.Get("Upgrade") != "tcp" || h.Get("Api-Version") != tt.api {
			t.Errorf("%s tty=%v: %s %v", tt.api, tt.tty, status, h)
		}
		io.WriteString(conn, "world\n")
		if err := conn.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(br)
		if err != nil {
			t.Fatalf("reading output: %v", err)
		}
		want := "cat\nhello\nworld\n"
		got := string(out)
		if !tt.tty {
			got = strings.Join(demux(t, out), "")
			got = strings.ReplaceAll(got, "stdout:", "")
		}
		if got != want {
			t.Errorf("%s tty=%v: output %q, want %q (raw %q)", tt.api, tt.tty, got, want, out)
		}
		x := inspectExec(t, c, id)
		if x["Running"] != false || x["ExitCode"] != 0.0 {
			t.Errorf("after EOF: Running %v ExitCode %v", x["Running"], x["ExitCode"])
		}
	}
}

func TestExecStartWithoutUpgrade(t *testing.T) {
	e := New(t)
	e.AddContainer(Container{Name: "box"})
	e.SetExec("box", ExecOutput("out\n", "err\n", 3))
	c := newClient(e)
	id := createExec(t, e, c, "box", `{"AttachStdout":true,"AttachStderr":true,"Cmd":["sh","-c","x"]}`)
	resp, body := do(t, c, "POST", "/v1.55/exec/"+id+"/start", `{"Detach":false,"Tty":false}`)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.docker.raw-stream" || resp.ContentLength != -1 || len(resp.TransferEncoding) != 0 {
		t.Errorf("status %d, Content-Type %q, ContentLength %d, TransferEncoding %v", resp.StatusCode, resp.Header.Get("Content-Type"), resp.ContentLength, resp.TransferEncoding)
	}
	if diff := cmp.Diff([]string{"stdout:out\n", "stderr:err\n"}, demux(t, body)); diff != "" {
		t.Errorf("frames (-want +got):\n%s", diff)
	}
	x := inspectExec(t, c, id)
	want := map[string]any{
		"ID": id, "Running": false, "ExitCode": 3.0, "OpenStdin": false, "OpenStdout": true, "OpenStderr": true,
		"ContainerID": x["ContainerID"], "CanRemove": false, "DetachKeys": "", "Pid": x["Pid"],
		"ProcessConfig": map[string]any{"entrypoint": "sh", "arguments": []any{"-c", "x"}, "tty": false, "privileged": false},
	}
	if diff := cmp.Diff(want, x); diff != "" {
		t.Errorf("exec inspect (-want +got):\n%s", diff)
	}

	if ids := path(getJSON(t, c, "/v1.55/containers/box/json", 200), "ExecIDs"); ids != nil {
		t.Errorf("finished exec still in ExecIDs: %v", ids)
	}

	// The daemon has already sent its 200 when it finds the exec used, so
	// the conflict arrives in-band, in a stdout frame.
	resp, body = do(t, c, "POST", "/v1.55/exec/"+id+"/start", `{"Tty":false}`)
	if resp.StatusCode != 200 {
		t.Errorf("second start: status %d", resp.StatusCode)
	}
	if diff := cmp.Diff([]string{"stdout:exec command " + id + " has already run\r\n"}, demux(t, body)); diff != "" {
		t.Errorf("second start (-want +got):\n%s", diff)
	}
}

// A detached start answers at once, while the process may still run: a
// second start is refused as "already running" until it exits, and as
// "already run" after. The test waits for each state rather than guessing
// how long the process takes.
func TestFault_G3_DetachedStartTwice(t *testing.T) {
	e := New(t)
	e.AddContainer(Container{Name: "box"})
	release := make(chan struct{})
	e.SetExec("", func(ctx context.Context, x *Exec) int {
		select {
		case <-release:
			return 0
		case <-ctx.Done():
			return 137
		}
	})
	c := newClient(e)
	id := createExec(t, e, c, "box", `{"Cmd":["true"]}`)
	resp, body := do(t, c, "POST", "/v1.55/exec/"+id+"/start", `{"Detach":true}`)
	if resp.StatusCode != 200 || len(body) != 0 {
		t.Fatalf("detached start: %d %q", resp.StatusCode, body)
	}
	resp, body = do(t, c, "POST", "/v1.55/exec/"+id+"/start", `{"Detach":true}`)
	if resp.StatusCode != 409 || message(t, body) != "exec command "+id+" is already running" {
		t.Errorf("second detached start while running: %d %s", resp.StatusCode, body)
	}
	close(release)
	await.Until(t, "the detached exec to exit", func() bool { return inspectExec(t, c, id)["Running"] == false })
	resp, body = do(t, c, "POST", "/v1.55/exec/"+id+"/start", `{"Detach":true}`)
	if resp.StatusCode != 409 || message(t, body) != "exec command "+id+" has already run" {
		t.Errorf("detached start after the exit: %d %s", resp.StatusCode, body)
	}
	if e.Count("POST", "/exec/{id}/start") != 3 {
		t.Errorf("count %d", e.Count("POST", "/exec/{id}/start"))
	}
}

func TestFault_C3_ExecExitCodeNullUntilExit(t *testing.T) {
	e := New(t, WithExecExitDelay(200*time.Millisecond))
	e.AddContainer(Container{Name: "box"})
	e.SetExec("", ExecOutput("", "", 7))
	c := newClient(e)
	id := createExec(t, e, c, "box", `{"AttachStdout":true,"Cmd":["x"]}`)
	x := inspectExec(t, c, id)
	if v, ok := x["ExitCode"]; !ok || v != nil || x["Running"] != false || x["Pid"] != 0.0 {
		t.Errorf("before start: ExitCode %v (present %v) Running %v Pid %v", v, ok, x["Running"], x["Pid"])
	}
	do(t, c, "POST", "/v1.55/exec/"+id+"/start", `{}`)
	x = inspectExec(t, c, id)
	if x["ExitCode"] != nil || x["Running"] != true {
		t.Errorf("right after EOF: ExitCode %v Running %v, want null and true", x["ExitCode"], x["Running"])
	}
	await.Until(t, "the exec's exit to show after the delay", func() bool {
		x = inspectExec(t, c, id)
		return x["Running"] == false
	})
	if x["ExitCode"] != 7.0 || x["Running"] != false {
		t.Errorf("after the delay: ExitCode %v Running %v", x["ExitCode"], x["Running"])
	}
}

func TestFault_G5_ExecErrors(t *testing.T) {
	e := New(t)
	run := e.AddContainer(Container{Name: "run"})
	exited := e.AddContainer(Container{Name: "exited", State: "exited"})
	e.AddContainer(Container{Name: "paused", State: "paused"})
	c := newClient(e)
	tests := []struct {
		container, body, contentType string
		status                       int
		msg                          string
	}{
		{"nope", `{"Cmd":["x"]}`, "application/json", 404, "No such container: nope"},
		{"exited", `{"Cmd":["x"]}`, "application/json", 409, "container " + exited + " is not running"},
		{"paused", `{"Cmd":["x"]}`, "application/json", 409, "Container paused is paused, unpause the container before exec"},
		{"run", `{"Cmd":[]}`, "application/json", 400, "No exec command specified"},
		{"run", `{"Cmd":["x"]}`, "text/plain", 400, "unsupported Content-Type header (text/plain): must be 'application/json'"},
		{"run", `{"Cmd":["x"]}`, "application/json; charset=utf-8", 201, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("POST", baseURL+"/v1.55/containers/"+tt.container+"/exec", strings.NewReader(tt.body))
		req.Header.Set("Content-Type", tt.contentType)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || tt.msg != "" && message(t, b) != tt.msg {
			t.Errorf("%s %s: %d %s, want %d %q", tt.container, tt.body, resp.StatusCode, b, tt.status, tt.msg)
		}
	}
	for _, p := range []string{"/v1.55/exec/nope/json", "/v1.55/exec/nope/start"} {
		method := map[bool]string{true: "GET", false: "POST"}[strings.HasSuffix(p, "json")]
		resp, b := do(t, c, method, p, `{}`)
		if resp.StatusCode != 404 || message(t, b) != "No such exec instance: nope" {
			t.Errorf("%s %s: %d %s", method, p, resp.StatusCode, b)
		}
	}

	// G6: execs go with their container.
	id := createExec(t, e, c, "run", `{"Cmd":["x"]}`)
	if ids, _ := path(getJSON(t, c, "/v1.55/containers/run/json", 200), "ExecIDs").([]any); len(ids) != 2 || ids[1] != id {
		t.Errorf("ExecIDs %v", ids)
	}
	e.RemoveContainer(run)
	if resp, _ := do(t, c, "GET", "/v1.55/exec/"+id+"/json", ""); resp.StatusCode != 404 {
		t.Errorf("exec inspect after remove: %d", resp.StatusCode)
	}
}

func TestExecKilledWhenContainerStops(t *testing.T) {
	e := New(t)
	id := e.AddContainer(Container{Name: "box"})
	started := make(chan struct{})
	e.SetExec(id, func(ctx context.Context, x *Exec) int {
		close(started)
		<-ctx.Done()
		return 137
	})
	c := newClient(e)
	execID := createExec(t, e, c, "box", `{"AttachStdout":true,"Cmd":["sleep","9"]}`)
	got := make(chan []byte)
	go func() {
		resp, err := c.Post(baseURL+"/v1.55/exec/"+execID+"/start", "application/json", strings.NewReader(`{}`))
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- b
	}()
	await.Recv(t, "the exec to start", started)
	e.StopContainer("box", 0)
	await.Recv(t, "the exec stream to end when the container stopped", got)
	if x := inspectExec(t, c, execID); x["ExitCode"] != 137.0 {
		t.Errorf("ExitCode %v", x["ExitCode"])
	}
	if x, _ := e.Container("box"); x.State != "exited" {
		t.Errorf("state %q", x.State)
	}
}

func TestExecEnvUserWorkdirReachFunc(t *testing.T) {
	e := New(t)
	e.AddContainer(Container{Name: "box"})
	seen := make(chan Exec, 1)
	e.SetExec("", func(_ context.Context, x *Exec) int { seen <- *x; return 0 })
	c := newClient(e)
	id := createExec(t, e, c, "box", `{"Cmd":["env"],"Env":["A=1"],"User":"1000:1000","WorkingDir":"/srv","Privileged":true,"Tty":true}`)
	do(t, c, "POST", "/v1.55/exec/"+id+"/start", `{"Tty":true}`)
	x := await.Recv(t, "the exec to run", seen)
	if x.ID != id || !cmp.Equal(x.Cmd, []string{"env"}) || !cmp.Equal(x.Env, []string{"A=1"}) || x.User != "1000:1000" || x.WorkingDir != "/srv" || !x.Privileged || !x.Tty {
		t.Errorf("exec %+v", x)
	}
	if u := path(inspectExec(t, c, id), "ProcessConfig", "user"); u != "1000:1000" {
		t.Errorf("ProcessConfig.user %v", u)
	}
}

func TestFault_G4_DroppedConnectionKillsExec(t *testing.T) {
	e := New(t)
	e.AddContainer(Container{Name: "box"})
	started := make(chan struct{})
	e.SetExec("", func(ctx context.Context, x *Exec) int {
		close(started)
		for ctx.Err() == nil { // like `yes`: the failing write ends it
			io.WriteString(x.Stdout, "y\n")
			time.Sleep(time.Millisecond)
		}
		return 137
	})
	c := newClient(e)
	id := createExec(t, e, c, "box", `{"AttachStdout":true,"Cmd":["yes"]}`)
	conn, br := startExecRaw(t, e, id, `{}`, true)
	readHead(t, br)
	await.Recv(t, "the exec to start", started)
	conn.Close()
	await.Until(t, "the exec to be killed (exit 137) once its connection dropped", func() bool {
		x := inspectExec(t, c, id)
		return x["ExitCode"] == 137.0 && x["Running"] == false
	})
	// The inspect client's idle connection may remain.
	await.Until(t, "the exec's connection to close", func() bool { return e.OpenConns() <= 1 })
}

// Engine 20.10 words its conflicts differently from later releases.
func TestExecMessagesEngine2010(t *testing.T) {
	e := New(t, WithAPIVersion("1.41"))
	e.AddContainer(Container{Name: "box"})
	exited := e.AddContainer(Container{Name: "old", State: "exited"})
	c := newClient(e)
	id := createExec(t, e, c, "box", `{"AttachStdout":true,"Cmd":["true"]}`)
	do(t, c, "POST", "/v1.41/exec/"+id+"/start", `{}`)
	_, body := do(t, c, "POST", "/v1.41/exec/"+id+"/start", `{}`)
	if diff := cmp.Diff([]string{"stdout:Error: Exec command " + id + " has already run\r\n"}, demux(t, body)); diff != "" {
		t.Errorf("second start (-want +got):\n%s", diff)
	}
	for _, tt := range []struct{ container, contentType, msg string }{
		{"old", "application/json", "Container " + exited + " is not running"},
		{"box", "text/plain", "Content-Type specified (text/plain) must be 'application/json'"},
	} {
		req, _ := http.NewRequest("POST", baseURL+"/v1.41/containers/"+tt.container+"/exec", strings.NewReader(`{"Cmd":["x"]}`))
		req.Header.Set("Content-Type", tt.contentType)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if message(t, b) != tt.msg {
			t.Errorf("%s: %s, want %q", tt.container, b, tt.msg)
		}
	}
}

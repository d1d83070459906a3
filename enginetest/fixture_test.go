package enginetest

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const fixtureDir = "testdata/docker-20.10-min"

func TestLoadFixtures(t *testing.T) {
	s, xs, err := LoadFixtures(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	want := Session{Engine: "docker", Version: "20.10.24", APIVersion: "1.41", OS: "linux", RecordedAt: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("session (-want +got):\n%s", diff)
	}
	var steps []string
	for _, x := range xs {
		steps = append(steps, x.Name)
	}
	if diff := cmp.Diff([]string{"ping", "container-list", "container-logs", "exec-create", "exec-start", "exec-inspect"}, steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
}

func TestFixtureReplay(t *testing.T) {
	e := New(t, WithFixtures(fixtureDir))
	c := newClient(e)

	resp, _ := do(t, c, "HEAD", "/_ping", "")
	if resp.StatusCode != 200 || resp.Header.Get("Api-Version") != "1.41" || resp.Header.Get("Pragma") != "no-cache" {
		t.Errorf("ping: %d %v", resp.StatusCode, resp.Header)
	}

	// Without its prefix the request does not match the recording.
	resp, body := do(t, c, "GET", "/containers/json?all=1", "")
	if resp.StatusCode != 404 || !strings.Contains(message(t, body), "GET /containers/json?all=1") {
		t.Errorf("unprefixed: %d %s", resp.StatusCode, body)
	}
	list := getJSON(t, c, "/v1.41/containers/json?all=1", 200)
	if got := names(t, list); !cmp.Equal(got, []string{"/web"}) {
		t.Errorf("list names %v", got)
	}
	// Each exchange answers once.
	resp, body = do(t, c, "GET", "/v1.41/containers/json?all=1", "")
	if resp.StatusCode != 404 || !strings.Contains(message(t, body), "no unused recorded exchange") {
		t.Errorf("second list: %d %s", resp.StatusCode, body)
	}

	// Query parameters may come in any order.
	resp, body = do(t, c, "GET", "/v1.41/containers/web/logs?stdout=1&stderr=1", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.docker.raw-stream" || len(resp.TransferEncoding) == 0 {
		t.Errorf("logs: %d %v %v", resp.StatusCode, resp.Header, resp.TransferEncoding)
	}
	if diff := cmp.Diff([]string{"stdout:hello\n", "stderr:oops\n"}, demux(t, body)); diff != "" {
		t.Errorf("logs (-want +got):\n%s", diff)
	}

	resp, body = do(t, c, "POST", "/v1.41/containers/web/exec", `{"Cmd":["cat"]}`)
	if resp.StatusCode != 201 {
		t.Fatalf("exec create: %d %s", resp.StatusCode, body)
	}
	execID := decodeID(t, body)

	conn, br := startExecRaw(t, e, execID, `{"Detach":false,"Tty":false}`, true)
	status, h := readHead(t, br)
	if status != "HTTP/1.1 101 UPGRADED" || h.Get("Upgrade") != "tcp" || h.Get("Content-Type") != "application/vnd.docker.raw-stream" {
		t.Errorf("exec start: %s %v", status, h)
	}
	io.WriteString(conn, "typed input\n")
	conn.CloseWrite()
	out, err := io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"stdout:typed input\n"}, demux(t, out)); diff != "" {
		t.Errorf("exec output (-want +got):\n%s", diff)
	}
	x := getJSON(t, c, "/v1.41/exec/"+execID+"/json", 200)
	if path(x, "ExitCode") != 0.0 || path(x, "Running") != false {
		t.Errorf("exec inspect %v", x)
	}
	if left := e.UnusedExchanges(); len(left) != 0 {
		t.Errorf("unused: %v", left)
	}
}

func TestFixtureReplayWithFault(t *testing.T) {
	e := New(t, WithFixtures(fixtureDir))
	e.Fault("GET", "/containers/json", Status(500, "injected").Times(1))
	c := newClient(e)
	if resp, _ := do(t, c, "GET", "/v1.41/containers/json?all=1", ""); resp.StatusCode != 500 {
		t.Errorf("fault: %d", resp.StatusCode)
	}
	getJSON(t, c, "/v1.41/containers/json?all=1", 200) // the fault did not use up the exchange
	if n := len(e.UnusedExchanges()); n != 5 {
		t.Errorf("%d unused exchanges, want 5", n)
	}
}

func TestWriteFixturesRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "podman-4.3")
	s := Session{Engine: "podman", Version: "4.3.1", APIVersion: "1.41", OS: "linux", RecordedAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	var a, b Exchange
	a.Name = "Container Inspect!"
	a.Request = RecordedRequest{Method: "GET", Path: "/v1.41/containers/x/json", Header: map[string]string{"User-Agent": "dockwire"}}
	a.Response = RecordedResponse{Status: 200, Header: map[string]string{"Content-Type": "application/json"}}
	a.Response.SetBody([]byte("{\"Id\":\"x\"}\n"))
	b.Name = "logs"
	b.Request = RecordedRequest{Method: "GET", Path: "/v1.41/containers/x/logs", Query: "stdout=1"}
	b.Response = RecordedResponse{Status: 200}
	b.Response.SetBody([]byte{1, 0, 0, 0, 0, 0, 0, 1, 'x'})
	if b.Response.Body != "" || b.Response.BodyBase64 == "" || a.Response.Body == "" || a.Response.BodyBase64 != "" {
		t.Fatalf("SetBody chose the wrong field: %+v %+v", a.Response, b.Response)
	}
	if err := WriteFixtures(dir, s, []Exchange{a, b}); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	var files []string
	for _, ent := range ents {
		files = append(files, ent.Name())
	}
	if diff := cmp.Diff([]string{"0001-container-inspect-.json", "0002-logs.json", "engine.json"}, files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	s2, xs, err := LoadFixtures(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, s2); diff != "" {
		t.Errorf("session (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Exchange{a, b}, xs); diff != "" {
		t.Errorf("exchanges (-want +got):\n%s", diff)
	}
	body, err := xs[1].Response.BodyBytes()
	if err != nil || string(body) != "\x01\x00\x00\x00\x00\x00\x00\x01x" {
		t.Errorf("BodyBytes %q %v", body, err)
	}
}

func TestLoadFixturesErrors(t *testing.T) {
	write := func(dir, name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	session := `{"engine":"docker","version":"20.10.24","apiVersion":"1.41","os":"linux"}`
	for name, files := range map[string]map[string]string{
		"no session":    {},
		"bad version":   {"engine.json": `{"apiVersion":"v1"}`},
		"both bodies":   {"engine.json": session, "0001-x.json": `{"request":{"method":"GET","path":"/_ping"},"response":{"status":200,"body":"a","bodyBase64":"YQ=="}}`},
		"bad base64":    {"engine.json": session, "0001-x.json": `{"request":{"method":"GET","path":"/_ping"},"response":{"status":200,"bodyBase64":"!"}}`},
		"no status":     {"engine.json": session, "0001-x.json": `{"request":{"method":"GET","path":"/_ping"},"response":{}}`},
		"invalid json":  {"engine.json": session, "0001-x.json": `{`},
		"relative path": {"engine.json": session, "0001-x.json": `{"request":{"method":"GET","path":"_ping"},"response":{"status":200}}`},
	} {
		dir := t.TempDir()
		for f, c := range files {
			write(dir, f, c)
		}
		if _, _, err := LoadFixtures(dir); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

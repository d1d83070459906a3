package enginetest

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire/internal/fixture"
	"github.com/google/go-cmp/cmp"
)

const fixtureDir = "testdata/docker-20.10-min"

func TestLoadFixtures(t *testing.T) {
	s, xs, err := fixture.Load(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	want := fixture.Session{Engine: "docker", Version: "20.10.24", APIVersion: "1.41", OS: "linux", RecordedAt: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
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

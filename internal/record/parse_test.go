package record

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/fixture"
	"github.com/google/go-cmp/cmp"
)

func at(step string) func(int) writeMark {
	return func(off int) writeMark { return writeMark{off: off, seq: int64(off), step: step} }
}

func TestParseConnKeepAliveAndChunked(t *testing.T) {
	wrote := "GET /v1.41/version HTTP/1.1\r\nHost: api.moby.localhost\r\n\r\n" +
		"POST /v1.41/build?t=x HTTP/1.1\r\nHost: api.moby.localhost\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-tar\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
	read := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n{}" +
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n"
	xs, err := parseConn([]byte(wrote), []byte(read), at("s"))
	if err != nil {
		t.Fatal(err)
	}
	if len(xs) != 2 {
		t.Fatalf("got %d exchanges, want 2", len(xs))
	}
	if xs[0].path != "/v1.41/version" || string(xs[0].respBody) != "{}" || xs[0].chunked {
		t.Errorf("first exchange: %+v", xs[0])
	}
	if xs[1].path != "/v1.41/build" || xs[1].query != "t=x" || string(xs[1].reqBody) != "abc" {
		t.Errorf("second request: path %q query %q body %q", xs[1].path, xs[1].query, xs[1].reqBody)
	}
	if string(xs[1].respBody) != `{"a":1}` || !xs[1].chunked {
		t.Errorf("second response: body %q chunked %v", xs[1].respBody, xs[1].chunked)
	}
	if xs[1].mark.off <= xs[0].mark.off {
		t.Errorf("offsets %d, %d do not increase", xs[0].mark.off, xs[1].mark.off)
	}
}

func TestParseConnUpgradeKeepsStdin(t *testing.T) {
	wrote := "POST /v1.41/exec/x/start HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 2\r\n\r\n{}typed input\n"
	read := "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n\x01\x00\x00\x00\x00\x00\x00\x03hi\n"
	xs, err := parseConn([]byte(wrote), []byte(read), at("s"))
	if err != nil {
		t.Fatal(err)
	}
	if len(xs) != 1 || !xs[0].hijacked || string(xs[0].reqBody) != "{}" || string(xs[0].stdin) != "typed input\n" || string(xs[0].respBody) != "\x01\x00\x00\x00\x00\x00\x00\x03hi\n" {
		t.Fatalf("got %+v", xs)
	}
}

func TestParseConnCloseDelimitedAndTruncated(t *testing.T) {
	wrote := "POST /v1.41/exec/x/start HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}"
	read := "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\nall the output"
	xs, err := parseConn([]byte(wrote), []byte(read), at("s"))
	if err != nil || len(xs) != 1 || !xs[0].hijacked || xs[0].truncated || string(xs[0].respBody) != "all the output" {
		t.Fatalf("close-delimited: %+v, %v", xs, err)
	}
	wrote = "GET /v1.41/images/get HTTP/1.1\r\nHost: h\r\n\r\n"
	read = "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n400\r\nshort"
	xs, err = parseConn([]byte(wrote), []byte(read), at("s"))
	if err != nil || len(xs) != 1 || !xs[0].truncated || string(xs[0].respBody) != "short" {
		t.Fatalf("truncated: %+v, %v", xs, err)
	}
}

func TestCollapsePolls(t *testing.T) {
	x := func(step, method, path string) wireExchange {
		return wireExchange{mark: writeMark{step: step}, req: mustRequest(method), path: path}
	}
	xs := collapsePolls([]wireExchange{
		x("a", "GET", "/exec/1/json"), x("a", "GET", "/exec/1/json"), x("a", "GET", "/exec/1/json"),
		x("b", "GET", "/exec/1/json"), x("b", "POST", "/c/start"), x("b", "POST", "/c/start"),
	})
	var got []string
	for _, x := range xs {
		got = append(got, x.mark.step+" "+x.req.Method)
	}
	if diff := cmp.Diff([]string{"a GET", "b GET", "b POST", "b POST"}, got); diff != "" {
		t.Errorf("collapsed (-want +got):\n%s", diff)
	}
}

// TestReplayOfRecording records a session against the fake engine through
// a Recorder, writes the fixtures, and replays them with the same calls.
func TestReplayOfRecording(t *testing.T) {
	session := func(c *dockwire.Client, step func(string)) []any {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var out []any
		step("ping")
		p, err := c.Ping(ctx)
		out = append(out, p, err)
		step("container-list")
		l, err := c.ContainerList(ctx, dockwire.ContainerListOptions{All: true})
		out = append(out, len(l), err)
		step("exec-stdin")
		r, err := c.ExecCapture(ctx, "web", dockwire.ExecOptions{Cmd: []string{"cat"}, Stdin: strings.NewReader("typed\n")})
		out = append(out, r, err)
		return out
	}

	live := enginetest.New(t, enginetest.WithAPIVersion("1.41"), enginetest.WithExecExitDelay(30*time.Millisecond))
	live.AddContainer(enginetest.Container{Name: "web"})
	rec, err := New(live.Host())
	if err != nil {
		t.Fatal(err)
	}
	c, err := rec.Client()
	if err != nil {
		t.Fatal(err)
	}
	recorded := session(c, rec.Step)
	c.Close()
	xs, err := rec.Exchanges()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range xs {
		names = append(names, x.Name+" "+x.Request.Method+" "+routeOf(x.Request.Path))
	}
	want := []string{
		"ping HEAD /_ping", "container-list HEAD /_ping", "container-list GET /containers/json",
		"exec-stdin POST /containers/web/exec", "exec-stdin POST /exec/e00000000001" + strings.Repeat("0", 52) + "/start",
		"exec-stdin GET /exec/e00000000001" + strings.Repeat("0", 52) + "/json",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("exchanges (-want +got), polls collapsed, IDs replaced:\n%s", diff)
	}
	if got := xs[4].Request.Header[HeaderStdin]; got != `"typed\n"` {
		t.Errorf("stdin header %q", got)
	}

	dir := t.TempDir()
	if err := fixture.Write(dir, fixture.Session{Engine: "docker", Version: "20.10.24", APIVersion: "1.41", OS: "linux"}, xs); err != nil {
		t.Fatal(err)
	}
	replay := enginetest.New(t, enginetest.WithFixtures(dir))
	c2, err := dockwire.New(replay.Host())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	replayed := session(c2, func(string) {})
	if diff := cmp.Diff(recorded, replayed, cmp.Comparer(func(a, b error) bool { return (a == nil) == (b == nil) }), ignoreRawField); diff != "" {
		t.Errorf("replayed results differ (-recorded +replayed):\n%s", diff)
	}
	if un := replay.UnusedExchanges(); len(un) > 0 {
		t.Errorf("%d exchanges not replayed", len(un))
	}
}

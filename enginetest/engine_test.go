package enginetest

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/dockwire/dockwire/internal/await"
	"github.com/google/go-cmp/cmp"
)

func TestPing(t *testing.T) {
	// Headers as Docker 20.10.24 and 28.5.2 send them; Engine 23.0 added
	// Builder-Version and Swarm.
	common := map[string]string{
		"Ostype":              "linux",
		"Docker-Experimental": "false",
		"Cache-Control":       "no-cache, no-store, must-revalidate",
		"Pragma":              "no-cache",
		"Content-Type":        "text/plain; charset=utf-8",
	}
	for _, tt := range []struct {
		api  string
		want map[string]string
	}{
		{"1.41", map[string]string{"Api-Version": "1.41", "Server": "Docker/20.10.24 (linux)", "Builder-Version": "", "Swarm": ""}},
		{"1.51", map[string]string{"Api-Version": "1.51", "Server": "Docker/28.5.2 (linux)", "Builder-Version": "2", "Swarm": "inactive"}},
	} {
		e := New(t, WithAPIVersion(tt.api))
		c := newClient(e)
		for k, v := range common {
			tt.want[k] = v
		}
		for _, p := range []string{"/_ping", "/v" + tt.api + "/_ping"} {
			for _, method := range []string{"HEAD", "GET"} {
				resp, body := do(t, c, method, p, "")
				if resp.StatusCode != 200 {
					t.Fatalf("%s %s: status %d", method, p, resp.StatusCode)
				}
				got := make(map[string]string)
				for k := range tt.want {
					got[k] = resp.Header.Get(k)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("%s %s on %s: headers (-want +got):\n%s", method, p, tt.api, diff)
				}
				wantBody := map[string]string{"HEAD": "", "GET": "OK"}[method]
				if string(body) != wantBody {
					t.Errorf("%s %s body %q, want %q", method, p, body, wantBody)
				}
			}
		}
	}
}

func TestDaemonHeadersOnEveryResponse(t *testing.T) {
	e := New(t, WithAPIVersion("1.51"))
	c := newClient(e)
	for _, p := range []string{"/v1.51/version", "/v1.51/containers/nope/json", "/v1.51/containers/nope/logs"} {
		resp, _ := do(t, c, "GET", p, "")
		if got := resp.Header.Get("Api-Version"); got != "1.51" {
			t.Errorf("GET %s: Api-Version %q", p, got)
		}
		if got := resp.Header.Get("Server"); got != "Docker/28.5.2 (linux)" {
			t.Errorf("GET %s: Server %q", p, got)
		}
	}
	// Unknown routes are answered before the daemon's middleware runs.
	resp, _ := do(t, c, "GET", "/v1.51/nope", "")
	if resp.Header.Get("Api-Version") != "" || resp.Header.Get("Server") != "" {
		t.Errorf("404 of an unknown route carries daemon headers: %v", resp.Header)
	}
}

func TestFault_I2_VersionBounds(t *testing.T) {
	e := New(t, WithAPIVersion("1.52"))
	c := newClient(e)
	// As real daemons send them: the too-old error is plain text, and
	// neither carries Docker-Experimental.
	tests := []struct {
		path, contentType, body string
		status                  int
	}{
		{"/v1.43/info", "text/plain; charset=utf-8", "client version 1.43 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version\n", 400},
		{"/v1.53/info", "application/json", `{"message":"client version 1.53 is too new. Maximum supported API version is 1.52"}` + "\n", 400},
		{"/v1.44/info", "application/json", "", 200},
		{"/v1.52/info", "application/json", "", 200},
		{"/info", "application/json", "", 200}, // unprefixed: deprecated but served at the maximum version
	}
	for _, tt := range tests {
		resp, body := do(t, c, "GET", tt.path, "")
		if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != tt.contentType {
			t.Errorf("GET %s: status %d %q, want %d %q", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), tt.status, tt.contentType)
			continue
		}
		if tt.status == 400 && (string(body) != tt.body || resp.Header.Get("Docker-Experimental") != "" || resp.Header.Get("Api-Version") != "1.52") {
			t.Errorf("GET %s: %v %q, want body %q", tt.path, resp.Header, body, tt.body)
		}
	}
	reqs := e.Requests()
	if got := reqs[len(reqs)-1]; got.Version != "" || got.Path != "/info" || got.Route != "/info" {
		t.Errorf("unprefixed request recorded as %+v", got)
	}
	if got := reqs[0]; got.Version != "1.43" || got.Path != "/v1.43/info" || got.Route != "/info" {
		t.Errorf("prefixed request recorded as %+v", got)
	}
}

func TestWithMinAPIVersion(t *testing.T) {
	e := New(t, WithAPIVersion("1.41"), WithMinAPIVersion("1.40"))
	resp, body := do(t, newClient(e), "GET", "/v1.39/version", "")
	if resp.StatusCode != 400 || !strings.Contains(string(body), "Minimum supported API version is 1.40") {
		t.Errorf("status %d body %s", resp.StatusCode, body)
	}
}

func TestVersionAndInfo(t *testing.T) {
	e := New(t, WithAPIVersion("1.44"), WithEngineVersion("25.0.3"))
	e.AddContainer(Container{State: "running"})
	e.AddContainer(Container{State: "exited"})
	c := newClient(e)
	v := getJSON(t, c, "/v1.44/version", 200)
	for k, want := range map[string]any{"Version": "25.0.3", "ApiVersion": "1.44", "MinAPIVersion": "1.24", "Os": "linux"} {
		if got := path(v, k); got != want {
			t.Errorf("version %s = %v, want %v", k, got, want)
		}
	}
	info := getJSON(t, c, "/v1.44/info", 200)
	for k, want := range map[string]any{"Containers": 2.0, "ContainersRunning": 1.0, "ContainersStopped": 1.0, "ServerVersion": "25.0.3", "OSType": "linux"} {
		if got := path(info, k); got != want {
			t.Errorf("info %s = %v, want %v", k, got, want)
		}
	}
}

func TestUnknownRoute(t *testing.T) {
	e := New(t)
	for _, p := range []string{"/v1.55/nope", "/v1.55/containers/x/nope", "/v1.55/containers/json/extra"} {
		resp, body := do(t, newClient(e), "GET", p, "")
		if resp.StatusCode != 404 || message(t, body) != "page not found" {
			t.Errorf("GET %s: %d %s", p, resp.StatusCode, body)
		}
	}
}

func TestBadOptionFailsNew(t *testing.T) {
	for _, o := range []Option{WithAPIVersion("1.x"), WithMinAPIVersion(""), WithOSType("plan9"), WithExecExitDelay(-1), WithFixtures("")} {
		ft := &fatalRecorder{TB: t}
		func() {
			defer func() { recover() }()
			New(ft, o)
		}()
		if !ft.failed {
			t.Errorf("New accepted a bad option")
		}
	}
}

// fatalRecorder notes a Fatalf and stops the calling function by panicking.
type fatalRecorder struct {
	testing.TB
	failed bool
}

func (f *fatalRecorder) Fatalf(string, ...any) { f.failed = true; panic("fatal") }

func TestRequestsRecording(t *testing.T) {
	e := New(t)
	id := e.AddContainer(Container{Name: "web"})
	c := newClient(e)
	req, _ := http.NewRequest("POST", baseURL+"/v1.55/containers/web/exec?x=1", strings.NewReader(`{"Cmd":["true"]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Registry-Auth", "secret")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	do(t, c, "GET", "/v1.55/containers/"+id[:8]+"/json", "")
	do(t, c, "GET", "/_ping", "")

	reqs := e.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests recorded", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/v1.55/containers/web/exec" || r.Route != "/containers/web/exec" || r.Version != "1.55" ||
		r.Query.Get("x") != "1" || r.Header.Get("X-Registry-Auth") != "secret" || string(r.Body) != `{"Cmd":["true"]}` || r.BodyTruncated {
		t.Errorf("recorded %+v", r)
	}
	for _, tt := range []struct {
		method, pattern string
		want            int
	}{
		{"POST", "/containers/{id}/exec", 1},
		{"GET", "/containers/{id}/json", 1},
		{"GET", "/containers/{id}/exec", 0},
		{"", "/{x...}", 3},
		{"GET", "/_ping", 1},
	} {
		if got := e.Count(tt.method, tt.pattern); got != tt.want {
			t.Errorf("Count(%q, %q) = %d, want %d", tt.method, tt.pattern, got, tt.want)
		}
	}
}

func TestRequestsBodyCapped(t *testing.T) {
	e := New(t)
	e.Handle("POST", "/build", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		io.WriteString(w, strings.Repeat("x", int(n%7)))
		w.Header().Set("X-Read", "ok")
	}))
	big := strings.Repeat("a", maxRecordedBody+100)
	resp, body := do(t, newClient(e), "POST", "/v1.55/build", big)
	if resp.StatusCode != 200 || len(body) != len(big)%7 {
		t.Fatalf("handler saw a different body: %d %q", resp.StatusCode, body)
	}
	r := e.Requests()[0]
	if len(r.Body) != maxRecordedBody || !r.BodyTruncated {
		t.Errorf("recorded %d bytes, truncated %v", len(r.Body), r.BodyTruncated)
	}
}

func TestHandleOverride(t *testing.T) {
	e := New(t)
	e.AddContainer(Container{Name: "web"})
	e.Handle("GET", "/containers/{id}/json", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first "+r.PathValue("id"))
	}))
	e.Handle("GET", "/containers/{id}/json", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "second "+r.PathValue("id"))
	}))
	_, body := do(t, newClient(e), "GET", "/v1.55/containers/web/json", "")
	if string(body) != "second web" {
		t.Errorf("body %q", body)
	}
	if e.Count("GET", "/containers/web/json") != 1 {
		t.Errorf("overridden request not recorded")
	}
}

func TestCloseEndsStreamsWithoutLeaks(t *testing.T) {
	base := runtime.NumGoroutine()
	e := New(t)
	id := e.AddContainer(Container{Name: "web"})
	e.SetExec("", func(ctx context.Context, x *Exec) int {
		<-ctx.Done()
		return 137
	})
	c := newClient(e)

	follow, err := c.Get(baseURL + "/v1.55/containers/web/logs?stdout=1&follow=1")
	if err != nil {
		t.Fatal(err)
	}
	execID := createExec(t, e, c, id, `{"AttachStdout":true,"Cmd":["sleep","1000"]}`)
	conn, br := startExecRaw(t, e, execID, `{"Tty":false}`, true)
	readHead(t, br)
	hang := make(chan error, 1)
	e.Fault("GET", "/info", Hang())
	go func() {
		resp, err := c.Get(baseURL + "/v1.55/info")
		if err == nil {
			resp.Body.Close()
		}
		hang <- err
	}()
	await.Until(t, "the engine to receive GET /info", func() bool { return e.Count("GET", "/info") > 0 })

	done := make(chan struct{})
	go func() { e.Close(); close(done) }()
	await.Recv(t, "Close to return", done)
	if _, err := io.ReadAll(follow.Body); err == nil {
		t.Error("follow ended cleanly; want the error of a connection cut mid-stream")
	}
	follow.Body.Close()
	if await.Recv(t, "the hung request to end", hang) == nil {
		t.Error("hung request got a response")
	}
	io.ReadAll(br)
	conn.Close()
	c.CloseIdleConnections()
	await.Goroutines(t, base)
}

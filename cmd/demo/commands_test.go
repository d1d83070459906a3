package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/await"
	"github.com/dockwire/dockwire/stdcopy"
	"github.com/google/go-cmp/cmp"
)

// hexID is a 64-digit ID made of one digit repeated.
func hexID(digit string) string { return strings.Repeat(digit, 64) }

// answer makes e answer method and pattern with a JSON body.
func answer(e *enginetest.Engine, method, pattern string, status int, body string) {
	e.Handle(method, pattern, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
}

// indexOf returns the position of the first request to route, or -1.
func indexOf(reqs []enginetest.Request, method, route string) int {
	for i, r := range reqs {
		if r.Method == method && r.Route == route {
			return i
		}
	}
	return -1
}

func TestRun(t *testing.T) {
	e := enginetest.New(t)
	var id string
	exited := make(chan struct{})
	e.Handle("POST", "/containers/create", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Image      string
			Cmd, Env   []string
			HostConfig struct{ AutoRemove bool }
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("create body: %v", err)
		}
		if body.Image != "busybox" || !cmp.Equal(body.Cmd, []string{"sh", "-c", "exit 3"}) || !cmp.Equal(body.Env, []string{"A=1"}) || body.HostConfig.AutoRemove {
			t.Errorf("create body %+v", body)
		}
		id = e.AddContainer(enginetest.Container{Name: r.URL.Query().Get("name"), Image: body.Image})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"Id":%q,"Warnings":[]}`, id)
	}))
	e.Handle("POST", "/containers/{id}/wait", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-exited:
			fmt.Fprint(w, `{"StatusCode":3}`)
		case <-r.Context().Done():
		}
	}))
	e.Handle("POST", "/containers/{id}/start", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.AppendLog(r.PathValue("id"), enginetest.LogEntry{Text: "out\n"}, enginetest.LogEntry{Stream: stdcopy.Stderr, Text: "err\n"})
		w.WriteHeader(http.StatusNoContent)
		// Like sh -c "exit 3", the container exits at once.
		e.StopContainer(id, 3)
		close(exited)
	}))
	e.Handle("DELETE", "/containers/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("force") != "1" {
			t.Errorf("remove without force: %s", r.URL.RawQuery)
		}
		e.RemoveContainer(r.PathValue("id"))
		w.WriteHeader(http.StatusNoContent)
	}))

	r := demo(t, "", "--host", e.Host(), "run", "--rm", "-e", "A=1", "--name", "job", "busybox", "sh", "-c", "exit 3")
	if r.code != 3 || r.stdout != "out\n" || r.stderr != "err\n" {
		t.Errorf("run: exit %d, stdout %q, stderr %q; want 3, out, err", r.code, r.stdout, r.stderr)
	}
	reqs := e.Requests()
	wait, start, remove := indexOf(reqs, "POST", "/containers/"+id+"/wait"), indexOf(reqs, "POST", "/containers/"+id+"/start"), indexOf(reqs, "DELETE", "/containers/"+id)
	if wait < 0 || start < 0 || wait > start || remove < start {
		t.Errorf("requests out of order: wait #%d, start #%d, remove #%d; want the wait registered before the start, and the removal last", wait, start, remove)
	}

	answer(e, "POST", "/containers/create", http.StatusNotFound, `{"message":"No such image: nope:latest"}`)
	r = demo(t, "", "--host", e.Host(), "run", "nope")
	if line := r.oneLineErr(t); r.code != exitRunFailed || !strings.Contains(line, "No such image") {
		t.Errorf("run of a missing image: exit %d, stderr %q; want %d", r.code, line, exitRunFailed)
	}
}

// runEngine is an engine that creates, starts, kills and removes
// containers for run; its wait answers when the container stops.
func runEngine(t *testing.T) *enginetest.Engine {
	e := enginetest.New(t)
	e.Handle("POST", "/containers/create", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := e.AddContainer(enginetest.Container{Name: r.URL.Query().Get("name")}) // running: its log is followed
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"Id":%q,"Warnings":["one warning"]}`, id)
	}))
	e.Handle("POST", "/containers/{id}/start", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	e.Handle("POST", "/containers/{id}/wait", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	e.Handle("POST", "/containers/{id}/kill", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.StopContainer(r.PathValue("id"), 137)
		w.WriteHeader(http.StatusNoContent)
	}))
	e.Handle("DELETE", "/containers/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.RemoveContainer(r.PathValue("id"))
		w.WriteHeader(http.StatusNoContent)
	}))
	return e
}

func TestRunDetached(t *testing.T) {
	e := runEngine(t)
	r := demo(t, "", "--host", e.Host(), "run", "-d", "--name", "bg", "busybox", "sleep", "60")
	ct, ok := e.Container("bg")
	if r.code != 0 || !ok || r.stdout != ct.ID+"\n" || r.stderr != "WARNING: one warning\n" {
		t.Errorf("run -d: exit %d, stdout %q, stderr %q; want the ID and the warning", r.code, r.stdout, r.stderr)
	}
	var sent []string
	for _, req := range e.Requests() {
		sent = append(sent, req.Method+" "+strings.Replace(req.Route, ct.ID, "ID", 1))
	}
	if want := []string{"POST /containers/create", "POST /containers/ID/start"}; !cmp.Equal(sent[len(sent)-2:], want) || slices.Contains(sent, "POST /containers/ID/wait") {
		t.Errorf("run -d sent %v, want it to end with %v and never wait", sent, want)
	}
}

// TestRunInterrupted cancels a run whose container never exits: the demo
// ends with 130, having removed the container (forcibly, so killed) with --rm.
func TestRunInterrupted(t *testing.T) {
	e := runEngine(t)
	ctx, cancel := context.WithCancel(await.Context(t))
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"--host", e.Host(), "run", "--rm", "--name", "job", "busybox", "sleep", "60"}, strings.NewReader(""), io.Discard, io.Discard)
	}()
	await.Until(t, "the demo to follow the container's logs", func() bool { return e.Count("GET", "/containers/{id}/logs") > 0 })
	cancel()
	if code := await.Recv(t, "run to end when its context did", done); code != exitInterrupted {
		t.Errorf("exit %d after cancel, want %d", code, exitInterrupted)
	}
	// A forced removal kills the container: no separate kill is needed.
	if e.Count("DELETE", "/containers/{id}") != 1 {
		t.Errorf("remove sent %d times; want once", e.Count("DELETE", "/containers/{id}"))
	}
	if del := e.Requests()[len(e.Requests())-1]; del.Method != "DELETE" || del.Query.Get("force") != "1" || del.Query.Get("v") != "1" {
		t.Errorf("last request %s %s?%s; want a forced DELETE with volumes", del.Method, del.Path, del.Query.Encode())
	}
	if _, ok := e.Container("job"); ok {
		t.Error("the container is still there after run --rm was interrupted")
	}
}

func TestPullProgress(t *testing.T) {
	e := enginetest.New(t)
	answer(e, "POST", "/images/create", http.StatusOK, `{"status":"Pulling from library/busybox","id":"latest"}
{"status":"Pulling fs layer","progressDetail":{},"id":"aaa"}
{"status":"Downloading","progressDetail":{"current":500,"total":1000},"progress":"[=>   ] 500B/1kB","id":"aaa"}
{"status":"Download complete","progressDetail":{},"id":"aaa"}
{"status":"Pull complete","progressDetail":{},"id":"aaa"}
{"status":"Digest: sha256:abc"}
{"status":"Status: Downloaded newer image for busybox:latest"}
`)
	r := demo(t, "", "--host", e.Host(), "pull", "busybox")
	want := "latest: Pulling from library/busybox\naaa: Pulling fs layer\naaa: Download complete\naaa: Pull complete\nDigest: sha256:abc\nStatus: Downloaded newer image for busybox:latest\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("pull, piped: exit %d, stderr %q, stdout:\n%s\nwant:\n%s", r.code, r.stderr, r.stdout, want)
	}

	answer(e, "POST", "/images/create", http.StatusOK, `{"status":"Pulling from library/busybox","id":"latest"}
{"errorDetail":{"message":"manifest for busybox:nope not found"},"error":"manifest for busybox:nope not found"}
`)
	r = demo(t, "", "--host", e.Host(), "pull", "busybox:nope")
	if line := r.oneLineErr(t); !strings.Contains(line, "manifest for busybox:nope not found") {
		t.Errorf("failed pull: %q", line)
	}
}

func messages(t *testing.T, docs ...string) iter.Seq2[engine.JSONMessage, error] {
	return func(yield func(engine.JSONMessage, error) bool) {
		for _, doc := range docs {
			m, err := engine.Decode[engine.JSONMessage](doc)
			if err != nil {
				t.Fatal(err)
			}
			if !yield(m, nil) {
				return
			}
		}
	}
}

func TestProgressBarsOnTerminal(t *testing.T) {
	var buf bytes.Buffer
	err := printProgress(&buf, true, messages(t,
		`{"status":"Pulling fs layer","progressDetail":{},"id":"aaa"}`,
		`{"status":"Pulling fs layer","progressDetail":{},"id":"bbb"}`,
		`{"status":"Downloading","progressDetail":{"current":500,"total":1000},"id":"aaa"}`,
		`{"status":"Digest: sha256:abc"}`,
	))
	if err != nil {
		t.Fatal(err)
	}
	// Each layer gets a line; aaa's update goes two lines up and back.
	want := "\n\x1b[1A\r\x1b[2Kaaa: Pulling fs layer \r\x1b[1B" +
		"\n\x1b[1A\r\x1b[2Kbbb: Pulling fs layer \r\x1b[1B" +
		"\x1b[2A\r\x1b[2Kaaa: Downloading [" + strings.Repeat("=", 25) + ">" + strings.Repeat(" ", 24) + "]     500B/1kB\r\x1b[2B" +
		"Digest: sha256:abc\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("terminal output (-want +got):\n%s", diff)
	}
}

func TestTables(t *testing.T) {
	e := enginetest.New(t)
	created := time.Now().Add(-3 * time.Hour).Unix()
	answer(e, "GET", "/images/json", http.StatusOK, fmt.Sprintf(`[
		{"Id":"sha256:%s","RepoTags":["busybox:latest","localhost:5000/x/busybox:1"],"Created":%d,"Size":1990000},
		{"Id":"sha256:%s","RepoTags":null,"Created":%d,"Size":512}]`, hexID("a"), created, hexID("b"), created))
	answer(e, "GET", "/networks", http.StatusOK, fmt.Sprintf(`[
		{"Name":"host","Id":"%s","Driver":"host","Scope":"local"},
		{"Name":"bridge","Id":"%s","Driver":"bridge","Scope":"local"}]`, hexID("c"), hexID("d")))
	answer(e, "GET", "/volumes", http.StatusOK, `{"Volumes":[{"Name":"zeta","Driver":"local"},{"Name":"alpha","Driver":"local"}],"Warnings":null}`)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"images"}, `REPOSITORY                 TAG       IMAGE ID       CREATED       SIZE
busybox                    latest    aaaaaaaaaaaa   3 hours ago   1.99MB
localhost:5000/x/busybox   1         aaaaaaaaaaaa   3 hours ago   1.99MB
<none>                     <none>    bbbbbbbbbbbb   3 hours ago   512B
`},
		{[]string{"network", "ls"}, `NETWORK ID     NAME      DRIVER    SCOPE
dddddddddddd   bridge    bridge    local
cccccccccccc   host      host      local
`},
		{[]string{"volume", "ls"}, `DRIVER    VOLUME NAME
local     alpha
local     zeta
`},
	}
	for _, tt := range tests {
		r := demo(t, "", append([]string{"--host", e.Host()}, tt.args...)...)
		if diff := cmp.Diff(tt.want, r.stdout); r.code != 0 || diff != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout (-want +got):\n%s", tt.args, r.code, r.stderr, diff)
		}
	}
}

func TestStatsNoStream(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "web", ID: hexID("e")})
	answer(e, "GET", "/containers/{id}/stats", http.StatusOK, fmt.Sprintf(`{
		"read":"2024-05-06T07:08:10Z","preread":"2024-05-06T07:08:09Z","name":"/web","id":"%s",
		"cpu_stats":{"cpu_usage":{"total_usage":1500000000},"system_cpu_usage":101000000000,"online_cpus":2},
		"precpu_stats":{"cpu_usage":{"total_usage":1000000000},"system_cpu_usage":100000000000,"online_cpus":2},
		"memory_stats":{"usage":10485760,"limit":1073741824,"stats":{"inactive_file":2097152}},
		"networks":{"eth0":{"rx_bytes":1234,"tx_bytes":5678}},
		"blkio_stats":{"io_service_bytes_recursive":[{"op":"read","value":4096000},{"op":"write","value":0}]},
		"pids_stats":{"current":7}}`, hexID("e")))
	r := demo(t, "", "--host", e.Host(), "stats", "--no-stream", "web")
	want := `CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O           BLOCK I/O    PIDS
eeeeeeeeeeee   web       100.00%   8MiB / 1GiB         0.78%     1.23kB / 5.68kB   4.1MB / 0B   7
`
	if diff := cmp.Diff(want, r.stdout); r.code != 0 || diff != "" {
		t.Errorf("stats: exit %d, stderr %q, stdout (-want +got):\n%s", r.code, r.stderr, diff)
	}
}

func TestEvents(t *testing.T) {
	e := enginetest.New(t)
	const nano = 1714979290123456789
	answer(e, "GET", "/events", http.StatusOK, fmt.Sprintf(`{"Type":"container","Action":"start","Actor":{"ID":"%s","Attributes":{"name":"web","image":"busybox"}},"scope":"local","time":1714979290,"timeNano":%d}
`, hexID("f"), nano))
	r := demo(t, "", "--host", e.Host(), "events", "--since", "1714979289", "--until", "1714979291", "--filter", "type=container")
	want := time.Unix(0, nano).Local().Format("2006-01-02T15:04:05.000000000Z07:00") + " container start " + hexID("f") + " (image=busybox, name=web)\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("events: exit %d, stderr %q, stdout %q, want %q", r.code, r.stderr, r.stdout, want)
	}
	q := e.Requests()[len(e.Requests())-1].Query
	if q.Get("since") != "1714979289.000000000" || q.Get("filters") != `{"type":["container"]}` {
		t.Errorf("events query: %v", q)
	}
}

func TestCopyArgs(t *testing.T) {
	for arg, want := range map[string][2]string{
		"web:/etc/hosts": {"web", "/etc/hosts"},
		"/tmp/a:b":       {"", "/tmp/a:b"},
		"./a:b":          {"", "./a:b"},
		"file":           {"", "file"},
		"-":              {"", "-"},
	} {
		if c, p := splitCopyArg(arg); c != want[0] || p != want[1] {
			t.Errorf("splitCopyArg(%q) = %q, %q; want %q, %q", arg, c, p, want[0], want[1])
		}
	}
	for _, args := range [][]string{{"cp", "a", "b"}, {"cp", "x:/a", "y:/b"}, {"cp", "x:/a"}} {
		if r := demo(t, "", append([]string{"--host", "unix:///nonexistent.sock"}, args...)...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, r.code, exitUsage)
		}
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	r := demo(t, "", "help")
	for _, cmd := range commands {
		if !regexp.MustCompile(`(?m)^  ` + cmd.name + ` `).MatchString(r.stdout) {
			t.Errorf("help does not list %s", cmd.name)
		}
		if h := demo(t, "", "help", cmd.name); h.code != 0 || !strings.HasPrefix(h.stdout, "Usage: demo "+cmd.name) {
			t.Errorf("help %s: exit %d, %q", cmd.name, h.code, h.stdout)
		}
	}
}

// A container whose command cannot start ends run with docker run's
// codes: 127 for a command not found, 126 for one that cannot be run, 125
// otherwise.
func TestRunStartFailureCodes(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want int
	}{
		{`failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown`, 127},
		{`OCI runtime create failed: runc create failed: unable to start container process: exec: "/etc": is a directory: unknown`, 126},
		{`OCI runtime create failed: runc create failed: unable to start container process: exec: "/x.sh": permission denied: unknown`, 126},
		{`driver failed programming external connectivity on endpoint job: Bind for 0.0.0.0:80 failed: port is already allocated`, exitRunFailed},
	} {
		e := runEngine(t)
		answer(e, "POST", "/containers/{id}/start", http.StatusBadRequest, fmt.Sprintf(`{"message":%q}`, tc.msg))
		r := demo(t, "", "--host", e.Host(), "run", "busybox", "nope")
		if r.code != tc.want || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("start failing with %q: exit %d, stderr %q; want %d", tc.msg, r.code, r.stderr, tc.want)
		}
	}
}

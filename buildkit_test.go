package dockwire_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/livetest"
	"github.com/google/go-cmp/cmp"
)

// traceLine is a BuildKit trace message as the daemon sends it.
func traceLine(t *testing.T, tr engine.BuildTrace) string {
	t.Helper()
	b, err := json.Marshal(engine.JSONMessage{ID: engine.BuildTraceID, Trace: &tr})
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// buildEngine starts a fake engine whose build endpoint answers with body,
// and a client for it.
func buildEngine(t *testing.T, body string) (*enginetest.Engine, *dockwire.Client) {
	t.Helper()
	e := enginetest.New(t)
	e.Handle("POST", "/build", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	return e, engineClient(t, e)
}

func TestImageBuildBuildKitRequest(t *testing.T) {
	e, c := buildEngine(t, `{"id":"moby.image.id","aux":{"ID":"sha256:`+strings.Repeat("ab", 32)+`"}}`+"\n")
	p, err := c.ImageBuild(testContext(t), strings.NewReader(""), dockwire.ImageBuildOptions{
		BuildKit: true, Tags: []string{"a/b:1"}, NetworkMode: "host", ForceRemove: true, ShmSize: 1 << 20,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	if want := "sha256:" + strings.Repeat("ab", 32); p.ImageID() != want {
		t.Errorf("ImageID() = %q, want %q from moby.image.id", p.ImageID(), want)
	}
	reqs := e.Requests()
	q := reqs[len(reqs)-1].Query
	want := url.Values{"version": {"2"}, "t": {"a/b:1"}, "networkmode": {"host"}, "forcerm": {"1"}, "shmsize": {"1048576"}}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
}

// What BuildKit would ignore or refuse is refused before anything is sent,
// naming what to change.
func TestImageBuildBuildKitRefusals(t *testing.T) {
	e := enginetest.New(t)
	c := engineClient(t, e)
	for _, tc := range []struct {
		opts dockwire.ImageBuildOptions
		want string
	}{
		{dockwire.ImageBuildOptions{Memory: 1 << 30}, "BuildKit does not apply Memory"},
		{dockwire.ImageBuildOptions{MemorySwap: -1, CPUShares: 2, CPUSetCPUs: "0", CPUPeriod: 1, CPUQuota: 1}, "MemorySwap, CPUShares, CPUSetCPUs, CPUPeriod, CPUQuota"},
		{dockwire.ImageBuildOptions{KeepIntermediate: true}, "KeepIntermediate"},
		{dockwire.ImageBuildOptions{NetworkMode: "bridge"}, `not on "bridge"`},
	} {
		tc.opts.BuildKit = true
		_, err := c.ImageBuild(testContext(t), strings.NewReader(""), tc.opts)
		if !errors.Is(err, dockwire.ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "without BuildKit") {
			t.Errorf("%+v: %v, want ErrInvalidArgument saying %q and what to do", tc.opts, err, tc.want)
		}
	}
	if n := len(e.Requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

// Messages yields the trace as it comes, decoded; classic messages of the
// same stream are untouched.
func TestProgressBuildKitMessages(t *testing.T) {
	at := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	step := engine.BuildVertex{Digest: "sha256:run", Name: "[2/2] RUN echo hi", Started: at}
	done := step
	done.Completed = at.Add(time.Second)
	body := traceLine(t, engine.BuildTrace{Vertexes: []engine.BuildVertex{step}}) +
		traceLine(t, engine.BuildTrace{Logs: []engine.BuildLog{{Vertex: "sha256:run", Stream: 1, Data: []byte("hi\n"), Timestamp: at}}}) +
		traceLine(t, engine.BuildTrace{Vertexes: []engine.BuildVertex{done}}) +
		`{"id":"moby.image.id","aux":{"ID":"sha256:` + strings.Repeat("cd", 32) + `"}}` + "\n" +
		`{"stream":"Successfully tagged a/b:1\n"}` + "\n" // Docker 20.10 says so after a BuildKit build too
	_, c := buildEngine(t, body)
	p, err := c.ImageBuild(testContext(t), strings.NewReader(""), dockwire.ImageBuildOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for m, err := range p.Messages() {
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case m.Trace == nil:
			got = append(got, "classic: "+m.ID+m.Stream)
		case len(m.Trace.Vertexes) == 1:
			v := m.Trace.Vertexes[0]
			state := "started"
			if !v.Completed.IsZero() {
				state = "completed in " + v.Completed.Sub(v.Started).String()
			}
			got = append(got, fmt.Sprintf("step %s %s %s", v.Digest, v.Name, state))
		case len(m.Trace.Logs) == 1:
			got = append(got, fmt.Sprintf("log %s %d %q", m.Trace.Logs[0].Vertex, m.Trace.Logs[0].Stream, m.Trace.Logs[0].Data))
		}
	}
	want := []string{
		"step sha256:run [2/2] RUN echo hi started",
		`log sha256:run 1 "hi\n"`,
		"step sha256:run [2/2] RUN echo hi completed in 1s",
		"classic: moby.image.id",
		"classic: Successfully tagged a/b:1\n",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if want := "sha256:" + strings.Repeat("cd", 32); p.ImageID() != want {
		t.Errorf("ImageID() = %q, want %q", p.ImageID(), want)
	}
}

// A failed step ends the build with a *StreamError that names it and
// carries its last lines of output: the step whose error the daemon
// reports, although another failed too, with its last ten lines, a line
// split across log messages whole, and the unfinished last line too.
func TestProgressBuildKitFailure(t *testing.T) {
	const failure = `process "/bin/sh -c make" did not complete successfully: exit code: 2`
	var body strings.Builder
	body.WriteString(traceLine(t, engine.BuildTrace{Vertexes: []engine.BuildVertex{
		{Digest: "sha256:ok", Name: "[1/3] COPY . /src"},
		{Digest: "sha256:make", Name: "[2/3] RUN make"},
		{Digest: "sha256:other", Name: "[3/3] RUN other"},
	}}))
	var logs []engine.BuildLog
	for i := 1; i <= 12; i++ {
		logs = append(logs, engine.BuildLog{Vertex: "sha256:make", Stream: 1 + i%2, Data: fmt.Appendf(nil, "line %d\n", i)})
	}
	logs = append(logs,
		engine.BuildLog{Vertex: "sha256:make", Data: []byte("split ")},
		engine.BuildLog{Vertex: "sha256:make", Data: []byte("line\x1b[31m\r\nunfinished")},
		engine.BuildLog{Vertex: "sha256:other", Data: []byte("other's output\n")})
	body.WriteString(traceLine(t, engine.BuildTrace{Logs: logs}))
	body.WriteString(traceLine(t, engine.BuildTrace{Vertexes: []engine.BuildVertex{
		{Digest: "sha256:other", Name: "[3/3] RUN other", Error: "context canceled", Completed: time.Unix(1, 0)},
		{Digest: "sha256:make", Name: "[2/3] RUN make", Error: failure, Completed: time.Unix(1, 0)},
	}}))
	body.WriteString(`{"errorDetail":{"message":` + fmt.Sprintf("%q", failure) + `}}` + "\n")
	_, c := buildEngine(t, body.String())
	err := waitProgress(c.ImageBuild(testContext(t), strings.NewReader(""), dockwire.ImageBuildOptions{BuildKit: true, Tags: []string{"app:1"}}))
	var se *dockwire.StreamError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v (%T), want *StreamError", err, err)
	}
	want := &dockwire.StreamError{Op: "build", Ref: "app:1", Host: c.Host(), Message: failure, Step: "[2/3] RUN make",
		Log: []string{"line 5", "line 6", "line 7", "line 8", "line 9", "line 10", "line 11", "line 12", "split line", "unfinished"}}
	if diff := cmp.Diff(want, se); diff != "" {
		t.Errorf("StreamError (-want +got):\n%s", diff)
	}
	wantText := `dockwire: build "app:1" failed on ` + c.Host() + `: step [2/3] RUN make: ` + failure + "; its last output:\nline 5\n"
	if s := se.Error(); !strings.HasPrefix(s, wantText) || !strings.HasSuffix(s, "\nsplit line\nunfinished") {
		t.Errorf("Error() = %q, want it to start %q and end with the last lines", s, wantText)
	}
}

// A classic build's failure has no step and no log.
func TestProgressClassicFailureHasNoStep(t *testing.T) {
	_, c := buildEngine(t, `{"stream":"Step 1/1 : RUN false\n"}`+"\n"+`{"errorDetail":{"message":"The command '/bin/sh -c false' returned a non-zero code: 1"}}`+"\n")
	err := waitProgress(c.ImageBuild(testContext(t), strings.NewReader(""), dockwire.ImageBuildOptions{}))
	var se *dockwire.StreamError
	if !errors.As(err, &se) || se.Step != "" || se.Log != nil || strings.Contains(se.Error(), "step") {
		t.Errorf("error = %#v, want a *StreamError without step or log", err)
	}
}

// BuildKit's words for a build that needed a session get a hint.
func TestProgressBuildKitNeedsSession(t *testing.T) {
	_, c := buildEngine(t, `{"errorDetail":{"message":"no active sessions"},"error":"no active sessions"}`+"\n")
	err := waitProgress(c.ImageBuild(testContext(t), strings.NewReader(""), dockwire.ImageBuildOptions{BuildKit: true}))
	if err == nil || !strings.Contains(err.Error(), "no active sessions (the build needs a BuildKit session, which dockwire does not open") {
		t.Errorf("error = %v, want the daemon's words and the hint", err)
	}
}

// podmanNoBuildKit is why the BuildKit tests skip Podman.
const podmanNoBuildKit = "Podman's Docker API builds with buildah, whatever version is asked for: no BuildKit trace"

// busyboxBuildKitDockerfile builds the test image in two steps, then a
// step that writes to stdout and stderr.
const busyboxBuildKitDockerfile = busyboxDockerfile + "RUN echo to-stdout; echo to-stderr >&2\n"

func TestLiveImageBuildBuildKit(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		e.SkipOnPodman(t, podmanNoBuildKit)
		tag := "dockwire-test/buildkit:" + livetest.UniqueName("t")
		tar, err := dockwire.BuildContext(busyboxContextDir(t, busyboxBuildKitDockerfile))
		if err != nil {
			t.Fatal(err)
		}
		opts := dockwire.ImageBuildOptions{BuildKit: true, Tags: []string{tag}, NoCache: true,
			Labels: map[string]string{livetest.Label: "1", uniqueBuildLabel: livetest.UniqueName("build")}}
		p, err := e.Client.ImageBuild(livetest.Context(t), tar, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Client.ImageRemove(testContext(t), tag, dockwire.ImageRemoveOptions{Force: true}) })
		names := map[string]string{} // digest -> name
		completed := map[string]bool{}
		var output []string
		for m, err := range p.Messages() {
			if err != nil {
				t.Fatal(err)
			}
			if m.Trace == nil {
				continue
			}
			for _, v := range m.Trace.Vertexes {
				names[v.Digest] = v.Name
				if !v.Completed.IsZero() {
					completed[v.Name] = true
					if v.Completed.Before(v.Started) || v.Cached || v.Error != "" {
						t.Errorf("step %+v: want started before completed, not cached, no error", v)
					}
				}
			}
			for _, l := range m.Trace.Logs {
				output = append(output, fmt.Sprintf("%s %d %s", names[l.Vertex], l.Stream, l.Data))
			}
		}
		for _, step := range []string{"[1/3] COPY busybox /bin/busybox", `[2/3] RUN ["/bin/busybox", "--install", "-s", "/bin"]`, "[3/3] RUN echo to-stdout; echo to-stderr >&2"} {
			if !completed[step] {
				t.Errorf("step %q not seen completed; completed: %v", step, completed)
			}
		}
		joined := strings.Join(output, "")
		if !strings.Contains(joined, "[3/3] RUN echo to-stdout; echo to-stderr >&2 1 to-stdout\n") || !strings.Contains(joined, "[3/3] RUN echo to-stdout; echo to-stderr >&2 2 to-stderr\n") {
			t.Errorf("step output %q: want to-stdout on 1 and to-stderr on 2", joined)
		}
		info, err := e.Client.ImageInspect(livetest.Context(t), tag, dockwire.ImageInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if info.ID != p.ImageID() || !strings.HasPrefix(info.ID, "sha256:") {
			t.Errorf("inspect %s: ID %s, build reported %q", tag, info.ID, p.ImageID())
		}
		if got := info.Get("Comment").String(); got != "buildkit.dockerfile.v0" {
			t.Errorf("image Comment %q, want BuildKit's buildkit.dockerfile.v0", got)
		}
	})
}

func TestLiveImageBuildBuildKitFailure(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		e.SkipOnPodman(t, podmanNoBuildKit)
		dir := busyboxContextDir(t, busyboxDockerfile+"RUN echo first; echo second >&2; exit 3\n")
		_, err := liveBuild(t, e, dir, dockwire.ImageBuildOptions{BuildKit: true})
		var se *dockwire.StreamError
		if !errors.As(err, &se) {
			t.Fatalf("build error = %v (%T), want a *StreamError", err, err)
		}
		if se.Step != "[3/3] RUN echo first; echo second >&2; exit 3" || !strings.Contains(se.Message, "exit code: 3") {
			t.Errorf("StreamError step %q, message %q: want the RUN step and its exit code", se.Step, se.Message)
		}
		// stdout and stderr come through two pipes: either order.
		if log := strings.Join(se.Log, "|"); log != "first|second" && log != "second|first" {
			t.Errorf("StreamError log %q, want the step's two lines", se.Log)
		}
		if s := err.Error(); !strings.Contains(s, e.Host) || !strings.Contains(s, "step [3/3] RUN") || !strings.Contains(s, "first") {
			t.Errorf("Error() = %q: want host, step and output", s)
		}
	})
}

func TestLiveImageBuildBuildKitNeedsSession(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		e.SkipOnPodman(t, podmanNoBuildKit)
		dir := busyboxContextDir(t, busyboxDockerfile+"RUN --mount=type=secret,id=token cat /run/secrets/token\n")
		_, err := liveBuild(t, e, dir, dockwire.ImageBuildOptions{BuildKit: true})
		var se *dockwire.StreamError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "needs a BuildKit session, which dockwire does not open") {
			t.Errorf("build error = %v (%T), want a *StreamError saying a session is needed", err, err)
		}
	})
}

// A quiet BuildKit build sends only the image's ID, as a quiet classic
// build does.
func TestLiveImageBuildBuildKitQuiet(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		e.SkipOnPodman(t, podmanNoBuildKit)
		p, err := liveBuild(t, e, busyboxContextDir(t, busyboxDockerfile), dockwire.ImageBuildOptions{BuildKit: true, Quiet: true})
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		info, err := e.Client.ImageInspect(livetest.Context(t), p.ImageID(), dockwire.ImageInspectOptions{})
		if err != nil || info.Get("Comment").String() != "buildkit.dockerfile.v0" {
			t.Errorf("ImageID() = %q; inspect: %v, comment %q: want BuildKit's image", p.ImageID(), err, info.Get("Comment").String())
		}
	})
}

// BuildKit batches what happened since its last message: a step's last
// output and its failure can come in one trace, and that output is what
// explains the failure.
func TestProgressBuildKitFailureOutputInSameTrace(t *testing.T) {
	const failure = `process "/bin/sh -c make" did not complete successfully: exit code: 2`
	body := traceLine(t, engine.BuildTrace{Vertexes: []engine.BuildVertex{{Digest: "sha256:make", Name: "[2/2] RUN make"}}}) +
		traceLine(t, engine.BuildTrace{
			Vertexes: []engine.BuildVertex{{Digest: "sha256:make", Name: "[2/2] RUN make", Error: failure, Completed: time.Unix(1, 0)}},
			Logs:     []engine.BuildLog{{Vertex: "sha256:make", Stream: 2, Data: []byte("make: *** no rule\n")}},
		}) +
		`{"errorDetail":{"message":` + fmt.Sprintf("%q", failure) + `}}` + "\n"
	_, c := buildEngine(t, body)
	err := waitProgress(c.ImageBuild(testContext(t), strings.NewReader(""), dockwire.ImageBuildOptions{BuildKit: true}))
	var se *dockwire.StreamError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v (%T), want *StreamError", err, err)
	}
	if se.Step != "[2/2] RUN make" || !cmp.Equal(se.Log, []string{"make: *** no rule"}) {
		t.Errorf("Step = %q, Log = %q; want the step and the output that came with its failure", se.Step, se.Log)
	}
}

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/google/go-cmp/cmp"
)

// buildKitStream is a BuildKit build's answer: its trace messages, then
// last, what came after them (how the build ended).
func buildKitStream(t *testing.T, last string, traces ...engine.BuildTrace) string {
	t.Helper()
	var b strings.Builder
	for _, tr := range traces {
		doc, err := json.Marshal(engine.JSONMessage{ID: engine.BuildTraceID, Trace: &tr})
		if err != nil {
			t.Fatal(err)
		}
		b.Write(doc)
		b.WriteString("\n")
	}
	return b.String() + last + "\n"
}

func contextDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestBuildKitPlainProgress(t *testing.T) {
	at := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	sec := func(s float64) time.Time { return at.Add(time.Duration(s * float64(time.Second))) }
	ctxStep := engine.BuildVertex{Digest: "sha256:ctx", Name: "[internal] load remote build context"}
	copyStep := engine.BuildVertex{Digest: "sha256:copy", Name: "[1/2] COPY app /app", Inputs: []string{"sha256:ctx"}}
	runStep := engine.BuildVertex{Digest: "sha256:run", Name: "[2/2] RUN make", Inputs: []string{"sha256:copy"}}
	export := engine.BuildVertex{Digest: "sha256:export", Name: "exporting to image"}
	with := func(v engine.BuildVertex, f func(*engine.BuildVertex)) engine.BuildVertex { f(&v); return v }
	e := enginetest.New(t)
	answer(e, "POST", "/build", http.StatusOK, buildKitStream(t, `{"id":"moby.image.id","aux":{"ID":"sha256:`+hexID("a")+`"}}`+"\n"+`{"stream":"Successfully tagged app:1\n"}`,
		engine.BuildTrace{Vertexes: []engine.BuildVertex{ctxStep}},
		engine.BuildTrace{Vertexes: []engine.BuildVertex{with(ctxStep, func(v *engine.BuildVertex) { v.Started, v.Completed = sec(0), sec(0.04) })}},
		// Known before they start: numbered in the order they appear.
		engine.BuildTrace{Vertexes: []engine.BuildVertex{runStep, copyStep}},
		engine.BuildTrace{Vertexes: []engine.BuildVertex{with(copyStep, func(v *engine.BuildVertex) { v.Cached, v.Started, v.Completed = true, sec(1), sec(1) })}},
		engine.BuildTrace{Vertexes: []engine.BuildVertex{with(runStep, func(v *engine.BuildVertex) { v.Started = sec(1) })}},
		engine.BuildTrace{Logs: []engine.BuildLog{
			{Vertex: "sha256:run", Stream: 1, Timestamp: sec(1.2), Data: []byte("compiling\nlink")},
			{Vertex: "sha256:run", Stream: 1, Timestamp: sec(1.5), Data: []byte("ing\x1b[32m\r\n")},
		}},
		engine.BuildTrace{Vertexes: []engine.BuildVertex{export}},
		engine.BuildTrace{Vertexes: []engine.BuildVertex{with(export, func(v *engine.BuildVertex) { v.Started = sec(2) })}},
		// Another step's lines come between the RUN's.
		engine.BuildTrace{Logs: []engine.BuildLog{{Vertex: "sha256:run", Stream: 2, Timestamp: sec(2.25), Data: []byte("no newline at the end")}}},
		engine.BuildTrace{
			Vertexes: []engine.BuildVertex{with(runStep, func(v *engine.BuildVertex) { v.Started, v.Completed = sec(1), sec(2.3) })},
			Statuses: []engine.BuildVertexStatus{
				{ID: "exporting layers", Vertex: "sha256:export", Started: sec(2.3)},
				{ID: "exporting layers", Vertex: "sha256:export", Started: sec(2.3), Completed: sec(2.45)},
				{ID: "transferring", Vertex: "sha256:export", Current: 2_000_000, Total: 4_000_000, Started: sec(2.3), Completed: sec(2.4)},
			},
			Warnings: []engine.BuildWarning{{Vertex: "sha256:run", Short: "JSONArgsRecommended: JSON arguments recommended for CMD"}},
		},
		engine.BuildTrace{Vertexes: []engine.BuildVertex{with(export, func(v *engine.BuildVertex) { v.Started, v.Completed = sec(2), sec(2.5) })}},
	))
	r := demo(t, "", "--host", e.Host(), "build", "--buildkit", "-t", "app:1", contextDir(t))
	want := `#1 [internal] load remote build context
#1 DONE 0.0s

#3 [1/2] COPY app /app
#3 CACHED

#2 [2/2] RUN make
#2 0.200 compiling
#2 0.500 linking` + "\x1b[32m" + `

#4 exporting to image

#2 [2/2] RUN make
#2 1.250 no newline at the end
#2 DONE 1.3s

#4 exporting to image
#4 exporting layers 0.1s done
#4 transferring 2MB / 4MB 0.1s done
#4 DONE 0.5s
Successfully tagged app:1

1 warning found:
 - JSONArgsRecommended: JSON arguments recommended for CMD
`
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if diff := cmp.Diff(want, r.stdout); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	reqs := e.Requests()
	if q := reqs[len(reqs)-1].Query; q.Get("version") != "2" || q.Get("t") != "app:1" {
		t.Errorf("query %v, want version=2 and the tag", q)
	}
}

func TestBuildKitPlainProgressFailure(t *testing.T) {
	at := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	run := engine.BuildVertex{Digest: "sha256:run", Name: "[2/2] RUN make", Started: at}
	failed := run
	failed.Completed, failed.Error = at.Add(time.Second), `process "/bin/sh -c make" did not complete successfully: exit code: 2`
	e := enginetest.New(t)
	answer(e, "POST", "/build", http.StatusOK, buildKitStream(t, `{"errorDetail":{"message":"process \"/bin/sh -c make\" did not complete successfully: exit code: 2"}}`,
		engine.BuildTrace{Vertexes: []engine.BuildVertex{run}},
		engine.BuildTrace{Logs: []engine.BuildLog{{Vertex: "sha256:run", Stream: 2, Timestamp: at.Add(time.Second / 2), Data: []byte("make: *** no rule\n")}}},
		engine.BuildTrace{Vertexes: []engine.BuildVertex{failed}},
	))
	t.Setenv("DOCKER_BUILDKIT", "1") // as --buildkit, as docker build takes it
	r := demo(t, "", "--host", e.Host(), "build", contextDir(t))
	want := "#1 [2/2] RUN make\n#1 0.500 make: *** no rule\n#1 ERROR: " + failed.Error + "\n"
	if diff := cmp.Diff(want, r.stdout); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	// As docker build: the error names the step, and its last output keeps
	// its own lines.
	if !strings.Contains(r.stderr, "step [2/2] RUN make: process") || !strings.Contains(r.stderr, "its last output:\nmake: *** no rule") {
		t.Errorf("stderr %q: want the step, the daemon's words and the last output on lines of its own", r.stderr)
	}
}

// BuildKit batches: a step's last output and its end can come in one
// trace. The output is shown first, then the end, as docker buildx does.
func TestBuildKitPlainProgressOutputWithTheEnd(t *testing.T) {
	at := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	run := engine.BuildVertex{Digest: "sha256:run", Name: "[2/2] RUN make", Started: at}
	failed := run
	failed.Completed, failed.Error = at.Add(time.Second), `process "/bin/sh -c make" did not complete successfully: exit code: 2`
	quick := engine.BuildVertex{Digest: "sha256:quick", Name: "[1/2] RUN true", Started: at, Completed: at.Add(time.Second / 10)}
	e := enginetest.New(t)
	answer(e, "POST", "/build", http.StatusOK, buildKitStream(t, `{"errorDetail":{"message":"process \"/bin/sh -c make\" did not complete successfully: exit code: 2"}}`,
		engine.BuildTrace{Vertexes: []engine.BuildVertex{quick, run}},
		engine.BuildTrace{
			Vertexes: []engine.BuildVertex{failed},
			Logs:     []engine.BuildLog{{Vertex: "sha256:run", Stream: 2, Timestamp: at.Add(time.Second / 2), Data: []byte("make: *** no rule\n")}},
		},
	))
	r := demo(t, "", "--host", e.Host(), "build", "--buildkit", contextDir(t))
	want := "#1 [1/2] RUN true\n#1 DONE 0.1s\n\n#2 [2/2] RUN make\n#2 0.500 make: *** no rule\n#2 ERROR: " + failed.Error + "\n"
	if diff := cmp.Diff(want, r.stdout); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// Output without newlines (a progress bar redrawn with \r) is kept in
// linear time: each piece is not a copy of all that came before.
func TestBuildKitPlainProgressLongLine(t *testing.T) {
	b := &plainBuild{w: io.Discard, steps: map[string]*plainStep{}}
	piece := []byte(strings.Repeat("x", 511) + "\r")
	const pieces = 1000
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range pieces {
		b.trace(&engine.BuildTrace{Logs: []engine.BuildLog{{Vertex: "sha256:run", Data: piece}}})
	}
	runtime.ReadMemStats(&after)
	if n := len(b.steps["sha256:run"].partial); n != pieces*len(piece) {
		t.Fatalf("kept %d bytes, want %d", n, pieces*len(piece))
	}
	// Copying it all each time would allocate pieces²/2 pieces, 256MB.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("allocated %dMB for %dkB of output", alloc>>20, pieces*len(piece)>>10)
	}
}

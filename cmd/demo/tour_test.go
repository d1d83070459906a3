package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire/internal/livetest"
)

// TestTourLive runs the tour on every live engine in DOCKWIRE_HOSTS; it
// skips when none answers, unless DOCKWIRE_LIVE=1.
func TestTourLive(t *testing.T) {
	for _, e := range livetest.Engines(t) {
		t.Run(e.Name(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var stdout, stderr bytes.Buffer
			args := []string{"--host", e.Host, "tour"}
			for _, u := range e.BuildUlimits() { // within the test bed's hard limits (Podman 5)
				args = append(args, "--build-ulimit", fmt.Sprintf("%s=%d:%d", u.Name, u.Soft, u.Hard))
			}
			code := run(ctx, args, strings.NewReader(""), &stdout, &stderr)
			if code != 0 {
				t.Fatalf("tour on %s: exit %d, stderr %q\n%s", e.Host, code, stderr.String(), stdout.String())
			}
			for _, want := range []string{
				e.Host + ": Docker ", "==> [14/14] Clean up", "Tour complete",
				"stdout | tick ", "the context's deadline ended the stream",
				"uid=1000 gid=1000 pwd=/work TOUR_VAR=set by exec", "exit code: 3",
				"FIRST LINE", "(read to EOF)",
				"errors.Is(err, dockwire.ErrContainerNotFound) = true",
				"restart  in",
			} {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("tour output lacks %q:\n%s", want, stdout.String())
				}
			}
			t.Run("events", func(t *testing.T) {
				e.SkipOnPodman(t, "GET /events with until yields no events, so the tour shows none")
				if !strings.Contains(stdout.String(), "container restart") {
					t.Errorf("tour output lacks the restart event:\n%s", stdout.String())
				}
			})
			if strings.Contains(stdout.String(), "replay") {
				t.Errorf("a live tour says replay:\n%s", stdout.String())
			}
		})
	}
}

// TestTourReplay runs the demo with no engine: it says so in one line,
// then replays the tour recorded from each engine in testdata, every line
// marked as a replay. It needs no engine.
func TestTourReplay(t *testing.T) {
	host := "unix://" + filepath.Join(t.TempDir(), "docker.sock")
	r := demo(t, "", "--host", host, "tour", "--fixtures", "../../testdata")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	want := "No Docker engine answers (dockwire: cannot reach the daemon at " + host
	if !strings.HasPrefix(lines[0], want) || !strings.HasSuffix(lines[0], "; replaying the tour recorded from docker-20.10, docker-26.1 and docker-28.5 instead.") {
		t.Errorf("first line %q, want it to start with %q and name the recordings", lines[0], want)
	}
	byEngine := map[string]string{}
	for _, line := range lines[1:] {
		engine, rest, ok := strings.Cut(line, "| ")
		if !ok || !strings.HasPrefix(engine, "replay docker-") {
			t.Errorf("line not marked as a replay: %q", line)
			continue
		}
		byEngine[engine] += rest + "\n"
	}
	for _, engine := range []string{"replay docker-20.10", "replay docker-26.1", "replay docker-28.5"} {
		out := byEngine[engine]
		for _, want := range []string{
			"==> [1/14] Connect", "a recording: Docker ",
			"stdout | tick ", "the recording of the stream ends there",
			"uid=1000 gid=1000 pwd=/work TOUR_VAR=set by exec", "FIRST LINE",
			"errors.Is(err, dockwire.ErrContainerNotFound) = true",
			"container restart", "==> [14/14] Clean up", "Tour complete in",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", engine, want, out)
			}
		}
	}
}

// TestTourReplayStale replays a recording that holds an exchange the tour
// no longer sends: the demo fails, saying to re-record.
func TestTourReplayStale(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "docker-28.5", "tour")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := "../../testdata/docker-28.5/tour"
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range ents {
		b, err := os.ReadFile(filepath.Join(src, ent.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ent.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(ent.Name(), "0001-") { // an extra ping
			if err := os.WriteFile(filepath.Join(dir, "9999-extra.json"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	r := demo(t, "", "--host", "unix:///nonexistent.sock", "tour", "--fixtures", filepath.Dir(filepath.Dir(dir)))
	line := r.oneLineErr(t)
	if r.code != 1 || !strings.HasPrefix(line, "replay docker-28.5| ") || !strings.Contains(line, "did not replay 1 of the exchanges") || !strings.Contains(line, "record-fixtures.sh") {
		t.Errorf("exit %d, stderr %q", r.code, line)
	}
}

func TestTourWithoutEngineOrRecordings(t *testing.T) {
	r := demo(t, "", "--host", "unix:///nonexistent.sock", "tour", "--fixtures", t.TempDir())
	line := r.oneLineErr(t)
	if r.code != 1 || !strings.Contains(line, "unix:///nonexistent.sock") || !strings.Contains(line, "no recorded tours") {
		t.Errorf("exit %d, stderr %q", r.code, line)
	}
	if r.stdout != "" {
		t.Errorf("stdout %q, want nothing", r.stdout)
	}
}

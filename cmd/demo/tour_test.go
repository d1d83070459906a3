package main

import (
	"bytes"
	"context"
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
			code := run(ctx, []string{"--host", e.Host, "tour"}, strings.NewReader(""), &stdout, &stderr)
			if code != 0 {
				t.Fatalf("tour on %s: exit %d, stderr %q\n%s", e.Host, code, stderr.String(), stdout.String())
			}
			for _, want := range []string{
				"==> [14/14] Clean up", "Tour complete",
				"stdout | tick ",
				"uid=1000 gid=1000 pwd=/work TOUR_VAR=set by exec", "exit code: 3",
				"FIRST LINE", "(read to EOF)",
				"errors.Is(err, dockwire.ErrContainerNotFound) = true",
				"restart  in", "container restart",
			} {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("tour output lacks %q:\n%s", want, stdout.String())
				}
			}
		})
	}
}

func TestTourWithoutEngineOrRecordings(t *testing.T) {
	r := demo(t, "", "--host", "unix:///nonexistent.sock", "tour", "--fixtures", t.TempDir())
	line := r.oneLineErr(t)
	if r.code != 1 || !strings.Contains(line, "unix:///nonexistent.sock") || !strings.Contains(line, "no recorded engines") {
		t.Errorf("exit %d, stderr %q", r.code, line)
	}
	if r.stdout != "" {
		t.Errorf("stdout %q, want nothing", r.stdout)
	}
}

func TestPrefixLines(t *testing.T) {
	var buf bytes.Buffer
	w := prefixLines(&buf, "> ")
	for _, s := range []string{"one\ntw", "o\n", "", "three\nfour"} {
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if want := "> one\n> two\n> three\n> four"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

package tour_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/fixture"
	"github.com/dockwire/dockwire/internal/tour"
	"github.com/google/go-cmp/cmp"
)

// recordings are the tours cmd/record recorded from real engines
// (scripts/record-fixtures.sh re-records them).
var recordings = []string{"../../testdata/docker-20.10/tour", "../../testdata/docker-28.5/tour"}

// keyLines are what every run of the tour prints, live or replayed.
var keyLines = []string{
	"==> [1/14] Connect", "API 1.", "negotiated",
	"Successfully tagged " + tour.Image,
	"CONTAINER ID", "stdout | tick ", "new lines while following",
	"uid=1000 gid=1000 pwd=/work TOUR_VAR=set by exec", "exit code: 3",
	"FIRST LINE", "(read to EOF)", "exit code 0",
	"errors.Is(err, dockwire.ErrContainerNotFound) = true",
	"stop     in", "-> exited (exit code 137)", "restart  in",
	"MEM USAGE / LIMIT",
	"container create", "container restart",
	"==> [14/14] Clean up", "removed container", "removed image " + tour.Image,
	"Tour complete in",
}

// replay starts an engine replaying the recording in dir and a client
// that sends each request once.
func replay(t *testing.T, dir string) (*enginetest.Engine, *dockwire.Client) {
	t.Helper()
	e := enginetest.New(t, enginetest.WithFixtures(dir))
	c, err := dockwire.New(e.Host(), dockwire.WithRetry(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return e, c
}

// TestReplay runs the tour against each recording of it: the tour must
// send exactly the recorded requests, step by step, and print what it
// prints live.
func TestReplay(t *testing.T) {
	for _, dir := range recordings {
		t.Run(filepath.Base(filepath.Dir(dir)), func(t *testing.T) {
			session, xs, err := fixture.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			e, c := replay(t, dir)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var out bytes.Buffer
			var steps []string
			err = tour.Run(ctx, c, &out, tour.Options{Replay: true, Busybox: "/nonexistent", Step: func(name string) { steps = append(steps, name) }})
			if err != nil {
				t.Fatalf("replaying %s: %v\n%s", dir, err, out.String())
			}
			for _, x := range e.UnusedExchanges() {
				t.Errorf("exchange of step %s not replayed: %s %s?%s", x.Name, x.Request.Method, x.Request.Path, x.Request.Query)
			}
			if got := len(e.Requests()); got != len(xs) {
				t.Errorf("the tour sent %d requests, the recording has %d", got, len(xs))
			}
			// Every step sends something, so the recording names the
			// steps in the order they ran.
			var recorded []string
			for _, x := range xs {
				recorded = append(recorded, x.Name)
			}
			if diff := cmp.Diff(slices.Compact(recorded), steps); diff != "" {
				t.Errorf("steps of the recording (-) and of the tour (+):\n%s", diff)
			}
			if got, _ := c.APIVersion(ctx); got != session.APIVersion {
				t.Errorf("negotiated API %s, recorded from API %s", got, session.APIVersion)
			}
			for _, want := range keyLines {
				if !strings.Contains(out.String(), want) {
					t.Errorf("tour output lacks %q:\n%s", want, out.String())
				}
			}
			if want := "    a recording: Docker " + session.Version + " "; !strings.Contains(out.String(), want) {
				t.Errorf("a replay does not say it plays a recording (%q):\n%s", want, out.String())
			}
		})
	}
}

// TestCleanupAfterFailure breaks the tour in its stats step: it stops
// there, cleans up all the same, and reports the failure.
func TestCleanupAfterFailure(t *testing.T) {
	e, c := replay(t, recordings[1])
	e.Fault("GET", "/containers/{id}/stats", enginetest.Status(500, "stats are broken today"))
	var out bytes.Buffer
	err := tour.Run(context.Background(), c, &out, tour.Options{Replay: true})
	if err == nil || !strings.Contains(err.Error(), "stats are broken today") {
		t.Fatalf("tour: %v, want the stats failure", err)
	}
	for _, want := range []string{"==> [12/14] Stats", "failed after", "==> [14/14] Clean up", "removed container", "removed image"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "[13/14]") || strings.Contains(out.String(), "Tour complete") {
		t.Errorf("the tour went on after the failure:\n%s", out.String())
	}
	var deletes []string
	for _, r := range e.Requests() {
		if r.Method == "DELETE" {
			deletes = append(deletes, r.Route)
		}
	}
	if len(deletes) != 2 || !strings.HasPrefix(deletes[0], "/containers/") || deletes[1] != "/images/"+tour.Image {
		t.Errorf("cleanup sent DELETE %v, want the container and the image", deletes)
	}
}

// TestCleanupAfterCancel cancels the tour before it starts: it sends
// nothing but the cleanup's image removal, which a cancelled context does
// not stop.
func TestCleanupAfterCancel(t *testing.T) {
	e := enginetest.New(t)
	c, err := dockwire.New(e.Host())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	if err := tour.Run(ctx, c, &out, tour.Options{Replay: true}); err == nil || ctx.Err() == nil {
		t.Fatalf("tour: %v, want the context's error", err)
	}
	var sent []string
	for _, r := range e.Requests() {
		sent = append(sent, r.Method+" "+r.Route)
	}
	if len(sent) == 0 || sent[len(sent)-1] != "DELETE /images/"+tour.Image {
		t.Errorf("requests %v, want the image removal last", sent)
	}
	if !strings.Contains(out.String(), "==> [14/14] Clean up") {
		t.Errorf("no cleanup step:\n%s", out.String())
	}
}
func TestPrefixLines(t *testing.T) {
	var buf bytes.Buffer
	w := tour.PrefixLines(&buf, "> ")
	for _, s := range []string{"one\ntw", "o\n", "", "three\nfour"} {
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if want := "> one\n> two\n> three\n> four"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

func TestEllipsis(t *testing.T) {
	for _, tc := range []struct {
		s    string
		max  int
		want string
	}{
		{"short", 5, "short"},
		{"longer", 5, "long…"},
		{"ééééé–é", 6, "ééééé…"}, // runes, not bytes
	} {
		if got := tour.Ellipsis(tc.s, tc.max); got != tc.want {
			t.Errorf("Ellipsis(%q, %d) = %q, want %q", tc.s, tc.max, got, tc.want)
		}
	}
}

// Package tour is the demo's guided run of the library against an engine:
// it builds a small image, runs a container, lists, inspects, tails and
// follows its logs, execs in it, shows a typed error, stops and restarts
// it, samples its stats, reads its events, and cleans up, printing what
// each step did and how long it took.
//
// The tour is also a recorded session (cmd/record -script tour): its
// requests depend only on what the daemon answered (IDs, the daemon's
// clock), never on the local clock or on random names, so that a
// recording of it replays against enginetest (Options.Replay), which the
// demo does when no engine answers.
package tour

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
)

// The tour's image and the label on everything it creates.
const (
	Image = "dockwire-demo/tour:latest"
	Label = "dockwire.demo"
)

// Options configures Run.
type Options struct {
	// Replay says the engine replays a recording of the tour: the build
	// sends a stand-in for busybox (the recording keeps no build context)
	// and nothing waits for the container to make progress.
	Replay bool
	// Busybox is the static busybox binary the image is built from;
	// default /bin/busybox. Unused with Replay.
	Busybox string
	// BuildUlimits are the resource limits of the build's RUN step; none
	// by default (the engine's own).
	BuildUlimits []engine.Ulimit
	// Step, if set, is called with each step's name before the step sends
	// anything; record.Recorder.Step names the recorded exchanges with it.
	Step func(name string)
}

// tour is one run of the guided tour.
type tour struct {
	ctx  context.Context
	c    *dockwire.Client
	out  io.Writer
	opts Options
	n    int    // the number of the current step
	id   string // the tour's container
}

// step is one step of the tour: name is its name in a recording.
type step struct {
	name, title string
	run         func() error
}

// Run runs every step in order and cleans up whatever happens, the
// cancellation of ctx included: the cleanup is always the last step.
func Run(ctx context.Context, c *dockwire.Client, out io.Writer, opts Options) (err error) {
	if opts.Busybox == "" {
		opts.Busybox = "/bin/busybox"
	}
	t := &tour{ctx: ctx, c: c, out: out, opts: opts}
	steps := []step{
		{"connect", "Connect: ping, negotiate the API version, ask the version", t.connect},
		{"build", "Build " + Image + " through the build API (FROM scratch + static busybox, no cache)", t.build},
		{"start", "Create and start a container that writes to stdout and stderr", t.start},
		{"list", "List it (ContainerList, filtered by ID)", t.list},
		{"inspect", "Inspect it: typed fields and gjson paths into the raw document", t.inspect},
		{"tail", "Tail its log (ContainerLogs, Tail 3, line by line)", t.tail},
		{"follow", "Follow its log for 2.5 seconds (Follow, ended by the context)", t.follow},
		{"exec-as", "Exec as another user, in another directory, with extra environment", t.execAs},
		{"exec-stdin", "Exec with stdin: the command reads to end of file", t.execStdin},
		{"not-found", "A typed error: inspect a container that does not exist", t.notFound},
		{"lifecycle", "Lifecycle: stop (1s grace), start, restart", t.lifecycle},
		{"stats", "Stats: one sample, as docker stats --no-stream shows it", t.stats},
		{"events", "Events: what the daemon reported about the container, from its creation until now", t.events},
	}
	cleanup := step{"cleanup", "Clean up: remove the container and the image", t.cleanup}
	total := len(steps) + 1
	start := time.Now()
	defer func() {
		t.n = total - 1 // numbered last, wherever the tour stopped
		cleanupErr := t.do(total, cleanup)
		if err == nil {
			err = cleanupErr
		}
		if err == nil {
			fmt.Fprintf(out, "\nTour complete in %s.\n", since(start))
		}
	}()
	for _, s := range steps {
		if err := t.do(total, s); err != nil {
			return err
		}
	}
	return nil
}

// do runs one step, saying what it is and how long it took.
func (t *tour) do(total int, s step) error {
	t.n++
	if t.opts.Step != nil {
		t.opts.Step(s.name)
	}
	fmt.Fprintf(t.out, "\n==> [%d/%d] %s\n", t.n, total, s.title)
	start := time.Now()
	if err := s.run(); err != nil {
		fmt.Fprintf(t.out, "    failed after %s\n", since(start))
		return err
	}
	fmt.Fprintf(t.out, "    done in %s\n", since(start))
	return nil
}

// say prints one line of a step's output, indented under its title.
func (t *tour) say(format string, args ...any) {
	fmt.Fprintf(t.out, "    "+format+"\n", args...)
}

// sleep waits for the container to make progress; a replay need not.
func (t *tour) sleep(d time.Duration) {
	if t.opts.Replay {
		return
	}
	select {
	case <-time.After(d):
	case <-t.ctx.Done():
	}
}

func since(start time.Time) time.Duration {
	return time.Since(start).Round(time.Millisecond)
}

// Cleanup removes, ignoring errors, what a tour that could not clean up
// (a killed process) left behind: its containers and its image.
func Cleanup(ctx context.Context, c *dockwire.Client) {
	list, _ := c.ContainerList(ctx, dockwire.ContainerListOptions{All: true, Filters: dockwire.Filters{"label": {Label}}})
	for _, ct := range list {
		c.ContainerRemove(ctx, ct.ID, dockwire.ContainerRemoveOptions{Force: true})
	}
	c.ImageRemove(ctx, Image, dockwire.ImageRemoveOptions{Force: true})
}

// shortID is the 12-character ID docker shows, without any "sha256:".
func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// PrefixLines returns a writer that starts every line written through it
// to w with prefix.
func PrefixLines(w io.Writer, prefix string) io.Writer {
	return &prefixWriter{w: w, prefix: []byte(prefix)}
}

// indent prefixes a step's output with its indentation.
func indent(w io.Writer) io.Writer { return PrefixLines(w, "    ") }

type prefixWriter struct {
	w       io.Writer
	prefix  []byte
	midLine bool // the last write did not end a line
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		if !p.midLine {
			if _, err := p.w.Write(p.prefix); err != nil {
				return n, err
			}
			p.midLine = true
		}
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line = b[:i+1]
			p.midLine = false
		}
		m, err := p.w.Write(line)
		n += m
		if err != nil {
			return n, err
		}
		b = b[len(line):]
	}
	return n, nil
}

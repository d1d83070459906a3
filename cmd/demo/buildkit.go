package main

import (
	"bytes"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/dockwire/dockwire/engine"
)

// plainBuild shows a BuildKit build's trace as docker buildx build
// --progress=plain does: each step gets a number in the order it appears,
// "#N name" when it starts, its output as "#N <seconds since it started>
// <line>", finished tasks inside it as "#N <task> <time> done", and its
// end as "#N DONE 0.3s", "#N CACHED" or "#N ERROR: why". When the output
// moves from one step to another, a blank line and the step's name come
// first. Warnings are listed at the end.
type plainBuild struct {
	w        io.Writer
	steps    map[string]*plainStep // by digest
	order    []*plainStep          // as numbered
	current  *plainStep            // the step whose lines came last
	warnings []string
}

type plainStep struct {
	num       int
	name      string
	started   time.Time
	announced bool
	done      bool
	partial   []byte    // output after its last newline
	lastLog   time.Time // when it last wrote
}

func printBuildKit(w io.Writer, msgs iter.Seq2[engine.JSONMessage, error]) error {
	b := &plainBuild{w: w, steps: map[string]*plainStep{}}
	for m, err := range msgs {
		if err != nil {
			b.flushAll()
			return err
		}
		switch {
		case m.Trace != nil:
			b.trace(m.Trace)
		case m.Stream != "":
			// A daemon that builds otherwise, as Podman's buildah, or
			// Docker 20.10's "Successfully tagged" after the trace.
			fmt.Fprint(w, m.Stream)
		}
	}
	b.flushAll()
	if len(b.warnings) > 0 {
		noun := "warnings"
		if len(b.warnings) == 1 {
			noun = "warning"
		}
		fmt.Fprintf(w, "\n%d %s found:\n", len(b.warnings), noun)
		for _, s := range b.warnings {
			fmt.Fprintf(w, " - %s\n", s)
		}
	}
	return nil
}

func (b *plainBuild) trace(t *engine.BuildTrace) {
	// A trace holds what happened since the last one: a step's output
	// can come with its end, and goes before it.
	var ending map[string][]engine.BuildLog // output of the steps that end
	for _, v := range t.Vertexes {
		if !v.Completed.IsZero() {
			ending = map[string][]engine.BuildLog{}
			for _, l := range t.Logs {
				ending[l.Vertex] = append(ending[l.Vertex], l)
			}
			break
		}
	}
	for _, v := range t.Vertexes {
		s := b.step(v.Digest)
		s.name = v.Name
		if !v.Started.IsZero() {
			s.started = v.Started
		}
		if v.Started.IsZero() && !v.Cached || s.done {
			continue // known, not started yet; or reported already
		}
		b.switchTo(s)
		if v.Completed.IsZero() {
			continue
		}
		for _, l := range ending[v.Digest] {
			b.write(s, l)
		}
		ending[v.Digest] = nil // written
		b.flush(s)
		s.done = true
		switch {
		case v.Error != "":
			b.printf(s, "ERROR: %s", v.Error)
		case v.Cached:
			b.printf(s, "CACHED")
		default:
			b.printf(s, "DONE %.1fs", v.Completed.Sub(v.Started).Seconds())
		}
	}
	for _, st := range t.Statuses {
		if st.Completed.IsZero() {
			continue
		}
		s := b.step(st.Vertex)
		b.switchTo(s)
		line := st.ID
		if st.Current != 0 {
			line += " " + humanSize(st.Current)
			if st.Total != 0 {
				line += " / " + humanSize(st.Total)
			}
		}
		if !st.Started.IsZero() {
			line += fmt.Sprintf(" %.1fs", st.Completed.Sub(st.Started).Seconds())
		}
		b.printf(s, "%s done", line)
	}
	for _, l := range t.Logs {
		if logs, ok := ending[l.Vertex]; !ok || logs != nil {
			b.write(b.step(l.Vertex), l)
		}
	}
	for _, w := range t.Warnings {
		b.warnings = append(b.warnings, strings.TrimSpace(string(w.Short)))
	}
}

// write prints output of s, line by line, keeping what follows the last
// newline for later.
func (b *plainBuild) write(s *plainStep, l engine.BuildLog) {
	b.switchTo(s)
	s.partial = append(s.partial, l.Data...)
	data := s.partial
	for {
		line, rest, found := bytes.Cut(data, []byte("\n"))
		if !found {
			break
		}
		b.log(s, l.Timestamp, line)
		data = rest
	}
	// What follows the last newline moves to the front, in place: a long
	// line is not copied again with each piece of it.
	s.partial = s.partial[:copy(s.partial, data)]
	s.lastLog = l.Timestamp
}

// step returns the step with digest d, numbered when first seen.
func (b *plainBuild) step(d string) *plainStep {
	s, ok := b.steps[d]
	if !ok {
		s = &plainStep{num: len(b.order) + 1}
		b.steps[d] = s
		b.order = append(b.order, s)
	}
	return s
}

// switchTo starts a block of lines for s unless its lines came last.
func (b *plainBuild) switchTo(s *plainStep) {
	if b.current == s && s.announced {
		return
	}
	if b.current != nil {
		fmt.Fprintln(b.w)
	}
	b.current, s.announced = s, true
	fmt.Fprintf(b.w, "#%d %s\n", s.num, cleanLine(s.name))
}

func (b *plainBuild) log(s *plainStep, at time.Time, line []byte) {
	offset := 0.0
	if !s.started.IsZero() && !at.IsZero() {
		offset = at.Sub(s.started).Seconds()
	}
	// The output itself goes out unaltered, escape sequences included, as
	// docker buildx prints it.
	fmt.Fprintf(b.w, "#%d %.3f %s\n", s.num, offset, strings.TrimSuffix(string(line), "\r"))
}

// flush prints what s wrote after its last newline.
func (b *plainBuild) flush(s *plainStep) {
	if len(s.partial) > 0 {
		b.switchTo(s)
		b.log(s, s.lastLog, s.partial)
		s.partial = nil
	}
}

func (b *plainBuild) flushAll() {
	for _, s := range b.order {
		b.flush(s)
	}
}

func (b *plainBuild) printf(s *plainStep, format string, args ...any) {
	fmt.Fprintf(b.w, "#%d %s\n", s.num, cleanLine(fmt.Sprintf(format, args...)))
}

// cleanLine keeps the daemon's names and messages from moving the cursor.
func cleanLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

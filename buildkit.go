package dockwire

import (
	"bytes"
	"strings"

	"github.com/dockwire/dockwire/engine"
)

// Bounds on what a BuildKit build's Progress keeps to explain a failure.
const (
	maxBuildSteps    = 1024     // steps followed; a bigger build's later steps go unnamed
	maxFailureLines  = 10       // lines of a failed step's output kept, as docker buildx shows
	maxFailureLine   = 1 << 10  // bytes of one line kept
	maxPartialOutput = 16 << 10 // bytes of an unfinished line kept
)

// buildSteps follows the steps of a BuildKit build through its trace, so
// that a failure can name the step that failed and show its last lines of
// output. Only the output of steps still running, or failed, is kept.
type buildSteps struct {
	steps  map[string]*buildStep // by digest
	failed []string              // digests of the steps that failed, in order
}

type buildStep struct {
	name    string
	err     string
	done    bool
	lines   []string // the last complete lines of output, oldest first
	partial []byte   // output after the last newline
}

func (s *buildSteps) observe(t *engine.BuildTrace) {
	if s.steps == nil {
		s.steps = map[string]*buildStep{}
	}
	for _, v := range t.Vertexes {
		st := s.step(v.Digest)
		if st == nil {
			continue
		}
		st.name = v.Name
		if v.Error != "" && st.err == "" {
			st.err = v.Error
			s.failed = append(s.failed, v.Digest)
		}
		if st.done = !v.Completed.IsZero(); st.done && st.err == "" {
			st.lines, st.partial = nil, nil
		}
	}
	// A trace holds what happened since the last one: a failed step's
	// last output can come with its failure, so a failed step keeps it.
	for _, l := range t.Logs {
		if st := s.step(l.Vertex); st != nil && (!st.done || st.err != "") {
			st.write(l.Data)
		}
	}
}

// step returns the step with digest d, followed from now on if it is new
// and there is room.
func (s *buildSteps) step(d string) *buildStep {
	st, ok := s.steps[d]
	if !ok && len(s.steps) < maxBuildSteps {
		st = &buildStep{}
		s.steps[d] = st
	}
	return st
}

// write adds output of the step, keeping its last maxFailureLines lines.
func (st *buildStep) write(b []byte) {
	for len(b) > 0 {
		line, rest, found := bytes.Cut(b, []byte("\n"))
		if !found {
			st.partial = append(st.partial, line[:min(len(line), maxPartialOutput-len(st.partial))]...)
			return
		}
		st.partial = append(st.partial, line[:min(len(line), maxPartialOutput-len(st.partial))]...)
		st.lines = append(st.lines, cleanText(strings.TrimSuffix(string(st.partial), "\r"), maxFailureLine))
		if len(st.lines) > maxFailureLines {
			st.lines = st.lines[len(st.lines)-maxFailureLines:]
		}
		st.partial, b = st.partial[:0], rest
	}
}

// explain fills in the step of a build's failure, and its last lines of
// output: the failed step whose error the daemon's message reports, or
// else the first that failed.
func (s *buildSteps) explain(e *StreamError) {
	if len(s.failed) == 0 {
		return
	}
	st := s.steps[s.failed[0]]
	for _, d := range s.failed {
		if c := s.steps[d]; strings.Contains(e.Message, cleanText(c.err, maxMessageLen)) {
			st = c
			break
		}
	}
	e.Step = cleanText(st.name, maxMessageLen)
	e.Log = append([]string(nil), st.lines...)
	if len(st.partial) > 0 {
		e.Log = append(e.Log, cleanText(string(st.partial), maxFailureLine))
		if len(e.Log) > maxFailureLines {
			e.Log = e.Log[len(e.Log)-maxFailureLines:]
		}
	}
}

// sessionHint explains BuildKit's words for a build that needed a session:
// the daemon asks the client for secrets, an ssh agent or a place to
// export to over a session that only a gRPC client (docker buildx) opens.
func sessionHint(message string) string {
	if !strings.Contains(message, "no active session") {
		return ""
	}
	return " (the build needs a BuildKit session, which dockwire does not open: " +
		"a RUN --mount=type=secret or type=ssh, or an export to the client, needs docker buildx)"
}

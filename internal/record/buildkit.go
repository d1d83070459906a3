package record

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
)

// BuildKitImageRef is the image the BuildKit session builds.
const BuildKitImageRef = "dwrec/buildkit:latest"

// BuildFailure is the value of a step whose build must fail inside its
// stream: what the *StreamError says.
type BuildFailure struct {
	Message string
	Step    string
	Log     []string
}

// BuildKitScript runs the BuildKit session against c, a session of its own
// beside Script's (testdata/<engine>/buildkit): a build of the test image
// with a RUN that writes to stdout and stderr, a build whose RUN fails, a
// build that needs a session, and the removal of the image. Like Script,
// it removes what it made when a step fails.
func BuildKitScript(ctx context.Context, c *dockwire.Client, opts Options) ([]Result, error) {
	if opts.Busybox == "" {
		opts.Busybox = "/bin/busybox"
	}
	s := &session{ctx: ctx, c: c, opts: opts}
	s.run("ping", func() (any, error) { return c.Ping(ctx) })
	s.run("buildkit-build", func() (any, error) {
		buildCtx, err := busyboxContext(opts.Busybox, "RUN echo to-stdout; echo to-stderr >&2\n")
		if err != nil {
			return nil, err
		}
		return progress(c.ImageBuild(ctx, buildCtx, dockwire.ImageBuildOptions{BuildKit: true, Tags: []string{BuildKitImageRef}, NoCache: true}))
	})
	s.run("buildkit-build-failure", func() (any, error) {
		buildCtx, err := busyboxContext(opts.Busybox, "RUN echo before the failure; exit 3\n")
		if err != nil {
			return nil, err
		}
		return buildFailure(waited(c.ImageBuild(ctx, buildCtx, dockwire.ImageBuildOptions{BuildKit: true})))
	})
	s.run("buildkit-build-session", func() (any, error) {
		buildCtx, err := busyboxContext(opts.Busybox, "RUN --mount=type=secret,id=token cat /run/secrets/token\n")
		if err != nil {
			return nil, err
		}
		return buildFailure(waited(c.ImageBuild(ctx, buildCtx, dockwire.ImageBuildOptions{BuildKit: true})))
	})
	s.run("buildkit-image-remove", func() (any, error) {
		return c.ImageRemove(ctx, BuildKitImageRef, dockwire.ImageRemoveOptions{})
	})
	if s.err != nil {
		BuildKitCleanup(context.WithoutCancel(ctx), c)
	}
	return s.results, s.err
}

// BuildKitCleanup removes what BuildKitScript makes, ignoring errors.
func BuildKitCleanup(ctx context.Context, c *dockwire.Client) {
	c.ImageRemove(ctx, BuildKitImageRef, dockwire.ImageRemoveOptions{Force: true})
}

func buildFailure(err error) (any, error) {
	var se *dockwire.StreamError
	if !errors.As(err, &se) {
		return nil, fmt.Errorf("want the build to fail in its stream, got %v", err)
	}
	return BuildFailure{Message: se.Message, Step: se.Step, Log: se.Log}, nil
}

// buildKitStream normalises the stream of a BuildKit build message by
// message: in a trace, every time becomes FixedTime and every text is
// normalised as the rest of the stream is (digests and image IDs become
// placeholders), and the trace is encoded again. The base64 of a trace is
// never normalised as text, where a run of hex digits in it could be
// taken for an ID.
func (n *normalizer) buildKitStream(body []byte, route string) []byte {
	var out bytes.Buffer
	for _, line := range bytes.SplitAfter(body, []byte("\n")) {
		doc := bytes.TrimRight(line, "\r\n")
		end := line[len(doc):]
		m, err := engine.Decode[engine.JSONMessage](string(doc))
		if err != nil || m.Trace == nil {
			out.WriteString(n.text(string(line), route))
			continue
		}
		n.trace(m.Trace, route)
		b, err := json.Marshal(engine.JSONMessage{ID: engine.BuildTraceID, Trace: m.Trace})
		if err != nil {
			out.WriteString(n.text(string(line), route))
			continue
		}
		out.Write(b)
		out.Write(end)
	}
	return out.Bytes()
}

func (n *normalizer) trace(t *engine.BuildTrace, route string) {
	text := func(s *string) { *s = n.text(*s, route) }
	fixed := func(ts ...*time.Time) {
		for _, t := range ts {
			if !t.IsZero() {
				*t = FixedTime
			}
		}
	}
	for i := range t.Vertexes {
		v := &t.Vertexes[i]
		text(&v.Digest)
		for j := range v.Inputs {
			text(&v.Inputs[j])
		}
		text(&v.Name)
		text(&v.Error)
		fixed(&v.Started, &v.Completed)
	}
	for i := range t.Statuses {
		s := &t.Statuses[i]
		text(&s.ID)
		text(&s.Vertex)
		text(&s.Name)
		fixed(&s.Timestamp, &s.Started, &s.Completed)
	}
	for i := range t.Logs {
		l := &t.Logs[i]
		text(&l.Vertex)
		if looksText(l.Data) {
			l.Data = []byte(n.text(string(l.Data), route))
		}
		fixed(&l.Timestamp)
	}
	for i := range t.Warnings {
		text(&t.Warnings[i].Vertex)
	}
}

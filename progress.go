package dockwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"sync"
	"unicode"

	"github.com/dockwire/dockwire/engine"
)

// Progress is a pull, push, build or load in flight. Nothing is sent until
// Messages or Wait is called, and then only once: the operation runs while
// its messages are read, and dropping the stream cancels it on the daemon.
// A failure the daemon reports inside its 200 answer is a *StreamError.
type Progress struct {
	c    *Client
	ctx  context.Context
	r    *call
	op   string    // "build", "pull", "push" or "load", for errors
	ref  string    // the image the operation is about, if any
	err  error     // a validation error, reported without any I/O
	body io.Reader // the request body, closed when the operation ends
	// precheck, if set, runs before the request, e.g. to refuse an option
	// the negotiated API version lacks.
	precheck func(ctx context.Context) error

	mu      sync.Mutex
	state   progressState
	result  error
	imageID string
	auxID   bool // imageID came from an aux message, the surest source
}

type progressState int

const (
	progressNew progressState = iota
	progressRunning
	progressDone
)

// errAbandoned is what Wait reports after a Messages loop stopped early.
var errAbandoned = errors.New("dockwire: the loop over Messages stopped before the stream ended")

// newProgress prepares r. body, if not nil, is r's request body: it is
// closed when the operation ends, as net/http closes request bodies.
func (c *Client) newProgress(ctx context.Context, op, ref string, r *call, body io.Reader, err error) *Progress {
	if body != nil && r != nil {
		r.body = body
	}
	return &Progress{c: c, ctx: ctx, r: r, op: op, ref: ref, err: err, body: body}
}

// Messages runs the operation and yields its messages. The sequence ends
// after the first error, which is yielded with the message that carried it
// for a *StreamError. Breaking out of the loop, or ctx ending, closes the
// connection, which cancels the operation on the daemon. A Progress runs
// once: a second call yields only the first run's error, if any.
func (p *Progress) Messages() iter.Seq2[engine.JSONMessage, error] {
	return func(yield func(engine.JSONMessage, error) bool) {
		if err, again := p.begin(); again {
			if err != nil {
				yield(engine.JSONMessage{}, err)
			}
			return
		}
		p.finish(p.run(yield))
	}
}

// Wait runs the operation to its end, discarding the messages, and returns
// the first error: an *APIError or *ConnectError if the daemon refused or
// could not be reached, a *StreamError for a failure inside the stream, an
// error wrapping io.ErrUnexpectedEOF if the stream was cut off. After
// Messages, Wait returns what the loop saw without sending anything.
func (p *Progress) Wait() error {
	if err, again := p.begin(); again {
		return err
	}
	err := p.run(func(engine.JSONMessage, error) bool { return true })
	p.finish(err)
	return err
}

// ImageID returns the image the operation produced, once its stream has
// been read: the ID of a built image, or the first image a load reported
// (an ID, or a name:tag when the archive named its images). It is "" while
// unknown.
func (p *Progress) ImageID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.imageID
}

// begin marks p as running. again reports that p ran before; err is then
// that run's result.
func (p *Progress) begin() (err error, again bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.state {
	case progressNew:
		p.state = progressRunning
		return nil, false
	case progressRunning:
		return fmt.Errorf("dockwire: %s: %w: Messages or Wait called while the stream is being read", p.op, ErrInvalidArgument), true
	}
	return p.result, true
}

func (p *Progress) finish(err error) {
	p.mu.Lock()
	p.state, p.result = progressDone, err
	p.mu.Unlock()
}

// run performs the request and hands each message to yield. It returns
// the error that ended the stream, errAbandoned if yield stopped it, or nil.
func (p *Progress) run(yield func(engine.JSONMessage, error) bool) error {
	fail := func(err error) error {
		yield(engine.JSONMessage{}, err)
		return err
	}
	if c, ok := p.body.(io.Closer); ok {
		// After the answer has ended the daemon has read all it will: a
		// BuildContext's goroutine must not wait for a reader forever.
		defer c.Close()
	}
	if p.err != nil {
		return fail(p.err)
	}
	if p.precheck != nil {
		if err := p.precheck(p.ctx); err != nil {
			return fail(err)
		}
	}
	resp, err := p.c.send(p.ctx, p.r)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	for raw, err := range jsonMessages(resp.Body, maxStreamMessage) {
		if err != nil {
			return fail(p.c.bodyError(p.r, ctxErr(p.ctx, err)))
		}
		m, err := engine.Decode[engine.JSONMessage](string(raw))
		if err != nil {
			return fail(p.c.bodyError(p.r, err))
		}
		p.observe(m)
		if m.Error != nil {
			serr := &StreamError{Op: p.op, Ref: p.ref, Host: p.c.host, Code: m.Error.Code, Message: cleanText(m.Error.Message, maxMessageLen)}
			yield(m, serr)
			return serr
		}
		if !yield(m, nil) {
			return errAbandoned
		}
	}
	if err := p.ctx.Err(); err != nil {
		// The stream may have ended cleanly just as ctx did; the caller
		// asked to stop, so say so rather than report success.
		return fail(err)
	}
	return nil
}

// builtID returns the ID in the classic builder's last line,
// "Successfully built <id>", or in a quiet build's only one, "sha256:<id>".
func builtID(line string) (string, bool) {
	id := strings.TrimPrefix(strings.TrimRightFunc(line, unicode.IsSpace), "Successfully built ")
	return id, isHexID(strings.TrimPrefix(id, "sha256:"))
}

// loadedImage returns what a load line, "Loaded image: <ref>" or "Loaded
// image ID: <id>", names.
func loadedImage(line string) (string, bool) {
	line = strings.TrimRightFunc(line, unicode.IsSpace)
	ref, ok := strings.CutPrefix(line, "Loaded image: ")
	if !ok {
		ref, ok = strings.CutPrefix(line, "Loaded image ID: ")
	}
	return ref, ok && ref != "" && !strings.ContainsFunc(ref, unicode.IsSpace)
}

// observe records the image ID the stream reports.
func (p *Progress) observe(m engine.JSONMessage) {
	var auxID string
	if m.Aux != "" {
		auxID = m.Aux.Get("ID").String()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case auxID != "":
		// BuildKit and the classic builder (API >= 1.30) send the full ID.
		p.imageID, p.auxID = auxID, true
	case p.auxID || m.Stream == "":
	case strings.HasPrefix(m.Stream, "Loaded image"):
		if ref, ok := loadedImage(m.Stream); ok && p.imageID == "" {
			p.imageID = ref
		}
	case p.op == "build":
		// "Successfully built <id>" is the classic builder's last word; a
		// bare ID is all a quiet build prints.
		if id, ok := builtID(m.Stream); ok && (p.imageID == "" || strings.HasPrefix(m.Stream, "Successfully built ")) {
			p.imageID = id
		}
	}
}

// StreamError is a failure the daemon reported inside the 200 answer of a
// pull, push, build or load (an errorDetail message): a failed RUN step,
// an unknown manifest, a registry that refused the credentials.
type StreamError struct {
	Op      string // "build", "pull", "push" or "load"
	Ref     string // the image the operation was about, if any
	Host    string // the daemon's address
	Code    int    // the errorDetail code; usually 0
	Message string // the daemon's message, cleaned of control characters and capped
}

func (e *StreamError) Error() string {
	var b strings.Builder
	b.WriteString("dockwire: ")
	b.WriteString(e.Op)
	if e.Ref != "" {
		fmt.Fprintf(&b, " %q", e.Ref)
	}
	fmt.Fprintf(&b, " failed on %s: %s", e.Host, strings.TrimSpace(e.Message))
	return b.String()
}

package dockwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strings"
	"sync"
	"unicode"

	"github.com/dockwire/dockwire/engine"
)

// Progress is a pull, push, build, load or import that the daemon has
// accepted: the call that returned it sent the request and checked the
// answer's status, and the operation now runs on the daemon while its messages are
// read. Read them once, with Messages or Wait, or Close the Progress: the
// daemon may stall when nobody reads its messages, and cancels the
// operation when the connection closes. The stream also ends when the ctx
// given to the call ends, as a response body does. A failure the daemon
// reports inside the stream is a *StreamError.
type Progress struct {
	c      *Client
	r      *call
	op     string        // "build", "pull", "push", "load" or "import", for errors
	ref    string        // the image the operation is about, if any
	body   io.ReadCloser // the answer's body: the stream of messages
	upload io.Reader     // the request body, closed when the operation ends

	// stop detaches the watch on the call's ctx; once it has fired,
	// ctxDone is closed and ctxErr holds the ctx's error.
	stop    func() bool
	ctxDone chan struct{}
	ctxErr  error
	settled sync.Once
	settle  error // ctxErr if ctx ended before the stream did; set by settled
	release sync.Once

	mu      sync.Mutex
	state   progressState
	closed  bool // Close was called
	result  error
	imageID string
	digest  string
	auxID   bool // imageID came from an aux message, the surest source

	steps buildSteps // a BuildKit build's steps, to explain its failure; read by run only
}

type progressState int

const (
	progressReady   progressState = iota // answered, not yet read
	progressReading                      // Messages or Wait is reading
	progressDone                         // read to its end, abandoned or closed; result holds how it ended
)

var (
	// errAbandoned is what Wait reports after a Messages loop stopped early.
	errAbandoned = errors.New("the loop over Messages stopped before the stream ended; the daemon cancelled the operation")
	// errClosed is what reading reports after Close.
	errClosed = errors.New("the Progress was closed before its stream ended; the daemon cancelled the operation")
)

// startProgress sends r, with upload as its body if not nil, and returns
// the operation once the daemon has accepted it. invalid, if not nil, is a
// validation error to return without any I/O. upload is closed, if it is
// an io.Closer, when the operation ends or fails, as net/http closes
// request bodies.
func (c *Client) startProgress(ctx context.Context, op, ref string, r *call, upload io.Reader, invalid error) (*Progress, error) {
	if invalid == nil && upload != nil {
		r.body = upload
	}
	var resp *http.Response
	if invalid == nil {
		resp, invalid = c.send(ctx, r)
		invalid = c.podmanPushError(op, ref, invalid)
	}
	if invalid != nil {
		if cl, ok := upload.(io.Closer); ok {
			cl.Close()
		}
		return nil, invalid
	}
	body := resp.Body
	var ahead *readAhead
	if op == "push" {
		ahead = newReadAhead(body)
		body = ahead
	}
	p := &Progress{c: c, r: r, op: op, ref: ref, body: body, upload: upload, ctxDone: make(chan struct{})}
	// The ctx of the call bounds the stream, as it bounds a response body:
	// when it ends, the connection closes and the daemon cancels the
	// operation.
	p.stop = context.AfterFunc(ctx, func() {
		p.ctxErr = ctx.Err()
		p.body.Close()
		close(p.ctxDone)
	})
	if ahead != nil {
		return p.awaitRegistry(ahead)
	}
	return p, nil
}

// Messages yields the operation's messages as they arrive. The sequence
// ends after the first error, which is yielded with the message that
// carried it for a *StreamError. Breaking out of the loop, or the call's
// ctx ending, closes the connection, which cancels the operation on the
// daemon.
//
// A Progress is read once. Wait afterwards returns how the stream ended;
// ranging over Messages a second time yields a single error, matching
// ErrInvalidArgument, that says the stream was already read.
func (p *Progress) Messages() iter.Seq2[engine.JSONMessage, error] {
	return func(yield func(engine.JSONMessage, error) bool) {
		if was, _ := p.begin(); was != progressReady {
			yield(engine.JSONMessage{}, p.misuse(was))
			return
		}
		p.finish(p.run(yield))
	}
}

// Wait reads the operation's messages to the end, discarding them, and
// returns the error that ended the stream: a *StreamError for a failure
// the daemon reported inside it, an error wrapping io.ErrUnexpectedEOF if
// it was cut off, the ctx's error if the call's ctx ended first. After the
// stream was read (by Messages or an earlier Wait) or closed, Wait returns
// how it ended without reading anything.
func (p *Progress) Wait() error {
	switch was, result := p.begin(); was {
	case progressDone:
		return result
	case progressReading:
		return p.misuse(was)
	}
	err := p.run(func(engine.JSONMessage, error) bool { return true })
	p.finish(err)
	return err
}

// Close abandons the operation: if its stream is still unread, or being
// read in another goroutine, the connection is closed, which cancels the
// operation on the daemon, and reading reports that it was closed. After
// the stream has ended, Close does nothing. It always returns nil.
func (p *Progress) Close() error {
	p.mu.Lock()
	if p.state == progressDone {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	if p.state == progressReady {
		p.state, p.result = progressDone, p.fail(errClosed)
	}
	p.mu.Unlock()
	p.end()
	return nil
}

// ImageID returns the image the operation produced, once its stream has
// been read: the ID of a built or imported image, or the first image a
// load reported (an ID, or a name:tag when the archive named its images). It is "" while
// unknown, and after a pull or a push, whose streams name the manifest's
// digest (see Digest) but not the image's ID: ImageInspect of the
// reference has it.
func (p *Progress) ImageID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.imageID
}

// Digest returns the manifest digest ("sha256:…") that a pull or push
// reported once its stream has been read, the digest docker pull and
// docker push print: name@digest refers to exactly this image. It is ""
// for a build or load, and while unknown; with AllTags it is the last
// tag's.
func (p *Progress) Digest() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.digest
}

// begin marks p as being read if it is ready to be, and returns the
// state it was in, with how its reading ended if that is over.
func (p *Progress) begin() (was progressState, result error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	was = p.state
	if was == progressReady {
		p.state = progressReading
	}
	return was, p.result
}

// misuse explains why p cannot be read now.
func (p *Progress) misuse(was progressState) error {
	if was == progressReading {
		return p.fail(fmt.Errorf("%w: Messages or Wait called while the stream is being read", ErrInvalidArgument))
	}
	return p.fail(fmt.Errorf("%w: the stream was already read or closed; Wait returns how it ended", ErrInvalidArgument))
}

func (p *Progress) finish(err error) {
	p.mu.Lock()
	p.state, p.result = progressDone, err
	p.mu.Unlock()
}

// fail names the operation in err.
func (p *Progress) fail(err error) error {
	if p.ref == "" {
		return fmt.Errorf("dockwire: %s on %s: %w", p.op, p.c.host, err)
	}
	return fmt.Errorf("dockwire: %s %q on %s: %w", p.op, p.ref, p.c.host, err)
}

// settleCtx detaches the watch on the call's ctx and returns the ctx's
// error if it ended before the stream did.
func (p *Progress) settleCtx() error {
	p.settled.Do(func() {
		if !p.stop() {
			<-p.ctxDone
			p.settle = p.ctxErr
		}
	})
	return p.settle
}

// end releases the connection and the request body.
func (p *Progress) end() {
	p.settleCtx()
	p.release.Do(func() {
		p.body.Close()
		if c, ok := p.upload.(io.Closer); ok {
			c.Close()
		}
	})
}

// interrupted reports why the stream ended early, if it did: Close, or
// the call's ctx ending.
func (p *Progress) interrupted() error {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return p.fail(errClosed)
	}
	return p.settleCtx()
}

// run hands each message to yield. It returns the error that ended the
// stream, errAbandoned if yield stopped it, or nil.
//
// The loop is decodeMessages, the one the stats and events streams use.
// It is given no ctx of its own: p watches the call's ctx itself, and
// interrupted says whether that, or Close, cut the stream short.
func (p *Progress) run(yield func(engine.JSONMessage, error) bool) error {
	defer p.end()
	var serr *StreamError
	err := decodeMessages(context.Background(), p.body, func(m engine.JSONMessage) error {
		if m.Trace != nil {
			p.steps.observe(m.Trace)
		}
		p.observe(m)
		if m.Error != nil {
			serr = &StreamError{Op: p.op, Ref: p.ref, Host: p.c.host, Code: m.Error.Code, Message: cleanText(m.Error.Message, maxMessageLen)}
			p.steps.explain(serr)
			yield(m, serr)
			return serr
		}
		if !yield(m, nil) {
			return errStopped
		}
		return nil
	})
	switch {
	case serr != nil:
		return serr
	case err == errStopped:
		return p.fail(errAbandoned)
	}
	// The stream may have ended cleanly just as ctx did; the caller asked
	// to stop, so say so rather than report success. Close, likewise.
	if ierr := p.interrupted(); ierr != nil {
		err = ierr
	} else if err != nil {
		err = p.c.bodyError(p.r, err)
	}
	if err != nil {
		yield(engine.JSONMessage{}, err)
	}
	return err
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

// pushedDigest returns the digest in a push's last status,
// "<tag>: digest: sha256:… size: <n>".
func pushedDigest(status string) (string, bool) {
	_, rest, ok := strings.Cut(status, ": digest: ")
	d, _, _ := strings.Cut(rest, " ")
	return d, ok && isDigest(d)
}

// observe records the image ID or digest the stream reports.
func (p *Progress) observe(m engine.JSONMessage) {
	var auxID, auxDigest string
	if m.Aux != "" {
		auxID, auxDigest = m.Aux.Get("ID").String(), m.Aux.Get("Digest").String()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.op == "import" {
		// An import's one message is the new image's ID.
		if isDigest(m.Status) {
			p.imageID = m.Status
		}
		return
	}
	if p.op == "pull" || p.op == "push" {
		// A push's aux message has it; a pull says "Digest: sha256:…". A
		// push also says "<tag>: digest: sha256:… size: <n>", which is
		// all Podman sends.
		if d, ok := strings.CutPrefix(m.Status, "Digest: "); ok && isDigest(d) {
			p.digest = d
		} else if isDigest(auxDigest) {
			p.digest = auxDigest
		} else if d, ok := pushedDigest(m.Status); ok && p.op == "push" && p.digest == "" {
			p.digest = d
		}
		return
	}
	switch {
	case auxID != "":
		// BuildKit and the classic builder (API >= 1.30) send the full ID.
		p.imageID, p.auxID = auxID, true
	case p.auxID || m.Stream == "":
	case strings.HasPrefix(m.Stream, "Loaded image"):
		if ref, ok := loadedImage(m.Stream); ok && p.imageID == "" {
			p.imageID = p.c.podmanFamiliarRef(ref)
		}
	case p.op == "build":
		// "Successfully built <id>" is the classic builder's last word; a
		// bare ID is all a quiet build prints.
		if id, ok := builtID(m.Stream); ok && (p.imageID == "" || strings.HasPrefix(m.Stream, "Successfully built ")) {
			p.imageID = p.c.podmanImageID(id)
		}
	}
}

// StreamError is a failure the daemon reported inside the 200 answer of a
// pull, push, build or load (an errorDetail message): a failed RUN step,
// an unknown manifest, a registry that refused the credentials. A
// registry's failure matches the sentinel of its error code (see Is).
type StreamError struct {
	Op      string // "build", "pull", "push", "load" or "import"
	Ref     string // the image the operation was about, if any
	Host    string // the daemon's address
	Code    int    // the errorDetail code; usually 0
	Message string // the daemon's message, cleaned of control characters and capped
	// Step is the step of a BuildKit build that failed, as docker buildx
	// names it ("[3/3] RUN make"), and Log its last lines of output (10
	// at most, oldest first, cleaned of control characters). Both are
	// empty for a classic build and for other operations.
	Step string
	Log  []string
}

func (e *StreamError) Error() string {
	var b strings.Builder
	b.WriteString("dockwire: ")
	b.WriteString(e.Op)
	if e.Ref != "" {
		fmt.Fprintf(&b, " %q", e.Ref)
	}
	fmt.Fprintf(&b, " failed on %s: ", e.Host)
	if e.Step != "" {
		fmt.Fprintf(&b, "step %s: ", e.Step)
	}
	b.WriteString(strings.TrimSpace(e.Message))
	if e.Op == "build" {
		b.WriteString(sessionHint(e.Message))
	}
	if len(e.Log) > 0 {
		b.WriteString("; its last output:\n")
		b.WriteString(strings.Join(e.Log, "\n"))
	}
	return b.String()
}

// Is matches a registry's failure, reported in the message, as an
// *APIError of the same status would: "unauthorized: …" (or the daemon's
// "no basic auth credentials") matches ErrUnauthorized, "denied: …"
// ErrForbidden, an unknown manifest, repository or blob ErrNotFound and
// ErrImageNotFound, "toomanyrequests: …" ErrUnavailable. A push of an
// image that does not exist locally matches ErrImageNotFound too. A pull
// or push whose connection to the registry was cut (the daemon's
// "unexpected EOF" or "connection reset by peer", after its retries)
// matches io.ErrUnexpectedEOF.
func (e *StreamError) Is(target error) bool {
	if target == io.ErrUnexpectedEOF {
		return (e.Op == "pull" || e.Op == "push") && registryCut(e.Message)
	}
	status := registryStatus(e.Message)
	// The daemon's fixed words for a push without a local image (moby's
	// push has said so since 2015); the registry is never asked.
	if e.Op == "push" && strings.HasPrefix(e.Message, "An image does not exist locally with the tag") {
		status = http.StatusNotFound
	}
	return registryIs(status, KindImage, target)
}

package dockwire

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"
)

// roundTripper carries a Client's exchanges: its own connPool, or the
// http.RoundTripper given to WithTransport (userTransport).
//
// Its method names are chosen so that no net/http type has a method of the
// same name and signature: the Go linker keeps a method of any type stored
// in an interface when reachable code calls an interface method of that
// name and signature, and compares unexported names without their package.
// A method roundTrip(*http.Request) (*http.Response, error) here kept
// net/http.(*Transport).roundTrip, and with it the whole Transport and its
// HTTP/2 code (about 800 KB), in every program.
type roundTripper interface {
	exchangeRequest(req *http.Request) (*http.Response, error)
	// closeIdle closes idle connections, for Close.
	closeIdle()
}

// userTransport is a WithTransport round-tripper. It holds the package's
// only call of http.RoundTripper.RoundTrip, and only WithTransport makes
// one, so a program that never calls WithTransport does not link
// net/http's Transport, although go-retryablehttp's package variables make
// one: nothing calls its methods (bench/RESULTS.md, section 1).
type userTransport struct{ rt http.RoundTripper }

func (u userTransport) exchangeRequest(req *http.Request) (*http.Response, error) {
	resp, err := u.rt.RoundTrip(req)
	if err == nil && resp == nil {
		return nil, fmt.Errorf("the WithTransport round-tripper (%T) returned neither a response nor an error", u.rt)
	}
	if resp != nil && resp.Body == nil {
		resp.Body = http.NoBody
	}
	return resp, err
}

// closeIdle calls the round-tripper's CloseIdleConnections, if it has
// one, as net/http.Transport does.
func (u userTransport) closeIdle() {
	if ci, ok := u.rt.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// connPool is the client's own roundTripper: a synchronous exchange
// (writeRequest, then readResponse: httpwire.go) on a kept-alive connection. It skips
// net/http.Transport's per-request goroutine hand-offs, which cost more
// than the whole exchange on a Unix socket, and it hands back hijacked
// connections (101, or any answer to an Upgrade request) as a body that is
// an io.ReadWriteCloser with CloseWrite, like net/http does for 101.
type connPool struct {
	dial          func(ctx context.Context) (net.Conn, error)
	headerTimeout time.Duration // 0: none beyond ctx
	maxIdle       int
	slots         chan struct{} // one per connection in use; nil: no bound

	mu     sync.Mutex
	idle   []*poolConn
	closed bool
}

type poolConn struct {
	net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	alive  func() bool // see aliveChecker
	reused bool
	werr   error // the last error writing to Conn, as opposed to reading a request body
}

// connWriter records write errors, so that a failed request write can be
// told apart from a failed read of the request body.
type connWriter struct{ pc *poolConn }

func (w connWriter) Write(b []byte) (int, error) {
	n, err := w.pc.Conn.Write(b)
	if err != nil {
		w.pc.werr = err
	}
	return n, err
}

// maxHead is the size of a connection's read buffer, and so the longest
// response head it takes (a daemon's is a few hundred bytes; the longest,
// an archive stat header, a few KiB).
const maxHead = 16 << 10

// earlyAnswerWait bounds the wait for an answer after a request write
// failed: one the daemon sent before hanging up is already here.
const earlyAnswerWait = 500 * time.Millisecond

// slowAnswerKey carries, in a request's context, how much longer than the
// header timeout the daemon may take to answer it (a stop's grace period).
type slowAnswerKey struct{}

// errClientClosed is returned for calls on a closed Client.
var errClientClosed = errors.New("client is closed (Close was called)")

// protocolError means the peer answered with something that is not HTTP.
type protocolError struct{ err error }

func (e *protocolError) Error() string { return "malformed HTTP response: " + e.err.Error() }
func (e *protocolError) Unwrap() error { return e.err }

// lostError means the connection broke after the request was written and
// before any answer: the daemon may have acted on it.
type lostError struct{ err error }

func (e *lostError) Error() string { return e.err.Error() }
func (e *lostError) Unwrap() error { return e.err }

func (p *connPool) exchangeRequest(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for {
		pc, err := p.get(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := p.exchange(ctx, pc, req)
		if err == nil {
			return resp, nil
		}
		p.release(pc, false)
		// A kept-alive connection the daemon closed while it sat idle fails
		// before any answer. Only a bodiless idempotent request is sent again;
		// anything else may have been acted on.
		var lost *lostError
		if pc.reused && errors.As(err, &lost) && ctx.Err() == nil && (req.Body == nil || req.Body == http.NoBody) && (req.Method == http.MethodGet || req.Method == http.MethodHead) {
			continue
		}
		return nil, err
	}
}

// get returns a connection for one exchange, holding one of the slots
// WithMaxConns sets until release.
func (p *connPool) get(ctx context.Context) (*poolConn, error) {
	if p.slots != nil {
		select {
		case p.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	pc, err := p.idleOrDial(ctx)
	if err != nil && p.slots != nil {
		<-p.slots
	}
	return pc, err
}

func (p *connPool) idleOrDial(ctx context.Context) (*poolConn, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errClientClosed
	}
	for n := len(p.idle); n > 0; n = len(p.idle) {
		pc := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		if pc.br.Buffered() == 0 && pc.alive() {
			pc.reused = true
			return pc, nil
		}
		pc.Close()
		p.mu.Lock()
	}
	p.mu.Unlock()
	conn, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	pc := &poolConn{Conn: conn, br: bufio.NewReaderSize(conn, maxHead), alive: aliveChecker(conn)}
	pc.bw = bufio.NewWriterSize(connWriter{pc}, 4<<10)
	return pc, nil
}

// release ends pc's exchange: it goes back to the idle list if reusable
// (and there is room), else it is closed; either way its slot is freed.
func (p *connPool) release(pc *poolConn, reusable bool) error {
	var err error
	p.mu.Lock()
	if reusable && !p.closed && len(p.idle) < p.maxIdle {
		p.idle = append(p.idle, pc)
		pc = nil
	}
	p.mu.Unlock()
	if pc != nil {
		err = pc.Close()
	}
	if p.slots != nil {
		<-p.slots
	}
	return err
}

// closeIdle closes idle connections and refuses new requests.
func (p *connPool) closeIdle() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, pc := range idle {
		pc.Close()
	}
}

// exchange writes req and reads the response head on pc. From then on the
// response body owns pc: it returns pc to the pool after a clean end, and
// closes it otherwise. ctx ending interrupts any blocked read or write.
func (p *connPool) exchange(ctx context.Context, pc *poolConn, req *http.Request) (*http.Response, error) {
	headerTimeout := p.headerTimeout
	if slow, ok := ctx.Value(slowAnswerKey{}).(time.Duration); ok && headerTimeout > 0 {
		headerTimeout += slow
	}
	stop := context.AfterFunc(ctx, func() { pc.SetDeadline(time.Unix(1, 0)) })
	fail := func(err error) (*http.Response, error) {
		stop()
		return nil, ctxErr(ctx, err)
	}
	writeErr := writeRequest(pc.bw, req)
	if writeErr == nil {
		writeErr = pc.bw.Flush()
	}
	var resp *http.Response
	var err error
	// The timeout bounds the wait for the answer, not the upload before it.
	if writeErr == nil && headerTimeout > 0 && ctx.Err() == nil {
		writeErr = pc.SetReadDeadline(time.Now().Add(headerTimeout))
	}
	switch {
	case writeErr == nil:
		// Wait for the first byte apart: readResponse reports an answer
		// that never started as io.ErrUnexpectedEOF, the same as one cut
		// short, and only the former is safe to send again.
		if _, err := pc.br.Peek(1); err != nil && (err == io.EOF || isConnReset(err)) {
			return fail(&lostError{err})
		}
		resp, err = readResponse(pc, req)
	case pc.werr == nil:
		return fail(writeErr) // the request body's own error; see requestBody
	default:
		// The daemon may have answered and hung up before reading the whole
		// body (a 404 for a missing container under a large upload): that
		// answer says more than the broken pipe.
		if ctx.Err() == nil && pc.SetReadDeadline(time.Now().Add(earlyAnswerWait)) == nil {
			resp, err = readResponse(pc, req)
		}
		if resp == nil {
			return fail(&lostError{writeErr})
		}
		resp.Close = true
	}
	if err != nil {
		// readResponse's own errors are already a *protocolError, or
		// io.ErrUnexpectedEOF for an answer cut short.
		if isTimeout(err) && ctx.Err() == nil {
			return fail(fmt.Errorf("no response within %v: %w", headerTimeout, os.ErrDeadlineExceeded))
		}
		return fail(err)
	}
	if (headerTimeout > 0 || writeErr != nil) && ctx.Err() == nil {
		if err := pc.SetDeadline(time.Time{}); err != nil {
			stop()
			return nil, err
		}
	}
	if resp.StatusCode == http.StatusSwitchingProtocols || req.Header.Get("Upgrade") != "" && resp.StatusCode/100 == 2 {
		resp.Body = &hijackedConn{pool: p, pc: pc, stop: stop, ctx: ctx}
		return resp, nil
	}
	body := &pooledBody{pool: p, pc: pc, body: resp.Body, stop: stop, ctx: ctx, reuse: !resp.Close}
	if resp.Body == http.NoBody {
		body.release(true)
		return resp, nil
	}
	resp.Body = body
	return resp, nil
}

// maxInterim bounds the 1xx interim answers (100 Continue, 103 Early
// Hints) skipped before the real one.
const maxInterim = 5

// readResponse reads the answer to req, skipping interim 1xx answers as
// net/http does: left on the connection, the real answer would reach the
// next request.
func readResponse(pc *poolConn, req *http.Request) (*http.Response, error) {
	for range maxInterim {
		resp, err := readHead(pc.br)
		if err == nil {
			err = frameBody(resp, req, pc.br)
		}
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, nil
		}
	}
	return nil, malformed("more than %d interim 1xx answers", maxInterim)
}

// pooledBody returns its connection to the pool when read to a clean end.
type pooledBody struct {
	pool  *connPool
	pc    *poolConn
	body  io.ReadCloser
	stop  func() bool
	ctx   context.Context
	reuse bool
	once  sync.Once
}

func (b *pooledBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if err == io.EOF {
		b.release(true)
	} else if err != nil {
		err = ctxErr(b.ctx, err)
		b.release(false)
	}
	return n, err
}

// Close abandons the rest of the body: it closes the connection at once
// (which also unblocks a Read in another goroutine) rather than draining
// what may be an endless stream.
func (b *pooledBody) Close() error {
	b.release(false)
	return nil
}

func (b *pooledBody) release(clean bool) {
	b.once.Do(func() {
		// stop reports false when ctx already ended and poisoned the deadline.
		b.pool.release(b.pc, b.stop() && clean && b.reuse)
	})
}

// hijackedConn is the raw connection after an upgrade: reads drain what the
// response reader already buffered first.
type hijackedConn struct {
	pool *connPool
	pc   *poolConn
	stop func() bool
	ctx  context.Context
	once sync.Once
}

func (h *hijackedConn) Read(p []byte) (int, error) {
	n, err := h.pc.br.Read(p)
	if err != nil && err != io.EOF {
		err = ctxErr(h.ctx, err)
	}
	return n, err
}

func (h *hijackedConn) Write(p []byte) (int, error) {
	n, err := h.pc.Conn.Write(p)
	if err != nil {
		err = ctxErr(h.ctx, err)
	}
	return n, err
}

// CloseWrite half-closes the connection so that the process reading stdin
// sees EOF while its output keeps arriving.
func (h *hijackedConn) CloseWrite() error {
	if cw, ok := h.pc.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return fmt.Errorf("dockwire: %T cannot half-close, so stdin cannot be closed without closing the output too", h.pc.Conn)
}

func (h *hijackedConn) Close() error {
	var err error
	h.once.Do(func() {
		h.stop()
		err = h.pool.release(h.pc, false)
	})
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isConnReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

package dockwire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dockwire/dockwire/engine"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/tidwall/gjson"
)

// call describes one API request.
type call struct {
	method      string
	path        string // after the version prefix, segments already escaped
	query       string // encoded, without "?"
	body        io.Reader
	contentType string
	header      http.Header // extra headers, e.g. X-Registry-Auth
	kind, id    string      // the resource a 404 is about, for errors
	unversioned bool        // /_ping only
	// slow is how long the daemon takes before it answers, beyond the
	// client's timeout: the grace period of a stop, the sampling of stats.
	slow time.Duration
}

// endpoint renders c for messages: "GET /containers/x/json".
func (r *call) endpoint() string { return r.method + " " + r.path }

// streamsBody reports whether the request uploads a stream (a tar for
// copy, build or load) whose length WithTimeout must not bound.
func (r *call) streamsBody() bool {
	switch r.body.(type) {
	case nil, *bytes.Reader, *strings.Reader:
		return false
	}
	return true
}

func (r *call) idempotent() bool {
	return (r.method == http.MethodGet || r.method == http.MethodHead) && r.body == nil
}

// send performs r and returns a response with status 1xx, 2xx or 304; any
// other status becomes an *APIError or *VersionError, with the body read
// (capped) and closed.
func (c *Client) send(ctx context.Context, r *call) (*http.Response, error) {
	if c.closed.Load() {
		// The pool refuses too; a WithTransport round-tripper may not.
		return nil, fmt.Errorf("dockwire: %s on %s: %w", r.endpoint(), c.host, errClientClosed)
	}
	renegotiated := false
	for {
		path := r.path
		if !r.unversioned {
			v, err := c.APIVersion(ctx)
			if err != nil {
				return nil, err
			}
			path = "/v" + v + r.path
		}
		resp, err := c.roundTrip(ctx, r, path)
		if err != nil {
			return nil, c.transportError(ctx, r, err)
		}
		if resp.StatusCode != http.StatusSwitchingProtocols {
			// Podman's 101 for a hijack lacks the header its other
			// answers carry.
			c.noteEngine(resp.Header)
		}
		if resp.StatusCode < 300 || resp.StatusCode == http.StatusNotModified {
			return resp, nil
		}
		err = c.responseError(r, resp, path)
		var ve *VersionError
		if errors.As(err, &ve) && c.cfg.apiVersion == "" && !renegotiated {
			// The daemon changed under a long-lived client: negotiate
			// again, and replay only what is safe to send twice.
			c.version.Store(nil)
			renegotiated = true
			if r.idempotent() {
				continue
			}
		}
		return nil, err
	}
}

func (c *Client) roundTrip(ctx context.Context, r *call, path string) (*http.Response, error) {
	req := &http.Request{
		Method:     r.method,
		URL:        &url.URL{Scheme: "http", Host: hostHeader, Path: path, RawQuery: r.query},
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     r.header,
		Host:       hostHeader,
	}
	switch {
	case req.Header != nil:
		req.Header.Set("User-Agent", userAgent)
		if r.contentType != "" {
			req.Header.Set("Content-Type", r.contentType)
		}
	case r.contentType == "":
		// Nothing below writes to it, so the common case shares one.
		req.Header = defaultHeader
	case r.contentType == jsonContentType:
		req.Header = http.Header{"User-Agent": defaultHeader["User-Agent"], "Content-Type": jsonContentTypeValue}
	default:
		req.Header = http.Header{"User-Agent": defaultHeader["User-Agent"], "Content-Type": {r.contentType}}
	}
	var body *requestBody
	if r.body != nil {
		body = &requestBody{r: r.body}
		req.Body = body
		req.ContentLength = -1
		switch b := r.body.(type) {
		case *bytes.Reader:
			req.ContentLength = int64(b.Len())
		case *strings.Reader:
			req.ContentLength = int64(b.Len())
		}
	}
	req = req.WithContext(ctx)
	if !r.idempotent() || c.retry.tries < 2 {
		resp, err := c.transport.exchangeRequest(req)
		if berr := body.failure(); err != nil && berr != nil {
			return nil, &bodyError{berr}
		}
		return resp, err
	}
	return c.retry.do(ctx, c.transport, req)
}

const (
	userAgent       = "dockwire"
	jsonContentType = "application/json"
)

// defaultHeader is the header of every bodiless request without headers
// of its own; it and jsonContentTypeValue are read-only, shared.
var (
	defaultHeader        = http.Header{"User-Agent": {userAgent}}
	jsonContentTypeValue = []string{jsonContentType}
)

// requestBody remembers why reading a request body failed, so that a
// failure producing the body (a build context that cannot be read) is
// reported as such rather than as a lost connection.
type requestBody struct {
	r      io.Reader
	mu     sync.Mutex
	failed error
}

func (b *requestBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.mu.Lock()
		b.failed = err
		b.mu.Unlock()
	}
	return n, err
}

func (b *requestBody) Close() error { return nil }

func (b *requestBody) failure() error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.failed
}

// bodyError means the request body could not be read: the caller's
// reader failed, not the connection.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "reading the request body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// retrier tries a bodiless idempotent request again (WithRetry) as its
// policy says: check decides whether an answer or error is worth another
// try, backoff how long to wait first. They have go-retryablehttp's types
// and contract (its Client.Do runs the same loop), but dockwire runs the
// loop itself on its roundTripper rather than through retryablehttp.Client,
// whose net/http.Client would keep net/http's Transport, HTTP/2 included,
// linked into every program that embeds dockwire (bench/RESULTS.md,
// section 1), and would copy each request's URL and header on the way.
type retrier struct {
	tries            int // in all, the first included
	waitMin, waitMax time.Duration
	check            retryablehttp.CheckRetry
	backoff          retryablehttp.Backoff
}

func newRetrier(cfg config) retrier {
	maxWait := cfg.retryMaxWait
	wait := retryWait(maxWait)
	return retrier{
		tries:   cfg.retryTries,
		waitMin: wait.first,
		waitMax: wait.max,
		// Only a refused connection (nothing was sent) and a daemon that
		// says it is busy are tried again; a Retry-After longer than the
		// longest wait is not waited for.
		check: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			if err != nil {
				return errors.Is(err, syscall.ECONNREFUSED), nil
			}
			if resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests {
				d, ok := retryAfter(resp)
				return !ok || d <= maxWait, nil
			}
			return false, nil
		},
		// Waits are numbered from 0, as go-retryablehttp numbers them.
		backoff: func(_, _ time.Duration, attempt int, resp *http.Response) time.Duration {
			if d, ok := retryAfter(resp); ok {
				return d
			}
			return wait.wait(attempt)
		},
	}
}

// drainLimit is how much of a refused answer's body is read before the
// next try, so that its connection can be reused (go-retryablehttp reads
// as much); a longer body closes the connection.
const drainLimit = 4 << 10

// do sends req through rt until check says stop or the tries run out, and
// returns the last answer as it is (a 503 with the daemon's message, not
// "giving up after N attempts"), or the last error.
func (rp retrier) do(ctx context.Context, rt roundTripper, req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := rt.exchangeRequest(req)
		retry, cerr := rp.check(ctx, resp, err)
		if cerr != nil {
			// ctx ended as the answer arrived: close it, or its connection
			// and slot are held until the collector finds them.
			if resp != nil {
				resp.Body.Close()
			}
			return nil, cerr
		}
		if !retry || attempt+1 >= rp.tries {
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
			resp.Body.Close()
		}
		if !sleepCtx(ctx, rp.backoff(rp.waitMin, rp.waitMax, attempt, resp)) {
			return nil, ctx.Err()
		}
	}
}

// retryWait is the schedule of retries (WithRetry): 50ms doubling up to
// maxWait, jittered.
func retryWait(maxWait time.Duration) backoff {
	return backoff{first: min(50*time.Millisecond, maxWait), max: maxWait, jitter: true}
}

// retryAfter reads a Retry-After header given in seconds.
func retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	s, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || s < 0 {
		return 0, false
	}
	return time.Duration(s) * time.Second, true
}

// transportError explains a failure to get any answer.
func (c *Client) transportError(ctx context.Context, r *call, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if cerr := ctxDone(ctx); cerr != nil {
		return cerr
	}
	var be *bodyError
	var re *requestError
	if errors.Is(err, errClientClosed) || errors.As(err, &be) || errors.As(err, &re) {
		return fmt.Errorf("dockwire: %s on %s: %w", r.endpoint(), c.host, err)
	}
	var lost *lostError
	if errors.As(err, &lost) {
		if r.idempotent() {
			return &ConnectError{Host: c.host, Err: fmt.Errorf("%s: %w", r.endpoint(), err), Hint: "the daemon closed the connection without answering; is it restarting?"}
		}
		return &ConnectError{Host: c.host, Err: fmt.Errorf("%w during %s: %v", ErrConnectionLost, r.endpoint(), err),
			Hint: "the daemon may have acted on the request; check its state before trying again"}
	}
	hint := connectHint(c.host, err)
	if tried := c.endpoint.triedHint(); tried != "" {
		hint = tried
	}
	return &ConnectError{Host: c.host, Err: err, Hint: hint}
}

func connectHint(host string, err error) string {
	var pe *protocolError
	var te *tlsError
	var se *SSHError
	var oe *net.OpError
	switch {
	case errors.As(err, &se):
		return se.hint()
	case errors.Is(err, os.ErrNotExist):
		return "no socket there: is the daemon running? Start dockerd, or point DOCKER_HOST at the right socket"
	case errors.Is(err, os.ErrPermission):
		return "permission denied: run as root or add the user to the docker group"
	case errors.Is(err, syscall.ECONNREFUSED):
		if strings.HasPrefix(host, "unix://") {
			return "nothing is listening (a stale socket file?): is the daemon running?"
		}
		return "nothing is listening on that port: is the daemon running, and listening on TCP (dockerd -H tcp://...)? Is the port right (2375 plain, 2376 TLS)?"
	case errors.As(err, &pe):
		if strings.HasPrefix(host, "tcp://") {
			return "the other end does not speak HTTP: is it a TLS-enabled daemon? Set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH"
		}
		return "the other end does not speak HTTP: is this the Docker socket?"
	case errors.As(err, &oe) && oe.Op == "remote error":
		// A TLS alert from the daemon after the handshake: with TLS 1.3 it
		// refuses a client certificate only when the first request arrives.
		return "the daemon refused the TLS session: it wants a client certificate signed by its CA; check cert.pem and key.pem in DOCKER_CERT_PATH (or the WithTLSConfig certificates)"
	case errors.As(err, &te):
		return "check DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem), --tlsverify on the daemon, and that the client certificate is accepted"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "the daemon accepted the connection but did not answer in time"
	}
	return ""
}

// responseError turns a non-2xx answer into an error, reading at most
// maxErrorBody bytes of its body. A longer body is cut off, and the
// connection closed rather than drained.
func (c *Client) responseError(r *call, resp *http.Response, path string) error {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, c.cfg.maxErrorBody))
	msg := errorMessage(resp.Header.Get("Content-Type"), body)
	if resp.StatusCode == http.StatusBadRequest {
		if ve := versionRefusal(msg); ve != nil {
			ve.Host, ve.StatusCode = c.host, resp.StatusCode
			return ve
		}
	}
	return &APIError{StatusCode: podmanStatus(resp, body), Message: msg, Method: r.method, Path: path, Host: c.host, Kind: r.kind, ID: r.id,
		streamMessage: gjson.GetBytes(body, "errorDetail").IsObject() && !gjson.GetBytes(body, "message").Exists()}
}

// errorMessage extracts the daemon's message: the "message" of a JSON
// error body, or the trimmed text of anything else (a proxy's HTML page).
func errorMessage(contentType string, body []byte) string {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return ""
	}
	if gjson.ValidBytes(trimmed) {
		m := gjson.GetBytes(trimmed, "message")
		if m.Type != gjson.String {
			// A progress stream's error message as the whole body (Podman
			// 5 answers a failed push so, with a 500).
			m = gjson.GetBytes(trimmed, "errorDetail.message")
		}
		if m.Type != gjson.String {
			return ""
		}
		return cleanText(m.Str, maxMessageLen)
	}
	text := string(trimmed)
	if strings.Contains(contentType, "json") {
		return cleanText("malformed error body: "+text, 512)
	}
	if strings.Contains(contentType, "html") || strings.HasPrefix(text, "<") {
		text = stripTags(text)
	}
	return cleanText(strings.Join(strings.Fields(text), " "), 512)
}

// versionRefusal parses the daemon's 400 for a version prefix it does not
// serve: "client version 1.43 is too old. Minimum supported API version is
// 1.44, please upgrade your client to a newer version" (or "is too new.
// Maximum supported API version is 1.41").
func versionRefusal(msg string) *VersionError {
	_, rest, ok := strings.Cut(msg, "client version ")
	if !ok {
		return nil
	}
	client, rest, _ := strings.Cut(rest, " ")
	ve := &VersionError{Client: client, Message: msg}
	limit := &ve.DaemonMin
	rest, ok = strings.CutPrefix(rest, "is too old. Minimum supported API version is ")
	if !ok {
		limit = &ve.DaemonMax
		if rest, ok = strings.CutPrefix(rest, "is too new. Maximum supported API version is "); !ok {
			return nil
		}
	}
	v, _, _ := strings.Cut(rest, " ")
	*limit = strings.TrimRight(v, ",.\n")
	if client == "" || *limit == "" {
		return nil
	}
	return ve
}

// stripTags replaces the tags of an HTML page with spaces, leaving its text.
func stripTags(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		b.WriteByte(' ')
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// answerContext bounds a call whose whole answer is due at once by the
// client's timeout (WithTimeout), so that a daemon that stalls mid-body
// cannot hang it; streams are bounded by their ctx alone. done must be
// deferred: it releases the timer and turns the timeout into an error that
// says what happened, leaving the caller's own deadline untouched.
func (c *Client) answerContext(ctx context.Context, r *call, errp *error) (context.Context, func()) {
	if c.cfg.timeout <= 0 || r.streamsBody() {
		return ctx, func() {}
	}
	if r.slow > 0 {
		ctx = context.WithValue(ctx, slowAnswerKey{}, r.slow)
	}
	bctx, cancel := context.WithTimeout(ctx, c.cfg.timeout+r.slow)
	return bctx, func() {
		// Only the timeout can end bctx while ctx lives.
		if *errp != nil && ctxDone(ctx) == nil && ctxDone(bctx) != nil {
			*errp = &ConnectError{Host: c.host,
				Err:  fmt.Errorf("no complete answer to %s within %v (WithTimeout): %w", r.endpoint(), c.cfg.timeout+r.slow, os.ErrDeadlineExceeded),
				Hint: connectHint(c.host, os.ErrDeadlineExceeded)}
		}
		cancel()
	}
}

// bodyPool keeps the buffers fetch reads answers into, up to maxPooledBody
// each: a list of 1000 containers is about 1.1 MB, and growing a new
// buffer to that on every call cost a sixth of the list's CPU time
// (zeroing each doubling). sync.Pool lets the GC take them back.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBody = 4 << 20

// fetch performs r and returns its whole JSON body, at most
// maxResponseSize bytes of it.
func (c *Client) fetch(ctx context.Context, r *call) (body string, err error) {
	ctx, done := c.answerContext(ctx, r, &err)
	defer done()
	resp, err := c.send(ctx, r)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	max := c.cfg.maxResponseSize
	if resp.ContentLength > max {
		return "", c.bodyError(r, fmt.Errorf("%w: %d bytes, limit %d (WithMaxResponseSize)", ErrResponseTooLarge, resp.ContentLength, max))
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBody {
			buf.Reset()
			bodyPool.Put(buf)
		}
	}()
	if err := readAtMost(buf, resp.Body, max+min(1, math.MaxInt64-max)); err != nil {
		return "", c.bodyError(r, ctxErr(ctx, err))
	}
	switch {
	case int64(buf.Len()) > max:
		return "", c.bodyError(r, fmt.Errorf("%w: more than %d bytes (WithMaxResponseSize)", ErrResponseTooLarge, max))
	case len(bytes.TrimSpace(buf.Bytes())) == 0:
		return "", c.bodyError(r, ErrEmptyResponse)
	}
	return buf.String(), nil
}

// readAtMost appends to buf what r gives until io.EOF or until buf has
// grown by n bytes, like buf.ReadFrom(io.LimitReader(r, n)) without the
// limiting reader's allocation.
func readAtMost(buf *bytes.Buffer, r io.Reader, n int64) error {
	for n > 0 {
		buf.Grow(int(min(n, 4<<10)))
		free := buf.AvailableBuffer()
		m, err := r.Read(free[:min(int64(cap(free)), n)])
		buf.Write(free[:m])
		n -= int64(m)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) bodyError(r *call, err error) error {
	if isContextErr(err) {
		return err
	}
	return fmt.Errorf("dockwire: %s on %s: %w", r.endpoint(), c.host, err)
}

// getJSON performs r and decodes its body into a T.
func getJSON[T any, PT interface {
	*T
	engine.Decoder
}](ctx context.Context, c *Client, r *call) (T, error) {
	body, err := c.fetch(ctx, r)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := engine.Decode[T, PT](body)
	if err != nil {
		return v, c.bodyError(r, err)
	}
	return v, nil
}

// getList performs r and decodes its body into a []T.
func getList[T any, PT interface {
	*T
	engine.Decoder
}](ctx context.Context, c *Client, r *call) ([]T, error) {
	body, err := c.fetch(ctx, r)
	if err != nil {
		return nil, err
	}
	v, err := engine.DecodeList[T, PT](body)
	if err != nil {
		return nil, c.bodyError(r, err)
	}
	return v, nil
}

// jsonBody encodes v for a request body.
func jsonBody(v any) (*bytes.Reader, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("dockwire: %w: encoding request: %v", ErrInvalidArgument, err)
	}
	return bytes.NewReader(b), nil
}

// discard performs r, for calls whose answer has no body worth reading.
func (c *Client) discard(ctx context.Context, r *call) (status int, err error) {
	ctx, done := c.answerContext(ctx, r, &err)
	defer done()
	resp, err := c.send(ctx, r)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.Body != http.NoBody {
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, c.cfg.maxErrorBody))
	}
	return resp.StatusCode, ctxErr(ctx, err)
}

package enginetest

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
)

// maxRecordedBody caps the request body kept in a Request. Bodies stream on
// to the handler whole; only the copy is cut.
const maxRecordedBody = 64 << 10

// Request is one request as the engine received it, before any fault or
// handler answered it.
type Request struct {
	Method string
	// Path is the path as sent, still escaped, with its /v1.NN prefix if
	// it had one.
	Path string
	// Version is the NN of the prefix, such as "1.41", or "" for a path sent
	// without one (only /_ping should be).
	Version string
	// Route is Path without its version prefix, such as "/containers/json".
	Route  string
	Query  url.Values
	Header http.Header
	// Body holds the first 64 KiB of the body; BodyTruncated says there was more.
	Body          []byte
	BodyTruncated bool
}

// record appends r to the engine's log. It reads at most maxRecordedBody
// bytes ahead and puts them back in front of r.Body.
func (e *Engine) record(r *http.Request, version, route string) {
	rec := Request{
		Method:  r.Method,
		Path:    r.URL.EscapedPath(),
		Version: version,
		Route:   route,
		Query:   r.URL.Query(),
		Header:  r.Header.Clone(),
	}
	if r.Body != nil && r.Body != http.NoBody {
		buf, err := io.ReadAll(io.LimitReader(r.Body, maxRecordedBody+1))
		if len(buf) > maxRecordedBody {
			rec.BodyTruncated = true
			rec.Body = bytes.Clone(buf[:maxRecordedBody])
		} else {
			rec.Body = bytes.Clone(buf)
		}
		r.Body = &replayedBody{Reader: io.MultiReader(bytes.NewReader(buf), errAfter(r.Body, err)), closer: r.Body}
	}
	e.mu.Lock()
	e.requests = append(e.requests, rec)
	e.mu.Unlock()
}

// errAfter returns a reader that reads the rest of body, or fails with err
// if reading the recorded part already failed.
func errAfter(body io.Reader, err error) io.Reader {
	if err != nil {
		return &errReader{err}
	}
	return body
}

type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }

type replayedBody struct {
	io.Reader
	closer io.Closer
}

func (b *replayedBody) Close() error { return b.closer.Close() }

// Requests returns a copy of every request received so far, in arrival order.
func (e *Engine) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Request, len(e.requests))
	copy(out, e.requests)
	return out
}

// Count returns how many requests matched method and pattern so far.
// pattern is matched against the route without its version prefix and may
// hold {name} wildcards, as in Handle: Count("POST", "/exec/{id}/start").
// An empty method matches every method.
func (e *Engine) Count(method, pattern string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, r := range e.requests {
		if method != "" && r.Method != method {
			continue
		}
		if _, ok := matchPattern(pattern, r.Route); ok {
			n++
		}
	}
	return n
}

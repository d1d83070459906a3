package enginetest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// A Fault replaces the engine's answer to matching requests with a failure,
// for testing how a client copes with daemons, proxies and sockets that
// misbehave. Build one with Status, Reply, Hang, CloseAfter, RawBytes or
// Redirect, limit it with Times, and install it with Engine.Fault.
type Fault struct {
	kind   faultKind
	status int
	header http.Header
	body   []byte
	n      int // bytes before the cut, for CloseAfter
	times  int // 0 for every matching request
	// daemonHeaders adds Api-Version, Server and the rest, for a reply that
	// comes from the daemon rather than from something in front of it.
	daemonHeaders bool
}

type faultKind int

const (
	faultReply faultKind = iota
	faultHang
	faultCloseAfter
	faultRaw
)

// Status answers with a daemon error: the given status, the daemon's usual
// headers and the body {"message": message}.
func Status(code int, message string) Fault {
	body, _ := json.Marshal(map[string]string{"message": message})
	return Fault{
		kind:          faultReply,
		status:        code,
		header:        http.Header{"Content-Type": {"application/json"}},
		body:          append(body, '\n'),
		daemonHeaders: true,
	}
}

// Reply answers with exactly the given status, header and body, and none of
// the daemon's headers: what a proxy in front of the daemon would send, such
// as an HTML 502, a malformed JSON error, or a 429 with Retry-After.
func Reply(code int, header http.Header, body string) Fault {
	return Fault{kind: faultReply, status: code, header: header.Clone(), body: []byte(body)}
}

// Redirect answers with a redirect to location, which a Docker client must
// never follow. code is 301, 302, 303, 307 or 308.
func Redirect(code int, location string) Fault {
	return Reply(code, http.Header{"Location": {location}}, "")
}

// Hang accepts the request and never answers, until the client gives up or
// the engine closes: a daemon that is stuck, for testing deadlines.
func Hang() Fault { return Fault{kind: faultHang} }

// CloseAfter serves the request normally but closes the connection after n
// bytes of the response, counting the status line and headers. With n inside
// the body of a JSON reply the client reads a truncated body, as when a
// daemon dies mid-reply; inside a followed log stream it is a daemon dying
// mid-follow. On a Unix socket the client sees an early EOF, not
// ECONNRESET: Linux reports a reset only to the peer of a socket closed with
// unread input.
func CloseAfter(n int) Fault {
	if n < 0 {
		n = 0
	}
	return Fault{kind: faultCloseAfter, n: n}
}

// RawBytes answers with b as is, in place of an HTTP response, then closes
// the connection: a TLS alert, an SSH banner or random junk on the socket.
func RawBytes(b []byte) Fault {
	return Fault{kind: faultRaw, body: append([]byte(nil), b...)}
}

// Times limits the fault to the next n matching requests; later ones are
// served as if the fault were not there. Without Times a fault applies to
// every matching request. Times(2) on Status(503, …) followed by a retry
// tests a client that retries exactly as often as it should.
func (f Fault) Times(n int) Fault {
	if n < 1 {
		n = 1
	}
	f.times = n
	return f
}

type faultRule struct {
	method, pattern string
	fault           Fault
	left            int // remaining uses; -1 for unlimited
}

// Fault installs f for requests whose method and route match. pattern is
// matched against the path without its /v1.NN prefix and may hold {name}
// wildcards for one segment, such as "/containers/{id}/json"; an empty
// method matches every method. When several faults match, the one installed
// first that has uses left applies. Faults apply before Handle overrides,
// fixtures and the version check, and the request is recorded first.
func (e *Engine) Fault(method, pattern string, f Fault) {
	left := -1
	if f.times > 0 {
		left = f.times
	}
	e.mu.Lock()
	e.faults = append(e.faults, &faultRule{method: method, pattern: pattern, fault: f, left: left})
	e.mu.Unlock()
}

// ClearFaults removes every installed fault.
func (e *Engine) ClearFaults() {
	e.mu.Lock()
	e.faults = nil
	e.mu.Unlock()
}

func (e *Engine) takeFault(method, route string) *Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range e.faults {
		if r.left == 0 || (r.method != "" && r.method != method) {
			continue
		}
		if _, ok := matchPattern(r.pattern, route); !ok {
			continue
		}
		if r.left > 0 {
			r.left--
		}
		f := r.fault
		return &f
	}
	return nil
}

func (e *Engine) serveFault(w http.ResponseWriter, r *http.Request, f *Fault) {
	switch f.kind {
	case faultReply:
		h := w.Header()
		for k, vs := range f.header {
			h[k] = append([]string(nil), vs...)
		}
		if f.daemonHeaders {
			e.setDaemonHeaders(h)
		}
		w.WriteHeader(f.status)
		w.Write(f.body)
	case faultHang:
		e.waitDone(r.Context())
	case faultCloseAfter:
		c, ok := r.Context().Value(connKey{}).(*serverConn)
		if !ok {
			panic("enginetest: request without its connection")
		}
		c.cutAfter(f.n)
		if f.n == 0 {
			c.Close()
			return
		}
		// Every byte net/http writes goes through serverConn.Write, so the
		// request is served as usual and the connection does the cutting.
		version, route := splitVersion(r.URL.EscapedPath())
		e.dispatch(w, r, version, route)
	case faultRaw:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		conn.Write(f.body)
		conn.Close()
	}
}

type override struct {
	method, pattern string
	h               http.Handler
}

// Handle makes h answer requests whose method and route match, in place of
// the built-in routes or fixtures; see Fault for how pattern matches. The
// wildcards are available to h through r.PathValue. The latest Handle for a
// route wins. The daemon's headers are not set: h says exactly what is sent.
func (e *Engine) Handle(method, pattern string, h http.Handler) {
	e.mu.Lock()
	e.overrides = append(e.overrides, override{method, pattern, h})
	e.mu.Unlock()
}

func (e *Engine) findOverride(method, route string) (http.Handler, map[string]string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := len(e.overrides) - 1; i >= 0; i-- {
		o := e.overrides[i]
		if o.method != "" && o.method != method {
			continue
		}
		if params, ok := matchPattern(o.pattern, route); ok {
			return o.h, params
		}
	}
	return nil, nil
}

// matchPattern matches an escaped path such as "/containers/abc/json"
// against a pattern such as "/containers/{id}/json". A {name} matches one
// non-empty segment; a final {name...} matches the rest of the path.
// Segments are unescaped one by one, so "/containers/%2Fweb/json" has the
// id "/web" rather than an extra segment.
func matchPattern(pattern, path string) (map[string]string, bool) {
	ps := strings.Split(pattern, "/")
	xs := strings.Split(path, "/")
	var params map[string]string
	set := func(name, value string) {
		if params == nil {
			params = make(map[string]string)
		}
		params[name] = value
	}
	for i, p := range ps {
		wild := strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}")
		if wild && strings.HasSuffix(p, "...}") && i == len(ps)-1 {
			if i > len(xs) {
				return nil, false
			}
			rest, err := url.PathUnescape(strings.Join(xs[i:], "/"))
			if err != nil {
				return nil, false
			}
			set(p[1:len(p)-4], rest)
			return params, true
		}
		if i >= len(xs) {
			return nil, false
		}
		seg, err := url.PathUnescape(xs[i])
		if err != nil {
			return nil, false
		}
		switch {
		case wild && seg != "":
			set(p[1:len(p)-1], seg)
		case wild || p != seg:
			return nil, false
		}
	}
	return params, len(ps) == len(xs)
}

func setPathValues(r *http.Request, params map[string]string) {
	for k, v := range params {
		r.SetPathValue(k, v)
	}
}

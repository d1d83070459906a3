package enginetest

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/dockwire/dockwire/internal/fixture"
)

// replayer answers requests from recorded exchanges, each at most once.
type replayer struct {
	session fixture.Session
	xs      []fixture.Exchange
	used    []bool // guarded by Engine.mu
}

func newReplayer(s fixture.Session, xs []fixture.Exchange) *replayer {
	return &replayer{session: s, xs: xs, used: make([]bool, len(xs))}
}

// matchKey is what a request must share with an exchange to be answered
// by it. A path without a version prefix gets defaultVersion, except
// /_ping, which is unversioned.
func matchKey(method, path, query, defaultVersion string) string {
	version, route := splitVersion(path)
	if version == "" && route != "/_ping" {
		version = defaultVersion
	}
	if vs, err := url.ParseQuery(query); err == nil {
		query = vs.Encode() // sorted, so the order of parameters does not matter
	}
	return method + " " + version + " " + route + "?" + query
}

func (p *replayer) serve(e *Engine, w http.ResponseWriter, r *http.Request) {
	version, route := splitVersion(r.URL.EscapedPath())
	// A request sent without a prefix stays unversioned, so it never
	// matches a recording of a client that sent one.
	want := matchKey(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, "")
	e.mu.Lock()
	idx := -1
	var near []string
	for i, x := range p.xs {
		if p.used[i] {
			continue
		}
		if matchKey(x.Request.Method, x.Request.Path, x.Request.Query, p.session.APIVersion) == want {
			idx = i
			p.used[i] = true
			break
		}
		if _, xr := splitVersion(x.Request.Path); xr == route && len(near) < 3 {
			near = append(near, x.Request.Method+" "+withQuery(x.Request.Path, x.Request.Query))
		}
	}
	e.mu.Unlock()
	if idx < 0 {
		msg := fmt.Sprintf("enginetest: no unused recorded exchange matches %s %s (API version %q)", r.Method, withQuery(r.URL.EscapedPath(), r.URL.RawQuery), version)
		if len(near) > 0 {
			msg += "; unused for this route: " + strings.Join(near, ", ")
		}
		writeError(w, http.StatusNotFound, msg)
		return
	}
	replay(w, r, p.xs[idx].Response)
}

func withQuery(path, query string) string {
	if query == "" {
		return path
	}
	return path + "?" + query
}

func replay(w http.ResponseWriter, r *http.Request, resp fixture.RecordedResponse) {
	body, _ := resp.BodyBytes() // checked by fixture.Load
	h := w.Header()
	for k, v := range resp.Header {
		h.Set(k, v)
	}
	chunked := strings.EqualFold(h.Get("Transfer-Encoding"), "chunked")
	h.Del("Transfer-Encoding")
	stream := strings.HasPrefix(h.Get("Content-Type"), "application/vnd.docker.") && strings.HasSuffix(h.Get("Content-Type"), "-stream")
	if resp.Status == http.StatusSwitchingProtocols || stream && !chunked && h.Get("Content-Length") == "" {
		replayHijacked(w, resp.Status, body)
		return
	}
	if h.Get("Content-Length") != "" {
		h.Set("Content-Length", strconv.Itoa(len(body))) // a hand-edited body keeps the reply valid
	}
	w.WriteHeader(resp.Status)
	if r.Method == http.MethodHead {
		return
	}
	if chunked {
		http.NewResponseController(w).Flush() // commits net/http to chunked encoding
	}
	w.Write(body)
}

// replayHijacked writes the response by hand, as the daemon does for
// hijacked streams, and ends it by closing the connection.
func replayHijacked(w http.ResponseWriter, status int, body []byte) {
	h := w.Header().Clone()
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	reason := http.StatusText(status)
	if status == http.StatusSwitchingProtocols {
		reason = "UPGRADED"
	}
	var head strings.Builder
	fmt.Fprintf(&head, "HTTP/1.1 %d %s\r\n", status, reason)
	h.Write(&head)
	head.WriteString("\r\n")
	sc := conn.(*serverConn)
	if _, err := io.WriteString(sc, head.String()); err == nil {
		sc.Write(body)
	}
	endHijacked(sc, brw.Reader)
}

// UnusedExchanges returns the recorded exchanges no request has consumed
// yet, in file order, so a test can check that a scenario ran to the end.
// Each has the step it belongs to (Name) and its Request's Method, Path
// and Query.
func (e *Engine) UnusedExchanges() []fixture.Exchange {
	if e.fix == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []fixture.Exchange
	for i, x := range e.fix.xs {
		if !e.fix.used[i] {
			out = append(out, x)
		}
	}
	return out
}

package enginetest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A fixture directory holds one recording session against a real engine:
//
//	testdata/docker-20.10/engine.json          the Session
//	testdata/docker-20.10/0001-ping.json       one Exchange per file,
//	testdata/docker-20.10/0002-container-inspect.json  in request order
//
// The recorder writes it with WriteFixtures and WithFixtures replays it.
const sessionFile = "engine.json"

// Session describes the engine a fixture directory was recorded from.
type Session struct {
	Engine     string    `json:"engine"`     // "docker" or "podman"
	Version    string    `json:"version"`    // the engine release, such as "20.10.24"
	APIVersion string    `json:"apiVersion"` // the daemon's maximum API version, such as "1.41"
	OS         string    `json:"os"`         // "linux" or "windows"
	RecordedAt time.Time `json:"recordedAt"`
}

// Exchange is one recorded HTTP request and the daemon's response to it,
// stored as NNNN-<name>.json.
type Exchange struct {
	// Name is the scenario step, such as "container-inspect".
	Name     string           `json:"name"`
	Request  RecordedRequest  `json:"request"`
	Response RecordedResponse `json:"response"`
}

// RecordedRequest is the request half of an Exchange.
type RecordedRequest struct {
	Method string `json:"method"`
	// Path is the path as sent, with its version prefix: "/v1.41/info".
	Path string `json:"path"`
	// Query is the encoded query string without "?".
	Query string `json:"query,omitempty"`
	// Header holds the headers worth keeping, under canonical names, with
	// several values joined by ", ".
	Header map[string]string `json:"header,omitempty"`
	// Body holds a body that is printable UTF-8; BodyBase64 any other.
	// SetBody picks the field.
	Body       string `json:"body,omitempty"`
	BodyBase64 string `json:"bodyBase64,omitempty"`
}

// RecordedResponse is the response half of an Exchange.
//
// Header also says how the body was delimited, which replay reproduces:
// Content-Length for a sized body, "Transfer-Encoding: chunked" for a chunked
// one (net/http hides it from Header, so the recorder must add it), and
// neither for a hijacked stream, which ends when the connection closes. For
// a 101 the body is every byte the daemon sent after the headers.
type RecordedResponse struct {
	Status     int               `json:"status"`
	Header     map[string]string `json:"header,omitempty"`
	Body       string            `json:"body,omitempty"`
	BodyBase64 string            `json:"bodyBase64,omitempty"`
}

// SetBody stores b in Body if it is printable UTF-8, else in BodyBase64.
func (r *RecordedRequest) SetBody(b []byte) { r.Body, r.BodyBase64 = encodeBody(b) }

// BodyBytes returns the recorded body.
func (r *RecordedRequest) BodyBytes() ([]byte, error) { return decodeBody(r.Body, r.BodyBase64) }

// SetBody stores b in Body if it is printable UTF-8, else in BodyBase64.
func (r *RecordedResponse) SetBody(b []byte) { r.Body, r.BodyBase64 = encodeBody(b) }

// BodyBytes returns the recorded body.
func (r *RecordedResponse) BodyBytes() ([]byte, error) { return decodeBody(r.Body, r.BodyBase64) }

func encodeBody(b []byte) (text, b64 string) {
	if len(b) == 0 {
		return "", ""
	}
	if utf8.Valid(b) && strings.IndexFunc(string(b), func(r rune) bool {
		return !unicode.IsPrint(r) && r != '\n' && r != '\r' && r != '\t'
	}) < 0 {
		return string(b), ""
	}
	return "", base64.StdEncoding.EncodeToString(b)
}

func decodeBody(text, b64 string) ([]byte, error) {
	if text != "" && b64 != "" {
		return nil, errors.New("both body and bodyBase64 are set")
	}
	if b64 != "" {
		return base64.StdEncoding.DecodeString(b64)
	}
	return []byte(text), nil
}

var exchangeFile = regexp.MustCompile(`^([0-9]{4})-[a-z0-9][a-z0-9._-]*\.json$`)

// LoadFixtures reads a fixture directory: its Session and its exchanges in
// file order. It checks that every body decodes.
func LoadFixtures(dir string) (Session, []Exchange, error) {
	var s Session
	raw, err := os.ReadFile(filepath.Join(dir, sessionFile))
	if err != nil {
		return s, nil, fmt.Errorf("load fixtures: %w", err)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, nil, fmt.Errorf("load fixtures: %s: %w", sessionFile, err)
	}
	if _, err := parseAPIVersion(s.APIVersion); err != nil {
		return s, nil, fmt.Errorf("load fixtures: %s: %w", sessionFile, err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return s, nil, fmt.Errorf("load fixtures: %w", err)
	}
	var names []string
	for _, ent := range ents {
		if exchangeFile.MatchString(ent.Name()) {
			names = append(names, ent.Name())
		}
	}
	sort.Strings(names)
	xs := make([]Exchange, 0, len(names))
	for _, name := range names {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return s, nil, fmt.Errorf("load fixtures: %w", err)
		}
		var x Exchange
		if err := json.Unmarshal(raw, &x); err != nil {
			return s, nil, fmt.Errorf("load fixtures: %s: %w", name, err)
		}
		if _, err := x.Request.BodyBytes(); err != nil {
			return s, nil, fmt.Errorf("load fixtures: %s: request: %w", name, err)
		}
		if _, err := x.Response.BodyBytes(); err != nil {
			return s, nil, fmt.Errorf("load fixtures: %s: response: %w", name, err)
		}
		if x.Request.Method == "" || !strings.HasPrefix(x.Request.Path, "/") || x.Response.Status < 100 {
			return s, nil, fmt.Errorf("load fixtures: %s: missing method, path or status", name)
		}
		xs = append(xs, x)
	}
	return s, xs, nil
}

// WriteFixtures writes s and xs to dir in the layout LoadFixtures reads,
// numbering the exchanges from 0001. It creates dir if needed and does not
// remove files already there.
func WriteFixtures(dir string, s Session, xs []Exchange) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, v any) error {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name), append(b, '\n'), 0o644)
	}
	if err := write(sessionFile, s); err != nil {
		return err
	}
	for i, x := range xs {
		if err := write(fmt.Sprintf("%04d-%s.json", i+1, fileSafe(x.Name)), x); err != nil {
			return err
		}
	}
	return nil
}

// fileSafe turns a step name into the part of a file name LoadFixtures accepts.
func fileSafe(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	s := strings.TrimLeft(b.String(), "._-")
	if s == "" {
		return "exchange"
	}
	return s
}

// replayer answers requests from recorded exchanges, each at most once.
type replayer struct {
	session Session
	xs      []Exchange
	used    []bool // guarded by Engine.mu
}

func newReplayer(s Session, xs []Exchange) *replayer {
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

func replay(w http.ResponseWriter, r *http.Request, resp RecordedResponse) {
	body, _ := resp.BodyBytes() // checked by LoadFixtures
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
func (e *Engine) UnusedExchanges() []Exchange {
	if e.fix == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Exchange
	for i, x := range e.fix.xs {
		if !e.fix.used[i] {
			out = append(out, x)
		}
	}
	return out
}

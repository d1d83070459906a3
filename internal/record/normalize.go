package record

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/internal/fixture"
)

// FixedTime is the instant every recorded timestamp is replaced with.
var FixedTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Limits of what a fixture keeps of a body.
const (
	// truncatedKeep is what is kept of a binary response body the client
	// stopped reading (an image save): one tar header block.
	truncatedKeep = 512
)

// Synthetic headers the recorder adds to say what it left out.
const (
	HeaderBodyOmitted = "X-Dockwire-Body-Omitted" // on a request: its binary body was not stored
	HeaderStdin       = "X-Dockwire-Stdin"        // on a request: what the client sent after the upgrade, Go-quoted
	HeaderTruncated   = "X-Dockwire-Truncated"    // on a response: only the start of the body was stored
)

// requestHeaders are the request headers a fixture keeps; the rest (Host,
// User-Agent, Content-Length, ...) says nothing about the exchange.
var requestHeaders = []string{"Accept", "Connection", "Content-Type", "Upgrade", "X-Registry-Auth", "X-Registry-Config"}

// normalizer replaces the values that change on every run with stable
// ones, consistently across a whole session.
type normalizer struct {
	ids      map[string]string // 64-hex ID -> placeholder
	shorts   map[string]string // 12-hex short ID -> full placeholder
	counters map[byte]int
	macs     map[string]string
	pids     map[string]string
	nanos    map[string]string
	names    map[string]string
}

func newNormalizer() *normalizer {
	return &normalizer{
		ids: map[string]string{}, shorts: map[string]string{}, counters: map[byte]int{},
		macs: map[string]string{}, pids: map[string]string{}, nanos: map[string]string{}, names: map[string]string{},
	}
}

// normalizeAll turns parsed exchanges into fixtures, in order, so that a
// placeholder is numbered by where its value first appears.
func normalizeAll(xs []wireExchange) []fixture.Exchange {
	n := newNormalizer()
	out := make([]fixture.Exchange, 0, len(xs))
	for _, x := range xs {
		out = append(out, n.exchange(x))
	}
	return out
}

func (n *normalizer) exchange(x wireExchange) fixture.Exchange {
	name := x.mark.step
	if name == "" {
		name = "unnamed"
	}
	route := routeOf(x.path)
	req := fixture.RecordedRequest{Method: x.req.Method, Path: n.text(x.path, route), Query: n.query(x.query, route)}
	req.Header = map[string]string{}
	for _, k := range requestHeaders {
		if v := x.req.Header.Values(k); len(v) > 0 {
			req.Header[k] = strings.Join(v, ", ")
			if authHeaders[k] {
				req.Header[k] = redactAuthHeader(req.Header[k])
			}
		}
	}
	if len(x.reqBody) > 0 {
		if route == "/auth" {
			// A login's body is the credentials themselves.
			req.SetBody([]byte(redactCredentials(string(x.reqBody))))
		} else if isText(x.reqBody) {
			req.SetBody([]byte(n.text(redactSecret(string(x.reqBody), route), route)))
		} else {
			req.Header[HeaderBodyOmitted] = fmt.Sprintf("%d bytes of %s", len(x.reqBody), orUnknown(x.req.Header.Get("Content-Type")))
		}
	}
	if len(x.stdin) > 0 {
		req.Header[HeaderStdin] = strconv.Quote(n.text(string(x.stdin), route))
	}
	if len(req.Header) == 0 {
		req.Header = nil
	}
	return fixture.Exchange{Name: name, Request: req, Response: n.response(x, route)}
}

func (n *normalizer) response(x wireExchange, route string) fixture.RecordedResponse {
	resp := fixture.RecordedResponse{Status: x.resp.StatusCode, Header: map[string]string{}}
	for k, v := range x.resp.Header {
		switch k {
		case "Date", "Content-Length", "Transfer-Encoding":
			continue
		case "X-Docker-Container-Path-Stat":
			resp.Header[k] = n.base64JSON(strings.Join(v, ", "), route)
			continue
		}
		resp.Header[k] = strings.Join(v, ", ")
	}
	ct := x.resp.Header.Get("Content-Type")
	body := x.respBody
	switch {
	case x.truncated && !strings.HasPrefix(ct, "application/x-tar") && isMultiplexed(wholeFrames(body)):
		// A followed log the client stopped reading (at its deadline):
		// the frames that arrived whole, so that replay ends cleanly.
		body = n.frames(wholeFrames(body), route)
		resp.Header[HeaderTruncated] = "the client stopped reading; the whole frames it had received are kept"
	case x.truncated && !looksText(body):
		// What the client read ahead of what it used depends on timing;
		// the start of the body does not.
		body = body[:min(len(body), truncatedKeep)]
		resp.Header[HeaderTruncated] = fmt.Sprintf("the client stopped reading; the first %d bytes are kept", len(body))
	case strings.HasPrefix(ct, "application/x-tar"):
		// Rewriting a tar would break its header checksums: kept as sent.
	case isMultiplexed(body):
		body = n.frames(body, route)
	case route == "/build" && bytes.Contains(body, []byte(engine.BuildTraceID)):
		body = n.buildKitStream(body, route)
	case route == "/auth" && x.resp.StatusCode == http.StatusOK && len(body) > 0:
		// A login's answer may hold an identity token.
		body = []byte(redactCredentials(string(body)) + "\n")
	case looksText(body):
		if strings.HasSuffix(route, "/top") {
			body = n.top(body)
		}
		body = []byte(n.text(string(body), route))
	}
	resp.SetBody(body)
	switch {
	case x.req.Method == http.MethodHead:
		if cl := x.resp.Header.Get("Content-Length"); cl != "" {
			resp.Header["Content-Length"] = cl
		}
	case x.chunked:
		resp.Header["Transfer-Encoding"] = "chunked"
	case !x.hijacked && x.resp.Header.Get("Content-Length") != "":
		resp.Header["Content-Length"] = strconv.Itoa(len(body))
	}
	if len(resp.Header) == 0 {
		resp.Header = nil
	}
	return resp
}

// secretRoute matches the routes whose request body holds a secret's
// Data: its create and update.
var secretRoute = regexp.MustCompile(`^/secrets/(create|[^/]+/update)$`)

// secretData matches the Data field of a secret spec, base64 on the wire.
var secretData = regexp.MustCompile(`"Data"\s*:\s*"([^"]*)"`)

// redactSecret replaces the Data of a secret in a request body on route
// with a note of its size: a secret's content never reaches a fixture.
func redactSecret(body, route string) string {
	if !secretRoute.MatchString(route) {
		return body
	}
	return secretData.ReplaceAllStringFunc(body, func(m string) string {
		return fmt.Sprintf(`"Data":"(redacted by the recorder: %d characters of base64)"`, len(secretData.FindStringSubmatch(m)[1]))
	})
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown type"
	}
	return s
}

var versionPrefix = regexp.MustCompile(`^/v[0-9]+\.[0-9]+/`)

// routeOf returns path without its version prefix: "/containers/x/json".
func routeOf(path string) string {
	if loc := versionPrefix.FindStringIndex(path); loc != nil {
		return path[loc[1]-1:]
	}
	return path
}

// isText reports whether b is printable UTF-8, as fixtures store in Body.
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}

// looksText reports whether b is UTF-8 without NUL bytes: JSON, error
// messages, TTY output. Tar headers are UTF-8 too, with NULs.
func looksText(b []byte) bool {
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0
}

// isMultiplexed reports whether b is a whole multiplexed stream: frames
// of stream 0 to 3 whose sizes add up to exactly len(b).
func isMultiplexed(b []byte) bool {
	if len(b) < 8 {
		return false
	}
	for len(b) > 0 {
		if len(b) < 8 || b[0] > 3 || b[1] != 0 || b[2] != 0 || b[3] != 0 {
			return false
		}
		size := binary.BigEndian.Uint32(b[4:8])
		if uint64(size) > uint64(len(b)-8) {
			return false
		}
		b = b[8+size:]
	}
	return true
}

// wholeFrames returns the frames at the start of b that arrived whole, as
// far as b parses as frames of streams 0 to 3.
func wholeFrames(b []byte) []byte {
	end := 0
	for rest := b; len(rest) >= 8 && rest[0] <= 3 && rest[1] == 0 && rest[2] == 0 && rest[3] == 0; {
		size := binary.BigEndian.Uint32(rest[4:8])
		if uint64(size) > uint64(len(rest)-8) {
			break
		}
		end += 8 + int(size)
		rest = rest[8+size:]
	}
	return b[:end]
}

// frames normalises each frame's payload and writes the frame again with
// the size of the new payload, so the stream stays consistent.
func (n *normalizer) frames(b []byte, route string) []byte {
	var out []byte
	for len(b) > 0 {
		size := binary.BigEndian.Uint32(b[4:8])
		payload := b[8 : 8+size]
		if looksText(payload) {
			payload = []byte(n.text(string(payload), route))
		}
		out = append(out, b[0], 0, 0, 0)
		out = binary.BigEndian.AppendUint32(out, uint32(len(payload)))
		out = append(out, payload...)
		b = b[8+size:]
	}
	return out
}

var sinceUntil = regexp.MustCompile(`^(since|until)=([0-9]+)(\.([0-9]+))?$`)

// query normalises an encoded query string parameter by parameter,
// keeping their order: IDs, and since/until times (UNIX seconds with
// optional fraction) become FixedTime with as many fraction digits. A
// value that holds escapes (the JSON of filters) is normalised decoded,
// where an ID is not glued to the hex digits of an escape, and encoded
// again.
func (n *normalizer) query(q, route string) string {
	if q == "" {
		return ""
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		if m := sinceUntil.FindStringSubmatch(p); m != nil {
			p = m[1] + "=" + strconv.FormatInt(FixedTime.Unix(), 10)
			if m[3] != "" {
				p += "." + strings.Repeat("0", len(m[4]))
			}
		}
		key, value, ok := strings.Cut(p, "=")
		if decoded, err := url.QueryUnescape(value); ok && err == nil && decoded != value {
			if normal := n.text(decoded, route); normal != decoded {
				parts[i] = key + "=" + url.QueryEscape(normal)
				continue
			}
		}
		parts[i] = n.text(p, route)
	}
	return strings.Join(parts, "&")
}

// base64JSON normalises a header that holds base64-encoded JSON.
func (n *normalizer) base64JSON(v, route string) string {
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil || !utf8.Valid(raw) {
		return v
	}
	return base64.StdEncoding.EncodeToString([]byte(n.text(string(raw), route)))
}

// top normalises a process list: PID and PPID cells become stable numbers
// (the same as the "Pid" of inspect answers), STIME, a wall-clock time,
// a fixed one, and C, the CPU share, 0.
func (n *normalizer) top(b []byte) []byte {
	var t struct {
		Processes [][]string
		Titles    []string
	}
	if err := json.Unmarshal(b, &t); err != nil || t.Titles == nil {
		return b
	}
	for _, row := range t.Processes {
		for i, title := range t.Titles {
			if i >= len(row) {
				break
			}
			switch title {
			case "PID", "PPID":
				row[i] = n.pid(row[i])
			case "STIME", "START":
				row[i] = "00:00"
			case "C", "%CPU":
				row[i] = "0"
			}
		}
	}
	out, err := json.Marshal(t)
	if err != nil {
		return b
	}
	if len(b) > 0 && b[len(b)-1] == '\n' {
		out = append(out, '\n')
	}
	return out
}

func (n *normalizer) pid(v string) string {
	if v == "0" || v == "" {
		return v
	}
	p, ok := n.pids[v]
	if !ok {
		p = strconv.Itoa(1000 + len(n.pids) + 1)
		n.pids[v] = p
	}
	return p
}

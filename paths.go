package dockwire

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// idSegment validates a container, exec, network or volume ID or name and
// returns it as a path segment. Names match [a-zA-Z0-9][a-zA-Z0-9_.-]*
// (a container name may start with "/"); anything else is refused before
// any I/O, so that an ID like "../../images/x" can never reach another
// endpoint.
func idSegment(kind, id string) (string, error) {
	s := id
	if kind == KindContainer {
		s = strings.TrimPrefix(s, "/")
	}
	if strings.TrimSpace(s) == "" {
		return "", invalidArg("%s ID or name is empty", kind)
	}
	if !isName(s, false) {
		return "", invalidArg("%s ID or name %q: only letters, digits, '_', '.' and '-' are allowed, starting with a letter or digit", kind, id)
	}
	return s, nil
}

// isName reports whether s is a letter or digit (or '_', with
// underscoreFirst) followed by letters, digits, '_', '.' and '-': the shape
// of Docker's names, tags and credential helpers.
func isName(s string, underscoreFirst bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && !(c == '_' && (i > 0 || underscoreFirst)) && !(i > 0 && (c == '.' || c == '-')) {
			return false
		}
	}
	return s != ""
}

// isDigest reports whether s is a content digest, algorithm:encoded, such
// as sha256:<64 hex digits>.
func isDigest(s string) bool {
	algo, encoded, ok := strings.Cut(s, ":")
	if !ok || algo == "" || len(encoded) < 32 {
		return false
	}
	for i := 0; i < len(algo); i++ {
		c := algo[i]
		sep := c == '.' || c == '+' || c == '_' || c == '-'
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || sep) || sep && (i == 0 || i == len(algo)-1 || !isAlnum(algo[i-1])) {
			return false
		}
	}
	for i := 0; i < len(encoded); i++ {
		if c := encoded[i]; !isAlnum(c) && c != '=' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// isHexID reports whether s is 12 to 64 lowercase hex digits.
func isHexID(s string) bool {
	if len(s) < 12 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// imageSegment validates an image reference (name[:tag][@digest], or an
// ID). References keep their "/": the daemon's routes take the rest of the
// path as the name. ".." segments and characters outside references are
// refused.
func imageSegment(ref string) (string, error) {
	if strings.TrimSpace(ref) == "" {
		return "", invalidArg("image reference is empty")
	}
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		if isAlnum(c) || strings.IndexByte("._-/:@", c) >= 0 {
			continue
		}
		return "", invalidArg("image reference %q: character %q is not allowed", ref, c)
	}
	for _, seg := range strings.Split(ref, "/") {
		if seg == "" || seg == "." || seg == ".." || seg[0] == '-' {
			return "", invalidArg("image reference %q: empty, '.' or '..' path segment", ref)
		}
	}
	return ref, nil
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// Filters narrow a list or stream, as the daemon's "filters" parameter:
// {"label": {"app=web"}, "status": {"running", "paused"}}. Keys are ORed
// within a key's values and ANDed across keys.
type Filters map[string][]string

// Add appends values to key and returns f, which it allocates if nil.
func (f Filters) Add(key string, values ...string) Filters {
	if f == nil {
		f = Filters{}
	}
	f[key] = append(f[key], values...)
	return f
}

// query builds an encoded query string.
type query struct{ b []byte }

func (q *query) add(key, value string) {
	if len(q.b) > 0 {
		q.b = append(q.b, '&')
	}
	q.b = append(q.b, key...)
	q.b = append(q.b, '=')
	q.b = append(q.b, url.QueryEscape(value)...)
}

// flag adds key=1 when v is set; the daemon's default is false.
func (q *query) flag(key string, v bool) {
	if v {
		q.add(key, "1")
	}
}

func (q *query) int(key string, n int) { q.add(key, strconv.Itoa(n)) }

// unix adds a time as UNIX seconds with nanoseconds, as logs and events
// take since/until.
func (q *query) unix(key string, t time.Time) {
	if !t.IsZero() {
		q.add(key, strconv.FormatInt(t.Unix(), 10)+"."+pad9(t.Nanosecond()))
	}
}

func pad9(n int) string {
	s := strconv.Itoa(n)
	return strings.Repeat("0", 9-len(s)) + s
}

func (q *query) filters(f Filters) {
	if len(f) == 0 {
		return
	}
	b, _ := json.Marshal(map[string][]string(f)) // a map of string slices always encodes
	q.add("filters", string(b))
}

func (q *query) String() string { return string(q.b) }

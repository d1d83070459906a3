// Package engine holds the Docker Engine API's data types, named after the
// definitions in the API's swagger specification. It does no I/O.
//
// Every top-level response type keeps the JSON document the daemon sent in
// its Raw field, so that a field the struct lacks is one gjson path away:
//
//	info.Get("State.Health.Status").String()
//
// The schema is open and grows with every API release: unknown fields are
// ignored, and typed fields hold only what every supported API version
// (1.41 and later) agrees on.
//
// The response types work with encoding/json both ways. A value decoded
// from the daemon marshals to the document it was decoded from (its Raw),
// fields the struct lacks included; a value built in Go, whose Raw is
// empty, marshals its typed fields under the API's own names ("Id",
// "NetworkSettings": {"Networks": ...}, seconds since the epoch where the
// API sends them). Raw wins: to marshal a decoded value's changed fields,
// set its Raw to "" first. Unmarshalling decodes as Decode does.
package engine

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dockwire/dockwire/internal/jsonvalid"
	"github.com/tidwall/gjson"
)

// ErrDecode means a document was not the JSON the API promises.
var ErrDecode = errors.New("invalid JSON from daemon")

// Raw is a JSON document as the daemon sent it.
type Raw string

// Get returns the value at a gjson path. Keys that contain '.', '*', '?'
// or '|' (label names, mostly) must be escaped with gjson.Escape.
func (r Raw) Get(path string) gjson.Result { return gjson.Get(string(r), path) }

// Decoder is implemented by this package's response types: the ones that
// Decode and DecodeList accept. Other packages cannot implement it.
type Decoder interface {
	decode(r gjson.Result) error
}

// Decode parses the JSON object doc into a T, which keeps doc as its Raw.
func Decode[T any, PT interface {
	*T
	Decoder
}](doc string) (T, error) {
	var v T
	r, _, err := parse(doc, gjson.JSON)
	if err == nil {
		err = PT(&v).decode(r)
	}
	return v, err
}

// DecodeList parses the JSON array doc into a []T; each element keeps its
// own part of doc as its Raw. A JSON null decodes to an empty list.
func DecodeList[T any, PT interface {
	*T
	Decoder
}](doc string) ([]T, error) {
	r, n, err := parse(doc, gjson.JSON)
	if err != nil || r.Type == gjson.Null {
		return nil, err
	}
	if !r.IsArray() {
		return nil, fmt.Errorf("%w: want a JSON array, got %.40q", ErrDecode, doc)
	}
	list := make([]T, n)
	i, more := 0, false
	r.ForEach(func(_, elem gjson.Result) bool {
		if i == len(list) {
			more = true
			return false
		}
		// Decoding in place: a T of its own would escape to the heap.
		err = PT(&list[i]).decode(elem)
		i++
		return err == nil
	})
	if err == nil && (more || i != len(list)) { // FuzzCountJSON holds Count to gjson's count
		found := "fewer"
		if more {
			found = "more"
		}
		err = fmt.Errorf("%w: validation counted %d elements in the array and decoding found %s: please report the document", ErrDecode, len(list), found)
	}
	if err != nil {
		return nil, err
	}
	return list, nil
}

// parse validates doc and requires its top level to be an object or array
// (want gjson.JSON) or any value. n is the number of elements (or members)
// of that array (or object), counted while validating (jsonvalid.Count), so
// that DecodeList sizes its list without a pass of its own.
func parse(doc string, want gjson.Type) (r gjson.Result, n int, err error) {
	n, ok := jsonvalid.Count(doc)
	if !ok {
		return gjson.Result{}, 0, fmt.Errorf("%w: %s", ErrDecode, snippet(doc))
	}
	r = gjson.Parse(doc)
	if want == gjson.JSON && r.Type != gjson.JSON && r.Type != gjson.Null {
		return gjson.Result{}, 0, fmt.Errorf("%w: want a JSON object, got %s", ErrDecode, snippet(doc))
	}
	return r, n, nil
}

func snippet(doc string) string {
	const max = 120
	if len(doc) > max {
		return fmt.Sprintf("%q…", doc[:max])
	}
	return fmt.Sprintf("%q", doc)
}

// wantObject reports a decode error unless r is an object (or absent/null).
func wantObject(r gjson.Result, what string) error {
	if r.Type == gjson.JSON && r.IsObject() || r.Type == gjson.Null {
		return nil
	}
	return fmt.Errorf("%w: %s is not a JSON object: %s", ErrDecode, what, snippet(r.Raw))
}

// emptyArray reports whether r is a JSON array with no elements.
func emptyArray(r gjson.Result) bool {
	if !r.IsArray() || len(r.Raw) < 2 {
		return false
	}
	return strings.TrimSpace(r.Raw[1:len(r.Raw)-1]) == ""
}

func strs(r gjson.Result) []string {
	if !r.IsArray() {
		if r.Type == gjson.String {
			return []string{r.Str}
		}
		return nil
	}
	if emptyArray(r) {
		return []string{} // no allocation, and not nil: as encoding/json decodes []
	}
	out := make([]string, 0, 4)
	r.ForEach(func(_, v gjson.Result) bool { out = append(out, v.String()); return true })
	return out
}

func strMap(r gjson.Result) map[string]string {
	if !r.IsObject() {
		return nil
	}
	m := make(map[string]string)
	r.ForEach(func(k, v gjson.Result) bool { m[k.Str] = v.String(); return true })
	return m
}

// newList is where a decoder appends the elements of the JSON array r: an
// empty list when r is one, so that [] decodes to an empty list as
// encoding/json decodes it (no allocation), and nil for null or absent.
func newList[T any](r gjson.Result) []T {
	if r.IsArray() {
		return []T{}
	}
	return nil
}

// keys returns an object's keys, e.g. ExposedPorts {"80/tcp": {}}.
func keys(r gjson.Result) []string {
	if !r.IsObject() {
		return nil
	}
	var out []string
	r.ForEach(func(k, _ gjson.Result) bool { out = append(out, k.Str); return true })
	return out
}

// timestamp parses an RFC 3339 time; Docker's "0001-01-01T00:00:00Z" for
// "never" becomes the zero Time.
func timestamp(r gjson.Result) time.Time {
	if r.Type != gjson.String {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, r.Str)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t.UTC()
}

func unixTime(r gjson.Result) time.Time {
	if r.Type != gjson.Number || r.Int() == 0 {
		return time.Time{}
	}
	return time.Unix(r.Int(), 0).UTC()
}

// exactInt reads an integer that must be one: a string, a fraction or a
// value beyond int64 is an error rather than a silent conversion.
func exactInt(r gjson.Result, what string) (int64, error) {
	if r.Type != gjson.Number {
		return 0, fmt.Errorf("%w: %s is %s, not an integer", ErrDecode, what, snippet(r.Raw))
	}
	n, err := strconv.ParseInt(r.Raw, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s is %s, not an integer", ErrDecode, what, snippet(r.Raw))
	}
	return n, nil
}

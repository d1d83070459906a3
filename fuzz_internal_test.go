package dockwire

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"testing"
	"testing/iotest"
	"unicode"
	"unicode/utf8"
)

// FuzzErrorBody feeds arbitrary error bodies to the decoding every non-2xx
// answer goes through: no panic, a bounded message, nothing a terminal
// would interpret.
func FuzzErrorBody(f *testing.F) {
	f.Add("application/json", []byte(`{"message":"No such container: x"}`))
	f.Add("application/json", []byte(`{"message": "unterminated`))
	f.Add("application/json", []byte(`{"error":"wrong schema"}`))
	f.Add("text/html", []byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
	f.Add("text/plain", []byte("client version 1.43 is too old. Minimum supported API version is 1.44, please upgrade\n"))
	f.Add("text/plain", []byte("\x1b[31mred\x1b[0m\x00\xff"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		msg := errorMessage(contentType, body)
		if len(msg) > maxMessageLen+len("…")+utf8.UTFMax {
			t.Fatalf("message of %d bytes", len(msg))
		}
		for _, r := range msg {
			if r != '\n' && r != '\t' && unicode.IsControl(r) {
				t.Fatalf("control character %U in %q", r, msg)
			}
		}
		if !utf8.ValidString(msg) {
			t.Fatalf("invalid UTF-8 in %q", msg)
		}
		if ve := versionRefusal(msg); ve != nil && ve.Client == "" {
			t.Fatalf("version refusal without a client version from %q", msg)
		}
	})
}

// FuzzJSONMessages checks the progress/events splitter against
// encoding/json's stream decoder: each valid object it yields is the one the
// reference decodes next, and it fails only with the documented errors.
func FuzzJSONMessages(f *testing.F) {
	f.Add([]byte("{\"status\":\"a\"}\r\n\r\n{\"status\":\"b\"}{\"x\":[1,{\"y\":\"}\"}]}"))
	f.Add([]byte("\x1e{\"a\":1}\n\x1e{\"a\":2}\n"))
	f.Add([]byte(`{"a":"\"}{"}`))
	f.Add([]byte(`{"a":1`))
	f.Add([]byte(`nope`))
	f.Fuzz(func(t *testing.T, stream []byte) {
		// Read a byte at a time, the splitter yields the same: a message
		// split across reads is scanned piece by piece.
		collect := func(r io.Reader) (out []string) {
			for raw, err := range jsonMessages(r, 1<<16) {
				if err != nil {
					return append(out, "error: "+err.Error())
				}
				out = append(out, string(raw))
			}
			return out
		}
		if whole, bytewise := collect(bytes.NewReader(stream)), collect(iotest.OneByteReader(bytes.NewReader(stream))); !slices.Equal(whole, bytewise) {
			t.Fatalf("read whole: %q\nread a byte at a time: %q", whole, bytewise)
		}
		ref := json.NewDecoder(bytes.NewReader(bytes.ReplaceAll(stream, []byte{0x1e}, []byte{' '})))
		for raw, err := range jsonMessages(bytes.NewReader(stream), 1<<16) {
			if err != nil {
				if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrDecode) && !errors.Is(err, ErrResponseTooLarge) {
					t.Fatalf("unexpected error class: %v", err)
				}
				return
			}
			if !json.Valid(raw) {
				return // framing only: the message decoder rejects it, and the positions diverge from here
			}
			var want json.RawMessage
			if err := ref.Decode(&want); err != nil || !bytes.Equal(want, raw) {
				t.Fatalf("yielded %q, reference %q (%v)", raw, want, err)
			}
		}
	})
}

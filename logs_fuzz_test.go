package dockwire

import (
	"bytes"
	"encoding/binary"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/dockwire/dockwire/stdcopy"
)

// splitLines is the reference line splitter: lines end at "\n" and lose
// one trailing "\r"; a last line without "\n" counts.
func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	lines := strings.Split(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// FuzzLogLines checks Lines against stdcopy.Copy and splitLines as the
// reference: the lines of each stream are the lines of its bytes.
func FuzzLogLines(f *testing.F) {
	fr := func(stream byte, p string) []byte {
		h := make([]byte, 8, 8+len(p))
		h[0] = stream
		binary.BigEndian.PutUint32(h[4:], uint32(len(p)))
		return append(h, p...)
	}
	f.Add([]byte{}, false)
	f.Add(fr(1, "a\n"), false)
	f.Add(append(fr(1, "part "), append(fr(2, "err\r\n"), fr(1, "rest\n\nx")...)...), false)
	f.Add(append(fr(1, ""), fr(0, "stdin\n")...), true)
	f.Add(fr(3, "boom"), false)
	f.Add([]byte("raw\r\ntty\r\nlast"), false)
	f.Add([]byte("\x01\x00\x00"), true)
	f.Add([]byte("\x02\x00\x01\x00tty"), false)
	f.Fuzz(func(t *testing.T, data []byte, oneByte bool) {
		var src io.Reader = bytes.NewReader(data)
		if oneByte {
			src = iotest.OneByteReader(src)
		}
		// Left to the stream, the framing follows its first four bytes, and
		// Read still returns every byte.
		sniffed := &LogStream{body: io.NopCloser(iotest.OneByteReader(bytes.NewReader(data)))}
		header := len(data) >= 4 && data[0] >= 1 && data[0] <= 3 && data[1] == 0 && data[2] == 0 && data[3] == 0
		if sniffed.Multiplexed() != header {
			t.Errorf("Multiplexed() = %v for a stream starting %q", !header, data[:min(len(data), 4)])
		}
		if b, err := io.ReadAll(sniffed); err != nil || !bytes.Equal(b, data) {
			t.Errorf("sniffed Read: %q, %v", b, err)
		}

		var out, errb bytes.Buffer
		_, refErr := stdcopy.Copy(&out, &errb, bytes.NewReader(data))

		s := &LogStream{body: io.NopCloser(src), framing: framingMultiplexed}
		var got [2][]string
		var err error
		for l, lerr := range s.Lines() {
			if lerr != nil {
				err = lerr
				break
			}
			i := 0
			if l.Stream == stdcopy.Stderr {
				i = 1
			}
			got[i] = append(got[i], l.Text)
		}
		if (err == nil) != (refErr == nil) {
			t.Fatalf("Lines error %v, stdcopy.Copy error %v", err, refErr)
		}
		if err != nil {
			return
		}
		for i, b := range [][]byte{out.Bytes(), errb.Bytes()} {
			if want := splitLines(b); !slices.Equal(got[i], want) {
				t.Errorf("stream %d: lines %q, want %q", i+1, got[i], want)
			}
		}

		// The same bytes as a raw (TTY) stream are all stdout.
		raw := &LogStream{body: io.NopCloser(bytes.NewReader(data)), framing: framingRaw}
		var lines []string
		for l, err := range raw.Lines() {
			if err != nil {
				t.Fatalf("raw: %v", err)
			}
			lines = append(lines, l.Text)
		}
		if want := splitLines(data); !slices.Equal(lines, want) {
			t.Errorf("raw: lines %q, want %q", lines, want)
		}

		// LineBytes yields the same lines in Bytes, read whole or a byte
		// at a time (a line then never lies whole in one chunk).
		for _, tc := range []struct {
			framing framing
			want    [2][]string
		}{{framingMultiplexed, got}, {framingRaw, [2][]string{lines}}} {
			var body io.Reader = bytes.NewReader(data)
			if oneByte {
				body = iotest.OneByteReader(body)
			}
			s := &LogStream{body: io.NopCloser(body), framing: tc.framing}
			var gotBytes [2][]string
			for l, err := range s.LineBytes() {
				if err != nil {
					t.Fatalf("LineBytes: %v", err)
				}
				if l.Text != "" {
					t.Fatalf("LineBytes set Text %q", l.Text)
				}
				i := 0
				if l.Stream == stdcopy.Stderr {
					i = 1
				}
				gotBytes[i] = append(gotBytes[i], string(l.Bytes))
			}
			for i := range gotBytes {
				if !slices.Equal(gotBytes[i], tc.want[i]) {
					t.Errorf("LineBytes, framing %v, stream %d: %q, want %q", tc.framing, i+1, gotBytes[i], tc.want[i])
				}
			}
		}
	})
}

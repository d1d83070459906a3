package stdcopy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
)

func TestWriterFramesEachWrite(t *testing.T) {
	var buf bytes.Buffer
	out, errw, sys := NewWriter(&buf, Stdout), NewWriter(&buf, Stderr), NewWriter(&buf, Systemerr)
	for _, w := range []struct {
		w io.Writer
		p string
	}{{out, "a"}, {out, ""}, {errw, "bc"}, {out, "def"}, {sys, "oops"}} {
		if n, err := w.w.Write([]byte(w.p)); n != len(w.p) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", w.p, n, err)
		}
	}
	want := join(frame(1, "a"), header(1, 0), frame(2, "bc"), frame(1, "def"), frame(3, "oops"))
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("wrote % x\nwant  % x", buf.Bytes(), want)
	}
}

func TestWriterShortAndFailedWrites(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name string
		w    *failingWriter
		n    int
		err  error
	}{
		{"header and part of payload", &failingWriter{n: headerLen + 3}, 3, io.ErrShortWrite},
		{"part of header", &failingWriter{n: 5}, 0, io.ErrShortWrite},
		{"error", &failingWriter{n: headerLen + 1, err: errBoom}, 1, errBoom},
	}
	for _, tt := range tests {
		n, err := NewWriter(tt.w, Stdout).Write([]byte("payload"))
		if n != tt.n || !errors.Is(err, tt.err) {
			t.Errorf("%s: Write = %d, %v; want %d, %v", tt.name, n, err, tt.n, tt.err)
		}
	}
}

func TestWriterDoesNotAllocateInSteadyState(t *testing.T) {
	w := NewWriter(io.Discard, Stdout)
	p := make([]byte, 1000)
	if allocs := testing.AllocsPerRun(100, func() { w.Write(p) }); allocs != 0 {
		t.Errorf("Write made %v allocations, want 0", allocs)
	}
}

// lockedBuffer serializes Writes the way net.Conn does.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func TestWriterConcurrentFramesStayWhole(t *testing.T) {
	const goroutines, writes = 8, 200
	var dst lockedBuffer
	streams := []io.Writer{NewWriter(&dst, Stdout), NewWriter(&dst, Stderr)}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := streams[g%2]
			for i := range writes {
				msg := fmt.Sprintf("<%d.%d.%s>", g, i, strings.Repeat("z", i))
				if _, err := w.Write([]byte(msg)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()

	seen := 0
	for f, err := range Frames(&dst.buf) {
		if err != nil {
			t.Fatal(err)
		}
		var g, i int
		var rest string
		p := string(f.Payload)
		if _, err := fmt.Sscanf(p, "<%d.%d.%s", &g, &i, &rest); err != nil || p != fmt.Sprintf("<%d.%d.%s>", g, i, strings.Repeat("z", i)) {
			t.Fatalf("frame %d is not one whole write: %.60q", seen, p)
		}
		if want := StreamType(1 + g%2); f.Stream != want {
			t.Fatalf("frame %q on %v, want %v", p, f.Stream, want)
		}
		seen++
	}
	if seen != goroutines*writes {
		t.Errorf("decoded %d frames, want %d", seen, goroutines*writes)
	}
}

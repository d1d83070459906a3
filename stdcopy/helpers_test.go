package stdcopy

import (
	"bytes"
	"encoding/binary"
	"io"
	"runtime"
	"testing"
	"testing/iotest"
)

// header returns a frame header claiming size payload bytes of stream s.
func header(s byte, size uint32) []byte {
	h := []byte{s, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(h[4:], size)
	return h
}

func frame(s byte, payload string) []byte {
	return append(header(s, uint32(len(payload))), payload...)
}

func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

type copyResult struct {
	Stdout, Stderr string
	Written        int64
}

func copyAll(t *testing.T, src io.Reader) (copyResult, error) {
	t.Helper()
	var out, errb bytes.Buffer
	n, err := Copy(&out, &errb, src)
	return copyResult{out.String(), errb.String(), n}, err
}

// readers wraps src in each of the read patterns a network body can show.
var readers = map[string]func(io.Reader) io.Reader{
	"whole":    func(r io.Reader) io.Reader { return r },
	"one-byte": iotest.OneByteReader,
	"half":     iotest.HalfReader,
	"data-err": iotest.DataErrReader,
}

// patternReader yields a header and then n payload bytes without allocating them.
type patternReader struct {
	header []byte
	n      int64
}

func (r *patternReader) Read(p []byte) (int, error) {
	if len(r.header) > 0 {
		n := copy(p, r.header)
		r.header = r.header[n:]
		return n, nil
	}
	if r.n == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n)]
	for i := range p {
		p[i] = 'x'
	}
	r.n -= int64(len(p))
	return len(p), nil
}

// allocatedBytes reports how many bytes f allocated on the heap.
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

type failingWriter struct {
	n     int // bytes to accept per call
	err   error
	calls int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	w.calls++
	return min(w.n, len(p)), w.err
}

// dataThenErrReader returns all of its data together with err.
type dataThenErrReader struct {
	data []byte
	err  error
}

func (r *dataThenErrReader) Read(p []byte) (int, error) {
	n := copy(p, r.data)
	r.data = r.data[n:]
	if len(r.data) == 0 {
		return n, r.err
	}
	return n, nil
}

// recordingWriter records every Write call, tagged with the writer's name.
type recordingWriter struct {
	name  string
	calls *[]string
}

func (w recordingWriter) Write(p []byte) (int, error) {
	*w.calls = append(*w.calls, w.name+":"+string(p))
	return len(p), nil
}

// chanWriter hands every Write to a channel, so a test can see when it happens.
type chanWriter chan string

func (w chanWriter) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}

package stdcopy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"unsafe"
)

// Tests of the path on which a large payload goes straight from src into a
// *bytes.Buffer destination through its ReadFrom.

var (
	bigOut = strings.Repeat("0123456789abcdef", 3000) // 48000 bytes: more than a buffer
	bigErr = strings.Repeat("fedcba9876543210", 1000) // 16000 bytes: more than directMin
)

// intoMemory is a reader that counts the bytes it reads into the spare
// capacity of a grown buffer, so that a test can see reads going straight into it.
type intoMemory struct {
	src        io.Reader
	start, end uintptr
	direct     int // bytes read into that memory
}

func newIntoMemory(src io.Reader, b *bytes.Buffer) *intoMemory {
	spare := b.AvailableBuffer()[:b.Available()]
	start := uintptr(unsafe.Pointer(unsafe.SliceData(spare)))
	return &intoMemory{src: src, start: start, end: start + uintptr(len(spare))}
}

func (r *intoMemory) Read(p []byte) (int, error) {
	n, err := r.src.Read(p)
	if at := uintptr(unsafe.Pointer(unsafe.SliceData(p))); n > 0 && at >= r.start && at < r.end {
		r.direct += n
	}
	return n, err
}

func TestCopyReadsLargePayloadsIntoBuffer(t *testing.T) {
	run := bytes.Repeat(frame(1, bigErr), 4)
	in := join(frame(1, "small "), frame(1, bigOut), run, frame(2, bigErr), frame(1, "tail"), frame(1, bigOut[:9000]))
	wantOut := "small " + bigOut + strings.Repeat(bigErr, 4) + "tail" + bigOut[:9000]
	for name, wrap := range readers {
		var out, errb bytes.Buffer
		out.Grow(len(in))
		src := newIntoMemory(wrap(bytes.NewReader(in)), &out)
		n, err := Copy(&out, &errb, src)
		if err != nil || out.String() != wantOut || errb.String() != bigErr || n != int64(len(wantOut)+len(bigErr)) {
			t.Errorf("%s: Copy = %d, %v with stdout of %d bytes, stderr of %d; want %d, nil, %d, %d",
				name, n, err, out.Len(), errb.Len(), len(wantOut)+len(bigErr), len(wantOut), len(bigErr))
		}
		// The read that brings a header may bring a buffer of its payload too;
		// the rest goes straight into out. After it, only the next header is
		// read, so the run of large frames goes straight into out whole.
		if least := len(bigOut) - bufSize + 4*len(bigErr); src.direct < least {
			t.Errorf("%s: %d bytes read straight into the buffer, want at least %d", name, src.direct, least)
		}
	}
}

func TestCopyDirectTruncatedPayload(t *testing.T) {
	for _, cut := range []int{0, 1, 9000, len(bigOut) - 1} {
		in := join(frame(1, "ok"), header(2, uint32(len(bigOut))), []byte(bigOut[:cut]))
		for name, wrap := range readers {
			for _, direct := range []int64{directMin, 1} {
				var out, errb bytes.Buffer
				n, err := copyFrames(&out, &errb, wrap(bytes.NewReader(in)), direct)
				if !errors.Is(err, io.ErrUnexpectedEOF) || n != int64(2+cut) || out.String() != "ok" || errb.String() != bigOut[:cut] {
					t.Errorf("%s, %d of %d payload bytes, directMin %d: Copy = %d, %v, stderr of %d bytes; want %d, io.ErrUnexpectedEOF",
						name, cut, len(bigOut), direct, n, err, errb.Len(), 2+cut)
				}
			}
		}
	}
}

// emptyReadsAfter returns its data, then (0, nil) forever.
type emptyReadsAfter struct{ data []byte }

func (r *emptyReadsAfter) Read(p []byte) (int, error) {
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestCopyDirectReadErrors(t *testing.T) {
	errReset := errors.New("connection reset")
	// More than a buffer of the payload arrives: the rest of it is read straight
	// into the buffer, where the error strikes.
	const sent = 40000
	partial := join(frame(2, "warn"), header(1, uint32(len(bigOut))), []byte(bigOut[:sent]))
	tests := []struct {
		name string
		src  io.Reader
		err  error
	}{
		{"error with data", &dataThenErrReader{partial, errReset}, errReset},
		{"error after data", io.MultiReader(bytes.NewReader(partial), iotest.ErrReader(errReset)), errReset},
		{"no progress", &emptyReadsAfter{partial}, io.ErrNoProgress},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		n, err := Copy(&out, &errb, tt.src)
		if err != tt.err || n != 4+sent || out.String() != bigOut[:sent] || errb.String() != "warn" {
			t.Errorf("%s: Copy = %d, %v with stdout of %d bytes; want %d, %v with %d", tt.name, n, err, out.Len(), 4+sent, tt.err, sent)
		}
	}
}

// After a payload that went straight to the buffer, the next header is still
// checked and located exactly.
func TestCopyDirectThenFailingFrame(t *testing.T) {
	head := join(frame(1, bigOut), frame(2, bigErr))
	want := copyResult{bigOut, bigErr, int64(len(bigOut) + len(bigErr))}
	for name, wrap := range readers {
		for _, direct := range []int64{directMin, 1} {
			got, err := copyWith(direct, wrap(bytes.NewReader(join(head, frame(7, "raw")))))
			var ise *InvalidStreamError
			if !errors.As(err, &ise) || *ise != (InvalidStreamError{7, int64(len(head))}) || got != want {
				t.Errorf("%s, directMin %d: got %d+%d bytes, %v; want all of them and an invalid stream byte at %d",
					name, direct, len(got.Stdout), len(got.Stderr), err, len(head))
			}
			got, err = copyWith(direct, wrap(bytes.NewReader(join(head, frame(3, "boom")))))
			var de *DaemonError
			if !errors.As(err, &de) || de.Message != "boom" || got != want {
				t.Errorf("%s, directMin %d: got %d+%d bytes, %v; want all of them and the daemon's error",
					name, direct, len(got.Stdout), len(got.Stderr), err)
			}
		}
	}
}

// copyWith is copyAll with the given directMin.
func copyWith(direct int64, src io.Reader) (copyResult, error) {
	var out, errb bytes.Buffer
	n, err := copyFrames(&out, &errb, src, direct)
	return copyResult{out.String(), errb.String(), n}, err
}

// readFromWriter has a ReadFrom that must not be used, and a Write that fails
// after accepting limit bytes.
type readFromWriter struct {
	t     *testing.T
	got   bytes.Buffer
	limit int
}

func (w *readFromWriter) Write(p []byte) (int, error) {
	n := min(len(p), w.limit-w.got.Len())
	w.got.Write(p[:n])
	if n < len(p) {
		return n, errBoom
	}
	return n, nil
}

func (w *readFromWriter) ReadFrom(io.Reader) (int64, error) {
	w.t.Error("Copy called ReadFrom of a writer that is not a *bytes.Buffer")
	return 0, errors.New("ReadFrom called")
}

var errBoom = errors.New("boom")

func TestCopyUsesWriteOfOtherReaderFroms(t *testing.T) {
	in := join(frame(1, bigOut), frame(2, bigErr))
	tests := []struct {
		limit int // bytes stdout accepts
		want  copyResult
		err   error
	}{
		{len(bigOut), copyResult{bigOut, bigErr, int64(len(bigOut) + len(bigErr))}, nil},
		{20000, copyResult{bigOut[:20000], "", 20000}, errBoom},
	}
	for _, tt := range tests {
		w := &readFromWriter{t: t, limit: tt.limit}
		var errb bytes.Buffer
		n, err := Copy(w, &errb, bytes.NewReader(in))
		if got := (copyResult{w.got.String(), errb.String(), n}); got != tt.want || err != tt.err {
			t.Errorf("stdout accepting %d bytes: got %d+%d bytes, %v; want %d+%d, %v",
				tt.limit, len(got.Stdout), len(got.Stderr), err, len(tt.want.Stdout), len(tt.want.Stderr), tt.err)
		}
	}
}

// An *os.File's ReadFrom would allocate a buffer per frame when it cannot
// splice; Copy writes to files from its own buffer, without allocating.
func TestCopyToFileWithoutAllocating(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in := bytes.Repeat(frame(1, bigErr), 64)
	src := bytes.NewReader(in)
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		src.Reset(in)
		if n, err := Copy(f, f, src); n != int64(64*len(bigErr)) || err != nil {
			t.Fatalf("Copy = %d, %v", n, err)
		}
	})
	if allocs >= 1 {
		t.Errorf("Copy of 64 frames to a file made %v allocations, want none but a pool refill", allocs)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil || !bytes.Equal(got, bytes.Repeat([]byte(bigErr), 64)) {
		t.Errorf("file holds %d bytes (%v), want the 64 payloads", len(got), err)
	}
}

func TestCopyIntoBufferWithoutAllocating(t *testing.T) {
	in := bytes.Repeat(join(frame(1, bigOut), frame(2, bigErr), frame(1, "line\n")), 16)
	src := bytes.NewReader(in)
	var out, errb bytes.Buffer
	out.Grow(len(in))
	errb.Grow(len(in))
	allocs := testing.AllocsPerRun(20, func() {
		src.Reset(in)
		out.Reset()
		errb.Reset()
		if _, err := Copy(&out, &errb, src); err != nil {
			t.Fatal(err)
		}
	})
	if allocs >= 1 {
		t.Errorf("Copy of 48 frames into grown buffers made %v allocations, want none but a pool refill", allocs)
	}
}

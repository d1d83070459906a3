package stdcopy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

// refResult is what a correct decoder must produce for an input.
type refResult struct {
	stdout, stderr []byte
	headers        int    // complete headers, for the output bound
	class          string // "", "truncated", "invalid", "daemon"
	message        string // DaemonError.Message
	invalid        InvalidStreamError
}

// refDecode is the obvious decoder over a byte slice: nothing in it is clever,
// so that Copy and Frames can be checked against it.
func refDecode(in []byte) refResult {
	var res refResult
	for pos := 0; pos < len(in); {
		if in[pos] > 3 {
			res.class, res.invalid = "invalid", InvalidStreamError{in[pos], int64(pos)}
			return res
		}
		if len(in)-pos < 8 {
			res.class = "truncated"
			return res
		}
		stream, size := in[pos], int(binary.BigEndian.Uint32(in[pos+4:pos+8]))
		pos += 8
		res.headers++
		payload := in[pos:min(pos+size, len(in))]
		pos += len(payload)
		switch stream {
		case 3:
			res.class, res.message = "daemon", string(payload[:min(len(payload), maxDaemonMessage)])
			return res
		case 2:
			res.stderr = append(res.stderr, payload...)
		default:
			res.stdout = append(res.stdout, payload...)
		}
		if len(payload) < size {
			res.class = "truncated"
			return res
		}
	}
	return res
}

// errClass sorts an error into the classes refDecode uses.
func errClass(t *testing.T, err error, want refResult) string {
	t.Helper()
	var ise *InvalidStreamError
	var de *DaemonError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated"
	case errors.As(err, &ise):
		if *ise != want.invalid {
			t.Errorf("InvalidStreamError %+v, want %+v", *ise, want.invalid)
		}
		return "invalid"
	case errors.As(err, &de):
		if de.Message != want.message {
			t.Errorf("DaemonError.Message %q, want %q", de.Message, want.message)
		}
		return "daemon"
	}
	t.Fatalf("unexpected error %v", err)
	return ""
}

// chunkReader returns at most size bytes per Read and, if eofWithData, io.EOF
// together with the last bytes.
type chunkReader struct {
	data        []byte
	size        int
	eofWithData bool
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.size)], r.data)
	r.data = r.data[n:]
	if len(r.data) == 0 && r.eofWithData {
		return n, io.EOF
	}
	return n, nil
}

// FuzzCopy is fault row D12: Copy and Frames must agree with refDecode on any
// input and any read pattern.
func FuzzCopy(f *testing.F) {
	seeds := [][]byte{
		nil,
		[]byte("1234567"),
		header(1, 5),
		header(1, 0xFFFFFFFF),
		join(frame(1, "out"), frame(3, "daemon failed")),
		join(frame(2, "err"), frame(4, "x")),
		join(frame(0, "in"), frame(255, "x")),
		join(frame(1, "a"), header(2, 0), frame(2, "b"), frame(1, "c")),
		[]byte("2024-05-01T10:00:00Z raw tty line\r\n"),
	}
	for _, s := range seeds {
		for _, chunk := range []uint16{0, 1, 7, 4096} {
			f.Add(s, chunk)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, chunk uint16) {
		want := refDecode(in)
		newSrc := func() io.Reader {
			return &chunkReader{data: in, size: 1 + int(chunk>>1), eofWithData: chunk&1 == 1}
		}

		// The buffers take payloads of directMin bytes or more through their
		// ReadFrom; fuzzed inputs are small, so the second run sends them all that way.
		for _, direct := range []int64{directMin, 1} {
			var out, errb bytes.Buffer
			n, err := copyFrames(&out, &errb, newSrc(), direct)
			if class := errClass(t, err, want); class != want.class {
				t.Errorf("Copy (directMin %d) error %v, want class %q", direct, err, want.class)
			}
			if !bytes.Equal(out.Bytes(), want.stdout) || !bytes.Equal(errb.Bytes(), want.stderr) {
				t.Errorf("Copy (directMin %d) wrote stdout %q stderr %q, want %q %q", direct, out.Bytes(), errb.Bytes(), want.stdout, want.stderr)
			}
			if n != int64(out.Len()+errb.Len()) {
				t.Errorf("Copy (directMin %d) returned %d, wrote %d", direct, n, out.Len()+errb.Len())
			}
			if bound := len(in) - 8*want.headers; int(n) > bound {
				t.Errorf("Copy (directMin %d) wrote %d bytes, more than input minus headers (%d)", direct, n, bound)
			}
		}

		var fout, ferr []byte
		var end error
		prevLen, prevStream := 0, StreamType(0)
		for fr, err := range Frames(newSrc()) {
			if err != nil {
				end = err
				break
			}
			if len(fr.Payload) == 0 || len(fr.Payload) > bufSize {
				t.Errorf("frame payload of %d bytes", len(fr.Payload))
			}
			if fr.Continued && (prevLen != bufSize || prevStream != fr.Stream) {
				t.Errorf("a Continued piece of %v after a piece of %d bytes of %v", fr.Stream, prevLen, prevStream)
			}
			prevLen, prevStream = len(fr.Payload), fr.Stream
			if fr.Stream == Stderr {
				ferr = append(ferr, fr.Payload...)
			} else {
				fout = append(fout, fr.Payload...)
			}
		}
		if class := errClass(t, end, want); class != want.class {
			t.Errorf("Frames error %v, want class %q", end, want.class)
		}
		if !bytes.Equal(fout, want.stdout) || !bytes.Equal(ferr, want.stderr) {
			t.Errorf("Frames gave stdout %q stderr %q, want %q %q", fout, ferr, want.stdout, want.stderr)
		}
	})
}

// The fuzzer rarely grows inputs past the 32 KiB buffer; this covers frames
// and truncations that straddle buffer boundaries, against the same reference.
func TestCopyMatchesReferenceAcrossBuffers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		in := mixedStream(rng, 200<<10)
		in = in[:rng.IntN(len(in)+1)] // most rounds end inside a frame
		want := refDecode(in)
		for _, size := range []int{1, 100, 8191, bufSize + 13, len(in) + 1} {
			for _, direct := range []int64{directMin, 1} {
				var out, errb bytes.Buffer
				_, err := copyFrames(&out, &errb, &chunkReader{data: in, size: size}, direct)
				if class := errClass(t, err, want); class != want.class {
					t.Errorf("round %d, reads of %d, directMin %d: error %v, want class %q", round, size, direct, err, want.class)
				}
				if !bytes.Equal(out.Bytes(), want.stdout) || !bytes.Equal(errb.Bytes(), want.stderr) {
					t.Errorf("round %d, reads of %d, directMin %d: output differs from the reference", round, size, direct)
				}
			}
		}
	}
}

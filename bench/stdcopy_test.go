package bench

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"testing"

	dwstdcopy "github.com/dockwire/dockwire/stdcopy"
	mobystdcopy "github.com/moby/moby/api/pkg/stdcopy"
)

// streamSize is the size of each benchmarked multiplexed stream.
const streamSize = 64 << 20

// frame appends one frame of the given stream (1 stdout, 2 stderr).
func frame(dst []byte, stream byte, payload []byte) []byte {
	var h [8]byte
	h[0] = stream
	binary.BigEndian.PutUint32(h[4:], uint32(len(payload)))
	return append(append(dst, h[:]...), payload...)
}

// uniform is streamSize bytes of stdout frames with payloads of n bytes.
func uniform(n int) (stream []byte, frames int) {
	payload := bytes.Repeat([]byte{'x'}, n)
	stream = make([]byte, 0, streamSize+n+8)
	for len(stream)+n+8 <= streamSize {
		stream = frame(stream, 1, payload)
		frames++
	}
	return stream, frames
}

// mixed is about streamSize bytes of frames sized like a service's output:
// 60% log lines of 20-200 bytes, 30% of 200 bytes to 4 KiB, 10% writes of
// 4-32 KiB; one frame in ten on stderr. The seed is fixed.
func mixed() (stream []byte, frames int) {
	rng := rand.New(rand.NewPCG(1, 2))
	payload := bytes.Repeat([]byte("0123456789abcdef"), 2048)
	stream = make([]byte, 0, streamSize+40<<10)
	for len(stream) < streamSize {
		var n int
		switch p := rng.IntN(10); {
		case p < 6:
			n = 20 + rng.IntN(181)
		case p < 9:
			n = 200 + rng.IntN(4<<10-200)
		default:
			n = 4<<10 + rng.IntN(28<<10+1)
		}
		var s byte = 1
		if rng.IntN(10) == 0 {
			s = 2
		}
		stream = frame(stream, s, payload[:n])
		frames++
	}
	return stream, frames
}

// readOnly hides bytes.Reader's WriterTo, so that every copy reads the
// stream in pieces, as from a socket.
type readOnly struct{ r *bytes.Reader }

func (r readOnly) Read(p []byte) (int, error) { return r.r.Read(p) }

// BenchmarkStdcopy is section 3: demultiplexing 64 MiB with dockwire's
// stdcopy.Copy and moby's stdcopy.StdCopy, and io.Copy of the same bytes as
// the ceiling, to io.Discard and to a buffer.
func BenchmarkStdcopy(b *testing.B) {
	streams := []struct {
		name string
		gen  func() ([]byte, int)
	}{
		{"16KiB", func() ([]byte, int) { return uniform(16 << 10) }},
		{"64B", func() ([]byte, int) { return uniform(64) }},
		{"mixed", mixed},
	}
	impls := []struct {
		name string
		copy func(stdout, stderr io.Writer, src io.Reader) (int64, error)
	}{
		{"dockwire", dwstdcopy.Copy},
		{"moby", mobystdcopy.StdCopy},
		{"iocopy", func(stdout, _ io.Writer, src io.Reader) (int64, error) { return io.Copy(stdout, src) }},
	}
	for _, s := range streams {
		stream, frames := s.gen()
		for _, dst := range []string{"discard", "buffer"} {
			var stdout, stderr bytes.Buffer
			for _, impl := range impls {
				b.Run("frames="+s.name+"/dst="+dst+"/impl="+impl.name, func(b *testing.B) {
					var wout, werr io.Writer = io.Discard, io.Discard
					if dst == "buffer" {
						stdout.Grow(len(stream))
						stderr.Grow(len(stream))
						wout, werr = &stdout, &stderr
					}
					src := bytes.NewReader(stream)
					b.SetBytes(int64(len(stream)))
					b.ReportAllocs()
					b.ResetTimer()
					for range b.N {
						src.Reset(stream)
						stdout.Reset()
						stderr.Reset()
						if _, err := impl.copy(wout, werr, readOnly{src}); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(frames), "frames/op")
				})
			}
		}
	}
}

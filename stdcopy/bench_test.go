package stdcopy

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"testing"
)

const benchStreamSize = 64 << 20

// mixedStream returns about size bytes of frames whose sizes mimic a chatty
// process: mostly short lines, some larger writes, an occasional big one.
func mixedStream(rng *rand.Rand, size int) []byte {
	var buf bytes.Buffer
	payload := bytes.Repeat([]byte("mixed sizes "), 6000)
	for buf.Len() < size {
		var n int
		switch p := rng.IntN(10); {
		case p < 5:
			n = 1 + rng.IntN(256)
		case p < 9:
			n = 257 + rng.IntN(4096)
		default:
			n = 4353 + rng.IntN(64<<10)
		}
		stream := byte(Stdout)
		if rng.IntN(5) == 0 {
			stream = byte(Stderr)
		}
		buf.Write(header(stream, uint32(n)))
		buf.Write(payload[:n])
	}
	return buf.Bytes()
}

// uniformStream returns benchStreamSize bytes of stdout frames of one size.
func uniformStream(payloadSize int) []byte {
	f := append(header(byte(Stdout), uint32(payloadSize)), bytes.Repeat([]byte{'u'}, payloadSize)...)
	return bytes.Repeat(f, benchStreamSize/len(f))
}

var benchStreams = []struct {
	name   string
	stream func() []byte
}{
	{"frames=16KiB", func() []byte { return uniformStream(16 << 10) }},
	{"frames=64B", func() []byte { return uniformStream(64) }},
	{"frames=mixed", func() []byte { return mixedStream(rand.New(rand.NewPCG(3, 4)), benchStreamSize) }},
}

// BenchmarkCopy writes to io.Discard, where a Write call is free, to
// /dev/null, where each Write is a system call as it is for a terminal, file
// or socket, and to a grown bytes.Buffer, which takes large payloads straight
// from the reader.
func BenchmarkCopy(b *testing.B) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devNull.Close()
	var grown bytes.Buffer
	grown.Grow(benchStreamSize + 64<<10)
	sinks := []struct {
		name string
		w    io.Writer
	}{{"discard", io.Discard}, {"devnull", devNull}, {"buffer", &grown}}

	for _, bs := range benchStreams {
		in := bs.stream()
		for _, sink := range sinks {
			b.Run(bs.name+"/dst="+sink.name, func(b *testing.B) {
				b.SetBytes(int64(len(in)))
				b.ReportAllocs()
				for range b.N {
					grown.Reset()
					if _, err := Copy(sink.w, sink.w, bytes.NewReader(in)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	// The ceiling: the same bytes as frames=16KiB through io.CopyBuffer with a
	// buffer of the same size, the wrappers hiding WriterTo and ReaderFrom.
	in := uniformStream(16 << 10)
	buf := make([]byte, bufSize)
	for _, sink := range sinks {
		b.Run("io.Copy/dst="+sink.name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for range b.N {
				grown.Reset()
				if _, err := io.CopyBuffer(struct{ io.Writer }{sink.w}, struct{ io.Reader }{bytes.NewReader(in)}, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFrames(b *testing.B) {
	for _, bs := range benchStreams {
		in := bs.stream()
		b.Run(bs.name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for range b.N {
				for _, err := range Frames(bytes.NewReader(in)) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

package dockwire

import (
	"fmt"
	"strings"
)

// DefaultMaxOutput is how much output ExecCapture keeps, stdout and stderr
// together, when ExecOptions.MaxOutput is 0.
const DefaultMaxOutput = 64 << 20

// Chunk sizes of a captureBuffer: they double from the first to the
// largest, so that a short output takes one small allocation and a long
// one few system calls.
const (
	firstChunk = 4 << 10
	largeChunk = 1 << 20
)

// capture keeps what ExecCapture reads, in one captureBuffer per stream.
// The output is never copied to grow: it is kept in chunks, and only the
// final string holds it in one piece. Building that string releases each
// chunk once copied, and large chunks are memory of their own (mmap on
// Linux) that goes back to the system at once, so the peak is about one
// copy of the output, not the three of a doubling buffer and its string.
type capture struct {
	max            int64 // bytes kept by both streams at most
	kept           int64
	stdout, stderr captureBuffer
}

func newCapture(max int64) *capture {
	c := &capture{max: max}
	c.stdout.c, c.stderr.c = c, c
	return c
}

// release returns every chunk still held; it is safe to call more than once.
func (c *capture) release() {
	c.stdout.release()
	c.stderr.release()
}

// captureBuffer is one stream's output.
type captureBuffer struct {
	c      *capture
	chunks []chunk
	n      int
}

// chunk is a piece of output; large chunks come from allocChunk.
type chunk struct {
	b      []byte
	mapped bool // from allocChunk, to be given back by freeChunk
}

func (b *captureBuffer) Write(p []byte) (int, error) {
	if b.c.kept+int64(len(p)) > b.c.max {
		return 0, fmt.Errorf("%w: more than %d bytes (ExecOptions.MaxOutput); raise MaxOutput, or stream the output with Exec", ErrOutputTooLarge, b.c.max)
	}
	b.c.kept += int64(len(p))
	n := len(p)
	for len(p) > 0 {
		last := len(b.chunks) - 1
		if last < 0 || len(b.chunks[last].b) == cap(b.chunks[last].b) {
			b.chunks = append(b.chunks, newChunk(min(max(b.n, firstChunk), largeChunk)))
			last++
		}
		ch := &b.chunks[last]
		k := copy(ch.b[len(ch.b):cap(ch.b)], p)
		ch.b = ch.b[:len(ch.b)+k]
		p = p[k:]
		b.n += k
	}
	return n, nil
}

func newChunk(size int) chunk {
	if size == largeChunk {
		if b := allocChunk(size); b != nil {
			return chunk{b: b[:0], mapped: true}
		}
	}
	return chunk{b: make([]byte, 0, size)}
}

// String returns the output and releases the chunks: a buffer is read once.
func (b *captureBuffer) String() string {
	var s strings.Builder
	s.Grow(b.n)
	for i := range b.chunks {
		s.Write(b.chunks[i].b)
		b.chunks[i].free()
	}
	b.chunks, b.n = nil, 0
	return s.String()
}

func (b *captureBuffer) release() {
	for i := range b.chunks {
		b.chunks[i].free()
	}
	b.chunks, b.n = nil, 0
}

func (ch *chunk) free() {
	if ch.mapped {
		freeChunk(ch.b[:cap(ch.b)])
	}
	*ch = chunk{}
}

package stdcopy

import (
	"encoding/binary"
	"io"
	"sync"
)

const (
	headerLen = 8
	// bufSize matches io.Copy's buffer: large frames stream at io.Copy speed and
	// a frame of up to this size reaches Frames in one piece.
	bufSize = 32 << 10
	// maxEmptyReads follows bufio: a reader that keeps returning (0, nil) is broken.
	maxEmptyReads = 100
	// align is the alignment fill keeps between the buffer and the stream:
	// the byte at stream offset x lands at an index equal to x mod align.
	// Frame headers shift every payload off alignment, and memmove runs 2-3×
	// slower when source and destination are misaligned to each other, as
	// they then are for a source in memory or in the page cache.
	align = 64
)

var decoderPool = sync.Pool{New: func() any { return new(decoder) }}

// decoder is the read side shared by Copy and Frames. It is pooled whole, so
// that its buffer is reused and a pointer to it passes as an io.Reader (see
// directReader) without allocating.
type decoder struct {
	// buf comes first, so that it is as aligned as an allocation of its own;
	// align spare bytes keep bufSize free after fill's shift.
	buf    [bufSize + align]byte
	src    io.Reader
	r, w   int   // buf[r:w] holds the bytes not yet consumed
	base   int64 // stream offset of buf[0], for InvalidStreamError.Offset
	err    error // read error held back until the bytes read with it are used
	direct int64 // bytes directReader may still read
}

func newDecoder(src io.Reader) *decoder {
	d := decoderPool.Get().(*decoder)
	d.src, d.r, d.w, d.base, d.err, d.direct = src, 0, 0, 0, nil, 0
	return d
}

func (d *decoder) release() {
	d.src, d.err = nil, nil // the pool must not keep the caller's reader alive
	decoderPool.Put(d)
}

// fill moves the unconsumed bytes to the front of the buffer (at the index
// below align that matches their stream offset) and reads once, up to
// bufSize bytes in all. It returns the held-back read error only once no
// unseen bytes remain.
func (d *decoder) fill() error { return d.fillTo(bufSize) }

// fillTo is fill reading no more than makes limit bytes unconsumed.
func (d *decoder) fillTo(limit int) error {
	if d.err != nil {
		return d.err
	}
	pos := d.base + int64(d.r) // the stream offset of buf[r]
	if shift := int(pos % align); d.r != shift {
		d.base = pos - int64(shift)
		d.w = shift + copy(d.buf[shift:], d.buf[d.r:d.w])
		d.r = shift
	}
	n := d.read(d.buf[d.w : d.r+limit])
	d.w += n
	if n > 0 {
		return nil
	}
	return d.err
}

// read reads from src into p, which must not be empty, and keeps the error
// returned with the bytes in d.err. A reader that keeps returning (0, nil) is
// broken: after maxEmptyReads of them, d.err is io.ErrNoProgress.
func (d *decoder) read(p []byte) int {
	for range maxEmptyReads {
		n, err := d.src.Read(p)
		d.err = err
		if n > 0 || err != nil {
			return n
		}
	}
	d.err = io.ErrNoProgress
	return 0
}

// directReader is the decoder as the io.Reader from which a *bytes.Buffer's
// ReadFrom takes a payload straight from src: it reads at most d.direct bytes
// and keeps src's error in d.err, as fill does.
type directReader decoder

func (r *directReader) Read(p []byte) (int, error) {
	d := (*decoder)(r)
	switch {
	case d.err != nil:
		return 0, d.err
	case d.direct == 0:
		return 0, io.EOF
	case len(p) == 0:
		return 0, nil
	}
	n := d.read(p[:min(int64(len(p)), d.direct)])
	d.direct -= int64(n)
	return n, d.err
}

// header consumes the header at buf[r:] once it has fully arrived (ok). The
// stream byte is checked as soon as it arrives, so that a short raw stream is
// reported as raw rather than as truncated; an invalid header is not consumed.
func (d *decoder) header() (stream StreamType, size uint32, ok bool, err error) {
	if d.r == d.w {
		return 0, 0, false, nil
	}
	if b := d.buf[d.r]; b > byte(Systemerr) {
		return 0, 0, false, &InvalidStreamError{Byte: b, Offset: d.base + int64(d.r)}
	}
	if d.w-d.r < headerLen {
		return 0, 0, false, nil
	}
	h := d.buf[d.r : d.r+headerLen]
	d.r += headerLen
	return StreamType(h[0]), binary.BigEndian.Uint32(h[4:]), true, nil
}

// daemonError reads the first maxDaemonMessage bytes of a Systemerr payload.
// A message cut short is still returned: the daemon's words matter more than
// the broken connection that usually follows them.
func (d *decoder) daemonError(size uint32) error {
	need := int(min(size, maxDaemonMessage))
	for d.w-d.r < need && d.fill() == nil {
	}
	return &DaemonError{Message: string(d.buf[d.r : d.r+min(need, d.w-d.r)])}
}

// endErr turns the read error that ended the stream into the caller's error;
// partial reports whether a header or payload was cut short.
func endErr(err error, partial bool) error {
	if err != io.EOF {
		return err
	}
	if partial {
		return io.ErrUnexpectedEOF
	}
	return nil
}

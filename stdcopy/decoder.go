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
)

var bufPool = sync.Pool{New: func() any { return new([bufSize]byte) }}

// decoder is the read side shared by Copy and Frames.
type decoder struct {
	src  io.Reader
	buf  *[bufSize]byte
	r, w int   // buf[r:w] holds the bytes not yet consumed
	base int64 // stream offset of buf[0], for InvalidStreamError.Offset
	err  error // read error held back until the bytes read with it are used
}

func newDecoder(src io.Reader) decoder {
	return decoder{src: src, buf: bufPool.Get().(*[bufSize]byte)}
}

func (d *decoder) release() {
	bufPool.Put(d.buf)
	d.buf = nil
}

// fill moves the unconsumed bytes to the front of the buffer and reads once.
// It returns the held-back read error only once no unseen bytes remain.
func (d *decoder) fill() error {
	if d.err != nil {
		return d.err
	}
	if d.r > 0 {
		d.base += int64(d.r)
		d.w = copy(d.buf[:], d.buf[d.r:d.w])
		d.r = 0
	}
	for range maxEmptyReads {
		n, err := d.src.Read(d.buf[d.w:])
		d.w += n
		d.err = err
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
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

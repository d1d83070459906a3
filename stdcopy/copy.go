package stdcopy

import (
	"bytes"
	"encoding/binary"
	"io"
)

// Copy demultiplexes src into stdout and stderr until src ends, and returns
// the number of bytes written to them. Stdin frames go to stdout; a nil writer
// discards its stream, and discarded bytes are not counted.
//
// Copy returns nil when src ends cleanly between frames, and
// io.ErrUnexpectedEOF (moby's StdCopy returns nil) after delivering the bytes of
// a header or payload cut short. A Systemerr frame ends the copy with a
// *DaemonError and an unknown stream byte with an *InvalidStreamError, in both
// cases after earlier frames are written. A writer's error, or
// io.ErrShortWrite, is returned as is; written is exact in every case.
//
// Consecutive frames for one writer that arrived in the same read are written
// with a single Write call, and Copy writes everything it holds before each
// read, so live output is never held back. The rest of a large payload goes
// straight from src into a *bytes.Buffer (through its ReadFrom), without
// passing through Copy's buffer.
func Copy(stdout, stderr io.Writer, src io.Reader) (written int64, err error) {
	return copyFrames(stdout, stderr, src, directMin)
}

// copyFrames is Copy with the payload size from which a *bytes.Buffer gets
// it through ReadFrom as a parameter, for tests to send small payloads that way.
func copyFrames(stdout, stderr io.Writer, src io.Reader, directMin int64) (int64, error) {
	c := copier{decoder: newDecoder(src), dst: [2]io.Writer{stdout, stderr}, directMin: directMin}
	defer c.release()
	err := c.run()
	return c.written, err
}

// moveLimit is the payload size from which a frame gets its own Write call
// instead of being moved next to the previous payload: moving less is cheaper
// than the system call it saves; moving more costs more than a cheap Write.
const moveLimit = 1 << 10

// directMin is the payload still to read from which Copy hands it to a
// *bytes.Buffer's ReadFrom (see directDst) instead of reading it into its
// buffer: the copy saved outweighs the extra read that the next header then
// takes on its own.
const directMin = 8 << 10

type copier struct {
	*decoder
	dst     [2]io.Writer
	written int64
	cur     int   // index in dst of the current frame's writer
	left    int64 // payload bytes of the current frame not yet buffered
	// buf[runStart:runEnd] holds payload for dst[cur] not yet written. Removing
	// the headers between payloads keeps runEnd <= r, so compacting never
	// overwrites bytes still to be parsed.
	runStart, runEnd int
	directMin        int64 // see the constant
	// headerOnly limits reads to the next header: after a large payload, the
	// next one is likely large too and should not be read into buf.
	headerOnly bool
}

func (c *copier) run() error {
	for {
		if c.left > 0 && c.r < c.w {
			n := int(min(c.left, int64(c.w-c.r)))
			if c.runStart == c.runEnd || (c.runEnd != c.r && n >= moveLimit) {
				if err := c.flush(); err != nil {
					return err
				}
				c.runStart, c.runEnd = c.r, c.r
			}
			if c.runEnd != c.r {
				copy(c.buf[c.runEnd:], c.buf[c.r:c.r+n])
			}
			c.runEnd += n
			c.r += n
			c.left -= int64(n)
			continue
		}
		if c.left == 0 {
			c.appendSmallFrames()
			stream, size, ok, err := c.header()
			if err != nil || stream == Systemerr {
				// Earlier frames are delivered before the failure is reported.
				if ferr := c.flush(); ferr != nil {
					return ferr
				}
				if err != nil {
					return err
				}
				return c.daemonError(size)
			}
			if ok {
				c.headerOnly = false
				// An empty frame must not split the run of frames around it.
				if i := dstIndex(stream); size > 0 && i != c.cur {
					if err := c.flush(); err != nil {
						return err
					}
					c.cur = i
				}
				c.left = int64(size)
				continue
			}
		}
		// The next read may block on a live stream: write what is here first.
		if err := c.flush(); err != nil {
			return err
		}
		// Here buf is empty if a payload is under way.
		if b := c.directDst(); b != nil && c.left >= c.directMin && c.err == nil {
			c.readDirect(b)
			continue
		}
		limit := bufSize
		if c.headerOnly {
			limit = headerLen
		}
		if err := c.fillTo(limit); err != nil {
			return endErr(err, c.left > 0 || c.r < c.w)
		}
	}
}

// directDst returns the current writer if it is a *bytes.Buffer, whose
// ReadFrom reads straight into its own memory and fails only when src does.
// Other io.ReaderFroms are not used: those of *os.File and net.Conn fall back
// to io.Copy, which allocates a buffer per call (per frame here), unless they
// can splice from src, which an HTTP body never allows.
func (c *copier) directDst() *bytes.Buffer {
	b, _ := c.dst[c.cur].(*bytes.Buffer)
	return b
}

// readDirect hands what remains of the current payload, or as much of it as
// src has, to b. Any error is src's: c.err holds it for the next fill.
func (c *copier) readDirect(b *bytes.Buffer) {
	c.direct = c.left
	n, _ := b.ReadFrom((*directReader)(c.decoder))
	c.written += n
	// buf was empty: the stream continues at buf[0], after what b took.
	c.base += int64(c.w) + c.left - c.direct
	c.r, c.w = 0, 0
	c.left = c.direct
	c.headerOnly = true
}

// appendSmallFrames is the fast path for a chatty process: it moves whole,
// already buffered small frames for the current writer onto a non-empty run.
func (c *copier) appendSmallFrames() {
	if c.runStart == c.runEnd {
		return
	}
	buf, r, end := c.buf[:c.w], c.r, c.runEnd
	for len(buf)-r >= headerLen {
		stream, size := buf[r], binary.BigEndian.Uint32(buf[r+4:r+headerLen])
		if stream > byte(Stderr) || dstIndex(StreamType(stream)) != c.cur ||
			size >= moveLimit || int(size) > len(buf)-r-headerLen {
			break
		}
		r += headerLen
		end += copy(buf[end:], buf[r:r+int(size)])
		r += int(size)
	}
	c.r, c.runEnd = r, end
}

// dstIndex maps Stdin and Stdout to 0 and Stderr to 1.
func dstIndex(s StreamType) int {
	if s == Stderr {
		return 1
	}
	return 0
}

// flush writes the pending run to its writer.
func (c *copier) flush() error {
	p := c.buf[c.runStart:c.runEnd]
	c.runStart, c.runEnd = 0, 0
	w := c.dst[c.cur]
	if len(p) == 0 || w == nil {
		return nil
	}
	n, err := w.Write(p)
	n = max(0, min(n, len(p))) // a broken writer must not skew written
	c.written += int64(n)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return err
}

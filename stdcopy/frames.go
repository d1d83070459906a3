package stdcopy

import (
	"io"
	"iter"
)

// Frame is one frame of a multiplexed stream, or one piece of a frame larger
// than 32 KiB. Payload is only valid until the iteration continues.
type Frame struct {
	Stream  StreamType
	Payload []byte
	// Continued reports that Payload continues the frame of the Frame
	// before it: a frame larger than 32 KiB arrives in pieces, the first
	// with Continued false and the rest with Continued true.
	Continued bool
}

// Frames returns the frames of a multiplexed stream, for callers that need the
// frame boundaries (a logs frame is one log message). A frame of up to 32 KiB
// arrives whole; a larger one arrives as consecutive Frames of the same Stream,
// each after the first marked Continued. Frames with an empty payload are
// skipped.
//
// Iteration ends after the first error, with the same errors as Copy: a frame
// cut short is delivered as far as it arrived, then io.ErrUnexpectedEOF; a
// Systemerr frame yields a *DaemonError; an unknown stream byte an
// *InvalidStreamError.
func Frames(src io.Reader) iter.Seq2[Frame, error] {
	return func(yield func(Frame, error) bool) {
		d := newDecoder(src)
		defer d.release()
		var (
			stream    StreamType
			left      int64 // payload bytes of the current frame not yet yielded
			continued bool  // a piece of the current frame was yielded
		)
		for {
			if left > 0 {
				// Wait for the whole frame, or a full buffer of it.
				need := int(min(left, bufSize))
				for d.w-d.r < need {
					if err := d.fill(); err != nil {
						if d.w > d.r && !yield(Frame{stream, d.buf[d.r:d.w], continued}, nil) {
							return
						}
						yield(Frame{}, endErr(err, true))
						return
					}
				}
				p := d.buf[d.r : d.r+need]
				d.r += need
				left -= int64(need)
				if !yield(Frame{stream, p, continued}, nil) {
					return
				}
				continued = true
				continue
			}
			s, size, ok, err := d.header()
			switch {
			case err != nil:
				yield(Frame{}, err)
				return
			case s == Systemerr:
				yield(Frame{}, d.daemonError(size))
				return
			case !ok:
				if err := d.fill(); err != nil {
					if err = endErr(err, d.w > d.r); err != nil {
						yield(Frame{}, err)
					}
					return
				}
				continue
			}
			stream, left, continued = s, int64(size), false
		}
	}
}

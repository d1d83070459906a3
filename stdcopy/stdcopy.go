// Package stdcopy reads and writes Docker's multiplexed stream: the body of
// attach, logs and exec start for a container or exec created without a TTY.
//
// Each frame is an 8-byte header [stream, 0, 0, 0, size (uint32, big-endian)]
// followed by size payload bytes. A TTY stream is raw bytes, not frames; decode
// it by mistake and you get an *InvalidStreamError.
//
//	n, err := stdcopy.Copy(os.Stdout, os.Stderr, body)
//	var derr *stdcopy.DaemonError
//	if errors.As(err, &derr) {
//		// the daemon reported a failure inside the stream
//	}
//
// Unlike moby's StdCopy, a stream cut short ends with io.ErrUnexpectedEOF
// instead of nil, and a frame header never sizes an allocation: payloads are
// streamed through one fixed 32 KiB buffer, or straight into a *bytes.Buffer.
package stdcopy

import (
	"fmt"
	"strings"
	"unicode"
)

// StreamType is the first header byte of a frame: which stream its payload belongs to.
type StreamType byte

// The stream types of the protocol. Copy writes Stdin frames to stdout, as
// moby's StdCopy does.
const (
	Stdin     StreamType = 0
	Stdout    StreamType = 1
	Stderr    StreamType = 2
	Systemerr StreamType = 3 // the payload is an error message from the daemon
)

// String returns the stream's name, such as "stdout".
func (s StreamType) String() string {
	switch s {
	case Stdin:
		return "stdin"
	case Stdout:
		return "stdout"
	case Stderr:
		return "stderr"
	case Systemerr:
		return "systemerr"
	}
	return fmt.Sprintf("StreamType(%d)", byte(s))
}

// maxDaemonMessage caps the Systemerr payload kept in a DaemonError, so that a
// hostile or broken header cannot make the decoder buffer an arbitrary amount.
const maxDaemonMessage = 4 << 10

// DaemonError is a Systemerr frame: the daemon failed after it had sent the
// response headers. Message holds at most the first 4 KiB of the payload.
type DaemonError struct {
	Message string
}

func (e *DaemonError) Error() string {
	return "stdcopy: daemon error: " + printable(e.Message)
}

// InvalidStreamError reports a header whose stream byte is not 0-3, which
// almost always means the body is a raw (TTY) stream being decoded as frames.
// Offset is the header's position in the stream; nothing of that frame was delivered.
type InvalidStreamError struct {
	Byte   byte
	Offset int64
}

func (e *InvalidStreamError) Error() string {
	return fmt.Sprintf("stdcopy: invalid stream byte 0x%02x at offset %d: the stream is probably raw (TTY), not multiplexed; nothing of this frame was delivered", e.Byte, e.Offset)
}

// printable keeps terminal escapes and line breaks sent by the daemon out of
// error strings, where they would corrupt logs and terminals.
func printable(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, s))
}

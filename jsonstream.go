package dockwire

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"sync/atomic"

	"github.com/dockwire/dockwire/engine"
)

// maxStreamMessage caps one JSON message in a stream (pull progress,
// events, stats): a daemon that never closes an object cannot make the
// client buffer without end.
const maxStreamMessage = 1 << 20

// jsonMessages splits a stream of JSON objects: concatenated, one per line
// (LF or CRLF), with blank lines, or as json-seq records prefixed by 0x1E.
// It yields each complete object's text, which is valid only until the next
// iteration. A partial object at EOF ends with io.ErrUnexpectedEOF; an
// object longer than max ends with an error. Validating the JSON inside an
// object is the decoder's job.
func jsonMessages(r io.Reader, max int) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		br, ok := r.(*bufio.Reader)
		if !ok {
			br = bufio.NewReaderSize(r, 32<<10)
		}
		var buf []byte
		for {
			c, err := skipSeparators(br)
			if err != nil {
				if err != io.EOF {
					yield(nil, err)
				}
				return
			}
			if c != '{' && c != '[' {
				yield(nil, fmt.Errorf("%w: stream holds %q where a JSON object should start", ErrDecode, c))
				return
			}
			buf, err = readValue(br, append(buf[:0], c), max)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(buf, nil) {
				return
			}
		}
	}
}

func skipSeparators(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\r', '\n', 0x1e:
			continue
		}
		return c, nil
	}
}

// readValue reads the rest of a JSON object or array whose opening byte is
// already in buf, tracking nesting and strings. It scans what br holds
// buffered a slice at a time, not a ReadByte call per byte.
func readValue(br *bufio.Reader, buf []byte, max int) ([]byte, error) {
	depth, inString, escaped := 1, false, false
	for {
		if br.Buffered() == 0 {
			if _, err := br.Peek(1); err != nil {
				if err == io.EOF {
					return buf, fmt.Errorf("stream ended inside a JSON message: %w", io.ErrUnexpectedEOF)
				}
				return buf, err
			}
		}
		chunk, _ := br.Peek(br.Buffered())
		n := scanValue(chunk, &depth, &inString, &escaped)
		if len(buf)+n > max {
			return buf, fmt.Errorf("%w: a streamed JSON message exceeds %d bytes", ErrResponseTooLarge, max)
		}
		buf = append(buf, chunk[:n]...)
		br.Discard(n)
		if depth == 0 {
			return buf, nil
		}
	}
}

// scanValue scans chunk for the end of a JSON value, its state carried
// from the chunk before, and returns how many bytes of chunk belong to the
// value: all of them, or up to its closing byte when depth reaches 0. A
// string's body is skipped with IndexByte, which most of a message is.
func scanValue(chunk []byte, depth *int, inString, escaped *bool) int {
	i := 0
	for i < len(chunk) {
		switch {
		case *escaped:
			*escaped = false
			i++
		case *inString:
			j := bytes.IndexByte(chunk[i:], '"')
			if j < 0 {
				j = len(chunk) - i
			}
			if k := bytes.IndexByte(chunk[i:i+j], '\\'); k >= 0 {
				i += k + 1 // the escape; the byte after it is skipped
				*escaped = true
				continue
			}
			i += j
			if i < len(chunk) {
				*inString = false
				i++
			}
		default:
			c := chunk[i]
			i++
			switch c {
			case '"':
				*inString = true
			case '{', '[':
				*depth++
			case '}', ']':
				if *depth--; *depth == 0 {
					return i
				}
			}
		}
	}
	return i
}

// readOnce gives a stream iterator the package's one answer to a second
// range (Events, ContainerStatsStream, LogStream.Lines; Progress.Messages
// answers alike): a stream is read once, so the second range, also one
// begun while the first runs, yields a single error matching
// ErrInvalidArgument that says what to do instead. ranged marks the
// first.
func readOnce[T any](ranged *atomic.Bool, what, instead string, seq iter.Seq2[T, error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		if ranged.Swap(true) {
			var zero T
			yield(zero, fmt.Errorf("dockwire: %s: %w: the stream was ranged over already, and is read once; %s", what, ErrInvalidArgument, instead))
			return
		}
		seq(yield)
	}
}

// decodeMessages is the one loop over a stream of JSON messages (stats,
// events, progress): it decodes each message of body into a T and hands
// it to each, until the stream ends, each returns an error, or reading or
// decoding fails, and returns that error. Once ctx has ended, the error is
// ctx's own, also when the stream ended cleanly just as ctx did: the
// caller asked to stop, and is told so rather than that all went well.
func decodeMessages[T any, PT interface {
	*T
	engine.Decoder
}](ctx context.Context, body io.Reader, each func(T) error) error {
	for raw, err := range jsonMessages(body, maxStreamMessage) {
		if err != nil {
			return ctxErr(ctx, err)
		}
		v, err := engine.Decode[T, PT](string(raw))
		if err != nil {
			return err
		}
		if err := each(v); err != nil {
			return err
		}
	}
	return ctx.Err()
}

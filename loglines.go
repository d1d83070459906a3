package dockwire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/url"
	"strings"
	"time"

	"github.com/dockwire/dockwire/stdcopy"
)

// MaxLogLine is the length of the longest line LogStream.Lines returns.
const MaxLogLine = 1 << 20

// LogLine is one line of a container's log.
type LogLine struct {
	// Stream is stdcopy.Stdout or stdcopy.Stderr; always Stdout for a raw
	// (TTY) stream, where the two are merged.
	Stream stdcopy.StreamType
	// Time is when the line was written: set with ContainerLogsOptions.Timestamps,
	// zero otherwise.
	Time time.Time
	// Details are the log driver's attributes for the line: set with
	// ContainerLogsOptions.Details when the driver adds any, nil otherwise.
	Details map[string]string
	// Text is the line without its "\n" or "\r\n"; empty from LineBytes.
	Text string
	// Bytes is the same line from LineBytes, valid only until the loop's
	// next iteration, like bufio.Scanner's Bytes; nil from Lines.
	Bytes []byte
}

// Lines returns the log line by line, and ends after the first error.
//
// The daemon sends messages, not lines, and frames of stdout and stderr
// interleave, so Lines joins the parts of a line per stream (the daemon
// splits lines longer than 16 KiB) and yields it once complete; a last
// line without a newline is yielded when the log ends. A line longer than
// MaxLogLine ends the iteration with an error matching bufio.ErrTooLong:
// CopyTo and Read have no such limit. A line's Time and Details are those
// of the message that began it. In a raw (TTY) stream, where message
// boundaries are lost, the timestamp or details of each later part of a
// long line stay in Text.
//
// A clean end of the log ends the iteration without an error; a log cut
// short yields its pending lines, then io.ErrUnexpectedEOF; a failure the
// daemon reports inside the stream is a *stdcopy.DaemonError. Lines does
// not close the stream.
//
// A LogStream is read once, like every stream of the package: ranging over
// Lines a second time yields a single error, matching ErrInvalidArgument.
// Breaking out of the loop leaves the rest of the log unread (Lines reads
// ahead, so Read cannot resume it); Close the stream then.
func (s *LogStream) Lines() iter.Seq2[LogLine, error] { return s.lines(false) }

// LineBytes is Lines without a string per line: each LogLine has Bytes
// instead of Text, and Bytes is overwritten by the next line, so a loop
// copies what it keeps (string(line.Bytes), or append to its own buffer).
// It allocates nothing per line (a timestamp's Time and Details aside),
// for a loop that filters, counts or forwards a long log. Everything else
// is as for Lines, and a LogStream is read once by either.
func (s *LogStream) LineBytes() iter.Seq2[LogLine, error] { return s.lines(true) }

func (s *LogStream) lines(noCopy bool) iter.Seq2[LogLine, error] {
	return readOnce(&s.ranged, "logs of "+s.kind+" "+s.id, "open the log again for a new stream", func(yield func(LogLine, error) bool) {
		d := &lineDecoder{timestamps: s.timestamps, details: s.details, yield: yield, noCopy: noCopy}
		var err error
		if s.Multiplexed() {
			err = d.frames(s)
		} else {
			err = d.raw(s)
		}
		if errors.Is(err, errStopped) || s.closed.Load() && !isContextErr(err) {
			return // the loop stopped, or Close ended the stream: no partial line
		}
		if !d.flush() {
			return
		}
		if err != nil {
			yield(LogLine{}, s.fail(err))
		}
	})
}

// errStopped means the consumer of Lines stopped the iteration.
var errStopped = errors.New("iteration stopped")

// maxLogPrefix bounds a timestamp or details prefix of a log message.
const maxLogPrefix = 64 << 10

// lineDecoder assembles the log's lines from its messages, one pending
// line per stream. A message starts with the prefixes asked for (a
// timestamp, then the details, each ended by a space); the rest is text.
type lineDecoder struct {
	timestamps, details bool
	noCopy              bool // LineBytes: yield Bytes, no Text
	yield               func(LogLine, error) bool
	pending             [2]pendingLine // stdout, stderr

	// The message being read.
	cur        int  // its stream: index in pending
	prefixes   int  // its prefixes not yet read
	rawLines   bool // a raw stream: each line is a message
	newLine    bool // in a raw stream, the next byte starts a message
	tok        []byte
	msgTime    time.Time
	msgDetails map[string]string
}

type pendingLine struct {
	buf     []byte
	started bool // buf may be empty, and Time and Details set
	time    time.Time
	details map[string]string
}

// frames reads a multiplexed log, where each frame is one message, cut
// into pieces by stdcopy.Frames when larger than 32 KiB.
func (d *lineDecoder) frames(r io.Reader) error {
	for f, err := range stdcopy.Frames(r) {
		if err != nil {
			return err
		}
		if !f.Continued {
			if err := d.endMessage(); err != nil {
				return err
			}
			d.startMessage(dstIndex(f.Stream))
		}
		if err := d.feed(f.Payload); err != nil {
			return err
		}
	}
	return d.endMessage()
}

// raw reads a TTY log, where each line starts with its message's prefixes.
func (d *lineDecoder) raw(r io.Reader) error {
	d.rawLines, d.newLine = true, true
	buf := make([]byte, 128<<10)
	for {
		n, err := r.Read(buf)
		if ferr := d.feed(buf[:n]); ferr != nil {
			return ferr
		}
		switch {
		case err == io.EOF && d.prefixes > 0:
			return io.ErrUnexpectedEOF
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		}
	}
}

// dstIndex is the pending line of a stream: stderr's, or stdout's for the
// others (stdin never occurs in a log).
func dstIndex(s stdcopy.StreamType) int {
	if s == stdcopy.Stderr {
		return 1
	}
	return 0
}

func (d *lineDecoder) startMessage(i int) {
	d.cur, d.prefixes, d.tok = i, 0, d.tok[:0]
	d.msgTime, d.msgDetails = time.Time{}, nil
	if d.timestamps {
		d.prefixes++
	}
	if d.details {
		d.prefixes++
	}
}

// endMessage fails a message that ended before its prefixes did.
func (d *lineDecoder) endMessage() error {
	if d.prefixes > 0 {
		return d.prefixError()
	}
	return nil
}

func (d *lineDecoder) prefixError() error {
	return fmt.Errorf("dockwire: log message lacks the expected prefix: %.40q", d.tok)
}

// feed takes the next bytes of the current message, yielding each line it
// completes.
func (d *lineDecoder) feed(chunk []byte) error {
	for len(chunk) > 0 {
		if d.newLine {
			d.newLine = false
			d.startMessage(0)
		}
		if d.prefixes > 0 {
			n := 0
			for n < len(chunk) && chunk[n] != ' ' && chunk[n] != '\n' {
				n++
			}
			if len(d.tok)+n > maxLogPrefix {
				return d.prefixError()
			}
			d.tok = append(d.tok, chunk[:n]...)
			if n == len(chunk) {
				return nil // the prefix goes on in the next piece
			}
			if chunk[n] == '\n' {
				return d.prefixError()
			}
			chunk = chunk[n+1:]
			if err := d.prefix(); err != nil {
				return err
			}
			continue
		}
		d.begin()
		p := &d.pending[d.cur]
		end := bytes.IndexByte(chunk, '\n')
		if end < 0 {
			end = len(chunk)
		}
		if len(p.buf)+end > MaxLogLine {
			return fmt.Errorf("dockwire: log line longer than %d bytes: %w", MaxLogLine, bufio.ErrTooLong)
		}
		if end < len(chunk) && len(p.buf) == 0 {
			// A whole line in the chunk: no copy into the pending buffer.
			line := chunk[:end]
			chunk = chunk[end+1:]
			if !d.emitText(d.cur, line) {
				return errStopped
			}
			d.newLine = d.rawLines
			continue
		}
		p.buf = append(p.buf, chunk[:end]...)
		if end == len(chunk) {
			return nil
		}
		chunk = chunk[end+1:]
		if !d.emit(d.cur) {
			return errStopped
		}
		d.newLine = d.rawLines
	}
	return nil
}

// prefix takes the token just read as the message's timestamp or details.
func (d *lineDecoder) prefix() error {
	tok := string(d.tok)
	d.tok = d.tok[:0]
	if d.timestamps && d.prefixes == 1+btoi(d.details) {
		t, err := time.Parse(time.RFC3339Nano, tok)
		if err != nil {
			return fmt.Errorf("dockwire: log message does not start with a timestamp: %q", tok)
		}
		d.msgTime = t
	} else {
		d.msgDetails = parseLogDetails(tok)
	}
	d.prefixes--
	if d.prefixes == 0 {
		d.begin() // a message of prefixes alone still starts a line
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// begin starts the current stream's pending line, if none is, with the
// current message's time and details.
func (d *lineDecoder) begin() {
	if p := &d.pending[d.cur]; !p.started {
		p.started, p.time, p.details = true, d.msgTime, d.msgDetails
	}
}

// emit yields stream i's pending line and starts a new one.
func (d *lineDecoder) emit(i int) bool {
	return d.emitText(i, d.pending[i].buf)
}

// emitText yields text as stream i's pending line (which holds it, or
// nothing when text is a whole line of the chunk) and starts a new one.
func (d *lineDecoder) emitText(i int, text []byte) bool {
	p := &d.pending[i]
	if n := len(text); n > 0 && text[n-1] == '\r' {
		text = text[:n-1]
	}
	stream := stdcopy.Stdout
	if i == 1 {
		stream = stdcopy.Stderr
	}
	line := LogLine{Stream: stream, Time: p.time, Details: p.details}
	if d.noCopy {
		line.Bytes = text
	} else {
		line.Text = string(text)
	}
	p.buf, p.started = p.buf[:0], false
	return d.yield(line, nil)
}

// flush yields the lines still pending at the end of the stream.
func (d *lineDecoder) flush() bool {
	for i := range d.pending {
		if p := &d.pending[i]; p.started || len(p.buf) > 0 {
			if !d.emit(i) {
				return false
			}
		}
	}
	return true
}

// parseLogDetails decodes the daemon's "k=v,k2=v2" details prefix, whose
// keys and values are query-escaped.
func parseLogDetails(s string) map[string]string {
	if s == "" {
		return nil
	}
	m := make(map[string]string)
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		m[k] = v
	}
	return m
}

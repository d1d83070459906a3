package dockwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/dockwire/dockwire/stdcopy"
)

// ContainerLogsOptions selects what ContainerLogs returns. The zero value returns the
// whole log of stdout and stderr, without timestamps, and does not follow.
type ContainerLogsOptions struct {
	// Stdout and Stderr select the streams; leaving both false selects both.
	Stdout, Stderr bool
	// Follow keeps the stream open, sending new output as the container
	// writes it, until the container stops or ctx ends.
	Follow bool
	// Timestamps makes the daemon send the time each message was written,
	// which Lines returns as LogLine.Time.
	Timestamps bool
	// Tail limits the past log: 0 returns all of it, n > 0 its last n
	// messages, and TailNone none of it, so that with Follow only new output
	// arrives. Unlike the daemon's tail=0, 0 here is the default, "all".
	Tail int
	// Since and Until bound the messages by the time they were written; a
	// zero time sets no bound.
	Since, Until time.Time
	// Details makes the daemon send the attributes the log driver was
	// configured to add (--log-opt labels=..., env=...), which Lines
	// returns as LogLine.Details.
	Details bool
}

// TailNone is the ContainerLogsOptions.Tail that returns none of the past log.
const TailNone = -1

func (o *ContainerLogsOptions) query() (string, error) {
	var q query
	stdout, stderr := o.Stdout, o.Stderr
	if !stdout && !stderr {
		stdout, stderr = true, true
	}
	q.flag("stdout", stdout)
	q.flag("stderr", stderr)
	q.flag("follow", o.Follow)
	q.flag("timestamps", o.Timestamps)
	q.flag("details", o.Details)
	switch {
	case o.Tail == TailNone:
		q.int("tail", 0)
	case o.Tail > 0:
		q.int("tail", o.Tail)
	case o.Tail < 0:
		return "", invalidArg("log tail %d: want 0 for all, n > 0 for the last n messages, or TailNone", o.Tail)
	}
	if !o.Since.IsZero() && !o.Until.IsZero() && o.Until.Before(o.Since) {
		return "", invalidArg("log window ends (%v) before it starts (%v)", o.Until, o.Since)
	}
	q.unix("since", o.Since)
	q.unix("until", o.Until)
	return q.String(), nil
}

// Media types of the logs, attach and exec streams.
const (
	rawStreamType         = "application/vnd.docker.raw-stream"
	multiplexedStreamType = "application/vnd.docker.multiplexed-stream"
)

// ContainerLogs opens a container's log. Read the stream with Lines,
// CopyTo or Read, and Close it when done.
//
// A following stream ends with a clean end of stream (nil from Lines and
// CopyTo, io.EOF from Read) when the container stops, and at once for a
// container that was created but never started. Only ctx ends it otherwise:
// there is no read timeout, however long the container stays silent. When
// ctx ends, a blocked read returns ctx.Err() and the connection is closed.
// A daemon that dies mid-stream gives io.ErrUnexpectedEOF, never a clean
// end.
//
// Whether the stream is multiplexed (no TTY) or raw (TTY) comes from its
// Content-Type from API 1.42 on. Below 1.42 the daemon labels every log
// stream raw (Docker 20.10 sends no Content-Type at all), so the stream
// itself decides, at the first read and without another request: it is
// multiplexed when it begins with the start of a frame header, a stream
// byte 1 to 3 (stdout, stderr, daemon error: a log never holds stdin) and
// three zero bytes, and raw otherwise. The same rule applies from 1.42 on
// when something between the client and the daemon dropped the
// Content-Type. The first byte alone settles most streams; a stream whose
// first byte is 1 to 3 waits for up to three more bytes, or its end. The
// rule errs only for a TTY log that begins with such four bytes (a control
// character from SOH to ETX, then three NULs), which it reads as frames,
// and for a framed log cut off within its first four bytes, which it
// passes through as raw bytes.
func (c *Client) ContainerLogs(ctx context.Context, id string, opts ContainerLogsOptions) (*LogStream, error) {
	seg, err := idSegment(KindContainer, id)
	if err != nil {
		return nil, err
	}
	q, err := opts.query()
	if err != nil {
		return nil, err
	}
	return c.openLogs(ctx, &call{method: http.MethodGet, path: "/containers/" + seg + "/logs", query: q, kind: KindContainer, id: id}, opts)
}

// openLogs sends a logs request r (of a container, service or task) and
// returns its stream.
func (c *Client) openLogs(ctx context.Context, r *call, opts ContainerLogsOptions) (*LogStream, error) {
	typed, err := c.apiAtLeast(ctx, "1.42")
	if err != nil {
		return nil, err
	}
	if opts.Follow && r.kind == KindContainer && c.engine.Load() == enginePodman {
		return c.podmanFollowLogs(ctx, r, opts)
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	s := &LogStream{body: resp.Body, timestamps: opts.Timestamps, details: opts.Details, host: c.host, kind: r.kind, id: r.id}
	if typed {
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		switch mt {
		case multiplexedStreamType:
			s.framing = framingMultiplexed
		case rawStreamType:
			s.framing = framingRaw
		}
	}
	return s, nil
}

// ContainerLogTail returns the last n lines of a container's stdout and
// stderr, interleaved as the container wrote them, each with its Stream
// and without its line terminator. n must be at least 1; use
// ContainerLogs for the whole log.
func (c *Client) ContainerLogTail(ctx context.Context, id string, n int) ([]LogLine, error) {
	if n < 1 {
		return nil, invalidArg("log tail of %d lines: want at least 1", n)
	}
	s, err := c.ContainerLogs(ctx, id, ContainerLogsOptions{Tail: n})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var lines []LogLine
	for l, err := range s.Lines() {
		if err != nil {
			return nil, err
		}
		lines = append(lines, l)
	}
	// The daemon counts messages; a message cut into parts counts twice.
	return lines[max(0, len(lines)-n):], nil
}

// LogStream is an open log of a container, service or task. Use one of
// Lines, CopyTo or Read to consume it, and Close it when done; it also
// closes when the ctx given to ContainerLogs (ServiceLogs, TaskLogs) ends. Only Close may be called while another goroutine
// reads.
type LogStream struct {
	body       io.ReadCloser
	framing    framing
	head       [4]byte // the start of the stream, read to decide its framing
	headR      int     // head[headR:headW] is yet to be read
	headW      int
	headErr    error // met while reading head; returned once head is read
	timestamps bool
	details    bool
	host, id   string      // for errors
	kind       string      // KindContainer, KindService or KindTask
	closed     atomic.Bool // Close was called: a read error then is no failure
	ranged     atomic.Bool // Lines was ranged over
}

// framing is how a log stream is encoded.
type framing uint8

const (
	framingUnknown     framing = iota // not decided yet: see LogStream.sniff
	framingMultiplexed                // stdcopy frames
	framingRaw                        // a TTY's bytes
)

// sniff decides the framing from the start of the stream, reading no more
// of it than it needs: a stream byte 1 to 3 and three zero bytes begin a
// log's frame header; anything else is raw. It waits for the next byte only
// while the bytes so far could still begin a header.
func (s *LogStream) sniff() {
	if s.framing != framingUnknown {
		return
	}
	for s.headW < len(s.head) && couldBeFrameHeader(s.head[:s.headW]) {
		n, err := s.body.Read(s.head[s.headW:])
		s.headW += n
		if err != nil {
			s.headErr = err
			break
		}
	}
	s.framing = framingRaw
	if s.headW == len(s.head) && couldBeFrameHeader(s.head[:]) {
		s.framing = framingMultiplexed
	}
}

// couldBeFrameHeader reports whether b could be the start of a log's frame
// header: [stream 1-3, 0, 0, 0, size (4 bytes)]. Stream 0, stdin, never
// occurs in a log, and leaving it out keeps a TTY's NUL bytes raw.
func couldBeFrameHeader(b []byte) bool {
	for i, c := range b {
		if i == 0 && (c == byte(stdcopy.Stdin) || c > byte(stdcopy.Systemerr)) || i > 0 && c != 0 {
			return false
		}
	}
	return true
}

// fail says which log on which host an error ended; the context's own
// errors pass through untouched, and a stream the caller closed ends
// without one.
func (s *LogStream) fail(err error) error {
	if err == nil || isContextErr(err) {
		return err
	}
	if s.closed.Load() {
		return nil
	}
	hint := ""
	if errors.Is(err, io.ErrUnexpectedEOF) {
		hint = " (the stream was cut short: did the daemon stop or restart?)"
	}
	return fmt.Errorf("dockwire: logs of %s %q on %s: %w%s", s.kind, s.id, s.host, err, hint)
}

// Multiplexed reports whether the stream is framed stdout and stderr
// (stdcopy), rather than the raw bytes of a TTY. Where the daemon does not
// say (see ContainerLogs), it reads the start of the stream to decide, and
// so waits until the container writes or the stream ends; an error met
// there is returned by the next read.
func (s *LogStream) Multiplexed() bool {
	s.sniff()
	return s.framing == framingMultiplexed
}

// Read reads the stream as the daemon sent it: frames when Multiplexed,
// raw TTY bytes otherwise. After Close it returns io.EOF.
func (s *LogStream) Read(p []byte) (int, error) {
	s.sniff()
	if s.headR < s.headW {
		n := copy(p, s.head[s.headR:s.headW])
		s.headR += n
		return n, nil
	}
	err := s.headErr
	n := 0
	if err == nil {
		n, err = s.body.Read(p)
	}
	if err != nil && err != io.EOF && s.closed.Load() && !isContextErr(err) {
		err = io.EOF
	}
	return n, err
}

// Close ends the stream and releases its connection. It is safe to call
// more than once, and from another goroutine while Lines, CopyTo or Read
// is blocked: that read then ends as the log's end does, without an error
// (Lines yields no partial last line, Read returns io.EOF). When ctx ended
// first, its error is what they return.
func (s *LogStream) Close() error {
	s.closed.Store(true)
	return s.body.Close()
}

// CopyTo copies the log to stdout and stderr until it ends, and returns
// the number of bytes written. A multiplexed stream is split by stream; a
// raw (TTY) stream goes to stdout unchanged. A nil writer discards its
// stream, and discarded bytes are not counted. It returns nil when the log
// ends cleanly; see ContainerLogs and stdcopy.Copy for the errors.
func (s *LogStream) CopyTo(stdout, stderr io.Writer) (int64, error) {
	n, err := copyOutput(s.Multiplexed(), s, stdout, stderr)
	return n, s.fail(err)
}

// copyOutput demultiplexes a framed stream, or passes a raw one through to
// stdout.
func copyOutput(multiplexed bool, src io.Reader, stdout, stderr io.Writer) (int64, error) {
	if multiplexed {
		return stdcopy.Copy(stdout, stderr, src)
	}
	if stdout == nil {
		_, err := io.Copy(io.Discard, src)
		return 0, err
	}
	return io.Copy(stdout, src)
}

package dockwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/dockwire/dockwire/internal/detachkeys"
)

// ErrDetached means the detach keys were written to an attachment's
// stdin: the attachment ended and the container runs on.
var ErrDetached = errors.New("detached from the container")

// ContainerAttachOptions says which of a container's streams
// ContainerAttach connects. Stream or Logs must be set, and at least one
// of Stdin, Stdout and Stderr.
type ContainerAttachOptions struct {
	// Stream connects the streams from now on, until the container stops,
	// the caller detaches, or the attachment is closed. Attached before
	// ContainerStart, it loses none of the output (docker run -a).
	Stream bool
	// Logs first replays what the container wrote before (its log, as
	// ContainerLogs has it); with Stream, live output follows.
	Logs bool
	// Stdin connects the container's standard input, which Write then
	// feeds. The container must have been created with Config.OpenStdin
	// (docker run -i). CloseWrite closes the container's stdin only if it
	// was also created with Config.StdinOnce; otherwise the daemon ends the
	// attachment instead and leaves the container's stdin open.
	Stdin bool
	// Stdout and Stderr select the output streams.
	Stdout, Stderr bool
	// DetachKeys is the key sequence that, written to the stdin of a
	// container with a TTY, ends the attachment and leaves the container
	// running: keys separated by commas, each a letter or ctrl- and one of
	// a-z @ [ \ ] ^ _. Empty means ctrl-p,ctrl-q. Without a TTY the
	// daemon does not look for it.
	DetachKeys string
}

func (o *ContainerAttachOptions) query() (string, error) {
	if !o.Stream && !o.Logs {
		return "", invalidArg("attach: neither Stream nor Logs is set, so nothing would be attached")
	}
	if !o.Stdin && !o.Stdout && !o.Stderr {
		return "", invalidArg("attach: none of Stdin, Stdout and Stderr is set")
	}
	if _, err := detachkeys.Parse(o.DetachKeys); err != nil {
		return "", invalidArg("attach: detach keys %q: %v", o.DetachKeys, err)
	}
	var q query
	q.flag("stream", o.Stream)
	q.flag("logs", o.Logs)
	q.flag("stdin", o.Stdin)
	q.flag("stdout", o.Stdout)
	q.flag("stderr", o.Stderr)
	if o.DetachKeys != "" {
		q.add("detachKeys", o.DetachKeys)
	}
	return q.String(), nil
}

// ContainerAttach connects to a container's standard streams, as docker
// attach does, and returns the connection: the output to read (Read,
// CopyTo), the stdin to write (Write, CloseWrite), and the exit status once
// the container stops (Wait). Close it when done; it also closes when ctx
// ends, and then a blocked read returns ctx.Err() at once.
//
// ContainerAttach inspects the container first: its Config.Tty decides
// whether the output is framed stdout and stderr or a TTY's raw bytes (the
// daemon's Content-Type says so only from API 1.42), and stdin is refused,
// as an error matching ErrInvalidArgument, for a container created without
// Config.OpenStdin, whose stdin the daemon would silently drop. With
// Stream it also registers a wait before attaching (for the next exit of
// a container not running, so that one attached before ContainerStart is
// waited for), which Wait reads. A missing container is an error matching
// ErrContainerNotFound; a paused or restarting one matches ErrConflict.
func (c *Client) ContainerAttach(ctx context.Context, id string, opts ContainerAttachOptions) (*Attachment, error) {
	q, err := opts.query()
	if err != nil {
		return nil, err
	}
	r, err := containerCall(http.MethodPost, id, "attach", query{})
	if err != nil {
		return nil, err
	}
	r.query = q
	info, err := c.ContainerInspect(ctx, id, ContainerInspectOptions{})
	if err != nil {
		return nil, err
	}
	if opts.Stdin && !info.Config.OpenStdin {
		return nil, invalidArg("attach to container %q: it was created without OpenStdin (docker run -i), so the daemon would drop its stdin", id)
	}
	var waiter *Waiter
	if opts.Stream {
		cond := WaitNextExit
		if info.State.Running {
			cond = WaitNotRunning
		}
		if waiter, err = c.ContainerWaitRegister(ctx, info.ID, cond); err != nil {
			return nil, err
		}
	}
	a, err := c.attach(ctx, r, info.Config.Tty, opts)
	if err != nil {
		if waiter != nil {
			waiter.Close()
		}
		return nil, err
	}
	a.waiter = waiter
	return a, nil
}

// attach sends the attach request r for a container with or without a
// TTY.
func (c *Client) attach(ctx context.Context, r *call, tty bool, opts ContainerAttachOptions) (*Attachment, error) {
	body, stdin, err := c.hijack(ctx, r, opts.Stdin)
	if err != nil {
		return nil, err
	}
	a := &Attachment{body: body, stdin: stdin, multiplexed: !tty, host: c.host, id: r.id}
	if tty && opts.Stdin {
		keys, _ := detachkeys.Parse(opts.DetachKeys) // checked by query
		a.detach = &detachkeys.Scanner{Keys: keys}
		// Podman 4.3 passes the keys on to the container: the client
		// detaches by closing the connection itself.
		a.detachByClose = c.isPodman(ctx)
	}
	return a, nil
}

// hijack sends r asking the daemon to hand over the connection (Upgrade:
// tcp), as attach and exec start do, and returns the connection's output
// and, with stdin, its input. Without stdin the daemon may answer a
// close-delimited 200 instead of the 101.
func (c *Client) hijack(ctx context.Context, r *call, stdin bool) (io.ReadCloser, io.Writer, error) {
	if r.header == nil {
		r.header = http.Header{}
	}
	r.header.Set("Connection", "Upgrade")
	r.header.Set("Upgrade", "tcp")
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	if !stdin {
		return resp.Body, nil, nil
	}
	w, ok := resp.Body.(io.Writer)
	if !ok {
		resp.Body.Close()
		return nil, nil, fmt.Errorf("dockwire: %s on %s: the daemon answered %d without handing over the connection, so stdin cannot be sent: %w", r.endpoint(), c.host, resp.StatusCode, errors.ErrUnsupported)
	}
	return resp.Body, w, nil
}

// halfCloser returns how to half-close a hijacked connection, or why it
// cannot: what says so is the connection under it.
func halfCloser(body io.ReadCloser) (func() error, error) {
	var conn any = body
	if h, ok := body.(*hijackedConn); ok {
		conn = h.pc.Conn
	}
	if _, ok := conn.(interface{ CloseWrite() error }); !ok {
		return nil, fmt.Errorf("dockwire: a %T connection cannot half-close, so stdin cannot be ended without ending the output: %w", conn, errors.ErrUnsupported)
	}
	return body.(interface{ CloseWrite() error }).CloseWrite, nil
}

// Attachment is a connection to a container's standard streams, from
// ContainerAttach. Read or CopyTo take the output from one goroutine while
// Write and CloseWrite feed stdin from another; Close may be called from
// any.
type Attachment struct {
	body        io.ReadCloser
	stdin       io.Writer // nil unless attached with Stdin
	multiplexed bool
	waiter      *Waiter             // nil without Stream
	detach      *detachkeys.Scanner // nil unless the daemon looks for the detach keys
	// detachByClose: the daemon ignores the keys (Podman), so Write does
	// not send them and closes the connection instead.
	detachByClose bool
	host, id      string

	detached atomic.Bool
	wrote    atomic.Bool // stdin was written: a reset may follow the output
	closed   atomic.Bool

	waitOnce sync.Once
	exitCode int
	waitErr  error
}

// Multiplexed reports whether the output is framed stdout and stderr
// (stdcopy), rather than the raw bytes of a TTY.
func (a *Attachment) Multiplexed() bool { return a.multiplexed }

// Read reads the output as the daemon sends it: frames when Multiplexed,
// raw TTY bytes otherwise. It returns io.EOF when the output ends.
func (a *Attachment) Read(p []byte) (int, error) {
	n, err := a.body.Read(p)
	if err != nil && err != io.EOF {
		if ferr := a.fail(err); ferr == nil {
			err = io.EOF
		} else {
			err = ferr
		}
	}
	return n, err
}

// CopyTo copies the output to stdout and stderr until it ends: when the
// container's output streams close (it stopped), after a detach, or, for
// a TTY, once stdin is closed. A multiplexed stream is split by stream, a
// TTY's goes to stdout; a nil writer discards its stream. It returns nil
// at a clean end, also after Close; a stream cut short is an error
// matching io.ErrUnexpectedEOF, and ctx's end returns ctx.Err().
func (a *Attachment) CopyTo(stdout, stderr io.Writer) (int64, error) {
	n, err := copyOutput(a.multiplexed, a.body, stdout, stderr)
	return n, a.fail(err)
}

// fail says which container's attachment an error ended; context errors
// pass through, and what ends a closed attachment, or the reset that the
// daemon's close causes when stdin it never read was sent, is a clean end.
func (a *Attachment) fail(err error) error {
	switch {
	case err == nil || isContextErr(err):
		return err
	case a.closed.Load(), a.wrote.Load() && errors.Is(err, syscall.ECONNRESET):
		return nil
	}
	hint := ""
	if errors.Is(err, io.ErrUnexpectedEOF) {
		hint = " (the stream was cut short: did the daemon stop or restart?)"
	}
	return fmt.Errorf("dockwire: attach to container %q on %s: %w%s", a.id, a.host, err, hint)
}

// Write sends p to the container's stdin. When p holds the end of the
// detach sequence (see ContainerAttachOptions.DetachKeys), Write sends p
// up to there and returns an error matching ErrDetached: the daemon then
// ends the output, and the container runs on. Write is not for concurrent
// use.
func (a *Attachment) Write(p []byte) (int, error) {
	if a.stdin == nil {
		return 0, fmt.Errorf("dockwire: attachment to container %q has no stdin (attach with Stdin): %w", a.id, errors.ErrUnsupported)
	}
	if a.detached.Load() {
		return 0, a.detachedError()
	}
	end := len(p)
	found := false
	if a.detach != nil {
		end, found = a.detach.Scan(p)
	}
	a.wrote.Store(true)
	if found {
		// Before the keys go: the daemon's end of the output may reach a
		// reader, who then calls Wait, before this Write returns.
		a.detached.Store(true)
	}
	if found && a.detachByClose {
		n, err := a.stdin.Write(p[:max(0, end-len(a.detach.Keys))])
		if err != nil {
			return n, err
		}
		a.closed.Store(true)
		return end, errors.Join(a.detachedError(), a.body.Close())
	}
	n, err := a.stdin.Write(p[:end])
	if err != nil {
		return n, err
	}
	if found {
		return n, a.detachedError()
	}
	return n, nil
}

func (a *Attachment) detachedError() error {
	return fmt.Errorf("dockwire: attachment to container %q on %s: %w (it runs on)", a.id, a.host, ErrDetached)
}

// Detached reports whether the detach sequence was written.
func (a *Attachment) Detached() bool { return a.detached.Load() }

// CloseWrite closes stdin. For a container created with StdinOnce and no
// TTY, its stdin reads end of file and the output goes on until it stops;
// otherwise the daemon ends the attachment (see
// ContainerAttachOptions.Stdin). A connection that cannot half-close gives
// an error matching errors.ErrUnsupported.
func (a *Attachment) CloseWrite() error {
	if a.stdin == nil {
		return fmt.Errorf("dockwire: attachment to container %q has no stdin (attach with Stdin): %w", a.id, errors.ErrUnsupported)
	}
	closeWrite, err := halfCloser(a.body)
	if err != nil {
		return err
	}
	return closeWrite()
}

// Wait returns the container's exit status once it has stopped, reading
// the wait ContainerAttach registered. It blocks until then, until the ctx
// given to ContainerAttach ends, or until Close; call it after the output
// has ended. After a detach it returns -1 and an error matching
// ErrDetached at once, as the container runs on. Without Stream there is
// no wait to read, and the error matches ErrInvalidArgument. Wait may be
// called more than once; every call returns the same.
func (a *Attachment) Wait() (int, error) {
	if a.detached.Load() {
		return -1, a.detachedError()
	}
	if a.waiter == nil {
		return -1, invalidArg("wait on the attachment to container %q: attached without Stream, so no wait was registered", a.id)
	}
	a.waitOnce.Do(func() {
		res, err := a.waiter.Result()
		a.exitCode, a.waitErr = int(res.StatusCode), err
		if err != nil && res.StatusCode == 0 {
			a.exitCode = -1
		}
	})
	return a.exitCode, a.waitErr
}

// Close closes the connection and the wait; the container runs on. It is
// safe to call more than once, and from another goroutine while a read is
// blocked, which then ends as the output's end does.
func (a *Attachment) Close() error {
	a.closed.Store(true)
	if a.waiter != nil {
		a.waiter.Close()
	}
	return a.body.Close()
}

// ContainerResizeOptions is the size ContainerResize gives a TTY, in
// characters.
type ContainerResizeOptions struct {
	Height, Width uint
}

// ContainerResize sets the size of a container's TTY, as a terminal's
// SIGWINCH does for docker attach. The container must be running.
func (c *Client) ContainerResize(ctx context.Context, id string, opts ContainerResizeOptions) error {
	var q query
	q.int("h", int(opts.Height))
	q.int("w", int(opts.Width))
	r, err := containerCall(http.MethodPost, id, "resize", q)
	if err != nil {
		return err
	}
	_, err = c.discard(ctx, r)
	return err
}

package dockwire

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/dockwire/dockwire/engine"
	"github.com/tidwall/gjson"
)

// ExecOptions describes a command for Exec, ExecCapture and ExecCheck,
// which create, start and wait for it in one call.
//
// The exec calls take three options types, one per call of the API's
// three steps, because each step has its own fields: ExecOptions is the
// one-call form and carries the caller's Stdin, Stdout and Stderr;
// ExecCreateOptions is the daemon's ExecConfig (what runs, and which
// streams the daemon attaches); ExecStartOptions is what ExecStart sends
// when it attaches. A user of Exec never meets the other two.
type ExecOptions struct {
	// Cmd is the command and its arguments; it is required and not run by
	// a shell.
	Cmd []string
	// Env adds "KEY=value" variables to the container's environment.
	Env []string
	// User is "user", "user:group", "uid" or "uid:gid"; empty for the
	// container's user.
	User string
	// WorkingDir is where the command runs; empty for the container's
	// working directory.
	WorkingDir string
	// Tty runs the command on a pseudo-terminal: its output is then raw,
	// with stderr merged into stdout and "\r\n" line ends.
	Tty bool
	// Privileged gives the command extended privileges.
	Privileged bool
	// DetachKeys overrides the key sequence that detaches from a TTY's
	// stdin ("ctrl-p,ctrl-q" by default). The daemon looks for it only with
	// Tty and Stdin.
	DetachKeys string
	// ConsoleSize is the TTY's initial [height, width]; zero leaves the
	// daemon's default. It needs API 1.42.
	ConsoleSize [2]uint
	// Stdin, if set, is copied to the command's standard input, which is
	// then closed (a half-close of the connection), so that a command like
	// cat sees end of file. See Exec for when the copy ends.
	Stdin io.Reader
	// Stdout and Stderr receive the command's output; nil discards it.
	// ExecCapture and ExecCheck ignore them.
	Stdout, Stderr io.Writer
	// MaxOutput is how many bytes of output ExecCapture and ExecCheck keep,
	// stdout and stderr together; 0 means DefaultMaxOutput (64 MiB). More
	// fails the call with ErrOutputTooLarge. Exec streams and ignores it.
	MaxOutput int64
}

func (o *ExecOptions) config() ExecCreateOptions {
	return ExecCreateOptions{
		Cmd: o.Cmd, Env: o.Env, User: o.User, WorkingDir: o.WorkingDir, Tty: o.Tty, Privileged: o.Privileged,
		DetachKeys: o.DetachKeys, ConsoleSize: o.ConsoleSize,
		// Always attached, so that the end of the output is the end of the
		// process; the client discards what nobody wants.
		AttachStdout: true, AttachStderr: true, AttachStdin: o.Stdin != nil,
	}
}

// ExecResult is the outcome of a command run by ExecCapture or ExecCheck.
type ExecResult struct {
	// ExitCode is the command's exit status; -1 when it is unknown because
	// the call failed.
	ExitCode int
	// Stdout and Stderr are the command's output. With Tty, everything is
	// in Stdout.
	Stdout, Stderr string
}

// Exec runs a command in a running container, copies its output to
// opts.Stdout and opts.Stderr as it arrives, and returns its exit code. A
// non-zero exit code is not an error; a command the runtime could not
// start (a missing executable, a missing working directory) is an
// *ExecStartError matching ErrExecNotStarted, and the runtime's message is
// in the error, not in opts.Stdout. It creates an exec instance, starts
// it, and once the output ends polls ExecInspect (from 5ms, doubling up to
// 200ms) until the daemon reports the exit code, which it records a moment
// after the output ends.
//
// When ctx ends, Exec returns ctx.Err() at once and closes the connection.
// The daemon does not stop the command then (Docker 20.10 to 29 run it
// under a context that a closed connection never cancels): it runs on,
// with its stdin closed and its output discarded, until it exits. To
// bound a command, bound it inside the container (timeout 10 cmd ...) or
// stop the container. A container that is paused or not running gives an
// error matching ErrConflict, a missing one ErrContainerNotFound.
//
// With opts.Stdin, Exec copies it to the command from a goroutine, then
// half-closes the connection. Exec does not wait for that copy: once the
// output has ended and the exit code is known it returns, and the
// goroutine ends as soon as its pending Read on Stdin returns (what it
// reads then is dropped). Exec never closes Stdin. Stdin bytes the command
// no longer reads (it exited first) are dropped without error, and so is
// the connection reset a daemon's close then causes; a failure
// to read Stdin is returned, along with the exit code, once the command
// has ended. Stdin needs a connection that can half-close: Unix sockets
// and TLS can; a custom dialer's connection may not, which fails the call
// with an error matching errors.ErrUnsupported.
func (c *Client) Exec(ctx context.Context, container string, opts ExecOptions) (int, error) {
	return c.exec(ctx, container, &opts, opts.Stdout, opts.Stderr, true)
}

// ExecCapture runs a command like Exec and returns its exit code and
// output. It keeps up to opts.MaxOutput bytes of output (DefaultMaxOutput,
// 64 MiB, unless set); more fails the call with ErrOutputTooLarge, and the
// command, whose output is then discarded, runs on (see Exec). On error,
// the result holds the output that arrived. The output is held once: the
// peak memory of a capture is about the size of its output.
func (c *Client) ExecCapture(ctx context.Context, container string, opts ExecOptions) (ExecResult, error) {
	max := opts.MaxOutput
	if max <= 0 {
		max = DefaultMaxOutput
	}
	out := newCapture(max)
	defer out.release()
	code, err := c.exec(ctx, container, &opts, &out.stdout, &out.stderr, false)
	res := ExecResult{ExitCode: code, Stdout: out.stdout.String(), Stderr: out.stderr.String()}
	if serr, ok := err.(*ExecStartError); ok {
		// A command that never started wrote nothing: what arrived is the
		// runtime's message (on stdout from Docker, stderr from Podman).
		serr.Message = cleanText(strings.TrimSpace(res.Stdout+res.Stderr), maxMessageLen)
		res.Stdout, res.Stderr = "", ""
	}
	return res, err
}

// ExecCheck runs a command like ExecCapture and checks its exit code: a
// non-zero exit code is returned, with the result, as a *CommandError
// holding the last 4 KiB of its stderr (of its stdout with Tty). Check as
// in Python's subprocess.check_output or the shell's set -e: a failed
// command becomes an error, and nothing panics.
func (c *Client) ExecCheck(ctx context.Context, container string, opts ExecOptions) (ExecResult, error) {
	res, err := c.ExecCapture(ctx, container, opts)
	if err == nil && res.ExitCode != 0 {
		out := res.Stderr
		if opts.Tty {
			out = res.Stdout
		}
		err = &CommandError{Container: container, Cmd: slices.Clone(opts.Cmd), ExitCode: res.ExitCode, Stderr: lastBytes(out, maxMessageLen)}
	}
	return res, err
}

// exec runs opts.Cmd and copies its output to stdout and stderr. A command
// that could not start is an *ExecStartError; with hold, the runtime's
// message is held back from stdout and put in the error (see startCheck),
// without, the caller finds it in what it captured.
func (c *Client) exec(ctx context.Context, container string, opts *ExecOptions, stdout, stderr io.Writer, hold bool) (int, error) {
	id, err := c.ExecCreate(ctx, container, opts.config())
	if err != nil {
		return -1, err
	}
	var check *startCheck
	if hold {
		check = &startCheck{c: c, ctx: ctx, id: id}
		stdout, stderr = &startCheckWriter{check, stdout}, &startCheckWriter{check, stderr}
	}
	s, err := c.execStart(ctx, id, opts.Tty, opts.Stdin != nil, opts.ConsoleSize)
	if err != nil {
		return -1, err
	}
	defer s.Close()
	var stdinErr chan error
	if opts.Stdin != nil {
		closeWrite, err := s.halfCloser()
		if err != nil {
			return -1, fmt.Errorf("dockwire: exec %s in container %q on %s: %w", id, container, c.host, err)
		}
		stdinErr = make(chan error, 1)
		go feedStdin(s, opts.Stdin, closeWrite, stdinErr)
	}
	if _, err := s.CopyTo(stdout, stderr); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return -1, cerr
		}
		// A daemon that closes the connection with stdin still unread
		// makes the kernel reset it, after the output has been read: the
		// exit code tells how the command ended.
		if opts.Stdin == nil || !errors.Is(err, syscall.ECONNRESET) {
			return -1, fmt.Errorf("dockwire: exec %s in container %q on %s: output: %w", id, container, c.host, err)
		}
	}
	// Closing also ends a stdin copy blocked writing to a command that
	// stopped reading.
	s.Close()
	info, err := c.execWait(ctx, id)
	if err != nil {
		return -1, err
	}
	if c.neverStarted(info) {
		serr := &ExecStartError{Host: c.host, Container: container, ExecID: id, Cmd: slices.Clone(opts.Cmd), ExitCode: *info.ExitCode}
		if check != nil {
			serr.Message = check.message
		}
		return -1, serr
	}
	code := *info.ExitCode
	select {
	case err := <-stdinErr:
		if err != nil {
			return code, fmt.Errorf("dockwire: exec %s in container %q on %s: reading stdin: %w", id, container, c.host, err)
		}
	default:
	}
	return code, nil
}

// startCheck tells the runtime's report that a command could not start
// from the command's output, before that report reaches the caller's
// writers. Docker writes the report as the only output, one write of the
// message and "\r\n", after it has recorded the instance as ended with no
// process. So a first write of that shape, and only that, costs an
// ExecInspect: if the instance has no process, the write is the report and
// is kept for the error; otherwise it is output like any other.
type startCheck struct {
	c       *Client
	ctx     context.Context
	id      string
	done    bool   // the first write has been seen
	message string // the runtime's report, when the command never started
}

// startCheckWriter is one stream's writer behind a startCheck; a nil w
// discards.
type startCheckWriter struct {
	check *startCheck
	w     io.Writer
}

func (w *startCheckWriter) Write(p []byte) (int, error) {
	if k := w.check; !k.done {
		k.done = true
		if len(p) <= maxMessageLen && bytes.HasSuffix(p, []byte("\r\n")) {
			if info, err := k.c.ExecInspect(k.ctx, k.id); err == nil && k.c.neverStarted(info) {
				k.message = cleanText(strings.TrimSpace(string(p)), maxMessageLen)
				return len(p), nil
			}
		}
	}
	if w.w == nil {
		return len(p), nil
	}
	return w.w.Write(p)
}

// neverStarted reports an exec instance that ended without a process: the
// runtime could not start its command. Only a daemon that reports Pid is
// believed, and not Podman, which reports Pid 0 for every instance that
// ended: there the exit code (126 or 127) is all that tells.
func (c *Client) neverStarted(info engine.ExecInspectResponse) bool {
	if c.engine.Load() == enginePodman {
		return false
	}
	return !info.Running && info.ExitCode != nil && info.Pid == 0 && info.Get("Pid").Exists()
}

// feedStdin copies stdin to the command, reports stdin's own read error
// (a write error means the command exited or closed its input, and the
// output and exit code tell the rest), then half-closes the connection.
// The report comes first so that it is in before the command, seeing end
// of file, can end the output.
func feedStdin(conn io.Writer, stdin io.Reader, closeWrite func() error, report chan<- error) {
	w := &stdinWriter{w: conn}
	_, err := io.Copy(w, stdin)
	if w.failed {
		report <- nil
		return
	}
	report <- err
	// A failure to half-close a connection that can (checked before the
	// copy) means the daemon closed it: the command is gone.
	closeWrite()
}

type stdinWriter struct {
	w      io.Writer
	failed bool
}

func (w *stdinWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.failed = err != nil
	return n, err
}

// lastBytes returns at most the last n bytes of s, starting on a rune.
func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	for i := 0; i < len(s) && i < utf8.UTFMax; i++ {
		if utf8.RuneStart(s[i]) {
			return s[i:]
		}
	}
	return s
}

// ExecCreateOptions is the command ExecCreate sets up: the API's
// ExecConfig. Exec, ExecCapture and ExecCheck build it from ExecOptions.
type ExecCreateOptions struct {
	Cmd        []string // the command and its arguments; required
	Env        []string // "KEY=value" added to the container's environment
	User       string   // "user", "user:group", "uid" or "uid:gid"; empty for the container's
	WorkingDir string   // empty for the container's
	Tty        bool     // a pseudo-terminal: raw output, stderr merged into stdout
	Privileged bool
	// AttachStdin, AttachStdout and AttachStderr connect the streams to
	// ExecStart's connection. Without stdout and stderr the daemon ends the
	// connection at once, and only ExecWait tells when the command ends.
	AttachStdin, AttachStdout, AttachStderr bool
	DetachKeys                              string  // see ExecOptions.DetachKeys
	ConsoleSize                             [2]uint // [height, width]; zero for the daemon's default; API 1.42
}

type execCreateBody struct {
	AttachStdin  bool
	AttachStdout bool
	AttachStderr bool
	DetachKeys   string   `json:",omitempty"`
	ConsoleSize  *[2]uint `json:",omitempty"`
	Tty          bool
	Env          []string `json:",omitempty"`
	Cmd          []string
	Privileged   bool   `json:",omitempty"`
	User         string `json:",omitempty"`
	WorkingDir   string `json:",omitempty"`
}

// consoleSize returns size for the request body, nil when zero, after
// checking that the API has it.
func (c *Client) consoleSize(ctx context.Context, size [2]uint) (*[2]uint, error) {
	if size == [2]uint{} {
		return nil, nil
	}
	if err := c.requireAPI(ctx, "1.42", "exec ConsoleSize"); err != nil {
		return nil, err
	}
	// A copy, so that only a size that is set reaches the heap.
	p := new([2]uint)
	*p = size
	return p, nil
}

// ExecCreate sets up a command to run in a running container and returns
// the exec instance's ID, for ExecStart. A container that is paused or not
// running gives an error matching ErrConflict.
func (c *Client) ExecCreate(ctx context.Context, container string, cfg ExecCreateOptions) (string, error) {
	seg, err := idSegment(KindContainer, container)
	if err != nil {
		return "", err
	}
	if len(cfg.Cmd) == 0 || cfg.Cmd[0] == "" {
		return "", invalidArg("exec in container %q: empty command", container)
	}
	size, err := c.consoleSize(ctx, cfg.ConsoleSize)
	if err != nil {
		return "", err
	}
	body, err := jsonBody(execCreateBody{
		AttachStdin: cfg.AttachStdin, AttachStdout: cfg.AttachStdout, AttachStderr: cfg.AttachStderr,
		DetachKeys: cfg.DetachKeys, ConsoleSize: size, Tty: cfg.Tty, Env: cfg.Env, Cmd: cfg.Cmd,
		Privileged: cfg.Privileged, User: cfg.User, WorkingDir: cfg.WorkingDir,
	})
	if err != nil {
		return "", err
	}
	r := &call{method: http.MethodPost, path: "/containers/" + seg + "/exec", body: body, contentType: jsonContentType, kind: KindContainer, id: container}
	doc, err := c.fetch(ctx, r)
	if err != nil {
		return "", err
	}
	id := gjson.Get(doc, "Id")
	if id.Type != gjson.String || id.Str == "" {
		return "", c.bodyError(r, fmt.Errorf("%w: exec create answered without an Id: %.80q", ErrDecode, doc))
	}
	return id.Str, nil
}

// ExecStartOptions says how ExecStart attaches to an exec instance.
type ExecStartOptions struct {
	// ConsoleSize is the TTY's [height, width]; zero for the default. API 1.42.
	ConsoleSize [2]uint
}

type execStartBody struct {
	Detach      bool
	Tty         bool
	ConsoleSize *[2]uint `json:",omitempty"`
}

// ExecStart starts an exec instance and returns its connection: the
// command's output, and its stdin when the instance was created with
// AttachStdin. When the output ends, ExecWait gets the exit code. If the
// runtime cannot start the command, the output is its message (see
// ExecStartError) and ExecWait returns an *ExecStartError. Closing
// the stream, or ctx ending, closes the connection but does not stop the
// command (see Exec).
//
// ExecStart inspects the instance first: its Tty decides how the output is
// framed (the daemon's Content-Type does not say), and an instance already
// started gives an error matching ErrConflict, which the daemon would
// otherwise report as output of the stream. ExecStart is never retried; a
// missing instance is an error matching ErrExecNotFound (also the
// instances of a container that stopped), a paused container one
// matching ErrConflict.
func (c *Client) ExecStart(ctx context.Context, execID string, opts ExecStartOptions) (*ExecStream, error) {
	info, err := c.ExecInspect(ctx, execID)
	if err != nil {
		return nil, err
	}
	// A process ID means it started. Not the exit code: Podman reports 0
	// for an instance that never ran.
	if info.Running || info.Pid != 0 {
		return nil, fmt.Errorf("dockwire: exec %s on %s was already started: %w", execID, c.host, ErrConflict)
	}
	return c.execStart(ctx, execID, info.ProcessConfig.Tty, info.OpenStdin, opts.ConsoleSize)
}

// execStart starts an exec instance created with the given Tty and
// AttachStdin. The daemon frames the output by the Tty of this request.
func (c *Client) execStart(ctx context.Context, execID string, tty, stdin bool, consoleSize [2]uint) (*ExecStream, error) {
	seg, err := idSegment(KindExec, execID)
	if err != nil {
		return nil, err
	}
	size, err := c.consoleSize(ctx, consoleSize)
	if err != nil {
		return nil, err
	}
	body, err := jsonBody(execStartBody{Tty: tty, ConsoleSize: size})
	if err != nil {
		return nil, err
	}
	r := &call{method: http.MethodPost, path: "/exec/" + seg + "/start", body: body, contentType: jsonContentType, kind: KindExec, id: execID}
	if !stdin {
		// Without the Upgrade header the daemon answers a close-delimited
		// 200; only an upgraded connection carries stdin.
		resp, err := c.send(ctx, r)
		if err != nil {
			return nil, err
		}
		return &ExecStream{body: resp.Body, multiplexed: !tty}, nil
	}
	out, in, err := c.hijack(ctx, r, true)
	if err != nil {
		return nil, err
	}
	return &ExecStream{body: out, stdin: in, multiplexed: !tty}, nil
}

// ExecStartDetached starts an exec instance and returns at once, leaving
// the command running; ExecWait or ExecInspect tell how it ends. A command
// the runtime cannot start is an *APIError here, matching ErrBadRequest with
// the runtime's message, and ExecWait then returns an *ExecStartError.
func (c *Client) ExecStartDetached(ctx context.Context, execID string) error {
	seg, err := idSegment(KindExec, execID)
	if err != nil {
		return err
	}
	body, err := jsonBody(execStartBody{Detach: true})
	if err != nil {
		return err
	}
	_, err = c.discard(ctx, &call{method: http.MethodPost, path: "/exec/" + seg + "/start", body: body, contentType: jsonContentType, kind: KindExec, id: execID})
	return err
}

// ExecInspect returns the state of an exec instance. Its ExitCode is nil
// while the command runs and before it starts. An instance whose container
// was removed is an error matching ErrExecNotFound.
func (c *Client) ExecInspect(ctx context.Context, execID string) (engine.ExecInspectResponse, error) {
	seg, err := idSegment(KindExec, execID)
	if err != nil {
		return engine.ExecInspectResponse{}, err
	}
	return getJSON[engine.ExecInspectResponse](ctx, c, &call{method: http.MethodGet, path: "/exec/" + seg + "/json", kind: KindExec, id: execID})
}

// ExecWait polls ExecInspect, from every 5ms up to every 200ms, until the
// command has ended and its exit code is known, and returns that code. It
// waits for as long as ctx allows, also for an instance never started. A
// command the runtime could not start is an *ExecStartError (its reason
// was the exec's output). On error the code is -1.
func (c *Client) ExecWait(ctx context.Context, execID string) (int, error) {
	info, err := c.execWait(ctx, execID)
	if err != nil {
		return -1, err
	}
	if c.neverStarted(info) {
		cmd := append([]string{info.ProcessConfig.Entrypoint}, info.ProcessConfig.Arguments...)
		return -1, &ExecStartError{Host: c.host, Container: info.ContainerID, ExecID: execID, Cmd: cmd, ExitCode: *info.ExitCode}
	}
	return *info.ExitCode, nil
}

// execWait is ExecWait returning the last inspection, whose ExitCode is set.
func (c *Client) execWait(ctx context.Context, execID string) (engine.ExecInspectResponse, error) {
	var timer *time.Timer
	for polls := 0; ; polls++ {
		info, err := c.ExecInspect(ctx, execID)
		if err != nil {
			return info, err
		}
		if !info.Running && info.ExitCode != nil {
			return info, nil
		}
		if timer == nil {
			timer = time.NewTimer(execPoll.wait(polls))
			defer timer.Stop()
		} else {
			timer.Reset(execPoll.wait(polls))
		}
		select {
		case <-ctx.Done():
			return engine.ExecInspectResponse{}, ctx.Err()
		case <-timer.C:
		}
	}
}

// execPoll is how often ExecWait asks: every 5ms at first, as most
// commands end at once, then less often, up to every 200ms.
var execPoll = backoff{first: 5 * time.Millisecond, max: 200 * time.Millisecond}

// ExecResizeOptions is the size ExecResize gives a TTY, in characters.
type ExecResizeOptions struct {
	Height, Width uint
}

// ExecResize sets the size of an exec instance's TTY.
func (c *Client) ExecResize(ctx context.Context, execID string, opts ExecResizeOptions) error {
	seg, err := idSegment(KindExec, execID)
	if err != nil {
		return err
	}
	var q query
	q.int("h", int(opts.Height))
	q.int("w", int(opts.Width))
	_, err = c.discard(ctx, &call{method: http.MethodPost, path: "/exec/" + seg + "/resize", query: q.String(), kind: KindExec, id: execID})
	return err
}

// ExecStream is the connection of a started exec instance: Read gives the
// command's output as the daemon sends it (frames when Multiplexed), and
// for an instance created with AttachStdin, Write feeds its stdin and
// CloseWrite ends it. Read, Write and Close may be called from different goroutines.
type ExecStream struct {
	body        io.ReadCloser
	stdin       io.Writer // nil unless upgraded for stdin
	multiplexed bool
}

// Multiplexed reports whether the output is framed stdout and stderr
// (stdcopy), rather than the raw bytes of a TTY.
func (s *ExecStream) Multiplexed() bool { return s.multiplexed }

// Read reads the output as the daemon sends it.
func (s *ExecStream) Read(p []byte) (int, error) { return s.body.Read(p) }

// CopyTo copies the output to stdout and stderr until it ends, like
// LogStream.CopyTo.
func (s *ExecStream) CopyTo(stdout, stderr io.Writer) (int64, error) {
	return copyOutput(s.multiplexed, s.body, stdout, stderr)
}

// Write sends p to the command's stdin.
func (s *ExecStream) Write(p []byte) (int, error) {
	if s.stdin == nil {
		return 0, fmt.Errorf("dockwire: exec stream has no stdin (create the exec with AttachStdin): %w", errors.ErrUnsupported)
	}
	return s.stdin.Write(p)
}

// CloseWrite closes the command's stdin, so that it reads end of file,
// while its output keeps arriving. A connection that cannot half-close
// gives an error matching errors.ErrUnsupported.
func (s *ExecStream) CloseWrite() error {
	closeWrite, err := s.halfCloser()
	if err != nil {
		return err
	}
	return closeWrite()
}

// halfCloser returns how to half-close the connection, or why it cannot.
func (s *ExecStream) halfCloser() (func() error, error) {
	if s.stdin == nil {
		return nil, fmt.Errorf("dockwire: exec stream has no stdin (create the exec with AttachStdin): %w", errors.ErrUnsupported)
	}
	return halfCloser(s.body)
}

// Close closes the connection; the command's stdin then reads end of file
// and its output is discarded, but it keeps running (see Exec). It is safe
// to call more than once.
func (s *ExecStream) Close() error { return s.body.Close() }

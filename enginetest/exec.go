package enginetest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/dockwire/dockwire/stdcopy"
)

// Exec is one exec process as the client created and started it, handed to
// an ExecFunc.
type Exec struct {
	ID, ContainerID  string
	Cmd, Env         []string
	User, WorkingDir string
	Tty, Privileged  bool
	// Stdin reads what the client sends on the hijacked connection until it
	// half-closes. It is empty unless the exec was created with AttachStdin.
	Stdin io.Reader
	// Stdout and Stderr reach the client as frames of their own stream, or
	// both as raw bytes with a TTY. Each Write is one frame. They discard
	// what the client did not attach, and fail once the client is gone.
	Stdout, Stderr io.Writer

	noProcess func(exitCode int) // see ExecCannotStart
}

// ExecFunc plays the process of an exec and returns its exit code. ctx ends
// when the container is stopped or removed, when a write to Stdout or
// Stderr fails because the client has dropped the connection, or when the
// engine closes. The function must return then; a real process killed this
// way exits with 137.
type ExecFunc func(ctx context.Context, x *Exec) (exitCode int)

// SetExec makes f play the execs started in the given container from now
// on; an empty container sets the function for every container without one
// of its own. Without SetExec an exec writes its command line, joined by
// spaces, and a newline to stdout, then copies stdin to stdout, and exits 0.
func (e *Engine) SetExec(container string, f ExecFunc) {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	id := ""
	if container != "" {
		c, status, msg := e.lookupLocked(container)
		if c == nil {
			e.t.Errorf("enginetest: SetExec: %d %s", status, msg)
			return
		}
		id = c.ID
	}
	e.execFuncs[id] = f
}

// ExecOutput returns an ExecFunc that writes stdout and stderr, each as one
// frame when not empty, and exits with exitCode.
func ExecOutput(stdout, stderr string, exitCode int) ExecFunc {
	return func(_ context.Context, x *Exec) int {
		if stdout != "" {
			io.WriteString(x.Stdout, stdout)
		}
		if stderr != "" {
			io.WriteString(x.Stderr, stderr)
		}
		return exitCode
	}
}

// ExecCannotStart returns an ExecFunc that plays a command the runtime
// cannot start (a missing executable, a missing working directory), as
// Docker 20.10 to 28 do: the instance ends at once with exitCode (126 on
// Docker 20.10; 127 for a missing file on later versions) and no process
// (Pid 0 in its inspection), then message and "\r\n" arrive as its
// output, on stdout.
func ExecCannotStart(message string, exitCode int) ExecFunc {
	return func(_ context.Context, x *Exec) int {
		x.noProcess(exitCode)
		io.WriteString(x.Stdout, message+"\r\n")
		return exitCode
	}
}

func defaultExec(ctx context.Context, x *Exec) int {
	io.WriteString(x.Stdout, strings.Join(x.Cmd, " ")+"\n")
	io.Copy(x.Stdout, x.Stdin)
	if ctx.Err() != nil {
		return 137
	}
	return 0
}

type execConfig struct {
	AttachStdin, AttachStdout, AttachStderr bool
	Tty, Privileged                         bool
	Cmd, Env                                []string
	User, WorkingDir, DetachKeys            string
}

type execInstance struct {
	id, containerID string
	cfg             execConfig
	started         bool
	running         bool
	exitCode        *int // nil until the process is seen to exit
	pid             int
	kill            context.CancelFunc
}

// checkJSON is the daemon's CheckForJSON: a body must come as JSON.
func (e *Engine) checkJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" && (r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0) {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		if e.cfg.before23() {
			return fmt.Errorf("Content-Type specified (%s) must be 'application/json'", ct)
		}
		return fmt.Errorf("unsupported Content-Type header (%s): must be 'application/json'", ct)
	}
	return nil
}

// readJSON decodes a request body, accepting an empty one as the daemon does.
func (e *Engine) readJSON(r *http.Request, v any) error {
	if err := e.checkJSON(r); err != nil {
		return err
	}
	if err := json.NewDecoder(r.Body).Decode(v); err != nil && err != io.EOF {
		return fmt.Errorf("invalid JSON: %v", err)
	}
	return nil
}

// activeErrorLocked is why an exec cannot run in c now, as the daemon
// words it, or "" if it can.
func (e *Engine) activeErrorLocked(c *container, ref string) string {
	switch c.State {
	case "paused":
		return fmt.Sprintf("Container %s is paused, unpause the container before exec", ref)
	case "restarting":
		return fmt.Sprintf("Container %s is restarting, wait until the container is running", c.ID)
	case "running":
		return ""
	}
	if e.cfg.before23() {
		return fmt.Sprintf("Container %s is not running", c.ID)
	}
	return fmt.Sprintf("container %s is not running", c.ID)
}

func (e *Engine) execCreate(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	var cfg execConfig
	if err := e.readJSON(r, &cfg); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if len(cfg.Cmd) == 0 {
		writeError(w, http.StatusBadRequest, "No exec command specified")
		return
	}
	ref := r.PathValue("id")
	e.mu.Lock()
	c, status, msg := e.lookupLocked(ref)
	if c == nil {
		e.mu.Unlock()
		writeError(w, status, msg)
		return
	}
	if msg := e.activeErrorLocked(c, ref); msg != "" {
		e.mu.Unlock()
		writeError(w, http.StatusConflict, msg)
		return
	}
	e.nextSeq++
	x := &execInstance{id: hashHex(fmt.Sprintf("enginetest exec %d", e.nextSeq)), containerID: c.ID, cfg: cfg}
	e.execs[x.id] = x
	c.execIDs = append(c.execIDs, x.id)
	e.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]string{"Id": x.id})
}

// startLocked marks x running and returns the function to run and the
// context to run it with, or the daemon's conflict message.
func (e *Engine) startLocked(x *execInstance) (context.Context, ExecFunc, string) {
	prefix := "exec command"
	if e.cfg.before23() {
		prefix = "Error: Exec command"
	}
	if x.exitCode != nil {
		return nil, nil, fmt.Sprintf("%s %s has already run", prefix, x.id)
	}
	if x.started {
		return nil, nil, fmt.Sprintf("%s %s is already running", prefix, x.id)
	}
	c := e.containers[x.containerID]
	if c == nil {
		return nil, nil, "No such container: " + x.containerID
	}
	if msg := e.activeErrorLocked(c, c.Name); msg != "" {
		return nil, nil, msg
	}
	f := e.execFuncs[c.ID]
	if f == nil {
		f = e.execFuncs[""]
	}
	if f == nil {
		f = defaultExec
	}
	e.nextSeq++
	x.started, x.running, x.pid = true, true, 20000+e.nextSeq
	ctx, kill := context.WithCancel(e.ctx)
	x.kill = kill
	return ctx, f, ""
}

func (e *Engine) execStart(w http.ResponseWriter, r *http.Request, v apiVersion) {
	id := r.PathValue("id")
	e.mu.Lock()
	x := e.execs[id]
	e.mu.Unlock()
	if x == nil {
		writeError(w, http.StatusNotFound, "No such exec instance: "+id)
		return
	}
	var opts struct{ Detach, Tty bool }
	if err := e.readJSON(r, &opts); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}

	if opts.Detach {
		e.mu.Lock()
		ctx, f, msg := e.startLocked(x)
		e.mu.Unlock()
		if msg != "" {
			writeError(w, http.StatusConflict, msg)
			return
		}
		e.goroutine(func() {
			code := f(ctx, e.newExec(x, strings.NewReader(""), io.Discard, io.Discard))
			e.finishExec(x, code, nil)
		})
		w.WriteHeader(http.StatusOK)
		return
	}

	sc, brw, ok := hijackStream(w, r, v, !opts.Tty)
	if !ok {
		return
	}

	// The daemon frames by the Tty of the start request, not of the create.
	var stdout, stderr io.Writer = sc, sc
	if !opts.Tty {
		stdout, stderr = stdcopy.NewWriter(sc, stdcopy.Stdout), stdcopy.NewWriter(sc, stdcopy.Stderr)
	}
	e.mu.Lock()
	ctx, f, msg := e.startLocked(x)
	e.mu.Unlock()
	if msg != "" {
		// Too late for a status code: the daemon writes the error in-band.
		io.WriteString(stdout, msg+"\r\n")
		endHijacked(sc, brw.Reader)
		return
	}
	if !x.cfg.AttachStdout {
		stdout = io.Discard
	}
	if !x.cfg.AttachStderr {
		stderr = io.Discard
	}
	var stdin io.Reader = strings.NewReader("")
	if x.cfg.AttachStdin {
		stdin = brw.Reader // may already hold bytes sent right behind the request
	}
	// Like the daemon, the fake does not watch the connection: a client that
	// drops it is noticed when output to it fails.
	stdout, stderr = &killOnError{stdout, x.kill}, &killOnError{stderr, x.kill}
	code := f(ctx, e.newExec(x, stdin, stdout, stderr))
	e.finishExec(x, code, func() { endHijacked(sc, brw.Reader) })
}

// hijackStream takes the connection over and answers by hand, as the
// daemon does for exec start and attach: a 101 to an Upgrade request, else
// a 200 labelled raw-stream whatever the framing, with no Content-Length,
// so that the body ends when the connection does. From API 1.42 the 101
// says whether the stream is multiplexed.
func hijackStream(w http.ResponseWriter, r *http.Request, v apiVersion, multiplexed bool) (*serverConn, *bufio.ReadWriter, bool) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil, false
	}
	sc := conn.(*serverConn)
	var head strings.Builder
	if _, upgrade := r.Header["Upgrade"]; upgrade {
		ct := "application/vnd.docker.raw-stream"
		if multiplexed && v.atLeast(1, 42) {
			ct = "application/vnd.docker.multiplexed-stream"
		}
		head.WriteString("HTTP/1.1 101 UPGRADED\r\nContent-Type: " + ct + "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n")
		w.Header().Del(libpodHeader) // Podman's 101 lacks it
	} else {
		head.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n")
	}
	w.Header().Write(&head) // the daemon's headers, which the hijack bypassed
	head.WriteString("\r\n")
	if _, err := io.WriteString(sc, head.String()); err != nil {
		sc.Close()
		return nil, nil, false
	}
	return sc, brw, true
}

// killOnError ends the exec's context once writing to the client fails.
type killOnError struct {
	w    io.Writer
	kill context.CancelFunc
}

func (k *killOnError) Write(p []byte) (int, error) {
	n, err := k.w.Write(p)
	if err != nil {
		k.kill()
	}
	return n, err
}

func (e *Engine) newExec(x *execInstance, stdin io.Reader, stdout, stderr io.Writer) *Exec {
	return &Exec{
		ID:          x.id,
		ContainerID: x.containerID,
		Cmd:         append([]string(nil), x.cfg.Cmd...),
		Env:         append([]string(nil), x.cfg.Env...),
		User:        x.cfg.User,
		WorkingDir:  x.cfg.WorkingDir,
		Tty:         x.cfg.Tty,
		Privileged:  x.cfg.Privileged,
		Stdin:       stdin,
		Stdout:      stdout,
		Stderr:      stderr,
		noProcess: func(code int) {
			e.mu.Lock()
			x.pid, x.running, x.exitCode = 0, false, &code
			e.mu.Unlock()
		},
	}
}

// finishExec records the exit code and ends the stream with endStream. By
// default the code is visible before the stream ends; WithExecExitDelay
// makes it appear only later, as it may on a real daemon.
func (e *Engine) finishExec(x *execInstance, code int, endStream func()) {
	record := func() {
		e.mu.Lock()
		x.running = false
		x.exitCode = &code
		x.kill()
		// The container lists only execs that have not finished; inspecting
		// the exec itself still works.
		if c := e.containers[x.containerID]; c != nil {
			c.execIDs = slices.DeleteFunc(c.execIDs, func(id string) bool { return id == x.id })
		}
		e.mu.Unlock()
	}
	delay := e.cfg.execExitDelay
	if delay == 0 {
		record()
	}
	if endStream != nil {
		endStream()
	}
	if delay > 0 && !e.goroutine(func() { e.sleep(delay); record() }) {
		record()
	}
}

// killExecsLocked ends the processes running in a container that stops.
func (e *Engine) killExecsLocked(containerID string) {
	for _, x := range e.execs {
		if x.containerID == containerID && x.running {
			x.kill()
		}
	}
}

func (e *Engine) execInspect(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	id := r.PathValue("id")
	e.mu.Lock()
	x := e.execs[id]
	if x == nil {
		e.mu.Unlock()
		writeError(w, http.StatusNotFound, "No such exec instance: "+id)
		return
	}
	var exitCode any // null while running or never started, never 0
	if x.exitCode != nil {
		exitCode = *x.exitCode
	}
	pc := map[string]any{
		"tty":        x.cfg.Tty,
		"entrypoint": x.cfg.Cmd[0],
		"arguments":  append([]string{}, x.cfg.Cmd[1:]...),
		"privileged": x.cfg.Privileged,
	}
	if x.cfg.User != "" {
		pc["user"] = x.cfg.User
	}
	body := map[string]any{
		"ID":            x.id,
		"Running":       x.running,
		"ExitCode":      exitCode,
		"ProcessConfig": pc,
		"OpenStdin":     x.cfg.AttachStdin,
		"OpenStderr":    x.cfg.AttachStderr,
		"OpenStdout":    x.cfg.AttachStdout,
		"CanRemove":     false,
		"ContainerID":   x.containerID,
		"DetachKeys":    x.cfg.DetachKeys,
		"Pid":           x.pid,
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

func (e *Engine) execResize(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	id := r.PathValue("id")
	e.mu.Lock()
	x := e.execs[id]
	e.mu.Unlock()
	if x == nil {
		writeError(w, http.StatusNotFound, "No such exec instance: "+id)
		return
	}
	w.WriteHeader(http.StatusOK)
}

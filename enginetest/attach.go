package enginetest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/dockwire/dockwire/internal/detachkeys"
	"github.com/dockwire/dockwire/stdcopy"
)

// containerAttach serves POST /containers/{id}/attach as the daemon does:
// errors found before the hijack are written by hand on the hijacked
// connection as text, logs=1 replays the log, and stream=1 follows the
// container's output until it next stops, it is removed, the client goes,
// the attachment ends or the engine closes. A container that was not
// running is followed through its next start.
//
// The fake plays every container's main process as cat: what a client
// attached with stdin=1 to a container with OpenStdin writes comes back as
// the container's output, one stdout log entry per read. The end of that
// stdin ends a container with StdinOnce and no TTY (it exits 0); for any
// other container it ends only the attachment, as the daemon closes the
// output then. With a TTY the detach keys (detachKeys, ctrl-p,ctrl-q by
// default) end the attachment too, and are not echoed.
func (e *Engine) containerAttach(w http.ResponseWriter, r *http.Request, v apiVersion) {
	q := r.URL.Query()
	stream, logs := boolValue(q.Get("stream")), boolValue(q.Get("logs"))
	lq := logQuery{stdout: boolValue(q.Get("stdout")), stderr: boolValue(q.Get("stderr")), tail: -1}
	keys, err := detachkeys.Parse(q.Get("detachKeys"))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Invalid detach keys (%s) provided", q.Get("detachKeys")))
		return
	}
	ref := r.PathValue("id")
	e.mu.Lock()
	c, status, msg := e.lookupLocked(ref)
	switch {
	case c == nil:
	case c.State == "paused":
		status, msg = http.StatusConflict, fmt.Sprintf("container %s is paused, unpause the container before attach.", ref)
	case c.State == "restarting":
		status, msg = http.StatusConflict, fmt.Sprintf("container %s is restarting, wait until the container is running", ref)
	}
	if msg != "" {
		e.mu.Unlock()
		hijackedError(w, status, msg)
		return
	}
	id, tty, exits := c.ID, c.Tty, c.exits
	stdin := boolValue(q.Get("stdin")) && c.OpenStdin
	stdinOnce := c.StdinOnce && !tty
	past, next, changed := c.Logs, len(c.Logs), e.changed
	e.mu.Unlock()

	sc, brw, ok := hijackStream(w, r, v, !tty)
	if !ok {
		return
	}
	defer sc.Close()
	out := logWriter{w: sc, tty: tty, q: &lq}
	if logs && !out.write(past) || !stream {
		sc.CloseWrite()
		io.Copy(io.Discard, brw.Reader)
		return
	}
	// The only reader of the connection: it plays cat, and notices when
	// the client goes.
	inputDone := make(chan struct{})
	go func() {
		defer close(inputDone)
		if !tty || e.cfg.podman != "" {
			keys = nil // the daemon looks for them only with a TTY; Podman never
		}
		e.readAttachStdin(id, brw.Reader, stdin, stdinOnce, keys)
	}()
	input := inputDone // nil once the end of stdin leaves the end to the container
follow:
	for {
		select {
		case <-changed:
		case <-input:
			if !stdinOnce {
				// What the input echoed last may not have been followed
				// yet: send it before the end.
				out.write(e.followLogs(id, next).batch)
				break follow
			}
			input = nil
			continue
		case <-e.done:
			return
		}
		f := e.followLogs(id, next)
		next, changed = f.next, f.changed
		if !out.write(f.batch) || !f.exists || f.exits > exits {
			break
		}
	}
	// Half-close, so that the client reads the end while it may still be
	// writing, then wait for it to close its side.
	sc.CloseWrite()
	select {
	case <-inputDone:
	case <-e.done:
	}
}

// readAttachStdin reads what an attached client sends until it
// half-closes or goes. With stdin it plays cat (see containerAttach); the
// detach keys, when not nil, end it early.
func (e *Engine) readAttachStdin(id string, r *bufio.Reader, stdin, stdinOnce bool, keys []byte) {
	if !stdin {
		io.Copy(io.Discard, r)
		return
	}
	// Like the daemon, hold back what could begin the detach sequence until
	// the next read says whether it does.
	var held []byte
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		chunk := append(held, buf[:n]...)
		held = nil
		detached := false
		if keys != nil {
			if end, found := (&detachkeys.Scanner{Keys: keys}).Scan(chunk); found {
				chunk, detached = chunk[:end-len(keys)], true
			} else if k := heldBack(chunk, keys); err == nil && k > 0 {
				chunk, held = chunk[:len(chunk)-k], append([]byte(nil), chunk[len(chunk)-k:]...)
			}
		}
		if len(chunk) > 0 {
			e.mu.Lock()
			if c, ok := e.containers[id]; ok {
				c.Logs = append(c.Logs, LogEntry{Stream: stdcopy.Stdout, Time: time.Now(), Text: string(chunk)})
				e.notifyLocked()
			}
			e.mu.Unlock()
		}
		if detached {
			return
		}
		if err != nil {
			if err == io.EOF && stdinOnce {
				e.mu.Lock()
				if c, ok := e.containers[id]; ok && isRunning(c.State) {
					e.stopLocked(c, 0)
				}
				e.mu.Unlock()
				io.Copy(io.Discard, r) // nothing comes after the half-close
			}
			return
		}
	}
}

// heldBack says how many bytes at the end of p could begin keys.
func heldBack(p, keys []byte) int {
	for k := min(len(keys)-1, len(p)); k > 0; k-- {
		if bytes.Equal(p[len(p)-k:], keys[:k]) {
			return k
		}
	}
	return 0
}

// hijackedError answers as the daemon does when attach fails after its
// router took the connection: by hand, the message as text, then close.
func hijackedError(w http.ResponseWriter, status int, msg string) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(conn, "HTTP/1.1 %d %s\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n%s\r\n", status, http.StatusText(status), msg)
}

// containerStart serves POST /containers/{id}/start: a container not
// running starts (304 for one that runs).
func (e *Engine) containerStart(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	e.mu.Lock()
	c, status, msg := e.lookupLocked(r.PathValue("id"))
	switch {
	case c == nil:
		e.mu.Unlock()
		writeError(w, status, msg)
		return
	case isRunning(c.State):
		e.mu.Unlock()
		w.WriteHeader(http.StatusNotModified)
		return
	}
	e.nextSeq++
	c.State, c.StartedAt, c.pid = "running", time.Now(), 1000+e.nextSeq
	c.ip = fmt.Sprintf("172.17.%d.%d", c.seq/250, c.seq%250+2)
	e.notifyLocked()
	e.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// containerWait serves POST /containers/{id}/wait: the headers at once,
// the exit status when the condition holds. not-running holds at once for
// a container not running, next-exit at its next stop, removed once it is
// gone.
func (e *Engine) containerWait(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	cond := r.URL.Query().Get("condition")
	if cond != "" && cond != "not-running" && cond != "next-exit" && cond != "removed" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid condition: %q", cond))
		return
	}
	e.mu.Lock()
	c, status, msg := e.lookupLocked(r.PathValue("id"))
	if c == nil {
		e.mu.Unlock()
		writeError(w, status, msg)
		return
	}
	id, exits := c.ID, c.exits
	e.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	http.NewResponseController(w).Flush()
	code := 0
	for {
		e.mu.Lock()
		c, ok := e.containers[id]
		if ok {
			code = c.ExitCode
		}
		held := !ok && cond == "removed" ||
			ok && cond == "next-exit" && c.exits > exits ||
			ok && (cond == "" || cond == "not-running") && !isRunning(c.State)
		changed := e.changed
		e.mu.Unlock()
		if held {
			break
		}
		select {
		case <-changed:
		case <-r.Context().Done():
			return
		case <-e.done:
			return
		}
	}
	io.WriteString(w, `{"Error":null,"StatusCode":`+strconv.Itoa(code)+"}\n")
}

// containerResize serves POST /containers/{id}/resize, keeping the size in
// ConsoleSize. A container not running cannot be resized.
func (e *Engine) containerResize(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	q := r.URL.Query()
	h, herr := strconv.ParseUint(q.Get("h"), 10, 32)
	wd, werr := strconv.ParseUint(q.Get("w"), 10, 32)
	if herr != nil || werr != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid size h=%q w=%q", q.Get("h"), q.Get("w")))
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c, status, msg := e.lookupLocked(r.PathValue("id"))
	switch {
	case c == nil:
		writeError(w, status, msg)
	case !isRunning(c.State):
		writeError(w, http.StatusConflict, fmt.Sprintf("Container %s is not running", c.ID))
	default:
		c.ConsoleSize = [2]uint{uint(h), uint(wd)}
		w.WriteHeader(http.StatusOK)
	}
}

package enginetest

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/dockwire/dockwire/stdcopy"
)

// LogEntry is one message of a container's log, as the json-file driver
// stores it: the driver keeps one line per message, so end Text with "\n"
// to look like a real container. Each entry is sent as one frame.
type LogEntry struct {
	// Stream is stdcopy.Stdout or stdcopy.Stderr; zero means Stdout.
	Stream stdcopy.StreamType
	// Time is when the container wrote the message. Default: when the entry
	// is added.
	Time time.Time
	Text string
}

// timestampLayout is the daemon's RFC3339NanoFixed: always nine fractional
// digits, so prefixed lines line up (time.RFC3339Nano trims zeros).
const timestampLayout = "2006-01-02T15:04:05.000000000Z07:00"

// AppendLog adds entries to the container's log. Streams that follow the
// container receive them at once.
func (e *Engine) AppendLog(id string, entries ...LogEntry) {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	c, status, msg := e.lookupLocked(id)
	if c == nil {
		e.t.Errorf("enginetest: AppendLog: %d %s", status, msg)
		return
	}
	c.Logs = append(c.Logs, stampLogs(append([]LogEntry(nil), entries...), time.Now())...)
	e.notifyLocked()
}

func stampLogs(entries []LogEntry, now time.Time) []LogEntry {
	for i := range entries {
		if entries[i].Time.IsZero() {
			entries[i].Time = now
		}
		if entries[i].Stream == 0 {
			entries[i].Stream = stdcopy.Stdout
		}
	}
	return entries
}

type logQuery struct {
	stdout, stderr     bool
	since, until       time.Time
	timestamps, follow bool
	tail               int // -1 for all
}

func (q *logQuery) wants(l LogEntry) bool {
	if l.Stream == stdcopy.Stderr && !q.stderr || l.Stream != stdcopy.Stderr && !q.stdout {
		return false
	}
	if !q.since.IsZero() && l.Time.Before(q.since) {
		return false
	}
	return q.until.IsZero() || !l.Time.After(q.until)
}

// containerLogs serves GET /containers/{id}/logs. Like the daemon it sends
// the headers at once, then one frame per message (raw bytes with a TTY),
// and while following it keeps the response open until the container stops
// or is removed, the client leaves, until passes, or the engine closes.
func (e *Engine) containerLogs(w http.ResponseWriter, r *http.Request, v apiVersion) {
	qv := r.URL.Query()
	q := logQuery{
		stdout:     boolValue(qv.Get("stdout")),
		stderr:     boolValue(qv.Get("stderr")),
		timestamps: boolValue(qv.Get("timestamps")),
		follow:     boolValue(qv.Get("follow")),
		tail:       -1,
	}
	if !q.stdout && !q.stderr {
		writeError(w, http.StatusBadRequest, "Bad parameters: you must choose at least one stream")
		return
	}
	var err error
	if q.since, err = parseTimestamp(qv.Get("since")); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if q.until, err = parseTimestamp(qv.Get("until")); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	// The daemon reads an unparsable tail as "all".
	if n, err := strconv.Atoi(qv.Get("tail")); err == nil && n >= 0 {
		q.tail = n
	}

	e.mu.Lock()
	c, status, msg := e.lookupLocked(r.PathValue("id"))
	if c == nil {
		e.mu.Unlock()
		writeError(w, status, msg)
		return
	}
	id, tty, entries := c.ID, c.Tty, c.Logs
	// Only a running container is followed: a stopped or never-started
	// one returns what it has at once.
	following := q.follow && isRunning(c.State)
	changed := e.changed
	e.mu.Unlock()

	switch {
	case e.cfg.before23():
		// Engine 20.10 sends no Content-Type at all; nil keeps net/http
		// from sniffing one.
		w.Header()["Content-Type"] = nil
	case !tty && v.atLeast(1, 42):
		w.Header().Set("Content-Type", "application/vnd.docker.multiplexed-stream")
	default:
		w.Header().Set("Content-Type", "application/vnd.docker.raw-stream")
	}
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	rc.Flush()

	out := logWriter{w: w, tty: tty, q: &q}
	start := 0
	if q.tail >= 0 && q.tail < len(entries) {
		start = len(entries) - q.tail
	}
	if !out.write(entries[start:]) || !following {
		return
	}
	rc.Flush()
	next := len(entries)

	var untilC <-chan time.Time
	if !q.until.IsZero() {
		t := time.NewTimer(time.Until(q.until))
		defer t.Stop()
		untilC = t.C
	}
	for {
		select {
		case <-changed:
		case <-untilC:
			return
		case <-r.Context().Done():
			return
		case <-e.done:
			return
		}
		f := e.followLogs(id, next)
		next, changed = f.next, f.changed
		if !out.write(f.batch) {
			return
		}
		rc.Flush()
		if !f.running {
			return
		}
	}
}

// logWriter writes log entries the way the daemon's WriteLogStream does.
type logWriter struct {
	w   io.Writer
	tty bool
	q   *logQuery
}

// write reports false once the client is gone.
func (l *logWriter) write(entries []LogEntry) bool {
	for _, m := range entries {
		if !l.q.wants(m) {
			continue
		}
		payload := []byte(m.Text)
		if l.q.timestamps {
			payload = append([]byte(m.Time.UTC().Format(timestampLayout)+" "), payload...)
		}
		var err error
		if l.tty {
			_, err = l.w.Write(payload)
		} else {
			_, err = stdcopy.NewWriter(l.w, m.Stream).Write(payload)
		}
		if err != nil {
			return false
		}
	}
	return true
}

// followed is what a follower of a container's log learns at a change.
type followed struct {
	batch   []LogEntry    // the entries from the follower's next on
	next    int           // where to go on from
	exists  bool          // false once the container is removed
	running bool          // isRunning of its state
	exits   int           // how many times it stopped
	changed chan struct{} // closed at the next change
}

// followLogs returns the entries of container id from next on, and its
// state now.
func (e *Engine) followLogs(id string, next int) followed {
	e.mu.Lock()
	defer e.mu.Unlock()
	f := followed{next: next, changed: e.changed}
	if c, ok := e.containers[id]; ok {
		f.batch, f.next = c.Logs[next:], len(c.Logs)
		f.exists, f.running, f.exits = true, isRunning(c.State), c.exits
	}
	return f
}

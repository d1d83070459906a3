package dockwire_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/internal/await"
	"github.com/dockwire/dockwire/internal/livetest"
	"github.com/dockwire/dockwire/stdcopy"
	"github.com/google/go-cmp/cmp"
)

// exitedContainer runs cmd in a new container and waits for it to exit.
func exitedContainer(t *testing.T, e *livetest.Engine, tty bool, cmd ...string) string {
	t.Helper()
	ctx := livetest.Context(t)
	id := e.Create(t, dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{Cmd: cmd, Tty: tty}})
	w, err := e.Client.ContainerWaitRegister(ctx, id, dockwire.WaitNextExit)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Client.ContainerStart(ctx, id); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Result(); err != nil {
		t.Fatal(err)
	}
	return id
}

// liveLines returns the log's lines as "stream:text".
func liveLines(t *testing.T, c *dockwire.Client, id string, opts dockwire.ContainerLogsOptions) []string {
	t.Helper()
	s, err := c.ContainerLogs(livetest.Context(t), id, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	lines, err := collectLines(t, s)
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestLiveLogs(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		c := e.Client
		t.Run("multiplexed", func(t *testing.T) {
			id := exitedContainer(t, e, false, "sh", "-c", "echo out1; echo err1 >&2; echo out2; printf partial")
			s, err := c.ContainerLogs(livetest.Context(t), id, dockwire.ContainerLogsOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !s.Multiplexed() {
				t.Error("Multiplexed() = false for a container without a TTY")
			}
			var out, errb bytes.Buffer
			if _, err := s.CopyTo(&out, &errb); err != nil {
				t.Fatal(err)
			}
			s.Close()
			if out.String() != "out1\nout2\npartial" || errb.String() != "err1\n" {
				t.Errorf("stdout %q, stderr %q", out.String(), errb.String())
			}
			lines := liveLines(t, c, id, dockwire.ContainerLogsOptions{})
			sort.Strings(lines) // stdout and stderr race in the daemon
			if diff := cmp.Diff([]string{"stderr:err1", "stdout:out1", "stdout:out2", "stdout:partial"}, lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if got := liveLines(t, c, id, dockwire.ContainerLogsOptions{Stderr: true}); !cmp.Equal(got, []string{"stderr:err1"}) {
				t.Errorf("stderr only: %q", got)
			}
		})
		t.Run("tty", func(t *testing.T) {
			id := exitedContainer(t, e, true, "sh", "-c", "echo a; echo b >&2")
			s, err := c.ContainerLogs(livetest.Context(t), id, dockwire.ContainerLogsOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if s.Multiplexed() {
				t.Error("Multiplexed() = true for a TTY container")
			}
			var out bytes.Buffer
			if _, err := s.CopyTo(&out, nil); err != nil {
				t.Fatal(err)
			}
			s.Close()
			if out.String() != "a\r\nb\r\n" {
				t.Errorf("raw output %q", out.String())
			}
			if got := liveLines(t, c, id, dockwire.ContainerLogsOptions{}); !cmp.Equal(got, []string{"stdout:a", "stdout:b"}) {
				t.Errorf("lines %q", got)
			}
		})
		t.Run("tail", func(t *testing.T) {
			id := exitedContainer(t, e, false, "sh", "-c", "for i in 1 2 3 4; do echo $i; done; echo 5 >&2")
			// The daemon copies stdout and stderr to the log in two
			// goroutines, which may finish after the exit and in either
			// order (5 can come before 3): wait for the whole log, then the
			// tail must be its last two lines, each with its stream.
			var all []string
			await.Until(t, "all 5 lines in the log", func() bool {
				all = liveLines(t, c, id, dockwire.ContainerLogsOptions{})
				return len(all) == 5
			})
			tail, err := c.ContainerLogTail(livetest.Context(t), id, 2)
			var got []string
			for _, l := range tail {
				got = append(got, l.Stream.String()+":"+l.Text)
			}
			if err != nil || !cmp.Equal(got, all[3:]) {
				t.Errorf("ContainerLogTail: %q, %v; want the log's last two lines %q", got, err, all[3:])
			}
			if got := liveLines(t, c, id, dockwire.ContainerLogsOptions{Tail: dockwire.TailNone}); len(got) != 0 {
				t.Errorf("TailNone: %q", got)
			}
			if got := liveLines(t, c, id, dockwire.ContainerLogsOptions{}); len(got) != 5 {
				t.Errorf("Tail 0 (all): %q", got)
			}
		})
		t.Run("timestamps since until", func(t *testing.T) {
			id := exitedContainer(t, e, false, "sh", "-c", "echo early; sleep 1; echo late")
			s, err := c.ContainerLogs(livetest.Context(t), id, dockwire.ContainerLogsOptions{Timestamps: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var lines []dockwire.LogLine
			for l, err := range s.Lines() {
				if err != nil {
					t.Fatal(err)
				}
				lines = append(lines, l)
			}
			if len(lines) != 2 || lines[0].Text != "early" || lines[1].Text != "late" {
				t.Fatalf("lines %+v", lines)
			}
			t1, t2 := lines[0].Time, lines[1].Time
			if t1.IsZero() || t2.Sub(t1) < 900*time.Millisecond || time.Since(t1) > time.Minute {
				t.Fatalf("timestamps %v, %v", t1, t2)
			}
			t.Run("timestamps carry fractions of a second", func(t *testing.T) {
				e.SkipOnPodman(t, "log timestamps are whole seconds (RFC 3339 without a fraction)")
				if t1.Nanosecond() == 0 && t2.Nanosecond() == 0 {
					t.Errorf("timestamps %v, %v: no fraction of a second", t1, t2)
				}
			})
			// A whole second between the lines: the sleep puts at least a
			// second between them, so the second the late line was written
			// in began after the early one, even where timestamps are whole
			// seconds (Podman's).
			mid := t2.Truncate(time.Second)
			if got := liveLines(t, c, id, dockwire.ContainerLogsOptions{Since: mid}); !cmp.Equal(got, []string{"stdout:late"}) {
				t.Errorf("since the middle: %q", got)
			}
			if got := liveLines(t, c, id, dockwire.ContainerLogsOptions{Until: mid}); !cmp.Equal(got, []string{"stdout:early"}) {
				t.Errorf("until the middle: %q", got)
			}
			if got := liveLines(t, c, id, dockwire.ContainerLogsOptions{Since: t1.Add(-time.Second), Until: t2.Add(time.Second)}); len(got) != 2 {
				t.Errorf("around both: %q", got)
			}
		})
		t.Run("follow ends when the container stops", func(t *testing.T) {
			id := e.Container(t, dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{
				Cmd: []string{"sh", "-c", "echo start; sleep 1; echo end >&2"},
			}})
			start := time.Now()
			lines := liveLines(t, c, id, dockwire.ContainerLogsOptions{Follow: true})
			if diff := cmp.Diff([]string{"stdout:start", "stderr:end"}, lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("follow took %v to end", d)
			}

			// Stopping a silent container also ends the follow cleanly.
			id = e.Container(t, dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{Cmd: []string{"sh", "-c", "echo up; exec sleep 3600"}}})
			s, err := c.ContainerLogs(livetest.Context(t), id, dockwire.ContainerLogsOptions{Follow: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			copied := make(chan error, 1)
			var out bytes.Buffer
			up := newFirstWrite()
			go func() {
				_, err := s.CopyTo(io.MultiWriter(&out, up), nil)
				copied <- err
			}()
			await.Recv(t, `the follow to copy the container's "up"`, up.written)
			if err := c.ContainerStop(livetest.Context(t), id, dockwire.ContainerStopOptions{KillNow: true}); err != nil {
				t.Fatal(err)
			}
			if err := await.Recv(t, "the follow to end when the container stopped", copied); err != nil || out.String() != "up\n" {
				t.Errorf("follow of a stopped container: %q, %v; want a clean end", out.String(), err)
			}
		})
		t.Run("follow of a silent container returns before it writes", func(t *testing.T) {
			// The container writes only once the test has the stream open
			// (and touched /go): ContainerLogs must not wait for it.
			// Podman sends no headers until then; dockwire bridges that.
			id := e.Container(t, dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{
				Cmd: []string{"sh", "-c", "while [ ! -e /go ]; do usleep 20000; done; echo hello; echo bye >&2"},
			}})
			for _, tail := range []int{dockwire.TailNone, 0} {
				opened := make(chan *dockwire.LogStream, 1)
				go func() {
					s, err := c.ContainerLogs(livetest.Context(t), id, dockwire.ContainerLogsOptions{Follow: true, Tail: tail})
					if err != nil {
						t.Error(err)
					}
					opened <- s
				}()
				s := await.Recv(t, fmt.Sprintf("ContainerLogs (Follow, Tail %d) of a silent container to return", tail), opened)
				if s == nil {
					return
				}
				if tail == 0 {
					defer s.Close()
					if _, err := c.ExecCheck(livetest.Context(t), id, dockwire.ExecOptions{Cmd: []string{"touch", "/go"}}); err != nil {
						t.Fatal(err)
					}
					var got []string
					for l, err := range s.Lines() {
						if err != nil {
							t.Fatal(err)
						}
						got = append(got, l.Stream.String()+":"+l.Text)
					}
					if !cmp.Equal(got, []string{"stdout:hello", "stderr:bye"}) && !cmp.Equal(got, []string{"stderr:bye", "stdout:hello"}) {
						t.Errorf("lines %q, want hello and bye", got)
					}
				} else if err := s.Close(); err != nil {
					t.Errorf("closing a follow that never got an answer: %v", err)
				}
			}
		})
		t.Run("follow of a created container returns at once", func(t *testing.T) {
			id := e.Create(t, dockwire.ContainerCreateOptions{})
			start := time.Now()
			if got := liveLines(t, c, id, dockwire.ContainerLogsOptions{Follow: true}); len(got) != 0 {
				t.Errorf("lines %q", got)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
		t.Run("follow cancel", func(t *testing.T) {
			id := e.Container(t, dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{
				Cmd: []string{"sh", "-c", "while true; do echo tick; usleep 50000; done"},
			}})
			// What the client owns must come back: its goroutines and its
			// connections (a follow's connection is closed on cancel, not
			// pooled, and the daemon ends the follow when it closes). The
			// daemon's own goroutine count is no measure: other clients'
			// streams on the same daemon move it.
			base, fds := runtime.NumGoroutine(), openFDs(t)
			for i := 0; i < 5; i++ {
				ctx, cancel := context.WithCancel(livetest.Context(t))
				s, err := c.ContainerLogs(ctx, id, dockwire.ContainerLogsOptions{Follow: true, Tail: 1})
				if err != nil {
					cancel()
					t.Fatal(err)
				}
				done := make(chan error, 1)
				got := make(chan struct{}, 1)
				go func() {
					for _, err := range s.Lines() {
						if err != nil {
							done <- err
							return
						}
						select {
						case got <- struct{}{}:
						default:
						}
					}
					done <- nil
				}()
				await.Recv(t, "a line from a ticking container", got)
				endsOnCancel(t, cancel, done)
				s.Close()
			}
			await.Goroutines(t, base)
			await.Until(t, fmt.Sprintf("the open file descriptors to fall back to the %d before five cancelled follows", fds), func() bool {
				return openFDs(t) <= fds
			})
		})
		t.Run("details", func(t *testing.T) {
			e.SkipOnPodman(t, "logs with details=1 carry no details prefix (the json-file driver's labels)")
			ctx := livetest.Context(t)
			id := e.Create(t, dockwire.ContainerCreateOptions{
				Config:     engine.ContainerConfig{Cmd: []string{"echo", "hi"}, Labels: map[string]string{"app": "web shop"}},
				HostConfig: engine.HostConfig{LogConfig: engine.LogConfig{Type: "json-file", Config: map[string]string{"labels": "app"}}},
			})
			w, err := c.ContainerWaitRegister(ctx, id, dockwire.WaitNextExit)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if err := c.ContainerStart(ctx, id); err != nil {
				t.Fatal(err)
			}
			if _, err := w.Result(); err != nil {
				t.Fatal(err)
			}
			s, err := c.ContainerLogs(ctx, id, dockwire.ContainerLogsOptions{Details: true, Timestamps: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			got := allLines(t, s)
			if len(got) != 1 || got[0].Text != "hi" || got[0].Time.IsZero() || !cmp.Equal(got[0].Details, map[string]string{"app": "web shop"}) {
				t.Errorf("lines %+v", got)
			}
		})
		t.Run("raw read", func(t *testing.T) {
			id := exitedContainer(t, e, false, "echo", "x")
			s, err := c.ContainerLogs(livetest.Context(t), id, dockwire.ContainerLogsOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			b, err := io.ReadAll(s)
			var frames []string
			for f, err := range stdcopy.Frames(bytes.NewReader(b)) {
				if err != nil {
					t.Fatal(err)
				}
				frames = append(frames, f.Stream.String()+":"+string(f.Payload))
			}
			if err != nil || !cmp.Equal(frames, []string{"stdout:x\n"}) {
				t.Errorf("Read: %q, %v", frames, err)
			}
		})
		// A TTY log that begins with bytes that could start a frame header
		// is still raw: byte 1 (stdout) followed by a non-zero byte, or NULs
		// (stream 0, stdin, is never logged). Below API 1.42 the start of the
		// stream is all the client goes by.
		for _, tc := range []struct{ name, printf, want string }{
			{"tty starting with byte 1", "\\001\\002x\\n", "\x01\x02x\r\n"},
			{"tty starting with NULs", "\\000\\000\\000\\000\\000x\\n", "\x00\x00\x00\x00\x00x\r\n"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				id := exitedContainer(t, e, true, "printf", tc.printf)
				s, err := c.ContainerLogs(livetest.Context(t), id, dockwire.ContainerLogsOptions{})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				var out bytes.Buffer
				if _, err := s.CopyTo(&out, nil); err != nil || out.String() != tc.want || s.Multiplexed() {
					t.Errorf("CopyTo: %q, %v, Multiplexed() = %v; want %q, raw", out.String(), err, s.Multiplexed(), tc.want)
				}
			})
		}
		if _, err := c.ContainerLogs(livetest.Context(t), livetest.UniqueName("missing"), dockwire.ContainerLogsOptions{}); !errors.Is(err, dockwire.ErrContainerNotFound) {
			t.Errorf("missing container: %v", err)
		}
	})
}

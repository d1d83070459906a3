package dockwire_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/await"
	"github.com/dockwire/dockwire/stdcopy"
)

// attachServes makes the fake answer attach with a 101 and then serve.
func attachServes(t *testing.T, e *enginetest.Engine, serve func(w io.Writer)) {
	e.Handle("POST", "/containers/{id}/attach", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		io.WriteString(conn, upgraded)
		serve(conn)
	}))
}

// The daemon closes the attached connection: at a frame boundary the
// output ends cleanly and Wait gives the exit status, at once when the
// container has stopped, else when it does; cut within a frame, the
// output is an error naming the container; a daemon that dies ends both
// without a hang.
func TestFault_AT1_DaemonClosesAttachment(t *testing.T) {
	t.Run("after the exit", func(t *testing.T) {
		e := enginetest.New(t)
		e.AddContainer(enginetest.Container{Name: "box"})
		attachServes(t, e, func(w io.Writer) {
			w.Write(frame(stdcopy.Stdout, "bye\n"))
			e.StopContainer("box", 7)
		})
		c := engineClient(t, e)
		a, err := c.ContainerAttach(testContext(t), "box", dockwire.ContainerAttachOptions{Stream: true, Stdout: true})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		var out bytes.Buffer
		_, err = a.CopyTo(&out, nil)
		code, werr := a.Wait()
		if err != nil || out.String() != "bye\n" || code != 7 || werr != nil {
			t.Errorf("CopyTo %v, %q; Wait %d, %v; want bye and 7", err, out.String(), code, werr)
		}
	})
	t.Run("before the exit", func(t *testing.T) {
		e := enginetest.New(t)
		e.AddContainer(enginetest.Container{Name: "box"})
		attachServes(t, e, func(w io.Writer) { w.Write(frame(stdcopy.Stdout, "going\n")) })
		c := engineClient(t, e)
		a, err := c.ContainerAttach(testContext(t), "box", dockwire.ContainerAttachOptions{Stream: true, Stdout: true})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if _, err := a.CopyTo(io.Discard, nil); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			code, err := a.Wait()
			if err == nil && code != 4 {
				err = fmt.Errorf("exit %d; want 4", code)
			}
			done <- err
		}()
		e.StopContainer("box", 4)
		if err := await.Recv(t, "Wait to return the exit status", done); err != nil {
			t.Error(err)
		}
	})
	t.Run("cut within a frame", func(t *testing.T) {
		e := enginetest.New(t)
		e.AddContainer(enginetest.Container{Name: "box"})
		attachServes(t, e, func(w io.Writer) { w.Write(frame(stdcopy.Stdout, "cut here")[:10]) })
		c := engineClient(t, e)
		a, err := c.ContainerAttach(testContext(t), "box", dockwire.ContainerAttachOptions{Stream: true, Stdout: true})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if _, err := a.CopyTo(io.Discard, nil); !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), `container "box"`) {
			t.Errorf("CopyTo: %v; want io.ErrUnexpectedEOF naming the container", err)
		}
	})
	t.Run("the daemon dies", func(t *testing.T) {
		e := enginetest.New(t)
		e.AddContainer(enginetest.Container{Name: "box"})
		c := engineClient(t, e)
		a, err := c.ContainerAttach(testContext(t), "box", dockwire.ContainerAttachOptions{Stream: true, Stdout: true})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		e.Close()
		if _, err := a.CopyTo(io.Discard, nil); err != nil {
			t.Errorf("CopyTo: %v; want the output's end", err)
		}
		if code, err := a.Wait(); err == nil || code != -1 {
			t.Errorf("Wait: %d, %v; want an error: the wait's connection is gone too", code, err)
		}
	})
}

// Cancelling the context ends a blocked read of the output and a blocked
// Wait within 100 ms.
func TestFault_AT2_CancelEndsAttachment(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box", OpenStdin: true})
	c := engineClient(t, e)
	for _, blocked := range []string{"CopyTo", "Wait"} {
		ctx, cancel := context.WithCancel(testContext(t))
		a, err := c.ContainerAttach(ctx, "box", attachAll)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			var err error
			if blocked == "CopyTo" {
				_, err = a.CopyTo(io.Discard, nil)
			} else {
				_, err = a.Wait()
			}
			done <- err
		}()
		endsOnCancel(t, cancel, done)
		a.Close()
	}
}

// Attachments closed, cancelled, detached or ended leave no goroutine,
// file descriptor or connection behind.
func TestFault_AT3_AttachLeaksNothing(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box", OpenStdin: true})
	e.AddContainer(enginetest.Container{Name: "tty", Tty: true, OpenStdin: true})
	c := engineClient(t, e)
	if _, err := c.Ping(testContext(t)); err != nil {
		t.Fatal(err)
	}
	base, fds := runtime.NumGoroutine(), openFDs(t)
	for i := range 10 {
		ctx, cancel := context.WithCancel(testContext(t))
		a, err := c.ContainerAttach(ctx, "box", attachAll)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(a, "x")
		switch i % 3 {
		case 0:
			a.Close()
		case 1:
			cancel()
			a.CopyTo(io.Discard, nil)
			a.Close()
		case 2:
			a.CloseWrite() // without StdinOnce the daemon ends the attachment
			a.CopyTo(io.Discard, nil)
			a.Close()
		}
		cancel()
		d, err := c.ContainerAttach(testContext(t), "tty", attachAll)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(d, "\x10\x11"); !errors.Is(err, dockwire.ErrDetached) {
			t.Fatalf("detach: %v", err)
		}
		d.CopyTo(io.Discard, nil)
		d.Close()
	}
	await.Until(t, "the fake's connections to close", func() bool { return e.OpenConns() <= 1 })
	await.Goroutines(t, base)
	await.Until(t, fmt.Sprintf("the open file descriptors to fall back to %d+2", fds), func() bool { return openFDs(t) <= fds+2 })
}

// An interactive run whose attachment the daemon closes ends with the exit
// status once the container stops.
func TestFault_AT1_RunDaemonClosesAttachment(t *testing.T) {
	e := enginetest.New(t)
	fakeCreate(t, e)
	e.Handle("POST", "/containers/{id}/attach", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		io.WriteString(conn, upgraded)
		conn.Close() // before the container even starts
		e.StopContainer(r.PathValue("id"), 6)
	}))
	c := engineClient(t, e)
	res, err := c.Run(testContext(t), dockwire.RunOptions{Image: "busybox", Stdin: strings.NewReader("x")})
	if err != nil || res.ExitCode != 6 {
		t.Errorf("Run: %+v, %v; want exit 6", res, err)
	}
}

// Cancelling an interactive run ends it within 100 ms, and leaves no
// goroutine or connection behind, the resize watcher's included.
func TestFault_AT2_RunCancel(t *testing.T) {
	e := enginetest.New(t)
	fakeCreate(t, e)
	c := engineClient(t, e)
	if _, err := c.Ping(testContext(t)); err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(testContext(t))
	stdin, feed := io.Pipe()
	out := newFirstWrite()
	done := make(chan error, 1)
	go func() {
		_, err := c.Run(ctx, dockwire.RunOptions{Image: "busybox", Tty: true, Stdin: stdin, Stdout: out, Resize: make(chan [2]uint)})
		done <- err
	}()
	io.WriteString(feed, "running")
	await.Recv(t, "the run to echo its input", out.written)
	endsOnCancel(t, cancel, done)
	feed.Close() // ends the stdin copy's pending read, as Run documents
	await.Until(t, "the fake's connections to close", func() bool { return e.OpenConns() <= 1 })
	await.Goroutines(t, base)
}

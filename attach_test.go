package dockwire_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/stdcopy"
	"github.com/google/go-cmp/cmp"
)

var attachAll = dockwire.ContainerAttachOptions{Stream: true, Stdin: true, Stdout: true, Stderr: true}

// The request ContainerAttach sends, and cat played by the fake: stdin
// comes back, and its end ends the container.
func TestContainerAttachStdin(t *testing.T) {
	for _, version := range []string{"1.41", "1.51"} {
		t.Run(version, func(t *testing.T) {
			e := enginetest.New(t, enginetest.WithAPIVersion(version))
			id := e.AddContainer(enginetest.Container{Name: "cat", State: "created", OpenStdin: true, StdinOnce: true})
			c := engineClient(t, e)
			ctx := testContext(t)
			a, err := c.ContainerAttach(ctx, "cat", attachAll)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if err := c.ContainerStart(ctx, "cat"); err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(a, "hello\n"); err != nil {
				t.Fatal(err)
			}
			if err := a.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			var stdout bytes.Buffer
			if _, err := a.CopyTo(&stdout, nil); err != nil || stdout.String() != "hello\n" {
				t.Errorf("CopyTo: %v, %q", err, stdout.String())
			}
			if code, err := a.Wait(); code != 0 || err != nil {
				t.Errorf("Wait: %d, %v", code, err)
			}
			var got []string
			for _, r := range e.Requests() {
				got = append(got, r.Method+" "+r.Route+" "+r.Query.Encode()+" "+r.Header.Get("Upgrade"))
			}
			want := []string{
				"HEAD /_ping  ",
				"GET /containers/cat/json  ",
				"POST /containers/" + id + "/wait condition=next-exit ",
				"POST /containers/cat/attach stderr=1&stdin=1&stdout=1&stream=1 tcp",
				"POST /containers/cat/start  ",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

// Attached before the start, the attachment gets all the output; a
// container with a TTY gives a raw stream.
func TestContainerAttachBeforeStart(t *testing.T) {
	for _, tty := range []bool{false, true} {
		e := enginetest.New(t)
		e.AddContainer(enginetest.Container{Name: "box", State: "created", Tty: tty})
		c := engineClient(t, e)
		ctx := testContext(t)
		a, err := c.ContainerAttach(ctx, "box", dockwire.ContainerAttachOptions{Stream: true, Stdout: true, Stderr: true})
		if err != nil {
			t.Fatal(err)
		}
		if a.Multiplexed() == tty {
			t.Errorf("tty %v: Multiplexed %v", tty, a.Multiplexed())
		}
		if err := c.ContainerStart(ctx, "box"); err != nil {
			t.Fatal(err)
		}
		e.AppendLog("box", enginetest.LogEntry{Text: "out\n"}, enginetest.LogEntry{Stream: stdcopy.Stderr, Text: "err\n"})
		e.StopContainer("box", 3)
		var stdout, stderr bytes.Buffer
		_, err = a.CopyTo(&stdout, &stderr)
		code, werr := a.Wait()
		a.Close()
		want := [2]string{"out\n", "err\n"}
		if tty {
			want = [2]string{"out\nerr\n", ""}
		}
		if err != nil || werr != nil || code != 3 || [2]string{stdout.String(), stderr.String()} != want {
			t.Errorf("tty %v: CopyTo %v, Wait %d, %v, output %q %q; want %q and 3", tty, err, code, werr, stdout.String(), stderr.String(), want)
		}
	}
}

// The detach keys end the attachment and leave the container running;
// they are looked for only with a TTY.
func TestContainerAttachDetach(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "tty", Tty: true, OpenStdin: true})
	c := engineClient(t, e)
	ctx := testContext(t)
	a, err := c.ContainerAttach(ctx, "tty", dockwire.ContainerAttachOptions{Stream: true, Stdin: true, Stdout: true, DetachKeys: "ctrl-a,d"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// A key split over two writes still counts.
	if _, err := io.WriteString(a, "ls\n\x01"); err != nil {
		t.Fatal(err)
	}
	if n, err := io.WriteString(a, "d and more"); n != 1 || !errors.Is(err, dockwire.ErrDetached) || !a.Detached() {
		t.Errorf("Write: %d, %v; want 1 and ErrDetached", n, err)
	}
	if _, err := io.WriteString(a, "more"); !errors.Is(err, dockwire.ErrDetached) {
		t.Errorf("Write after the detach: %v; want ErrDetached", err)
	}
	var out bytes.Buffer
	if _, err := a.CopyTo(&out, nil); err != nil || out.String() != "ls\n" {
		t.Errorf("CopyTo: %v, %q; want ls and the end", err, out.String())
	}
	if code, err := a.Wait(); code != -1 || !errors.Is(err, dockwire.ErrDetached) {
		t.Errorf("Wait: %d, %v", code, err)
	}
	if ct, _ := e.Container("tty"); ct.State != "running" {
		t.Errorf("state %q after the detach; want running", ct.State)
	}

	// Without a TTY the keys are data.
	e.AddContainer(enginetest.Container{Name: "plain", OpenStdin: true})
	b, err := c.ContainerAttach(ctx, "plain", dockwire.ContainerAttachOptions{Stream: true, Stdin: true, Stdout: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n, err := io.WriteString(b, "\x10\x11"); n != 2 || err != nil || b.Detached() {
		t.Errorf("Write of ctrl-p,ctrl-q without a TTY: %d, %v, detached %v", n, err, b.Detached())
	}
}

func TestContainerAttachLogsAndResize(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "done", State: "exited", Logs: []enginetest.LogEntry{
		{Text: "one\n"}, {Stream: stdcopy.Stderr, Text: "two\n"},
	}})
	e.AddContainer(enginetest.Container{Name: "tty", Tty: true})
	c := engineClient(t, e)
	ctx := testContext(t)
	a, err := c.ContainerAttach(ctx, "done", dockwire.ContainerAttachOptions{Logs: true, Stderr: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var stdout, stderr bytes.Buffer
	if _, err := a.CopyTo(&stdout, &stderr); err != nil || stdout.String() != "" || stderr.String() != "two\n" {
		t.Errorf("logs of stderr: %v, %q, %q", err, stdout.String(), stderr.String())
	}
	if n := e.Count("POST", "/containers/{id}/wait"); n != 0 {
		t.Errorf("%d waits registered for an attachment without Stream; want none", n)
	}
	if err := c.ContainerResize(ctx, "tty", dockwire.ContainerResizeOptions{Height: 40, Width: 120}); err != nil {
		t.Fatal(err)
	}
	if ct, _ := e.Container("tty"); ct.ConsoleSize != [2]uint{40, 120} {
		t.Errorf("size %v; want [40 120]", ct.ConsoleSize)
	}
	if err := c.ContainerResize(ctx, "done", dockwire.ContainerResizeOptions{Height: 1, Width: 1}); !errors.Is(err, dockwire.ErrConflict) {
		t.Errorf("resize of a stopped container: %v; want ErrConflict", err)
	}
}

// Options that would attach nothing, and bad detach keys, are refused
// before any request; the daemon's refusals are typed.
func TestContainerAttachRefusals(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "closed"})
	e.AddContainer(enginetest.Container{Name: "paused", State: "paused"})
	c := engineClient(t, e)
	ctx := testContext(t)
	for _, opts := range []dockwire.ContainerAttachOptions{
		{Stdout: true},
		{Stream: true},
		{Stream: true, Stdout: true, DetachKeys: "ctrl-1"},
		{Stream: true, Stdout: true, DetachKeys: "ab"},
		{Stream: true, Stdout: true, DetachKeys: "a,"},
	} {
		if _, err := c.ContainerAttach(ctx, "closed", opts); !errors.Is(err, dockwire.ErrInvalidArgument) {
			t.Errorf("%+v: %v; want ErrInvalidArgument", opts, err)
		}
	}
	if n := len(e.Requests()); n != 0 {
		t.Errorf("%d requests sent; want none", n)
	}
	if _, err := c.ContainerAttach(ctx, "closed", attachAll); !errors.Is(err, dockwire.ErrInvalidArgument) || !strings.Contains(err.Error(), "OpenStdin") {
		t.Errorf("stdin without OpenStdin: %v", err)
	}
	for name, want := range map[string]error{"missing": dockwire.ErrContainerNotFound, "paused": dockwire.ErrConflict} {
		if _, err := c.ContainerAttach(ctx, name, dockwire.ContainerAttachOptions{Stream: true, Stdout: true}); !errors.Is(err, want) {
			t.Errorf("%s: %v; want %v", name, err, want)
		}
	}
	a, err := c.ContainerAttach(ctx, "closed", dockwire.ContainerAttachOptions{Stream: true, Stdout: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Write([]byte("x")); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Write without Stdin: %v; want errors.ErrUnsupported", err)
	}
	if err := a.CloseWrite(); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("CloseWrite without Stdin: %v; want errors.ErrUnsupported", err)
	}
}

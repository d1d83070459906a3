package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dockwire/dockwire/enginetest"
	"github.com/tidwall/gjson"
)

// The fake plays every container's main process as cat (enginetest's
// attach): what the demo passes on comes back.
func TestAttach(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "cat", OpenStdin: true, StdinOnce: true})
	e.AddContainer(enginetest.Container{Name: "sh", Tty: true, OpenStdin: true})
	e.AddContainer(enginetest.Container{Name: "gone", State: "exited"})

	r := demo(t, "hello\n", "--host", e.Host(), "attach", "cat")
	if r.code != 0 || r.stdout != "hello\n" || r.stderr != "" {
		t.Errorf("attach cat: exit %d, stdout %q, stderr %q; want hello and 0", r.code, r.stdout, r.stderr)
	}

	r = demo(t, "ls\n\x10\x11", "--host", e.Host(), "attach", "sh")
	if line := r.oneLineErr(t); r.code != 1 || r.stdout != "ls\n" || line != "read escape sequence\n" {
		t.Errorf("attach then detach: exit %d, stdout %q, stderr %q; want ls and read escape sequence", r.code, r.stdout, line)
	}
	if ct, _ := e.Container("sh"); ct.State != "running" {
		t.Errorf("after the detach the container is %s; want running", ct.State)
	}

	r = demo(t, "", "--host", e.Host(), "attach", "gone")
	if line := r.oneLineErr(t); r.code != 1 || !strings.Contains(line, "cannot attach to a stopped container") {
		t.Errorf("attach to a stopped container: exit %d, stderr %q", r.code, line)
	}
}

func TestRunInteractive(t *testing.T) {
	e := enginetest.New(t)
	var body string
	e.Handle("POST", "/containers/create", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		id := e.AddContainer(enginetest.Container{State: "created", Tty: gjson.Get(body, "Tty").Bool(), OpenStdin: gjson.Get(body, "OpenStdin").Bool(), StdinOnce: gjson.Get(body, "StdinOnce").Bool()})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"Id":%q,"Warnings":[]}`, id)
	}))
	r := demo(t, "typed\n", "--host", e.Host(), "run", "-i", "busybox", "cat")
	if r.code != 0 || r.stdout != "typed\n" || !gjson.Get(body, "OpenStdin").Bool() || gjson.Get(body, "Tty").Bool() {
		t.Errorf("run -i: exit %d, stdout %q, stderr %q, create %s; want typed back and 0", r.code, r.stdout, r.stderr, body)
	}
	r = demo(t, "ls\n\x01q", "--host", e.Host(), "run", "-i", "-t", "--detach-keys", "ctrl-a,q", "busybox", "sh")
	if r.code != 0 || r.stdout != "ls\n" || r.stderr != "" || !gjson.Get(body, "Tty").Bool() {
		t.Errorf("run -it, then detach: exit %d, stdout %q, stderr %q, create %s; want ls and 0, as docker run", r.code, r.stdout, r.stderr, body)
	}
}

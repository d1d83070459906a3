package dockwire_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/await"
	"github.com/tidwall/gjson"
)

// The common case of a run is one short literal; the shorthands land in
// the create request where the full structs would have put them.
func TestRunDetachedShorthands(t *testing.T) {
	e := enginetest.New(t)
	var got []string
	var body string
	e.Handle("POST", "/containers/create", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		got = append(got, r.URL.Path+"?"+r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"Id":"c0ffee","Warnings":["careful"]}`))
	}))
	e.Handle("POST", "/containers/{id}/start", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Path)
		w.WriteHeader(http.StatusNoContent)
	}))
	c := engineClient(t, e)
	created, err := c.RunDetached(testContext(t), dockwire.RunOptions{
		Image: "busybox", Cmd: []string{"sleep", "60"}, Env: []string{"A=1"}, Name: "bg", Remove: true,
		Create: dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{Labels: map[string]string{"app": "x"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID != "c0ffee" || len(created.Warnings) != 1 {
		t.Errorf("RunDetached = %+v; want the create response", created)
	}
	v := "/v" + e.APIVersion()
	if want := []string{v + "/containers/create?name=bg", v + "/containers/c0ffee/start"}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("requests %q; want %q", got, want)
	}
	for path, want := range map[string]string{
		"Image": `"busybox"`, "Cmd": `["sleep","60"]`, "Env": `["A=1"]`, "Labels": `{"app":"x"}`,
		"HostConfig.AutoRemove": "true",
	} {
		if g := gjson.Get(body, path).Raw; g != want {
			t.Errorf("create body %s = %s; want %s (body %s)", path, g, want, body)
		}
	}
}

func TestRunOptionsInvalid(t *testing.T) {
	e := enginetest.New(t)
	c := engineClient(t, e)
	ctx := testContext(t)
	full := func(f func(*engine.ContainerConfig)) dockwire.ContainerCreateOptions {
		var o dockwire.ContainerCreateOptions
		f(&o.Config)
		return o
	}
	tests := []struct {
		name string
		opts dockwire.RunOptions
	}{
		{"no image", dockwire.RunOptions{Cmd: []string{"true"}}},
		{"image twice", dockwire.RunOptions{Image: "a", Create: full(func(c *engine.ContainerConfig) { c.Image = "b" })}},
		{"cmd twice", dockwire.RunOptions{Image: "a", Cmd: []string{"x"}, Create: full(func(c *engine.ContainerConfig) { c.Cmd = []string{"y"} })}},
		{"env twice", dockwire.RunOptions{Image: "a", Env: []string{"A=1"}, Create: full(func(c *engine.ContainerConfig) { c.Env = []string{"B=2"} })}},
		{"name twice", dockwire.RunOptions{Image: "a", Name: "n", Create: dockwire.ContainerCreateOptions{Name: "m"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.Requests())
			if _, err := c.Run(ctx, tt.opts); !errors.Is(err, dockwire.ErrInvalidArgument) {
				t.Errorf("Run: %v; want ErrInvalidArgument", err)
			}
			if _, err := c.RunDetached(ctx, tt.opts); !errors.Is(err, dockwire.ErrInvalidArgument) {
				t.Errorf("RunDetached: %v; want ErrInvalidArgument", err)
			}
			if n := len(e.Requests()) - before; n != 0 {
				t.Errorf("%d requests sent; want none", n)
			}
		})
	}
	var out bytes.Buffer
	if _, err := c.RunDetached(ctx, dockwire.RunOptions{Image: "a", Stdout: &out}); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("RunDetached with Stdout: %v; want ErrInvalidArgument", err)
	}
	if _, err := c.RunDetached(ctx, dockwire.RunOptions{Image: "a", Started: func(string) {}}); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("RunDetached with Started: %v; want ErrInvalidArgument", err)
	}
}

// Started is called once, with the container's ID, after the start and
// before the output is copied: the container is running when it is called,
// and the run waits for it.
func TestRunStarted(t *testing.T) {
	e := enginetest.New(t)
	fakeCreate(t, e)
	c := engineClient(t, e)
	for _, interactive := range []bool{false, true} {
		var calls []string
		var stateThen string
		var requestsThen int
		opts := dockwire.RunOptions{Image: "busybox", Cmd: []string{"cat"}, Started: func(id string) {
			calls = append(calls, id)
			ct, _ := e.Container(id)
			stateThen, requestsThen = ct.State, len(e.Requests())
			if !interactive {
				e.StopContainer(id, 0) // what a caller might do: the fake's cat has no input to end
			}
		}}
		if interactive {
			opts.Stdin = strings.NewReader("hello\n")
		}
		res, err := c.Run(testContext(t), opts)
		if err != nil || len(calls) != 1 || calls[0] != res.ID {
			t.Fatalf("interactive %v: Run %+v, %v; Started called with %q; want once with the ID", interactive, res, err, calls)
		}
		if stateThen != "running" {
			t.Errorf("interactive %v: the container was %q when Started was called; want running", interactive, stateThen)
		}
		if last := e.Requests()[requestsThen-1]; !strings.HasSuffix(last.Route, "/start") {
			t.Errorf("interactive %v: the request before Started was %s %s; want the start", interactive, last.Method, last.Route)
		}
		if after := e.Requests()[requestsThen:]; !interactive && (len(after) == 0 || !strings.HasSuffix(after[0].Route, "/logs")) {
			t.Errorf("interactive %v: %d requests after Started; want the log, which copies the output, after it", interactive, len(after))
		}
	}
}

// fakeCreate makes the fake's create add a container, created, with the
// Tty, OpenStdin and StdinOnce of the request.
func fakeCreate(t *testing.T, e *enginetest.Engine) {
	e.Handle("POST", "/containers/create", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body := string(b)
		id := e.AddContainer(enginetest.Container{
			Name: r.URL.Query().Get("name"), State: "created", Tty: gjson.Get(body, "Tty").Bool(),
			OpenStdin: gjson.Get(body, "OpenStdin").Bool(), StdinOnce: gjson.Get(body, "StdinOnce").Bool(),
		})
		jsonReply(w, http.StatusCreated, `{"Id":"`+id+`","Warnings":[]}`)
	}))
}

// An interactive run attaches before the start, feeds stdin, and ends
// with the container: cat echoes and exits 0 at the end of its input.
func TestRunStdin(t *testing.T) {
	e := enginetest.New(t)
	fakeCreate(t, e)
	c := engineClient(t, e)
	var out bytes.Buffer
	res, err := c.Run(testContext(t), dockwire.RunOptions{Image: "busybox", Cmd: []string{"cat"}, Stdin: strings.NewReader("hello\n"), Stdout: &out})
	if err != nil || res.ExitCode != 0 || out.String() != "hello\n" || res.Detached {
		t.Errorf("Run: %+v, %v, output %q; want hello and 0", res, err, out.String())
	}
	var got []string
	for _, r := range e.Requests() {
		if r.Method == "POST" {
			got = append(got, r.Route[strings.LastIndex(r.Route, "/"):])
		}
	}
	if want := []string{"/create", "/wait", "/attach", "/start"}; !slices.Equal(got, want) {
		t.Errorf("requests %q; want %q: attached before the start", got, want)
	}
	if body := string(e.Requests()[1].Body); !gjson.Get(body, "OpenStdin").Bool() || !gjson.Get(body, "StdinOnce").Bool() || gjson.Get(body, "Tty").Bool() {
		t.Errorf("create body %s; want OpenStdin and StdinOnce, no Tty", body)
	}
}

// A TTY run: its size is set before stdin is sent and on each Resize,
// and it ends with the container's exit although stdin never ends.
func TestRunTtyResize(t *testing.T) {
	e := enginetest.New(t)
	fakeCreate(t, e)
	c := engineClient(t, e)
	stdin, feed := io.Pipe()
	defer feed.Close()
	resize := make(chan [2]uint)
	out := newFirstWrite()
	done := make(chan dockwire.RunResult, 1)
	go func() {
		res, err := c.Run(testContext(t), dockwire.RunOptions{Image: "busybox", Name: "term", Tty: true, Stdin: stdin, Stdout: out, ConsoleSize: [2]uint{24, 80}, Resize: resize})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	io.WriteString(feed, "typed")
	await.Recv(t, "the typed input to come back", out.written)
	size := func() [2]uint { ct, _ := e.Container("term"); return ct.ConsoleSize }
	if s := size(); s != [2]uint{24, 80} {
		t.Errorf("size %v before the first input; want [24 80]", s)
	}
	resize <- [2]uint{30, 100}
	await.Until(t, "the resize to [30 100]", func() bool { return size() == [2]uint{30, 100} })
	e.StopContainer("term", 5)
	if res := await.Recv(t, "Run to return", done); res.ExitCode != 5 || res.Detached {
		t.Errorf("Run: %+v; want exit 5", res)
	}
}

// The detach keys end the run with the container running, and neither
// killed nor removed; with Remove the daemon removes it at its exit.
func TestRunDetachKeys(t *testing.T) {
	e := enginetest.New(t)
	fakeCreate(t, e)
	c := engineClient(t, e)
	res, err := c.Run(testContext(t), dockwire.RunOptions{Image: "busybox", Name: "sh", Tty: true, Remove: true, DetachKeys: "ctrl-e", Stdin: strings.NewReader("ls\n\x05never\n")})
	if err != nil || !res.Detached || res.ExitCode != -1 {
		t.Errorf("Run: %+v, %v; want Detached", res, err)
	}
	if ct, ok := e.Container("sh"); !ok || ct.State != "running" {
		t.Errorf("after the detach: exists %v, state %q; want it running", ok, ct.State)
	}
	if body := string(e.Requests()[1].Body); !gjson.Get(body, "HostConfig.AutoRemove").Bool() {
		t.Errorf("create body %s; want AutoRemove with Remove", body)
	}
	if n := e.Count("POST", "/containers/{id}/kill") + e.Count("DELETE", "/containers/{id}"); n != 0 {
		t.Errorf("%d kills and removals after a detach; want none", n)
	}
}

func TestRunInteractiveInvalid(t *testing.T) {
	e := enginetest.New(t)
	c := engineClient(t, e)
	ctx := testContext(t)
	for _, opts := range []dockwire.RunOptions{
		{Image: "a", ConsoleSize: [2]uint{1, 1}},
		{Image: "a", Resize: make(chan [2]uint)},
		{Image: "a", Tty: true, DetachKeys: "ctrl-%"},
		{Image: "a", Tty: true, Create: dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{Tty: true}}},
	} {
		if _, err := c.Run(ctx, opts); !errors.Is(err, dockwire.ErrInvalidArgument) {
			t.Errorf("Run %+v: %v; want ErrInvalidArgument", opts, err)
		}
	}
	if _, err := c.RunDetached(ctx, dockwire.RunOptions{Image: "a", Stdin: strings.NewReader("")}); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("RunDetached with Stdin: %v; want ErrInvalidArgument", err)
	}
	if n := len(e.Requests()); n != 0 {
		t.Errorf("%d requests sent; want none", n)
	}
}

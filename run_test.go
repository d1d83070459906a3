package dockwire_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
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
}

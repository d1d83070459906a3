package dockwire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/google/go-cmp/cmp"
)

// Bad IDs of networks, volumes and containers (for copy and connect) are
// refused before any I/O: the daemon sees nothing, not even a ping.
func TestFault_J2_NetworkVolumeCopyIDs(t *testing.T) {
	bad := []string{
		"a/b", "../../images/x", "..", "x?y", "x#y", "x%2Fy", "x y", " ", "x\ny", "x\x00y", "",
		"ｘ", "nеt", // a fullwidth x, a Cyrillic е
	}
	e, c := nvFake(t)
	ctx := testContext(t)
	tar := func() *bytes.Reader { return bytes.NewReader(makeTar(t, tarEntry{name: "a"})) }
	calls := map[string]func(id string) error{
		"NetworkCreate": func(id string) error {
			_, err := c.NetworkCreate(ctx, dockwire.NetworkCreateOptions{Name: id})
			return err
		},
		"NetworkInspect": func(id string) error {
			_, err := c.NetworkInspect(ctx, id, dockwire.NetworkInspectOptions{})
			return err
		},
		"NetworkRemove":             func(id string) error { return c.NetworkRemove(ctx, id) },
		"NetworkConnect(network)":   func(id string) error { return c.NetworkConnect(ctx, id, "c", dockwire.NetworkConnectOptions{}) },
		"NetworkConnect(container)": func(id string) error { return c.NetworkConnect(ctx, "n", id, dockwire.NetworkConnectOptions{}) },
		"NetworkDisconnect(network)": func(id string) error {
			return c.NetworkDisconnect(ctx, id, "c", dockwire.NetworkDisconnectOptions{})
		},
		"NetworkDisconnect(container)": func(id string) error {
			return c.NetworkDisconnect(ctx, "n", id, dockwire.NetworkDisconnectOptions{})
		},
		"VolumeCreate": func(id string) error {
			if id == "" {
				return dockwire.ErrInvalidArgument // an empty name asks for a generated one
			}
			_, err := c.VolumeCreate(ctx, dockwire.VolumeCreateOptions{Name: id})
			return err
		},
		"VolumeInspect": func(id string) error {
			_, err := c.VolumeInspect(ctx, id)
			return err
		},
		"VolumeRemove": func(id string) error { return c.VolumeRemove(ctx, id, dockwire.VolumeRemoveOptions{Force: true}) },
		"CopyToContainer": func(id string) error {
			return c.CopyToContainer(ctx, id, "/tmp", tar(), dockwire.CopyToContainerOptions{})
		},
		"CopyFromContainer": func(id string) error {
			_, _, err := c.CopyFromContainer(ctx, id, "/etc")
			return err
		},
		"ContainerStatPath": func(id string) error {
			_, err := c.ContainerStatPath(ctx, id, "/etc")
			return err
		},
		"CopyPathToContainer": func(id string) error {
			return c.CopyPathToContainer(ctx, id, t.TempDir(), "/tmp")
		},
		"CopyPathFromContainer": func(id string) error {
			return c.CopyPathFromContainer(ctx, id, "/etc", t.TempDir())
		},
	}
	for name, call := range calls {
		for _, id := range bad {
			if err := call(id); !errors.Is(err, dockwire.ErrInvalidArgument) {
				t.Errorf("%s(%q) = %v, want ErrInvalidArgument", name, id, err)
			}
		}
	}
	if reqs := e.Requests(); len(reqs) > 0 {
		t.Errorf("the daemon saw %d requests, first %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
	}
}

// A container path is a query value: whatever it holds reaches the daemon
// exactly, and a NUL is refused.
func TestFault_J2_ContainerPathIsQueryValue(t *testing.T) {
	e, c := nvFake(t)
	e.AddContainer(enginetest.Container{Name: "web"})
	e.Handle("HEAD", "/containers/{id}/archive", nvReply(200, ""))
	ctx := testContext(t)
	for _, p := range []string{"/a b/c&d=e#f?g%h", "/../../etc/passwd", "relative/x"} {
		c.ContainerStatPath(ctx, "web", p)
		if r := nvLast(t, e); r.Path != "/v1.55/containers/web/archive" || r.Query.Get("path") != p || len(r.Query) != 1 {
			t.Errorf("path %q sent as %s ?%v", p, r.Path, r.Query)
		}
	}
	if _, err := c.ContainerStatPath(ctx, "web", "/a\x00b"); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("NUL in a path: %v", err)
	}
}

// Filter and label values with &, =, # and quotes round-trip exactly, in
// the filters query parameter and in JSON bodies.
func TestFault_J4_NetworkVolumeFilters(t *testing.T) {
	e, c := nvFake(t)
	e.Handle("GET", "/networks", nvReply(200, `[]`))
	e.Handle("POST", "/networks/prune", nvReply(200, `{}`))
	e.Handle("GET", "/volumes", nvReply(200, `{"Volumes":[]}`))
	e.Handle("POST", "/volumes/prune", nvReply(200, `{}`))
	e.Handle("POST", "/networks/create", nvReply(201, `{"Id":"x"}`))
	e.Handle("POST", "/volumes/create", nvReply(201, `{"Name":"v"}`))
	ctx := testContext(t)
	tricky := []string{`a=b&c=d`, `x#y`, `q"uo'te`, `k=v=w`, `sp ace+plus`, `%41`, `ünï`}
	filters := dockwire.Filters{"label": tricky, "name": {`&filters={"x":["y"]}`}}
	for name, call := range map[string]func() error{
		"NetworkList": func() error { _, err := c.NetworkList(ctx, dockwire.NetworkListOptions{Filters: filters}); return err },
		"NetworkPrune": func() error {
			_, err := c.NetworkPrune(ctx, dockwire.NetworkPruneOptions{Filters: filters})
			return err
		},
		"VolumeList":  func() error { _, err := c.VolumeList(ctx, dockwire.VolumeListOptions{Filters: filters}); return err },
		"VolumePrune": func() error { _, err := c.VolumePrune(ctx, dockwire.VolumePruneOptions{Filters: filters}); return err },
	} {
		if err := call(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		q := nvLast(t, e).Query
		if len(q) != 1 || len(q["filters"]) != 1 {
			t.Errorf("%s: query %v, want one filters value", name, q)
			continue
		}
		var got dockwire.Filters
		if err := json.Unmarshal([]byte(q.Get("filters")), &got); err != nil {
			t.Fatalf("%s: filters is not JSON: %v", name, err)
		}
		if diff := cmp.Diff(filters, got); diff != "" {
			t.Errorf("%s: filters (-sent +received):\n%s", name, diff)
		}
	}

	labels := map[string]string{}
	for _, v := range tricky {
		labels[v] = v
	}
	if _, err := c.NetworkCreate(ctx, dockwire.NetworkCreateOptions{Name: "n", Labels: labels, Options: labels}); err != nil {
		t.Fatal(err)
	}
	body := nvLast(t, e).Body.(map[string]any)
	for _, key := range []string{"Labels", "Options"} {
		got := map[string]string{}
		for k, v := range body[key].(map[string]any) {
			got[k] = v.(string)
		}
		if diff := cmp.Diff(labels, got); diff != "" {
			t.Errorf("network %s (-sent +received):\n%s", key, diff)
		}
	}
	if _, err := c.VolumeCreate(ctx, dockwire.VolumeCreateOptions{Labels: labels}); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for k, v := range nvLast(t, e).Body.(map[string]any)["Labels"].(map[string]any) {
		got[k] = v.(string)
	}
	if diff := cmp.Diff(labels, got); diff != "" {
		t.Errorf("volume labels (-sent +received):\n%s", diff)
	}
}

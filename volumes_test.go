package dockwire_test

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const nvVolumeJSON = `{"CreatedAt":"2016-06-07T20:31:11.853781916Z","Driver":"local","Labels":{"k":"v"},
"Mountpoint":"/var/lib/docker/volumes/tardis/_data","Name":"tardis","Options":{"type":"tmpfs"},"Scope":"local","Status":{"hello":"world"}}`

func TestVolumeRequests(t *testing.T) {
	e, c := nvFake(t, enginetest.WithAPIVersion("1.44"))
	e.Handle("POST", "/volumes/create", nvReply(201, nvVolumeJSON))
	e.Handle("GET", "/volumes/{name}", nvReply(200, nvVolumeJSON))
	e.Handle("GET", "/volumes", nvReply(200, `{"Volumes":[`+nvVolumeJSON+`],"Warnings":null}`))
	e.Handle("DELETE", "/volumes/{name}", nvReply(204, ""))
	e.Handle("POST", "/volumes/prune", nvReply(200, `{"VolumesDeleted":["v1"],"SpaceReclaimed":42}`))
	ctx := testContext(t)

	tests := []requestCase{{
		name: "create",
		do: func() error {
			_, err := c.VolumeCreate(ctx, dockwire.VolumeCreateOptions{Name: "tardis", DriverOpts: map[string]string{"type": "tmpfs"}, Labels: map[string]string{"k": "v"}})
			return err
		},
		want: nvRequest{Method: "POST", Path: "/v1.44/volumes/create", Body: nvJSON(t, `{"Name":"tardis","DriverOpts":{"type":"tmpfs"},"Labels":{"k":"v"}}`)},
	}, {
		name: "create-anonymous",
		do: func() error {
			_, err := c.VolumeCreate(ctx, dockwire.VolumeCreateOptions{})
			return err
		},
		want: nvRequest{Method: "POST", Path: "/v1.44/volumes/create", Body: nvJSON(t, `{}`)},
	}, {
		name: "inspect",
		do: func() error {
			_, err := c.VolumeInspect(ctx, "tardis")
			return err
		},
		want: nvRequest{Method: "GET", Path: "/v1.44/volumes/tardis"},
	}, {
		name: "list",
		do: func() error {
			_, err := c.VolumeList(ctx, dockwire.VolumeListOptions{Filters: dockwire.Filters{"dangling": {"true"}}})
			return err
		},
		want: nvRequest{Method: "GET", Path: "/v1.44/volumes", Query: url.Values{"filters": {`{"dangling":["true"]}`}}},
	}, {
		name: "remove",
		do:   func() error { return c.VolumeRemove(ctx, "tardis", dockwire.VolumeRemoveOptions{}) },
		want: nvRequest{Method: "DELETE", Path: "/v1.44/volumes/tardis"},
	}, {
		name: "remove-force",
		do:   func() error { return c.VolumeRemove(ctx, "tardis", dockwire.VolumeRemoveOptions{Force: true}) },
		want: nvRequest{Method: "DELETE", Path: "/v1.44/volumes/tardis", Query: url.Values{"force": {"1"}}},
	}, {
		name: "prune-all",
		do: func() error {
			_, err := c.VolumePrune(ctx, dockwire.VolumePruneOptions{Filters: dockwire.Filters{"label": {"k=v"}, "all": {"true"}}})
			return err
		},
		want: nvRequest{Method: "POST", Path: "/v1.44/volumes/prune", Query: url.Values{"filters": {`{"all":["true"],"label":["k=v"]}`}}},
	}}
	checkRequests(t, e, tests)
}

func TestVolumeDecode(t *testing.T) {
	e, c := nvFake(t)
	e.Handle("GET", "/volumes", nvReply(200, `{"Volumes":[`+nvVolumeJSON+`],"Warnings":["driver x did not answer"]}`))
	e.Handle("POST", "/volumes/prune", nvReply(200, `{"VolumesDeleted":["v1"],"SpaceReclaimed":42}`))
	ctx := testContext(t)
	list, err := c.VolumeList(ctx, dockwire.VolumeListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := engine.VolumeListResponse{
		Volumes: []engine.Volume{{
			Name: "tardis", Driver: "local", Mountpoint: "/var/lib/docker/volumes/tardis/_data",
			CreatedAt: time.Date(2016, 6, 7, 20, 31, 11, 853781916, time.UTC), Labels: map[string]string{"k": "v"},
			Scope: "local", Options: map[string]string{"type": "tmpfs"}, Size: -1, RefCount: -1,
		}},
		Warnings: []string{"driver x did not answer"},
	}
	if diff := cmp.Diff(want, list, cmpopts.IgnoreTypes(engine.Raw(""))); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	if got := list.Volumes[0].Get("Status.hello").String(); got != "world" {
		t.Errorf("Raw Status.hello = %q", got)
	}
	rep, err := c.VolumePrune(ctx, dockwire.VolumePruneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.SpaceReclaimed != 42 || len(rep.VolumesDeleted) != 1 {
		t.Errorf("prune report = %+v", rep)
	}
}

// API 1.41 prunes named volumes too and rejects an "all" filter: the client
// leaves a true one out there, and keeps a false one for the daemon to
// refuse rather than silently pruning more than asked.
func TestVolumePruneAllBefore142(t *testing.T) {
	e, c := nvFake(t, enginetest.WithAPIVersion("1.41"))
	e.Handle("POST", "/volumes/prune", nvReply(200, `{"VolumesDeleted":null,"SpaceReclaimed":0}`))
	ctx := testContext(t)
	for _, tt := range []struct {
		filters dockwire.Filters
		want    url.Values
	}{
		{dockwire.Filters{"all": {"1"}}, nil},
		{dockwire.Filters{"all": {"true"}, "label": {"a"}}, url.Values{"filters": {`{"label":["a"]}`}}},
		{dockwire.Filters{"all": {"false"}}, url.Values{"filters": {`{"all":["false"]}`}}},
	} {
		if _, err := c.VolumePrune(ctx, dockwire.VolumePruneOptions{Filters: tt.filters}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, nvLast(t, e).Query); diff != "" {
			t.Errorf("VolumePrune(%v) query (-want +got):\n%s", tt.filters, diff)
		}
	}
}

func TestVolumeErrors(t *testing.T) {
	e, c := nvFake(t)
	e.Handle("GET", "/volumes/{name}", nvReply(404, `{"message":"get x: no such volume"}`))
	e.Handle("DELETE", "/volumes/{name}", nvReply(409, `{"message":"remove x: volume is in use"}`))
	ctx := testContext(t)
	if _, err := c.VolumeInspect(ctx, "x"); !errors.Is(err, dockwire.ErrVolumeNotFound) {
		t.Errorf("inspect: %v", err)
	}
	if err := c.VolumeRemove(ctx, "x", dockwire.VolumeRemoveOptions{}); !errors.Is(err, dockwire.ErrConflict) {
		t.Errorf("remove: %v", err)
	}
}

package dockwire_test

import (
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
)

// Size is the size=1 of docker inspect --size; without it nothing is
// asked and nothing filled.
func TestContainerInspectSize(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "web", SizeRw: 12})
	c := engineClient(t, e)
	ctx := testContext(t)
	for _, size := range []bool{false, true} {
		info, err := c.ContainerInspect(ctx, "web", dockwire.ContainerInspectOptions{Size: size})
		if err != nil {
			t.Fatal(err)
		}
		reqs := e.Requests()
		q := reqs[len(reqs)-1].Query.Encode()
		want, wantQuery := int64(0), ""
		if size {
			want, wantQuery = 12, "size=1"
		}
		if info.SizeRw != want || (info.SizeRootFs > 0) != size || q != wantQuery {
			t.Errorf("Size %v: SizeRw %d, SizeRootFs %d, query %q; want %d, sized %v, %q", size, info.SizeRw, info.SizeRootFs, q, want, size, wantQuery)
		}
	}
}

package dockwire_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
)

func ExampleClient_ContainerList() {
	e, _ := enginetest.Start() // a fake engine; use dockwire.Default() for the real one
	defer e.Close()
	e.AddContainer(enginetest.Container{Name: "osrm", Image: "osrm/osrm-backend", Labels: map[string]string{"com.example.team": "routing"}})
	e.AddContainer(enginetest.Container{Name: "old", State: "exited", ExitCode: 1})
	c, _ := dockwire.New(e.Host())

	list, err := c.ContainerList(context.Background(), dockwire.ContainerListOptions{All: true, Filters: dockwire.Filters{"label": {"com.example.team=routing"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ctr := range list {
		// Typed fields, or any field by gjson path (dots in keys escaped).
		fmt.Println(ctr.Name(), ctr.State, ctr.Image, ctr.Get(`Labels.com\.example\.team`))
	}
	// Output:
	// osrm running osrm/osrm-backend routing
}

func ExampleClient_ContainerInspect_notFound() {
	e, _ := enginetest.Start()
	defer e.Close()
	c, _ := dockwire.New(e.Host())

	_, err := c.ContainerInspect(context.Background(), "osrm", dockwire.ContainerInspectOptions{})
	var apiErr *dockwire.APIError
	switch {
	case errors.Is(err, dockwire.ErrContainerNotFound) && errors.As(err, &apiErr):
		fmt.Println("no such container:", apiErr.ID, apiErr.StatusCode)
	case err != nil:
		fmt.Println("something else:", err)
	}
	exists, err := c.ContainerExists(context.Background(), "osrm")
	fmt.Println(exists, err)
	// Output:
	// no such container: osrm 404
	// false <nil>
}

func ExampleClient_ContainerStart_alreadyStarted() {
	e, _ := enginetest.Start()
	defer e.Close()
	e.Handle("POST", "/containers/{id}/start", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified) // what the daemon answers for a running container
	}))
	c, _ := dockwire.New(e.Host())

	// A container that runs already is not an error, as in the moby client.
	err := c.ContainerStart(context.Background(), "web")
	fmt.Println(err)
	// Output:
	// <nil>
}

// The stop timeout: the zero value leaves it to the daemon, and waiting
// forever or killing at once are fields of their own.
func ExampleClient_ContainerStop() {
	e := enginetest.New(nil)
	defer e.Close()
	e.Handle("POST", "/containers/{id}/stop", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Printf("t=%q\n", r.URL.Query().Get("t"))
		w.WriteHeader(http.StatusNoContent)
	}))
	c, _ := dockwire.New(e.Host())
	ctx := context.Background()

	c.ContainerStop(ctx, "db", dockwire.ContainerStopOptions{})                          // the container's StopTimeout, 10 s unless set
	c.ContainerStop(ctx, "db", dockwire.ContainerStopOptions{Timeout: 30 * time.Second}) // up to 30 s, then SIGKILL
	c.ContainerStop(ctx, "db", dockwire.ContainerStopOptions{WaitForever: true})         // never SIGKILL
	c.ContainerStop(ctx, "db", dockwire.ContainerStopOptions{KillNow: true})             // SIGKILL right away
	err := c.ContainerStop(ctx, "db", dockwire.ContainerStopOptions{Timeout: -1})        // moby's "forever" is refused
	fmt.Println(errors.Is(err, dockwire.ErrInvalidArgument))
	// Output:
	// t=""
	// t="30"
	// t="-1"
	// t="0"
	// true
}

func ExampleNew_badHost() {
	_, err := dockwire.New("tcp://192.0.2.7:2375")
	fmt.Println(errors.Is(err, dockwire.ErrInvalidHost))
	// Output:
	// true
}

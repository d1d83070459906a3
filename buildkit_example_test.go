package dockwire_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
)

// A BuildKit build, followed step by step: here against a recording of
// Docker 28.5 building testdata/buildkit-context.
func ExampleClient_ImageBuild_buildKit() {
	e, _ := enginetest.Start(enginetest.WithFixtures("testdata/docker-28.5/buildkit"))
	defer e.Close()
	c, _ := dockwire.New(e.Host()) // dockwire.Default() for the real engine
	ctx := context.Background()

	buildContext, err := dockwire.BuildContext("testdata/buildkit-context")
	if err != nil {
		fmt.Println(err)
		return
	}
	build, err := c.ImageBuild(ctx, buildContext, dockwire.ImageBuildOptions{BuildKit: true, Tags: []string{"dwrec/buildkit:latest"}, NoCache: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	names := map[string]string{} // step digest -> name
	done := map[string]bool{}    // a step may be reported again
	for m, err := range build.Messages() {
		var se *dockwire.StreamError
		if errors.As(err, &se) {
			fmt.Println("failed at", se.Step, se.Log)
			return
		} else if err != nil {
			fmt.Println(err)
			return
		}
		if m.Trace == nil {
			continue // not part of BuildKit's trace: the image ID, for one
		}
		for _, v := range m.Trace.Vertexes {
			names[v.Digest] = v.Name
			if !v.Completed.IsZero() && !done[v.Digest] {
				done[v.Digest] = true
				fmt.Println("done:", v.Name)
			}
		}
		for _, l := range m.Trace.Logs {
			fmt.Printf("%s (stream %d): %s", names[l.Vertex], l.Stream, l.Data)
		}
	}
	fmt.Println(build.ImageID())
	// Output:
	// done: [internal] load remote build context
	// done: copy /context /
	// done: [1/3] COPY busybox /bin/busybox
	// done: [2/3] RUN ["/bin/busybox", "--install", "-s", "/bin"]
	// [3/3] RUN echo to-stdout; echo to-stderr >&2 (stream 1): to-stdout
	// [3/3] RUN echo to-stdout; echo to-stderr >&2 (stream 2): to-stderr
	// done: [3/3] RUN echo to-stdout; echo to-stderr >&2
	// done: exporting to image
	// sha256:d000000000070000000000000000000000000000000000000000000000000000
}

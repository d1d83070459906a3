package dockwire_test

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
)

// Attach before the start, as docker run -a does, so that none of the
// output is lost; feed stdin and close it; read the exit status.
func ExampleClient_ContainerAttach() {
	e, _ := enginetest.Start() // a fake engine, whose containers run cat; use dockwire.Default() for the real one
	defer e.Close()
	// docker create -i busybox cat: OpenStdin and StdinOnce.
	e.AddContainer(enginetest.Container{Name: "cat", State: "created", OpenStdin: true, StdinOnce: true})
	c, _ := dockwire.New(e.Host())
	ctx := context.Background()

	a, err := c.ContainerAttach(ctx, "cat", dockwire.ContainerAttachOptions{Stream: true, Stdin: true, Stdout: true, Stderr: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	if err := c.ContainerStart(ctx, "cat"); err != nil {
		fmt.Println(err)
		return
	}
	io.WriteString(a, "hello from stdin\n")
	a.CloseWrite() // cat reads the end of its input and exits
	if _, err := a.CopyTo(os.Stdout, os.Stderr); err != nil {
		fmt.Println(err)
	}
	code, err := a.Wait()
	fmt.Println("exit", code, err)
	// Output:
	// hello from stdin
	// exit 0 <nil>
}

// Command weight-dockwire is the weight comparison's program on dockwire:
// ping, list, inspect one container, tail its logs, one exec with its exit
// code. weight/moby and weight/docker are the same program on the moby
// clients.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/dockwire/dockwire"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: weight-dockwire CONTAINER")
		os.Exit(2)
	}
	name := os.Args[1]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := dockwire.FromEnv()
	check(err)
	defer c.Close()

	ping, err := c.Ping(ctx)
	check(err)
	fmt.Println("api", ping.APIVersion)

	list, err := c.ContainerList(ctx, dockwire.ContainerListOptions{})
	check(err)
	fmt.Println("running", len(list))

	info, err := c.ContainerInspect(ctx, name, dockwire.ContainerInspectOptions{})
	check(err)
	fmt.Println("container", info.ID[:12], info.State.Status)

	logs, err := c.ContainerLogs(ctx, name, dockwire.ContainerLogsOptions{Tail: 3})
	check(err)
	_, err = logs.CopyTo(os.Stdout, os.Stderr)
	logs.Close()
	check(err)

	code, err := c.Exec(ctx, name, dockwire.ExecOptions{Cmd: []string{"sh", "-c", "exit 3"}, Stdout: os.Stdout, Stderr: os.Stderr})
	check(err)
	fmt.Println("exit", code)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "weight-dockwire:", err)
		os.Exit(1)
	}
}

// Command linkprobe is a program that embeds dockwire as most do (FromEnv,
// calls, streams, an exec), for TestNoNetHTTPTransport to link and
// inspect. It is never run.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/dockwire/dockwire"
)

func main() {
	ctx := context.Background()
	c, err := dockwire.FromEnv(dockwire.WithRetry(3, 0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer c.Close()
	list, err := c.ContainerList(ctx, dockwire.ContainerListOptions{All: true})
	fmt.Println(len(list), err)
	info, err := c.ContainerInspect(ctx, "x", dockwire.ContainerInspectOptions{})
	fmt.Println(info.ID, err)
	if logs, err := c.ContainerLogs(ctx, "x", dockwire.ContainerLogsOptions{Tail: 3}); err == nil {
		logs.CopyTo(os.Stdout, os.Stderr)
		logs.Close()
	}
	code, err := c.Exec(ctx, "x", dockwire.ExecOptions{Cmd: []string{"true"}, Stdout: os.Stdout})
	fmt.Println(code, err)
}

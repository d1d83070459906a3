// Command weight-moby is the weight comparison's program on
// github.com/moby/moby/client: ping, list, inspect one container, tail its
// logs, one exec with its exit code.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: weight-moby CONTAINER")
		os.Exit(2)
	}
	name := os.Args[1]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.New(client.FromEnv)
	check(err)
	defer c.Close()

	ping, err := c.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
	check(err)
	fmt.Println("api", ping.APIVersion)

	list, err := c.ContainerList(ctx, client.ContainerListOptions{})
	check(err)
	fmt.Println("running", len(list.Items))

	info, err := c.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	check(err)
	fmt.Println("container", info.Container.ID[:12], info.Container.State.Status)

	logs, err := c.ContainerLogs(ctx, name, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: "3"})
	check(err)
	_, err = stdcopy.StdCopy(os.Stdout, os.Stderr, logs)
	logs.Close()
	check(err)

	exec, err := c.ExecCreate(ctx, name, client.ExecCreateOptions{Cmd: []string{"sh", "-c", "exit 3"}, AttachStdout: true, AttachStderr: true})
	check(err)
	att, err := c.ExecAttach(ctx, exec.ID, client.ExecAttachOptions{})
	check(err)
	_, err = stdcopy.StdCopy(os.Stdout, os.Stderr, att.Reader)
	att.Close()
	check(err)
	// The daemon records the exit code a moment after the output ends.
	delay := 5 * time.Millisecond
	for {
		res, err := c.ExecInspect(ctx, exec.ID, client.ExecInspectOptions{})
		check(err)
		if !res.Running {
			fmt.Println("exit", res.ExitCode)
			break
		}
		time.Sleep(delay)
		delay = min(2*delay, 200*time.Millisecond)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "weight-moby:", err)
		os.Exit(1)
	}
}

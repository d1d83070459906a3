// Command weight-docker is the weight comparison's program on
// github.com/docker/docker/client v28: ping, list, inspect one container,
// tail its logs, one exec with its exit code.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: weight-docker CONTAINER")
		os.Exit(2)
	}
	name := os.Args[1]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	check(err)
	defer c.Close()

	ping, err := c.Ping(ctx)
	check(err)
	fmt.Println("api", ping.APIVersion)

	list, err := c.ContainerList(ctx, container.ListOptions{})
	check(err)
	fmt.Println("running", len(list))

	info, err := c.ContainerInspect(ctx, name)
	check(err)
	fmt.Println("container", info.ID[:12], info.State.Status)

	logs, err := c.ContainerLogs(ctx, name, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: "3"})
	check(err)
	_, err = stdcopy.StdCopy(os.Stdout, os.Stderr, logs)
	logs.Close()
	check(err)

	exec, err := c.ContainerExecCreate(ctx, name, container.ExecOptions{Cmd: []string{"sh", "-c", "exit 3"}, AttachStdout: true, AttachStderr: true})
	check(err)
	att, err := c.ContainerExecAttach(ctx, exec.ID, container.ExecAttachOptions{})
	check(err)
	_, err = stdcopy.StdCopy(os.Stdout, os.Stderr, att.Reader)
	att.Close()
	check(err)
	// The daemon records the exit code a moment after the output ends.
	delay := 5 * time.Millisecond
	for {
		res, err := c.ContainerExecInspect(ctx, exec.ID)
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
		fmt.Fprintln(os.Stderr, "weight-docker:", err)
		os.Exit(1)
	}
}

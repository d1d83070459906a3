package dockwire_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/stdcopy"
)

func ExampleClient_ContainerLogs() {
	e, _ := enginetest.Start() // a fake engine; use dockwire.Default() for the real one
	defer e.Close()
	e.AddContainer(enginetest.Container{Name: "web", State: "exited", Logs: []enginetest.LogEntry{
		{Text: "listening on :80\n"},
		{Stream: stdcopy.Stderr, Text: "GET /missing 404\n"},
	}})
	c, _ := dockwire.New(e.Host())
	ctx := context.Background()

	logs, err := c.ContainerLogs(ctx, "web", dockwire.ContainerLogsOptions{Tail: 10})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer logs.Close()
	for line, err := range logs.Lines() {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s\n", line.Stream, line.Text)
	}
	// Output:
	// stdout: listening on :80
	// stderr: GET /missing 404
}

func ExampleClient_ExecCapture() {
	e, _ := enginetest.Start()
	defer e.Close()
	e.AddContainer(enginetest.Container{Name: "web"})
	e.SetExec("", enginetest.ExecOutput("web-1\n", "", 0))
	c, _ := dockwire.New(e.Host())

	res, err := c.ExecCapture(context.Background(), "web", dockwire.ExecOptions{Cmd: []string{"cat", "/etc/hostname"}, User: "nobody"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("exit %d: %s", res.ExitCode, res.Stdout)
	// Output:
	// exit 0: web-1
}

func ExampleClient_Exec_stdin() {
	e, _ := enginetest.Start()
	defer e.Close()
	e.AddContainer(enginetest.Container{Name: "web"})
	c, _ := dockwire.New(e.Host())

	// The fake's default process echoes its command line, then its stdin.
	code, err := c.Exec(context.Background(), "web", dockwire.ExecOptions{
		Cmd:    []string{"cat"},
		Stdin:  strings.NewReader("hello\n"),
		Stdout: os.Stdout,
	})
	fmt.Println(code, err)
	// Output:
	// cat
	// hello
	// 0 <nil>
}

func ExampleClient_ExecCheck() {
	e, _ := enginetest.Start()
	defer e.Close()
	e.AddContainer(enginetest.Container{Name: "db"})
	e.SetExec("", enginetest.ExecOutput("", "migration 7 failed\n", 3))
	c, _ := dockwire.New(e.Host())

	_, err := c.ExecCheck(context.Background(), "db", dockwire.ExecOptions{Cmd: []string{"migrate", "up"}})
	var cmdErr *dockwire.CommandError
	if errors.As(err, &cmdErr) {
		fmt.Println(cmdErr.ExitCode, strings.TrimSpace(cmdErr.Stderr))
	}
	// Output:
	// 3 migration 7 failed
}

package dockwire

import (
	"context"
	"errors"
	"io"
	"time"
)

// RunOptions describes a container for Run.
type RunOptions struct {
	ContainerCreateOptions
	// Stdout and Stderr receive the container's output (with Config.Tty,
	// all of it goes to Stdout); nil discards it.
	Stdout, Stderr io.Writer
	// Remove removes the container once Run is done with it, whether it
	// exited, failed to start or was cancelled. Unlike HostConfig.AutoRemove
	// it waits until the output has been read.
	Remove bool
}

// RunResult is how a container run by Run ended.
type RunResult struct {
	ID       string // the container's ID
	ExitCode int    // its exit status
}

// Run does what docker run does without -d: it creates a container,
// registers a wait for its exit, starts it, copies its output until it
// exits, and returns its exit code. A non-zero exit is data, not an error.
//
// When ctx ends first, Run kills the container and returns ctx's error; the
// kill and the removal (with Remove) run on a context of their own, so that
// a cancelled caller leaves nothing running behind.
func (c *Client) Run(ctx context.Context, opts RunOptions) (RunResult, error) {
	created, err := c.ContainerCreate(ctx, opts.ContainerCreateOptions)
	if err != nil {
		return RunResult{ExitCode: -1}, err
	}
	res := RunResult{ID: created.ID, ExitCode: -1}
	cleanup := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	}
	if opts.Remove {
		defer func() {
			cctx, cancel := cleanup()
			defer cancel()
			c.ContainerRemove(cctx, created.ID, RemoveOptions{Force: true})
		}()
	}
	waiter, err := c.ContainerWaitRegister(ctx, created.ID, WaitNextExit)
	if err != nil {
		return res, err
	}
	defer waiter.Close()
	if _, err := c.ContainerStart(ctx, created.ID); err != nil {
		return res, err
	}
	if err := c.copyOutput(ctx, created.ID, opts); err != nil {
		if ctx.Err() != nil {
			cctx, cancel := cleanup()
			defer cancel()
			c.ContainerKill(cctx, created.ID, "")
		}
		return res, err
	}
	exit, err := waiter.Result()
	if err != nil {
		return res, err
	}
	res.ExitCode = int(exit.StatusCode)
	return res, nil
}

// copyOutput follows the container's log until it stops. An auto-removed
// container may be gone before the log is opened; its exit code still
// arrives through the wait.
func (c *Client) copyOutput(ctx context.Context, id string, opts RunOptions) error {
	logs, err := c.ContainerLogs(ctx, id, LogsOptions{Follow: true})
	if err != nil {
		// The daemon answers 404 once the container is gone, and 409 while
		// it is being removed.
		if opts.HostConfig.AutoRemove && (errors.Is(err, ErrContainerNotFound) || errors.Is(err, ErrConflict)) {
			return nil
		}
		return err
	}
	defer logs.Close()
	_, err = logs.CopyTo(opts.Stdout, opts.Stderr)
	return err
}

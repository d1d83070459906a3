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
	ID       string   // the container's ID
	ExitCode int      // its exit status; -1 if it is unknown
	Warnings []string // what the daemon warned about at creation
}

// Run does what docker run does without -d: it creates a container,
// registers a wait for its exit, starts it, copies its output until it
// exits, and returns its exit code. A non-zero exit is data, not an error.
//
// When ctx ends first, Run kills the container (removes it, with Remove)
// and returns ctx's error. That cleanup runs on a context of its own, so a
// cancelled caller leaves nothing running behind. Remove also removes the
// container's anonymous volumes, as docker run --rm does.
func (c *Client) Run(ctx context.Context, opts RunOptions) (res RunResult, err error) {
	res.ExitCode = -1
	created, err := c.ContainerCreate(ctx, opts.ContainerCreateOptions)
	if err != nil {
		return res, err
	}
	res.ID, res.Warnings = created.ID, created.Warnings
	defer func() {
		if ctx.Err() == nil && !opts.Remove {
			return
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if opts.Remove {
			c.ContainerRemove(cctx, created.ID, ContainerRemoveOptions{Force: true, Volumes: true})
		} else {
			c.ContainerKill(cctx, created.ID, "")
		}
	}()
	waiter, err := c.ContainerWaitRegister(ctx, created.ID, WaitNextExit)
	if err != nil {
		return res, err
	}
	defer waiter.Close()
	if err := c.ContainerStart(ctx, created.ID); err != nil {
		return res, err
	}
	if err := c.copyOutput(ctx, created.ID, opts); err != nil {
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
	logs, err := c.ContainerLogs(ctx, id, ContainerLogsOptions{Follow: true})
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

package dockwire

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/dockwire/dockwire/engine"
)

// RunOptions describes a container for Run and RunDetached. The common
// case is one literal:
//
//	dockwire.RunOptions{Image: "busybox", Cmd: []string{"echo", "hi"}, Remove: true}
//
// Everything else ContainerCreate takes (ports, mounts, labels, networks,
// resources) goes in Create. Image, Cmd, Env and Name are shorthands for
// the fields of Create that they name; setting one both here and in
// Create is an error matching ErrInvalidArgument, so that neither
// silently wins.
type RunOptions struct {
	Image string   // the image to run (Create.Config.Image)
	Cmd   []string // the command and its arguments; nil for the image's (Create.Config.Cmd)
	Env   []string // "KEY=value" variables added to the image's (Create.Config.Env)
	Name  string   // the container's name; empty lets the daemon pick one (Create.Name)
	// Remove removes the container once it is done, as docker run --rm
	// does, its anonymous volumes too. Run removes it when it has read the
	// output, whether the container exited, failed to start or was
	// cancelled; RunDetached sets HostConfig.AutoRemove, so that the daemon
	// removes it when it exits.
	Remove bool
	// Stdout and Stderr receive Run's output (with Config.Tty, all of it
	// goes to Stdout); nil discards it. RunDetached copies no output and
	// refuses them: read it with ContainerLogs.
	Stdout, Stderr io.Writer
	// Create is the full description of the container, for what the
	// fields above do not cover.
	Create ContainerCreateOptions
}

// createOptions merges the shorthands into Create.
func (o *RunOptions) createOptions() (ContainerCreateOptions, error) {
	cr := o.Create
	both := func(field string, top, full bool) error {
		if top && full {
			return invalidArg("run: %s is set both in RunOptions and in RunOptions.Create; set one", field)
		}
		return nil
	}
	if err := errors.Join(
		both("Image", o.Image != "", cr.Config.Image != ""),
		both("Cmd", o.Cmd != nil, cr.Config.Cmd != nil),
		both("Env", o.Env != nil, cr.Config.Env != nil),
		both("Name", o.Name != "", cr.Name != ""),
	); err != nil {
		return cr, err
	}
	if o.Image != "" {
		cr.Config.Image = o.Image
	}
	if o.Cmd != nil {
		cr.Config.Cmd = o.Cmd
	}
	if o.Env != nil {
		cr.Config.Env = o.Env
	}
	if o.Name != "" {
		cr.Name = o.Name
	}
	if cr.Config.Image == "" {
		return cr, invalidArg("run: no image; set RunOptions.Image")
	}
	return cr, nil
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
// A missing image is an error matching ErrImageNotFound: Run does not
// pull (ImagePull does).
//
// When ctx ends first, Run kills the container (removes it, with Remove)
// and returns ctx's error. That cleanup runs on a context of its own, so a
// cancelled caller leaves nothing running behind. Remove also removes the
// container's anonymous volumes, as docker run --rm does.
func (c *Client) Run(ctx context.Context, opts RunOptions) (res RunResult, err error) {
	res.ExitCode = -1
	create, err := opts.createOptions()
	if err != nil {
		return res, err
	}
	created, err := c.ContainerCreate(ctx, create)
	if err != nil {
		return res, err
	}
	res.ID, res.Warnings = created.ID, created.Warnings
	defer func() {
		if ctx.Err() == nil && !opts.Remove {
			return
		}
		c.cleanUpRun(ctx, created.ID, opts.Remove)
	}()
	waiter, err := c.ContainerWaitRegister(ctx, created.ID, WaitNextExit)
	if err != nil {
		return res, err
	}
	defer waiter.Close()
	if err := c.ContainerStart(ctx, created.ID); err != nil {
		return res, err
	}
	if err := c.copyOutput(ctx, created.ID, create.HostConfig.AutoRemove, opts); err != nil {
		return res, err
	}
	exit, err := waiter.Result()
	if err != nil {
		return res, err
	}
	res.ExitCode = int(exit.StatusCode)
	return res, nil
}

// RunDetached does what docker run -d does: it creates a container,
// starts it, and returns at once with what ContainerCreate returned (the
// container's ID and the daemon's warnings). The container runs on; follow
// it with ContainerLogs, ContainerWait or ContainerInspect. With Remove,
// the daemon removes it when it exits (HostConfig.AutoRemove).
//
// A container that was created but could not start is removed with
// Remove and left behind without it, as docker run -d leaves it; either
// way its ID is returned with the error. So is one whose start ctx cut
// short: it may be running.
func (c *Client) RunDetached(ctx context.Context, opts RunOptions) (engine.ContainerCreateResponse, error) {
	if opts.Stdout != nil || opts.Stderr != nil {
		return engine.ContainerCreateResponse{}, invalidArg("run detached: Stdout and Stderr are for Run; read a detached container's output with ContainerLogs")
	}
	create, err := opts.createOptions()
	if err != nil {
		return engine.ContainerCreateResponse{}, err
	}
	if opts.Remove {
		create.HostConfig.AutoRemove = true
	}
	created, err := c.ContainerCreate(ctx, create)
	if err != nil {
		return created, err
	}
	if err := c.ContainerStart(ctx, created.ID); err != nil {
		if opts.Remove {
			c.cleanUpRun(ctx, created.ID, true)
		}
		return created, err
	}
	return created, nil
}

// cleanUpRun removes (or, without remove, kills) a container that Run or
// RunDetached leaves early, on a context of its own so that a cancelled
// caller leaves nothing running behind.
func (c *Client) cleanUpRun(ctx context.Context, id string, remove bool) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if remove {
		c.ContainerRemove(cctx, id, ContainerRemoveOptions{Force: true, Volumes: true})
	} else {
		c.ContainerKill(cctx, id, "")
	}
}

// copyOutput follows the container's log until it stops. An auto-removed
// container may be gone before the log is opened; its exit code still
// arrives through the wait.
func (c *Client) copyOutput(ctx context.Context, id string, autoRemove bool, opts RunOptions) error {
	logs, err := c.ContainerLogs(ctx, id, ContainerLogsOptions{Follow: true})
	if err != nil {
		// The daemon answers 404 once the container is gone, and 409 while
		// it is being removed.
		if autoRemove && (errors.Is(err, ErrContainerNotFound) || errors.Is(err, ErrConflict)) {
			return nil
		}
		return err
	}
	defer logs.Close()
	_, err = logs.CopyTo(opts.Stdout, opts.Stderr)
	return err
}

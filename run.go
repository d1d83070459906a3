package dockwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	// Stdout and Stderr receive Run's output (with a TTY, all of it goes
	// to Stdout); nil discards it. RunDetached copies no output and
	// refuses them: read it with ContainerLogs.
	Stdout, Stderr io.Writer
	// Stdin, if set, is copied to the container's standard input, as
	// docker run -i does: Run creates the container with OpenStdin and
	// StdinOnce and attaches to it before starting it. Without Tty, the
	// end of Stdin closes the container's stdin, so that a command like cat
	// sees end of file; with Tty it does not, as a terminal's input has
	// no end. Run never closes Stdin, and does not wait for a pending
	// Read on it (see Exec). RunDetached refuses it.
	Stdin io.Reader
	// Tty gives the container a pseudo-terminal (Config.Tty, docker run
	// -t): its output is raw, with stderr merged into stdout and "\r\n"
	// line ends. Run then attaches before the start instead of following
	// the log, and the detach keys written to Stdin end Run with the
	// container running (RunResult.Detached).
	Tty bool
	// DetachKeys overrides the detach sequence, ctrl-p,ctrl-q by default;
	// see ContainerAttachOptions.DetachKeys.
	DetachKeys string
	// ConsoleSize is the TTY's [height, width], set as soon as the
	// container has started and before any of Stdin is sent; zero leaves
	// the daemon's default. It needs Tty.
	ConsoleSize [2]uint
	// Resize, with Tty, sets the TTY to each [height, width] that arrives
	// on it until Run returns, as docker run -t does on SIGWINCH. A size
	// the daemon refuses (the container has just exited) is dropped.
	Resize <-chan [2]uint
	// Started, if set, is called with the container's ID once it has
	// started, before Run copies its output: for what a caller does to the
	// running container meanwhile, as docker run forwards the signals it
	// receives to it with ContainerKill (--sig-proxy). Run goes on when
	// Started returns. RunDetached refuses it: it returns the ID itself.
	Started func(id string)
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
		both("Tty", o.Tty, cr.Config.Tty),
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
	if o.Tty {
		cr.Config.Tty = true
	}
	if o.Stdin != nil {
		cr.Config.AttachStdin, cr.Config.OpenStdin, cr.Config.StdinOnce = true, true, true
	}
	if (o.ConsoleSize != [2]uint{} || o.Resize != nil) && !o.Tty {
		return cr, invalidArg("run: ConsoleSize and Resize size a TTY; set Tty")
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
	// Detached reports that the detach keys were written to Stdin: Run
	// returned with the container running, and ExitCode is -1.
	Detached bool
}

// Run does what docker run does without -d: it creates a container,
// registers a wait for its exit, starts it, copies its output until it
// exits, and returns its exit code. A non-zero exit is data, not an error.
// A missing image is an error matching ErrImageNotFound: Run does not
// pull (ImagePull does).
//
// With Stdin or Tty the run is interactive, as docker run -it is: Run
// attaches to the container before starting it, feeds it Stdin, sizes its
// TTY (ConsoleSize, Resize), and copies the output from the attachment.
// The detach keys end such a run at once with the container running
// (RunResult.Detached); it is neither killed nor removed then, but with
// Remove the daemon removes it when it exits (HostConfig.AutoRemove).
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
	interactive := opts.Stdin != nil || opts.Tty
	attach := ContainerAttachOptions{Stream: true, Stdin: opts.Stdin != nil, Stdout: true, Stderr: true, DetachKeys: opts.DetachKeys}
	if interactive {
		if _, err := attach.query(); err != nil {
			return res, err
		}
		// So that one left running by a detach is removed when it exits.
		create.HostConfig.AutoRemove = create.HostConfig.AutoRemove || opts.Remove
	}
	created, err := c.ContainerCreate(ctx, create)
	if err != nil {
		return res, err
	}
	res.ID, res.Warnings = created.ID, created.Warnings
	defer func() {
		if res.Detached || ctx.Err() == nil && !opts.Remove {
			return
		}
		c.cleanUpRun(ctx, created.ID, opts.Remove)
	}()
	waiter, err := c.ContainerWaitRegister(ctx, created.ID, WaitNextExit)
	if err != nil {
		return res, err
	}
	defer waiter.Close()
	var a *Attachment
	if interactive {
		r, err := containerCall(http.MethodPost, created.ID, "attach", query{})
		if err != nil {
			return res, err
		}
		r.query, _ = attach.query()
		if a, err = c.attach(ctx, r, create.Config.Tty, attach); err != nil {
			return res, err
		}
		defer a.Close()
	}
	if err := c.ContainerStart(ctx, created.ID); err != nil {
		return res, err
	}
	if opts.Started != nil {
		opts.Started(created.ID)
	}
	var stdinErr <-chan error
	if a != nil {
		if stdinErr, err = c.interact(ctx, created.ID, a, &opts); err != nil {
			return res, err
		}
		if res.Detached = a.Detached(); res.Detached {
			return res, nil
		}
	} else if err := c.copyOutput(ctx, created.ID, create.HostConfig.AutoRemove, opts); err != nil {
		return res, err
	}
	exit, err := waiter.Result()
	if err != nil {
		return res, err
	}
	res.ExitCode = int(exit.StatusCode)
	select {
	case err := <-stdinErr:
		if err != nil {
			return res, fmt.Errorf("dockwire: run of container %q on %s: reading stdin: %w", created.ID, c.host, err)
		}
	default:
	}
	return res, nil
}

// interact streams an attached, started run both ways until its output
// ends, and returns where the stdin copy reports a failure to read Stdin.
func (c *Client) interact(ctx context.Context, id string, a *Attachment, opts *RunOptions) (<-chan error, error) {
	if size := opts.ConsoleSize; size != [2]uint{} {
		if err := c.ContainerResize(ctx, id, ContainerResizeOptions{Height: size[0], Width: size[1]}); err != nil {
			return nil, err
		}
	}
	if opts.Resize != nil {
		done := make(chan struct{})
		defer close(done)
		go func() {
			for {
				select {
				case size, ok := <-opts.Resize:
					if !ok {
						return
					}
					c.ContainerResize(ctx, id, ContainerResizeOptions{Height: size[0], Width: size[1]})
				case <-done:
					return
				}
			}
		}()
	}
	var stdinErr chan error
	if opts.Stdin != nil {
		closeWrite := func() error { return nil }
		if !opts.Tty {
			var err error
			if closeWrite, err = halfCloser(a.body); err != nil {
				return nil, fmt.Errorf("dockwire: run of container %q on %s: %w", id, c.host, err)
			}
		}
		stdinErr = make(chan error, 1)
		go feedStdin(a, opts.Stdin, closeWrite, stdinErr)
	}
	if _, err := a.CopyTo(opts.Stdout, opts.Stderr); err != nil {
		return nil, err
	}
	// Closing also ends a stdin copy blocked writing to a container that
	// stopped reading.
	a.Close()
	return stdinErr, nil
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
	if opts.Stdout != nil || opts.Stderr != nil || opts.Stdin != nil {
		return engine.ContainerCreateResponse{}, invalidArg("run detached: Stdin, Stdout and Stderr are for Run; read a detached container's output with ContainerLogs, or attach to it with ContainerAttach")
	}
	if opts.Started != nil {
		return engine.ContainerCreateResponse{}, invalidArg("run detached: Started is for Run; RunDetached returns the container's ID")
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

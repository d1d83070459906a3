package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/dockwire/dockwire"
)

// exitRunFailed is docker run's exit code when the container could not be
// run at all, kept apart from the codes a container exits with.
const exitRunFailed = 125

var runCmd = &command{
	name:      "run",
	synopsis:  "[--rm] [-d] [-e K=V]... [--name NAME] IMAGE [CMD [ARG...]]",
	summary:   "Create and start a container, stream its output and exit with its exit code",
	stopAfter: 1,
	setup: func(fs *flag.FlagSet) runFunc {
		var opts dockwire.ContainerCreateOptions
		var env listFlag
		remove := fs.Bool("rm", false, "remove the container when it exits")
		detach := fs.Bool("d", false, "start the container in the background and print its ID")
		fs.BoolVar(detach, "detach", false, "start the container in the background and print its ID")
		fs.Var(&env, "e", "set an environment variable, `KEY=VALUE` (repeatable)")
		fs.Var(&env, "env", "set an environment variable, `KEY=VALUE` (repeatable)")
		fs.StringVar(&opts.Name, "name", "", "name the container")
		fs.StringVar(&opts.Config.User, "u", "", "run as `user`, user:group, uid or uid:gid")
		fs.StringVar(&opts.Config.User, "user", "", "run as `user`, user:group, uid or uid:gid")
		fs.StringVar(&opts.Config.WorkingDir, "w", "", "working `directory` in the container")
		fs.StringVar(&opts.Config.WorkingDir, "workdir", "", "working `directory` in the container")
		return func(c *cli, args []string) error {
			if len(args) == 0 {
				return usagef("run takes an image")
			}
			if err := keyValues("env", env); err != nil {
				return err
			}
			if *remove && *detach {
				return usagef("--rm and -d cannot be combined: nothing would be left to remove the container")
			}
			opts.Config.Image, opts.Config.Cmd, opts.Config.Env = args[0], args[1:], env
			opts.Config.AttachStdout, opts.Config.AttachStderr = !*detach, !*detach
			code, err := c.runContainer(opts, *remove, *detach)
			if err != nil {
				if c.ctx.Err() != nil {
					return err
				}
				return &codedError{err, exitRunFailed}
			}
			return exitCode(code)
		}
	},
}

// runContainer creates and starts a container, then follows its output
// until it exits, registering the wait before the start so that a quick
// exit is not missed. With remove it removes the container afterwards, also
// after a failure or Ctrl-C; the daemon's AutoRemove could remove it before
// its output was read.
func (c *cli) runContainer(opts dockwire.ContainerCreateOptions, remove, detach bool) (code int, err error) {
	created, err := c.client.ContainerCreate(c.ctx, opts)
	if err != nil {
		return 0, err
	}
	for _, w := range created.Warnings {
		fmt.Fprintln(c.stderr, "WARNING:", w)
	}
	if remove {
		defer func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), 30*time.Second)
			defer cancel()
			rmErr := c.client.ContainerRemove(ctx, created.ID, dockwire.RemoveOptions{Force: true, Volumes: true})
			if err == nil && !errors.Is(rmErr, dockwire.ErrNotFound) {
				err = rmErr
			}
		}()
	}
	if detach {
		if _, err := c.client.ContainerStart(c.ctx, created.ID); err != nil {
			return 0, err
		}
		fmt.Fprintln(c.stdout, created.ID)
		return 0, nil
	}
	waiter, err := c.client.ContainerWaitRegister(c.ctx, created.ID, dockwire.WaitNextExit)
	if err != nil {
		return 0, err
	}
	defer waiter.Close()
	if _, err := c.client.ContainerStart(c.ctx, created.ID); err != nil {
		return 0, err
	}
	logs, err := c.client.ContainerLogs(c.ctx, created.ID, dockwire.LogsOptions{Follow: true})
	if err != nil {
		return 0, err
	}
	defer logs.Close()
	if _, err := logs.CopyTo(c.stdout, c.stderr); err != nil {
		return 0, err
	}
	exit, err := waiter.Result()
	return int(exit.StatusCode), err
}

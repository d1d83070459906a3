package main

import (
	"flag"
	"fmt"

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
			if *detach {
				return c.runFailed(c.startDetached(opts))
			}
			opts.Config.AttachStdout, opts.Config.AttachStderr = true, true
			res, err := c.client.Run(c.ctx, dockwire.RunOptions{ContainerCreateOptions: opts, Stdout: c.stdout, Stderr: c.stderr, Remove: *remove})
			for _, w := range res.Warnings {
				fmt.Fprintln(c.stderr, "WARNING:", w)
			}
			if err != nil {
				return c.runFailed(err)
			}
			return exitCode(res.ExitCode)
		}
	},
}

// startDetached is run -d: create, start, and print the ID.
func (c *cli) startDetached(opts dockwire.ContainerCreateOptions) error {
	created, err := c.client.ContainerCreate(c.ctx, opts)
	if err != nil {
		return err
	}
	for _, w := range created.Warnings {
		fmt.Fprintln(c.stderr, "WARNING:", w)
	}
	if err := c.client.ContainerStart(c.ctx, created.ID); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, created.ID)
	return nil
}

// runFailed gives a failure of the demo itself, rather than of the
// container, docker run's code; Ctrl-C keeps its own.
func (c *cli) runFailed(err error) error {
	if err == nil || c.ctx.Err() != nil {
		return err
	}
	return &codedError{err, exitRunFailed}
}

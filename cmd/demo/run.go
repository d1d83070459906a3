package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"syscall"

	"github.com/dockwire/dockwire"
)

// exitRunFailed is docker run's exit code when the container could not be
// run at all, kept apart from the codes a container exits with.
const exitRunFailed = 125

var runCmd = &command{
	name:      "run",
	synopsis:  "[--rm] [-d] [-i] [-t] [--sig-proxy=false] [--detach-keys KEYS] [-e K=V]... [--name NAME] IMAGE [CMD [ARG...]]",
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
		interactive := fs.Bool("i", false, "keep the container's stdin open and pass this program's stdin to it")
		fs.BoolVar(interactive, "interactive", false, "keep the container's stdin open and pass this program's stdin to it")
		tty := fs.Bool("t", false, "give the container a pseudo-terminal (stderr merges into stdout)")
		fs.BoolVar(tty, "tty", false, "give the container a pseudo-terminal (stderr merges into stdout)")
		detachKeys := fs.String("detach-keys", "", "the `keys` that detach from the container, ctrl-p,ctrl-q by default")
		sigProxy := fs.Bool("sig-proxy", true, "forward the signals this program receives to the container (not with -t or -d)")
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
			run := dockwire.RunOptions{Image: args[0], Cmd: args[1:], Env: env, Remove: *remove, Tty: *tty, DetachKeys: *detachKeys, Create: opts}
			if *detach {
				created, err := c.client.RunDetached(c.ctx, run)
				c.warn(created.Warnings)
				if err != nil {
					return c.runFailed(err)
				}
				fmt.Fprintln(c.stdout, created.ID)
				return nil
			}
			run.Create.Config.AttachStdout, run.Create.Config.AttachStderr = true, true
			run.Stdout, run.Stderr = c.stdout, c.stderr
			if *interactive {
				run.Stdin = c.stdin
			}
			if *sigProxy && !*tty {
				stop := func() {}
				defer func() { stop() }()
				run.Started = func(id string) { stop = c.proxySignals(id) }
			}
			if *tty {
				size, ok := terminalSize(c.stdout)
				if ok {
					run.ConsoleSize = size
					sizes, stop := watchSize(c.stdout)
					defer stop()
					run.Resize = sizes
				}
				if restore, ok := rawTerminal(run.Stdin); ok {
					defer restore()
				}
			}
			res, err := c.client.Run(c.ctx, run)
			c.warn(res.Warnings)
			if err != nil {
				return c.runFailed(err)
			}
			if res.Detached {
				return nil // as docker run: the container runs on
			}
			return exitCode(res.ExitCode)
		}
	},
}

// warn prints the daemon's warnings about a container it created, as
// docker run does.
func (c *cli) warn(warnings []string) {
	for _, w := range warnings {
		fmt.Fprintln(c.stderr, "WARNING:", w)
	}
}

// runFailed gives a failure of the demo itself, rather than of the
// container, docker run's code; Ctrl-C keeps its own.
func (c *cli) runFailed(err error) error {
	if err == nil || c.ctx.Err() != nil {
		return err
	}
	return &codedError{err, startFailedCode(err)}
}

// startFailedCode is docker run's code for err: when the daemon could not
// start the container's command, 127 for one not found and 126 for one
// that cannot be run, as a shell gives; 125 for any other failure.
func startFailedCode(err error) int {
	var apiErr *dockwire.APIError
	if !errors.As(err, &apiErr) || !strings.HasSuffix(apiErr.Path, "/start") {
		return exitRunFailed
	}
	msg := apiErr.Message
	switch {
	case strings.Contains(msg, "executable file not found"), strings.Contains(msg, "no such file or directory"),
		strings.Contains(msg, "system cannot find the file specified"):
		return 127
	case strings.Contains(msg, syscall.EACCES.Error()), strings.Contains(msg, syscall.EISDIR.Error()):
		return 126
	}
	return exitRunFailed
}

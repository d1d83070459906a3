package main

import (
	"errors"
	"flag"

	"github.com/dockwire/dockwire"
)

var execCmd = &command{
	name:      "exec",
	synopsis:  "[-u USER] [-w DIR] [-e K=V]... [-i] [-t] NAME [--] CMD [ARG...]",
	summary:   "Run a command in a running container and exit with its exit code",
	stopAfter: 1,
	setup: func(fs *flag.FlagSet) runFunc {
		var opts dockwire.ExecOptions
		var env listFlag
		interactive := fs.Bool("i", false, "pass this program's stdin to the command")
		fs.BoolVar(interactive, "interactive", false, "pass this program's stdin to the command")
		fs.BoolVar(&opts.Tty, "t", false, "run the command on a pseudo-terminal (stderr merges into stdout)")
		fs.BoolVar(&opts.Tty, "tty", false, "run the command on a pseudo-terminal (stderr merges into stdout)")
		fs.StringVar(&opts.User, "u", "", "run as `user`, user:group, uid or uid:gid")
		fs.StringVar(&opts.User, "user", "", "run as `user`, user:group, uid or uid:gid")
		fs.StringVar(&opts.WorkingDir, "w", "", "working `directory` of the command")
		fs.StringVar(&opts.WorkingDir, "workdir", "", "working `directory` of the command")
		fs.Var(&env, "e", "set an environment variable, `KEY=VALUE` (repeatable)")
		fs.Var(&env, "env", "set an environment variable, `KEY=VALUE` (repeatable)")
		return func(c *cli, args []string) error {
			if len(args) < 2 {
				return usagef("exec takes a container and a command")
			}
			if err := keyValues("env", env); err != nil {
				return err
			}
			opts.Env, opts.Cmd = env, args[1:]
			opts.Stdout, opts.Stderr = c.stdout, c.stderr
			if *interactive {
				opts.Stdin = c.stdin
			}
			code, err := c.client.Exec(c.ctx, args[0], opts)
			var notStarted *dockwire.ExecStartError
			if errors.As(err, &notStarted) {
				// Like docker exec: the runtime's 126 or 127, as a shell
				// gives for a command it cannot run.
				return &codedError{err: err, code: notStarted.ExitCode}
			}
			if err != nil {
				return err
			}
			return exitCode(code)
		}
	},
}

package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/dockwire/dockwire"
)

// each runs do on every named object, printing each name that succeeded
// and each error on a line of its own, as docker does.
func (c *cli) each(names []string, kind string, do func(ctx context.Context, name string) error) error {
	if len(names) == 0 {
		return usagef("name at least one %s", kind)
	}
	failed := false
	for _, name := range names {
		if err := do(c.ctx, name); err != nil {
			if c.ctx.Err() != nil {
				return err
			}
			fmt.Fprintln(c.stderr, errorText(err))
			failed = true
			continue
		}
		fmt.Fprintln(c.stdout, name)
	}
	if failed {
		return exitCode(exitError)
	}
	return nil
}

// stopFlags defines the flags stop and restart share.
func stopFlags(fs *flag.FlagSet) func() dockwire.ContainerStopOptions {
	var opts dockwire.ContainerStopOptions
	fs.StringVar(&opts.Signal, "s", "", "signal to send instead of the container's stop signal")
	fs.StringVar(&opts.Signal, "signal", "", "signal to send instead of the container's stop signal")
	seconds := fs.Int("t", 0, "seconds to wait before killing the container: 0 kills at once, -1 waits forever (default: the container's own, usually 10)")
	fs.IntVar(seconds, "time", 0, "seconds to wait before killing the container: 0 kills at once, -1 waits forever (default: the container's own, usually 10)")
	return func() dockwire.ContainerStopOptions {
		if isSet(fs, "t", "time") {
			// As docker stop -t: 0 kills at once, a negative value waits
			// forever.
			switch {
			case *seconds < 0:
				opts.WaitForever = true
			case *seconds == 0:
				opts.KillNow = true
			default:
				opts.Timeout = time.Duration(*seconds) * time.Second
			}
		}
		return opts
	}
}

// isSet reports whether any of the named flags was given.
func isSet(fs *flag.FlagSet, names ...string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		for _, n := range names {
			set = set || f.Name == n
		}
	})
	return set
}

var startCmd = &command{
	name:     "start",
	synopsis: "NAME...",
	summary:  "Start one or more stopped containers",
	setup: func(fs *flag.FlagSet) runFunc {
		return func(c *cli, args []string) error {
			return c.each(args, "container", func(ctx context.Context, name string) error {
				return c.client.ContainerStart(ctx, name)
			})
		}
	},
}

var stopCmd = &command{
	name:     "stop",
	synopsis: "[-s SIGNAL] [-t SECONDS] NAME...",
	summary:  "Stop one or more running containers",
	setup: func(fs *flag.FlagSet) runFunc {
		opts := stopFlags(fs)
		return func(c *cli, args []string) error {
			return c.each(args, "container", func(ctx context.Context, name string) error {
				return c.client.ContainerStop(ctx, name, opts())
			})
		}
	},
}

var restartCmd = &command{
	name:     "restart",
	synopsis: "[-s SIGNAL] [-t SECONDS] NAME...",
	summary:  "Restart one or more containers",
	setup: func(fs *flag.FlagSet) runFunc {
		opts := stopFlags(fs)
		return func(c *cli, args []string) error {
			return c.each(args, "container", func(ctx context.Context, name string) error {
				return c.client.ContainerRestart(ctx, name, dockwire.ContainerRestartOptions(opts()))
			})
		}
	},
}

var killCmd = &command{
	name:     "kill",
	synopsis: "[-s SIGNAL] NAME...",
	summary:  "Kill one or more running containers",
	setup: func(fs *flag.FlagSet) runFunc {
		signal := fs.String("s", "", "signal to send (default SIGKILL)")
		fs.StringVar(signal, "signal", "", "signal to send (default SIGKILL)")
		return func(c *cli, args []string) error {
			return c.each(args, "container", func(ctx context.Context, name string) error {
				return c.client.ContainerKill(ctx, name, *signal)
			})
		}
	},
}

var rmCmd = &command{
	name:     "rm",
	synopsis: "[-f] [-v] NAME...",
	summary:  "Remove one or more containers",
	setup: func(fs *flag.FlagSet) runFunc {
		var opts dockwire.ContainerRemoveOptions
		fs.BoolVar(&opts.Force, "f", false, "force the removal of a running container (kills it)")
		fs.BoolVar(&opts.Force, "force", false, "force the removal of a running container (kills it)")
		fs.BoolVar(&opts.Volumes, "v", false, "remove the container's anonymous volumes too")
		fs.BoolVar(&opts.Volumes, "volumes", false, "remove the container's anonymous volumes too")
		return func(c *cli, args []string) error {
			return c.each(args, "container", func(ctx context.Context, name string) error {
				return c.client.ContainerRemove(ctx, name, opts)
			})
		}
	},
}

package main

import (
	"errors"
	"flag"
	"io"

	"github.com/dockwire/dockwire"
)

var attachCmd = &command{
	name:     "attach",
	synopsis: "[--no-stdin] [--sig-proxy=false] [--detach-keys KEYS] NAME",
	summary:  "Attach this program's stdin, stdout and stderr to a running container, and exit with its exit code",
	details:  "Stdin is attached when the container keeps it open (run -i). The detach keys, ctrl-p,ctrl-q by default, leave it running. Without a TTY the signals this program receives, Ctrl-C's SIGINT among them, go to the container (--sig-proxy).",
	setup: func(fs *flag.FlagSet) runFunc {
		noStdin := fs.Bool("no-stdin", false, "do not attach stdin")
		sigProxy := fs.Bool("sig-proxy", true, "forward the signals this program receives to the container (not with a TTY)")
		detachKeys := fs.String("detach-keys", "", "the `keys` that detach from the container, ctrl-p,ctrl-q by default")
		return func(c *cli, args []string) error {
			if len(args) != 1 {
				return usagef("attach takes one container")
			}
			info, err := c.client.ContainerInspect(c.ctx, args[0], dockwire.ContainerInspectOptions{})
			if err != nil {
				return err
			}
			switch {
			case info.State.Paused:
				return errors.New("cannot attach to a paused container, unpause it first")
			case !info.State.Running:
				return errors.New("cannot attach to a stopped container, start it first")
			}
			opts := dockwire.ContainerAttachOptions{Stream: true, Stdin: !*noStdin && info.Config.OpenStdin, Stdout: true, Stderr: true, DetachKeys: *detachKeys}
			a, err := c.client.ContainerAttach(c.ctx, args[0], opts)
			if err != nil {
				return err
			}
			defer a.Close()
			if *sigProxy && !info.Config.Tty {
				defer c.proxySignals(info.ID)()
			}
			if info.Config.Tty {
				if size, ok := terminalSize(c.stdout); ok {
					c.client.ContainerResize(c.ctx, args[0], dockwire.ContainerResizeOptions{Height: size[0], Width: size[1]})
					sizes, stop := watchSize(c.stdout)
					defer stop()
					go func() {
						for size := range sizes {
							c.client.ContainerResize(c.ctx, args[0], dockwire.ContainerResizeOptions{Height: size[0], Width: size[1]})
						}
					}()
				}
				if opts.Stdin {
					if restore, ok := rawTerminal(c.stdin); ok {
						defer restore()
					}
				}
			}
			if opts.Stdin {
				go func() {
					if _, err := io.Copy(a, c.stdin); err == nil && !info.Config.Tty {
						a.CloseWrite()
					}
				}()
			}
			if _, err := a.CopyTo(c.stdout, c.stderr); err != nil {
				return err
			}
			if a.Detached() {
				return errors.New("read escape sequence")
			}
			code, err := a.Wait()
			if err != nil {
				return err
			}
			return exitCode(code)
		}
	},
}

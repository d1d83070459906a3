package main

import (
	"flag"
	"io"
	"path/filepath"
	"strings"

	"github.com/dockwire/dockwire"
)

var cpCmd = &command{
	name:     "cp",
	synopsis: "CONTAINER:SRC DEST | SRC CONTAINER:DEST",
	summary:  "Copy files between a container and this host (\"-\" for a tar stream on stdin or stdout)",
	setup: func(fs *flag.FlagSet) runFunc {
		return func(c *cli, args []string) error {
			if len(args) != 2 {
				return usagef("cp takes a source and a destination")
			}
			srcContainer, src := splitCopyArg(args[0])
			dstContainer, dst := splitCopyArg(args[1])
			switch {
			case srcContainer != "" && dstContainer != "":
				return usagef("copying between containers is not supported; copy to this host first")
			case srcContainer == "" && dstContainer == "":
				return usagef("name a container on one side, as CONTAINER:PATH")
			case srcContainer != "" && dst == "-":
				tar, _, err := c.client.CopyFromContainer(c.ctx, srcContainer, src)
				if err != nil {
					return err
				}
				defer tar.Close()
				_, err = io.Copy(c.stdout, tar)
				return err
			case srcContainer != "":
				return c.client.CopyPathFromContainer(c.ctx, srcContainer, src, dst)
			case src == "-":
				return c.client.CopyToContainer(c.ctx, dstContainer, dst, c.stdin, dockwire.CopyToContainerOptions{})
			}
			return c.client.CopyPathToContainer(c.ctx, dstContainer, src, dst)
		}
	},
}

// splitCopyArg splits CONTAINER:PATH as docker cp does: a path that is
// absolute or starts with "." is local even if it holds a colon.
func splitCopyArg(arg string) (container, path string) {
	if filepath.IsAbs(arg) || strings.HasPrefix(arg, ".") {
		return "", arg
	}
	container, path, ok := strings.Cut(arg, ":")
	if !ok {
		return "", arg
	}
	return container, path
}

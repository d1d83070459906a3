package main

import (
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/dockwire/dockwire"
)

var contextCmd = group("context", "Manage the docker CLI's contexts", contextLsCmd, contextShowCmd, contextUseCmd)

var contextLsCmd = &command{
	name:     "context ls",
	summary:  "List contexts",
	noClient: true,
	setup: func(fs *flag.FlagSet) runFunc {
		return func(c *cli, args []string) error {
			if len(args) > 0 {
				return usagef("context ls takes no arguments")
			}
			list, err := dockwire.DockerContexts()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(c.stdout, 0, 8, 3, ' ', 0)
			fmt.Fprintln(tw, "NAME\tDESCRIPTION\tDOCKER ENDPOINT\tERROR")
			for _, ctx := range list {
				name := ctx.Name
				if ctx.Current {
					name += " *"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t\n", name, ctx.Description, ctx.Host)
			}
			return tw.Flush()
		}
	},
}

var contextShowCmd = &command{
	name:     "context show",
	summary:  "Print the name of the current context",
	noClient: true,
	setup: func(fs *flag.FlagSet) runFunc {
		return func(c *cli, args []string) error {
			if len(args) > 0 {
				return usagef("context show takes no arguments")
			}
			list, err := dockwire.DockerContexts()
			if err != nil {
				return err
			}
			for _, ctx := range list {
				if ctx.Current {
					fmt.Fprintln(c.stdout, ctx.Name)
					return nil
				}
			}
			return fmt.Errorf("the current context is not among the stored ones (docker context ls lists them)")
		}
	},
}

var contextUseCmd = &command{
	name:     "context use",
	synopsis: "NAME",
	summary:  "Set the current docker context",
	noClient: true,
	setup: func(fs *flag.FlagSet) runFunc {
		return func(c *cli, args []string) error {
			if len(args) != 1 {
				return usagef("context use takes one context name")
			}
			if err := dockwire.UseDockerContext(args[0]); err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, args[0])
			fmt.Fprintf(c.stderr, "Current context is now %q\n", args[0])
			return nil
		}
	},
}

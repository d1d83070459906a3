package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/dockwire/dockwire"
)

var networkCmd = group("network", "Manage networks", networkLsCmd, networkCreateCmd, networkRmCmd)

var networkLsCmd = &command{
	name:     "network ls",
	synopsis: "[--filter KEY=VALUE]...",
	summary:  "List networks",
	setup: func(fs *flag.FlagSet) runFunc {
		var filterArgs listFlag
		fs.Var(&filterArgs, "filter", "filter output by `KEY=VALUE`, e.g. driver=bridge or name=web (repeatable)")
		return func(c *cli, args []string) error {
			if len(args) > 0 {
				return usagef("network ls takes no arguments")
			}
			filters, err := parseFilters(filterArgs)
			if err != nil {
				return err
			}
			list, err := c.client.NetworkList(c.ctx, dockwire.NetworkListOptions{Filters: filters})
			if err != nil {
				return err
			}
			sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
			tw := tabwriter.NewWriter(c.stdout, 10, 1, 3, ' ', 0)
			fmt.Fprintln(tw, "NETWORK ID\tNAME\tDRIVER\tSCOPE")
			for _, n := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", shortID(n.ID), n.Name, n.Driver, n.Scope)
			}
			return tw.Flush()
		}
	},
}

var networkCreateCmd = &command{
	name:     "network create",
	synopsis: "[-d DRIVER] [--internal] [--label KEY=VALUE]... NAME",
	summary:  "Create a network and print its ID",
	setup: func(fs *flag.FlagSet) runFunc {
		var opts dockwire.NetworkCreateOptions
		var labels listFlag
		fs.StringVar(&opts.Driver, "d", "", "network `driver` (default bridge)")
		fs.StringVar(&opts.Driver, "driver", "", "network `driver` (default bridge)")
		fs.BoolVar(&opts.Internal, "internal", false, "give the network no route to the outside")
		fs.Var(&labels, "label", "set a label, `KEY=VALUE` (repeatable)")
		return func(c *cli, args []string) error {
			if len(args) != 1 {
				return usagef("network create takes one name")
			}
			var err error
			if opts.Labels, err = labelMap(labels); err != nil {
				return err
			}
			opts.Name = args[0]
			created, err := c.client.NetworkCreate(c.ctx, opts)
			if err != nil {
				return err
			}
			if created.Warning != "" {
				fmt.Fprintln(c.stderr, "WARNING:", created.Warning)
			}
			fmt.Fprintln(c.stdout, created.ID)
			return nil
		}
	},
}

var networkRmCmd = &command{
	name:     "network rm",
	synopsis: "NAME...",
	summary:  "Remove one or more networks",
	setup: func(fs *flag.FlagSet) runFunc {
		return func(c *cli, args []string) error {
			return c.each(args, "network", c.client.NetworkRemove)
		}
	},
}

var volumeCmd = group("volume", "Manage volumes", volumeLsCmd, volumeCreateCmd, volumeRmCmd)

var volumeLsCmd = &command{
	name:     "volume ls",
	synopsis: "[--filter KEY=VALUE]...",
	summary:  "List volumes",
	setup: func(fs *flag.FlagSet) runFunc {
		var filterArgs listFlag
		fs.Var(&filterArgs, "filter", "filter output by `KEY=VALUE`, e.g. dangling=true or label=app (repeatable)")
		return func(c *cli, args []string) error {
			if len(args) > 0 {
				return usagef("volume ls takes no arguments")
			}
			filters, err := parseFilters(filterArgs)
			if err != nil {
				return err
			}
			list, err := c.client.VolumeList(c.ctx, dockwire.VolumeListOptions{Filters: filters})
			if err != nil {
				return err
			}
			for _, w := range list.Warnings {
				fmt.Fprintln(c.stderr, "WARNING:", w)
			}
			vols := list.Volumes
			sort.Slice(vols, func(i, j int) bool { return vols[i].Name < vols[j].Name })
			tw := tabwriter.NewWriter(c.stdout, 10, 1, 3, ' ', 0)
			fmt.Fprintln(tw, "DRIVER\tVOLUME NAME")
			for _, v := range vols {
				fmt.Fprintf(tw, "%s\t%s\n", v.Driver, v.Name)
			}
			return tw.Flush()
		}
	},
}

var volumeCreateCmd = &command{
	name:     "volume create",
	synopsis: "[-d DRIVER] [--label KEY=VALUE]... [NAME]",
	summary:  "Create a volume and print its name",
	setup: func(fs *flag.FlagSet) runFunc {
		var opts dockwire.VolumeCreateOptions
		var labels listFlag
		fs.StringVar(&opts.Driver, "d", "", "volume `driver` (default local)")
		fs.StringVar(&opts.Driver, "driver", "", "volume `driver` (default local)")
		fs.Var(&labels, "label", "set a label, `KEY=VALUE` (repeatable)")
		return func(c *cli, args []string) error {
			if len(args) > 1 {
				return usagef("volume create takes at most one name")
			}
			if len(args) == 1 {
				opts.Name = args[0]
			}
			var err error
			if opts.Labels, err = labelMap(labels); err != nil {
				return err
			}
			v, err := c.client.VolumeCreate(c.ctx, opts)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, v.Name)
			return nil
		}
	},
}

var volumeRmCmd = &command{
	name:     "volume rm",
	synopsis: "[-f] NAME...",
	summary:  "Remove one or more volumes",
	setup: func(fs *flag.FlagSet) runFunc {
		force := fs.Bool("f", false, "forget volumes whose driver lost them")
		fs.BoolVar(force, "force", false, "forget volumes whose driver lost them")
		return func(c *cli, args []string) error {
			return c.each(args, "volume", func(ctx context.Context, name string) error {
				return c.client.VolumeRemove(ctx, name, dockwire.VolumeRemoveOptions{Force: *force})
			})
		}
	},
}

// labelMap turns KEY=VALUE flags into labels.
func labelMap(values []string) (map[string]string, error) {
	if err := keyValues("label", values); err != nil {
		return nil, err
	}
	var labels map[string]string
	for _, v := range values {
		k, val, _ := strings.Cut(v, "=")
		if labels == nil {
			labels = map[string]string{}
		}
		labels[k] = val
	}
	return labels, nil
}

package main

import (
	"flag"
	"fmt"
	"text/tabwriter"
)

var pingCmd = &command{
	name:    "ping",
	summary: "Check that the daemon answers; show its version and the API version in use",
	setup:   func(fs *flag.FlagSet) runFunc { return ping },
}

func ping(c *cli, args []string) error {
	if len(args) > 0 {
		return usagef("ping takes no arguments")
	}
	ping, err := c.client.Ping(c.ctx)
	if err != nil {
		return err
	}
	api, err := c.client.APIVersion(c.ctx)
	if err != nil {
		return err
	}
	v, err := c.client.ServerVersion(c.ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 8, 1, ' ', 0)
	fmt.Fprintf(tw, "Host:\t%s\n", c.client.Host())
	fmt.Fprintf(tw, "API version:\t%s (daemon supports %s to %s)\n", api, v.MinAPIVersion, ping.APIVersion)
	fmt.Fprintf(tw, "Engine:\t%s\n", v.Version)
	fmt.Fprintf(tw, "OS/Arch:\t%s/%s\n", ping.OSType, v.Arch)
	fmt.Fprintf(tw, "Kernel:\t%s\n", v.KernelVersion)
	return tw.Flush()
}

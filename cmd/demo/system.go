package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
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
	ep := c.client.Endpoint()
	if ep.Source == "New" {
		ep.Source = "--host"
	}
	fmt.Fprintf(tw, "Host:\t%s\n", ep)
	fmt.Fprintf(tw, "API version:\t%s (daemon supports %s to %s)\n", api, v.MinAPIVersion, ping.APIVersion)
	fmt.Fprintf(tw, "Engine:\t%s\n", v.Version)
	fmt.Fprintf(tw, "OS/Arch:\t%s/%s\n", ping.OSType, v.Arch)
	fmt.Fprintf(tw, "Kernel:\t%s\n", v.KernelVersion)
	return tw.Flush()
}

var eventsCmd = &command{
	name:     "events",
	synopsis: "[--since T] [--until T] [--filter KEY=VALUE]...",
	summary:  "Show what happens on the daemon as it happens, until Ctrl-C",
	setup: func(fs *flag.FlagSet) runFunc {
		var filterArgs listFlag
		since := fs.String("since", "", "replay events since a `time`: RFC 3339, UNIX seconds, or a duration before now (10m)")
		until := fs.String("until", "", "stop at a `time`, in the forms --since takes")
		fs.Var(&filterArgs, "filter", "filter events by `KEY=VALUE`, e.g. type=container, event=start or container=web (repeatable)")
		return func(c *cli, args []string) error {
			if len(args) > 0 {
				return usagef("events takes no arguments")
			}
			var opts dockwire.EventsOptions
			var err error
			if opts.Filters, err = parseFilters(filterArgs); err != nil {
				return err
			}
			now := time.Now()
			if opts.Since, err = parseTime("since", *since, now); err != nil {
				return err
			}
			if opts.Until, err = parseTime("until", *until, now); err != nil {
				return err
			}
			for ev, err := range c.client.Events(c.ctx, opts) {
				if errors.Is(err, dockwire.ErrEventsDropped) {
					fmt.Fprintln(c.stderr, errorText(err))
					continue
				}
				if err != nil {
					return err
				}
				printEvent(c.stdout, ev)
			}
			return nil
		}
	},
}

// printEvent prints an event as docker events does: the time, type,
// action and object, then its attributes sorted by name.
func printEvent(w io.Writer, ev engine.Event) {
	attrs := make([]string, 0, len(ev.Actor.Attributes))
	for k, v := range ev.Actor.Attributes {
		attrs = append(attrs, k+"="+v)
	}
	sort.Strings(attrs)
	line := fmt.Sprintf("%s %s %s %s", ev.Time.Local().Format("2006-01-02T15:04:05.000000000Z07:00"), ev.Type, ev.Action, ev.Actor.ID)
	if len(attrs) > 0 {
		line += " (" + strings.Join(attrs, ", ") + ")"
	}
	fmt.Fprintln(w, line)
}

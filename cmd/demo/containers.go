package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/internal/tour"
	"github.com/tidwall/gjson"
)

var psCmd = &command{
	name:     "ps",
	synopsis: "[-a] [--filter KEY=VALUE]...",
	summary:  "List containers",
	setup: func(fs *flag.FlagSet) runFunc {
		all := fs.Bool("a", false, "show all containers (default shows just running)")
		fs.BoolVar(all, "all", false, "show all containers (default shows just running)")
		var filterArgs listFlag
		fs.Var(&filterArgs, "filter", "filter output by `KEY=VALUE`, e.g. status=exited or label=app=web (repeatable)")
		noTrunc := fs.Bool("no-trunc", false, "don't truncate output")
		return func(c *cli, args []string) error {
			if len(args) > 0 {
				return usagef("ps takes no arguments")
			}
			filters, err := parseFilters(filterArgs)
			if err != nil {
				return err
			}
			list, err := c.client.ContainerList(c.ctx, dockwire.ContainerListOptions{All: *all, Filters: filters})
			if err != nil {
				return err
			}
			return printContainers(c.stdout, list, time.Now(), !*noTrunc)
		}
	},
}

func parseFilters(values []string) (dockwire.Filters, error) {
	if err := keyValues("filter", values); err != nil {
		return nil, err
	}
	var f dockwire.Filters
	for _, v := range values {
		k, val, _ := strings.Cut(v, "=")
		f = f.Add(k, val)
	}
	return f, nil
}

// printContainers prints list as docker ps does.
func printContainers(w io.Writer, list []engine.ContainerSummary, now time.Time, trunc bool) error {
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES")
	for _, ct := range list {
		id, image, command := ct.ID, ct.Image, ct.Command
		if trunc {
			id, image, command = shortID(id), shortImage(image, ct.ImageID), tour.Ellipsis(command, 20)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", id, image, strconv.Quote(command),
			ago(now, ct.Created), ct.Status, formatPorts(ct.Ports), strings.Join(names(ct.Names), ","))
	}
	return tw.Flush()
}

// shortID is the 12-character ID docker shows, without any "sha256:".
func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// shortImage shows a container's image as docker ps does: an image ID
// (the image was untagged, or run by ID) shortened, a digest dropped.
func shortImage(image, imageID string) string {
	if shortID(image) == shortID(imageID) {
		return shortID(image)
	}
	if name, _, ok := strings.Cut(image, "@"); ok {
		return name
	}
	return image
}

// names drops the leading "/" and the names a container has through
// links ("/other/alias"), as docker ps does.
func names(list []string) []string {
	var out []string
	for _, n := range list {
		n = strings.TrimPrefix(n, "/")
		if !strings.Contains(n, "/") {
			out = append(out, n)
		}
	}
	return out
}

// formatPorts renders published ports like docker ps: "0.0.0.0:8080->80/tcp".
func formatPorts(ports []engine.PortSummary) string {
	var out []string
	seen := map[string]bool{}
	for _, p := range ports {
		s := fmt.Sprintf("%d/%s", p.PrivatePort, p.Type)
		if p.PublicPort != 0 {
			host := p.IP
			if strings.Contains(host, ":") {
				host = "[" + host + "]"
			}
			s = fmt.Sprintf("%s:%d->%s", host, p.PublicPort, s)
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// ago says how long before now t was, as docker does: "5 minutes ago".
func ago(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return humanDuration(now.Sub(t)) + " ago"
}

// humanDuration is docker's (go-units') rendering of a duration.
func humanDuration(d time.Duration) string {
	seconds := int(d.Seconds())
	minutes := int(d.Minutes())
	hours := int(d.Hours() + 0.5)
	switch {
	case seconds < 1:
		return "Less than a second"
	case seconds == 1:
		return "1 second"
	case seconds < 60:
		return fmt.Sprintf("%d seconds", seconds)
	case minutes == 1:
		return "About a minute"
	case minutes < 60:
		return fmt.Sprintf("%d minutes", minutes)
	case hours == 1:
		return "About an hour"
	case hours < 48:
		return fmt.Sprintf("%d hours", hours)
	case hours < 24*7*2:
		return fmt.Sprintf("%d days", hours/24)
	case hours < 24*30*2:
		return fmt.Sprintf("%d weeks", hours/24/7)
	case hours < 24*365*2:
		return fmt.Sprintf("%d months", hours/24/30)
	}
	return fmt.Sprintf("%d years", int(d.Hours())/24/365)
}

var inspectCmd = &command{
	name:     "inspect",
	synopsis: "NAME [-s] [--get GJSON_PATH]",
	summary:  "Show a container's details as JSON, or one value of them",
	setup: func(fs *flag.FlagSet) runFunc {
		path := fs.String("get", "", "print only the value at this gjson `path`, e.g. State.Status or Config.Labels")
		var opts dockwire.ContainerInspectOptions
		fs.BoolVar(&opts.Size, "s", false, "display total file sizes (SizeRw, SizeRootFs)")
		fs.BoolVar(&opts.Size, "size", false, "display total file sizes (SizeRw, SizeRootFs)")
		return func(c *cli, args []string) error {
			if len(args) != 1 {
				return usagef("inspect takes one container name or ID")
			}
			info, err := c.client.ContainerInspect(c.ctx, args[0], opts)
			if err != nil {
				return err
			}
			if *path == "" {
				return printJSON(c.stdout, string(info.Raw))
			}
			v := info.Get(*path)
			if !v.Exists() {
				return fmt.Errorf("demo: container %q has no value at %q", args[0], *path)
			}
			return printValue(c.stdout, v)
		}
	},
}

// printJSON prints a JSON document indented as docker inspect does.
func printJSON(w io.Writer, doc string) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(doc), "", "    "); err != nil {
		return fmt.Errorf("demo: the daemon's JSON does not parse: %v", err)
	}
	buf.WriteByte('\n')
	_, err := buf.WriteTo(w)
	return err
}

// printValue prints a string as it is and anything else as JSON.
func printValue(w io.Writer, v gjson.Result) error {
	switch v.Type {
	case gjson.String:
		_, err := fmt.Fprintln(w, v.Str)
		return err
	case gjson.JSON:
		return printJSON(w, v.Raw)
	}
	_, err := fmt.Fprintln(w, v.Raw)
	return err
}

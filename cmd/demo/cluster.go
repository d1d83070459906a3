package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
)

var swarmCmd = group("swarm", "Manage the swarm this daemon is in", swarmInitCmd, swarmJoinCmd, swarmJoinTokenCmd, swarmLeaveCmd)

var swarmInitCmd = &command{
	name:     "swarm init",
	synopsis: "[--advertise-addr ADDR] [--listen-addr ADDR] [--data-path-addr ADDR] [--force-new-cluster]",
	summary:  "Start a swarm with this daemon as its first manager, and print how to join it",
	setup: func(fs *flag.FlagSet) runFunc {
		var opts dockwire.SwarmInitOptions
		fs.StringVar(&opts.AdvertiseAddr, "advertise-addr", "", "the `address` other nodes reach this one at: IP[:PORT] or an interface")
		fs.StringVar(&opts.ListenAddr, "listen-addr", "0.0.0.0:2377", "the `address` to listen at: IP:PORT or an interface")
		fs.StringVar(&opts.DataPathAddr, "data-path-addr", "", "the `address` of the overlay networks' traffic, if not the advertised one")
		fs.BoolVar(&opts.ForceNewCluster, "force-new-cluster", false, "recover a swarm that lost its quorum, from this manager's state")
		return func(c *cli, args []string) error {
			if len(args) > 0 {
				return usagef("swarm init takes no arguments")
			}
			id, err := c.client.SwarmInit(c.ctx, opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "Swarm initialized: current node (%s) is now a manager.\n\n", id)
			if err := c.printJoinCommand(id, "worker"); err != nil {
				return err
			}
			fmt.Fprint(c.stdout, "To add a manager to this swarm, run 'demo swarm join-token manager' and follow the instructions.\n\n")
			return nil
		}
	},
}

// printJoinCommand prints the command that joins a node to the swarm of
// manager nodeID in role, as docker swarm init and join-token do.
func (c *cli) printJoinCommand(nodeID, role string) error {
	sw, err := c.client.SwarmInspect(c.ctx)
	if err != nil {
		return err
	}
	node, err := c.client.NodeInspect(c.ctx, nodeID)
	if err != nil {
		return err
	}
	addr := ""
	if node.ManagerStatus != nil {
		addr = node.ManagerStatus.Addr
	}
	_, err = fmt.Fprintf(c.stdout, "To add a %s to this swarm, run the following command:\n\n    demo swarm join --token %s %s\n\n", role, joinToken(sw, role), addr)
	return err
}

// joinToken is the swarm's token for joining in role.
func joinToken(sw engine.Swarm, role string) string {
	if role == "manager" {
		return sw.JoinTokens.Manager
	}
	return sw.JoinTokens.Worker
}

var swarmJoinCmd = &command{
	name:     "swarm join",
	synopsis: "--token TOKEN [--advertise-addr ADDR] [--listen-addr ADDR] [--data-path-addr ADDR] HOST:PORT",
	summary:  "Join the swarm of the manager at HOST:PORT, as a worker or a manager as the token says",
	setup: func(fs *flag.FlagSet) runFunc {
		var opts dockwire.SwarmJoinOptions
		fs.StringVar(&opts.JoinToken, "token", "", "the swarm's worker or manager join `token`")
		fs.StringVar(&opts.AdvertiseAddr, "advertise-addr", "", "the `address` other nodes reach this one at: IP[:PORT] or an interface")
		fs.StringVar(&opts.ListenAddr, "listen-addr", "0.0.0.0:2377", "the `address` to listen at: IP:PORT or an interface")
		fs.StringVar(&opts.DataPathAddr, "data-path-addr", "", "the `address` of the overlay networks' traffic, if not the advertised one")
		return func(c *cli, args []string) error {
			if len(args) != 1 || opts.JoinToken == "" {
				return usagef("swarm join takes --token and the address of one manager")
			}
			opts.RemoteAddrs = args
			if err := c.client.SwarmJoin(c.ctx, opts); err != nil {
				return err
			}
			info, err := c.client.Info(c.ctx)
			if err != nil {
				return err
			}
			role := "worker"
			if info.Get("Swarm.ControlAvailable").Bool() {
				role = "manager"
			}
			fmt.Fprintf(c.stdout, "This node joined a swarm as a %s.\n", role)
			return nil
		}
	},
}

var swarmJoinTokenCmd = &command{
	name:     "swarm join-token",
	synopsis: "[-q] worker|manager",
	summary:  "Print the command that joins a worker or a manager (on a manager)",
	setup: func(fs *flag.FlagSet) runFunc {
		quiet := fs.Bool("q", false, "print the token alone")
		fs.BoolVar(quiet, "quiet", false, "print the token alone")
		return func(c *cli, args []string) error {
			if len(args) != 1 || (args[0] != "worker" && args[0] != "manager") {
				return usagef("swarm join-token takes worker or manager")
			}
			if *quiet {
				sw, err := c.client.SwarmInspect(c.ctx)
				if err != nil {
					return err
				}
				fmt.Fprintln(c.stdout, joinToken(sw, args[0]))
				return nil
			}
			info, err := c.client.Info(c.ctx)
			if err != nil {
				return err
			}
			return c.printJoinCommand(info.Get("Swarm.NodeID").String(), args[0])
		}
	},
}

var swarmLeaveCmd = &command{
	name:     "swarm leave",
	synopsis: "[-f]",
	summary:  "Leave the swarm",
	setup: func(fs *flag.FlagSet) runFunc {
		var opts dockwire.SwarmLeaveOptions
		fs.BoolVar(&opts.Force, "f", false, "leave even as the last manager, which ends the swarm")
		fs.BoolVar(&opts.Force, "force", false, "leave even as the last manager, which ends the swarm")
		return func(c *cli, args []string) error {
			if len(args) > 0 {
				return usagef("swarm leave takes no arguments")
			}
			if err := c.client.SwarmLeave(c.ctx, opts); err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, "Node left the swarm.")
			return nil
		}
	},
}

var nodeInspectCmd = &command{
	name:     "node inspect",
	synopsis: "NODE... [--get GJSON_PATH]",
	summary:  "Show nodes' details as JSON (\"self\" for this daemon's node), or one value of them",
	setup: func(fs *flag.FlagSet) runFunc {
		path := fs.String("get", "", "print only the value at this gjson `path`, e.g. Status.State or Spec.Labels")
		return func(c *cli, args []string) error {
			if len(args) == 0 {
				return usagef("node inspect takes at least one node")
			}
			var docs []string
			for _, name := range args {
				id := name
				if name == "self" {
					info, err := c.client.Info(c.ctx)
					if err != nil {
						return err
					}
					if id = info.Get("Swarm.NodeID").String(); id == "" {
						return fmt.Errorf("demo: this daemon is in no swarm: it has no node")
					}
				}
				n, err := c.client.NodeInspect(c.ctx, id)
				if err != nil {
					return err
				}
				if *path == "" {
					docs = append(docs, string(n.Raw))
					continue
				}
				v := n.Get(*path)
				if !v.Exists() {
					return fmt.Errorf("demo: node %q has no value at %q", name, *path)
				}
				if err := printValue(c.stdout, v); err != nil {
					return err
				}
			}
			if *path != "" {
				return nil
			}
			return printJSON(c.stdout, "["+strings.Join(docs, ",")+"]")
		}
	},
}

// A swarmData is the kind of object secret and config commands share.
type swarmData struct {
	kind   string // "secret" or "config"
	driver bool   // whether the list has a DRIVER column
	create func(c *cli, name string, labels map[string]string, data []byte) (engine.IDResponse, error)
	list   func(c *cli, filters dockwire.Filters) ([]swarmDataItem, error)
	remove func(ctx context.Context, c *cli, name string) error
}

// swarmDataItem is a row of secret ls or config ls.
type swarmDataItem struct {
	engine.Meta
	name, driver string
}

var secrets = swarmData{kind: "secret", driver: true,
	create: func(c *cli, name string, labels map[string]string, data []byte) (engine.IDResponse, error) {
		return c.client.SecretCreate(c.ctx, dockwire.SecretCreateOptions{Spec: engine.SecretSpec{Name: name, Labels: labels, Data: data}})
	},
	list: func(c *cli, filters dockwire.Filters) ([]swarmDataItem, error) {
		list, err := c.client.SecretList(c.ctx, dockwire.SecretListOptions{Filters: filters})
		var items []swarmDataItem
		for _, s := range list {
			item := swarmDataItem{Meta: s.Meta, name: s.Spec.Name}
			if s.Spec.Driver != nil {
				item.driver = s.Spec.Driver.Name
			}
			items = append(items, item)
		}
		return items, err
	},
	remove: func(ctx context.Context, c *cli, name string) error {
		return c.client.SecretRemove(ctx, name, dockwire.SecretRemoveOptions{})
	},
}

var configs = swarmData{kind: "config",
	create: func(c *cli, name string, labels map[string]string, data []byte) (engine.IDResponse, error) {
		return c.client.ConfigCreate(c.ctx, dockwire.ConfigCreateOptions{Spec: engine.ConfigSpec{Name: name, Labels: labels, Data: data}})
	},
	list: func(c *cli, filters dockwire.Filters) ([]swarmDataItem, error) {
		list, err := c.client.ConfigList(c.ctx, dockwire.ConfigListOptions{Filters: filters})
		var items []swarmDataItem
		for _, s := range list {
			items = append(items, swarmDataItem{Meta: s.Meta, name: s.Spec.Name})
		}
		return items, err
	},
	remove: func(ctx context.Context, c *cli, name string) error {
		return c.client.ConfigRemove(ctx, name, dockwire.ConfigRemoveOptions{})
	},
}

var secretCmd = group("secret", "Manage swarm secrets", secrets.createCmd(), secrets.lsCmd(), secrets.rmCmd())

var configCmd = group("config", "Manage swarm configs", configs.createCmd(), configs.lsCmd(), configs.rmCmd())

func (d swarmData) createCmd() *command {
	return &command{
		name:     d.kind + " create",
		synopsis: "[--label KEY=VALUE]... NAME FILE|-",
		summary:  "Create a " + d.kind + " from a file, or from stdin with -, and print its ID",
		setup: func(fs *flag.FlagSet) runFunc {
			var labels listFlag
			fs.Var(&labels, "l", "set a label, `KEY=VALUE` (repeatable)")
			fs.Var(&labels, "label", "set a label, `KEY=VALUE` (repeatable)")
			return func(c *cli, args []string) error {
				if len(args) != 2 {
					return usagef("%s create takes a name and a file (- for stdin)", d.kind)
				}
				lm, err := labelMap(labels)
				if err != nil {
					return err
				}
				var data []byte
				if args[1] == "-" {
					data, err = io.ReadAll(c.stdin)
				} else {
					data, err = os.ReadFile(args[1])
				}
				if err != nil {
					return fmt.Errorf("demo: the %s's content: %w", d.kind, err)
				}
				created, err := d.create(c, args[0], lm, data)
				if err != nil {
					return err
				}
				fmt.Fprintln(c.stdout, created.ID)
				return nil
			}
		},
	}
}

func (d swarmData) lsCmd() *command {
	return &command{
		name:     d.kind + " ls",
		synopsis: "[--filter KEY=VALUE]...",
		summary:  "List the swarm's " + d.kind + "s, never their content",
		setup: func(fs *flag.FlagSet) runFunc {
			var filterArgs listFlag
			fs.Var(&filterArgs, "filter", "filter output by `KEY=VALUE`, e.g. name=db or label=app (repeatable)")
			return func(c *cli, args []string) error {
				if len(args) > 0 {
					return usagef("%s ls takes no arguments", d.kind)
				}
				filters, err := parseFilters(filterArgs)
				if err != nil {
					return err
				}
				items, err := d.list(c, filters)
				if err != nil {
					return err
				}
				return d.print(c.stdout, items, time.Now())
			}
		},
	}
}

// print lists secrets or configs as docker secret ls and config ls do.
func (d swarmData) print(w io.Writer, items []swarmDataItem, now time.Time) error {
	sort.Slice(items, func(i, j int) bool { return items[i].name < items[j].name })
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	driver := func(s string) string {
		if d.driver {
			return s + "\t"
		}
		return ""
	}
	fmt.Fprintf(tw, "ID\tNAME\t%sCREATED\tUPDATED\n", driver("DRIVER"))
	for _, it := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s%s\t%s\n", it.ID, it.name, driver(it.driver), ago(now, it.CreatedAt), ago(now, it.UpdatedAt))
	}
	return tw.Flush()
}

func (d swarmData) rmCmd() *command {
	return &command{
		name:     d.kind + " rm",
		synopsis: "NAME...",
		summary:  "Remove one or more " + d.kind + "s",
		setup: func(fs *flag.FlagSet) runFunc {
			return func(c *cli, args []string) error {
				return c.each(args, d.kind, func(ctx context.Context, name string) error { return d.remove(ctx, c, name) })
			}
		},
	}
}

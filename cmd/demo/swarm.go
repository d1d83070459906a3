package main

import (
	"context"
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
)

var nodeCmd = group("node", "Manage swarm nodes", nodeLsCmd, nodeInspectCmd, nodeUpdateCmd)

var nodeLsCmd = &command{
	name:     "node ls",
	synopsis: "[--filter KEY=VALUE]...",
	summary:  "List the swarm's nodes (on a manager)",
	setup: func(fs *flag.FlagSet) runFunc {
		var filterArgs listFlag
		fs.Var(&filterArgs, "filter", "filter output by `KEY=VALUE`, e.g. role=worker (repeatable)")
		return func(c *cli, args []string) error {
			if len(args) > 0 {
				return usagef("node ls takes no arguments")
			}
			filters, err := parseFilters(filterArgs)
			if err != nil {
				return err
			}
			nodes, err := c.client.NodeList(c.ctx, dockwire.NodeListOptions{Filters: filters})
			if err != nil {
				return err
			}
			info, err := c.client.Info(c.ctx)
			if err != nil {
				return err
			}
			self := info.Get("Swarm.NodeID").String()
			sort.Slice(nodes, func(i, j int) bool { return nodes[i].Description.Hostname < nodes[j].Description.Hostname })
			tw := tabwriter.NewWriter(c.stdout, 10, 1, 3, ' ', 0)
			fmt.Fprintln(tw, "ID\tHOSTNAME\tSTATUS\tAVAILABILITY\tMANAGER STATUS\tENGINE VERSION")
			for _, n := range nodes {
				id := n.ID
				if id == self {
					id += " *"
				}
				manager := ""
				if m := n.ManagerStatus; m != nil {
					manager = capitalize(m.Reachability)
					if m.Leader {
						manager = "Leader"
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", id, n.Description.Hostname, capitalize(n.Status.State),
					capitalize(n.Spec.Availability), manager, n.Description.EngineVersion)
			}
			return tw.Flush()
		}
	},
}

var nodeUpdateCmd = &command{
	name:     "node update",
	synopsis: "--availability active|pause|drain NODE",
	summary:  "Change a node's availability (drain moves its tasks elsewhere)",
	setup: func(fs *flag.FlagSet) runFunc {
		availability := fs.String("availability", "", "active, pause or drain")
		return func(c *cli, args []string) error {
			if len(args) != 1 {
				return usagef("node update takes one node")
			}
			switch *availability {
			case "active", "pause", "drain":
			default:
				return usagef("--availability %q: want active, pause or drain", *availability)
			}
			n, err := c.client.NodeInspect(c.ctx, args[0])
			if err != nil {
				return err
			}
			n.Spec.Availability = *availability
			if err := c.client.NodeUpdate(c.ctx, n.ID, n.Version, n.Spec); err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, args[0])
			return nil
		}
	},
}

var serviceCmd = group("service", "Manage swarm services", serviceLsCmd, serviceCreateCmd, servicePsCmd, serviceScaleCmd, serviceUpdateCmd, serviceLogsCmd, serviceRmCmd)

var serviceLsCmd = &command{
	name:     "service ls",
	synopsis: "[--filter KEY=VALUE]...",
	summary:  "List the swarm's services, with their running and desired tasks",
	setup: func(fs *flag.FlagSet) runFunc {
		var filterArgs listFlag
		fs.Var(&filterArgs, "filter", "filter output by `KEY=VALUE`, e.g. mode=global or label=app (repeatable)")
		return func(c *cli, args []string) error {
			if len(args) > 0 {
				return usagef("service ls takes no arguments")
			}
			filters, err := parseFilters(filterArgs)
			if err != nil {
				return err
			}
			list, err := c.client.ServiceList(c.ctx, dockwire.ServiceListOptions{Filters: filters, Status: true})
			if err != nil {
				return err
			}
			sort.Slice(list, func(i, j int) bool { return list[i].Spec.Name < list[j].Spec.Name })
			tw := tabwriter.NewWriter(c.stdout, 10, 1, 3, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tMODE\tREPLICAS\tIMAGE\tPORTS")
			for _, s := range list {
				mode, replicas := serviceMode(s)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", shortID(s.ID), s.Spec.Name, mode, replicas, serviceImage(s.Spec), servicePorts(s.Endpoint.Ports))
			}
			return tw.Flush()
		}
	},
}

// serviceMode renders a service's mode and its REPLICAS column as docker
// service ls does: "2/2", or "1/1 (max 1 per node)".
func serviceMode(s engine.Service) (mode, replicas string) {
	var running, desired, completed uint64
	if st := s.ServiceStatus; st != nil {
		running, desired, completed = st.RunningTasks, st.DesiredTasks, st.CompletedTasks
	}
	m := s.Spec.Mode
	switch {
	case m.Global != nil:
		mode = "global"
	case m.ReplicatedJob != nil:
		return "replicated job", fmt.Sprintf("%d/%d (%d/%d completed)", running, desired, completed, max(1, m.ReplicatedJob.TotalCompletions))
	case m.GlobalJob != nil:
		return "global job", fmt.Sprintf("%d/%d (%d/%d completed)", running, desired, completed, desired)
	default:
		mode = "replicated"
	}
	replicas = fmt.Sprintf("%d/%d", running, desired)
	if p := s.Spec.TaskTemplate.Placement; p != nil && p.MaxReplicas > 0 && m.Global == nil {
		replicas += fmt.Sprintf(" (max %d per node)", p.MaxReplicas)
	}
	return mode, replicas
}

func serviceImage(spec engine.ServiceSpec) string {
	if cs := spec.TaskTemplate.ContainerSpec; cs != nil {
		image, _, _ := strings.Cut(cs.Image, "@") // as docker service ls, without the digest
		return image
	}
	return ""
}

func servicePorts(ports []engine.EndpointPortConfig) string {
	var out []string
	for _, p := range ports {
		proto := p.Protocol
		if proto == "" {
			proto = "tcp"
		}
		out = append(out, fmt.Sprintf("*:%d->%d/%s", p.PublishedPort, p.TargetPort, proto))
	}
	return strings.Join(out, ", ")
}

var serviceCreateCmd = &command{
	name:      "service create",
	synopsis:  "[--name N] [--replicas N] [--mode replicated|global] [-e K=V]... [--constraint C]... [--label K=V]... [-d] IMAGE [CMD...]",
	summary:   "Create a service and wait until its tasks run, printing each task's progress",
	stopAfter: 1,
	setup: func(fs *flag.FlagSet) runFunc {
		var env, constraints, labels listFlag
		name := fs.String("name", "", "the service's `name` (generated if empty)")
		replicas := fs.Uint64("replicas", 1, "number of tasks (replicated mode)")
		mode := fs.String("mode", "replicated", "replicated or global")
		fs.Var(&env, "e", "set an environment variable, `KEY=VALUE` (repeatable)")
		fs.Var(&env, "env", "set an environment variable, `KEY=VALUE` (repeatable)")
		fs.Var(&constraints, "constraint", "a placement `constraint`, e.g. node.role==worker (repeatable)")
		fs.Var(&labels, "label", "set a service label, `KEY=VALUE` (repeatable)")
		maxPerNode := fs.Uint64("replicas-max-per-node", 0, "at most this many tasks on one node (0 for no limit)")
		detach := fs.Bool("d", false, "exit once the service is created, without waiting for its tasks")
		fs.BoolVar(detach, "detach", false, "exit once the service is created, without waiting for its tasks")
		return func(c *cli, args []string) error {
			if len(args) < 1 {
				return usagef("service create needs an image")
			}
			if err := keyValues("env", env); err != nil {
				return err
			}
			spec := engine.ServiceSpec{Name: *name, TaskTemplate: engine.TaskSpec{
				ContainerSpec: &engine.ContainerSpec{Image: args[0], Args: args[1:], Env: env}}}
			var err error
			if spec.Labels, err = labelMap(labels); err != nil {
				return err
			}
			if len(constraints) > 0 || *maxPerNode > 0 {
				spec.TaskTemplate.Placement = &engine.Placement{Constraints: constraints, MaxReplicas: *maxPerNode}
			}
			switch *mode {
			case "replicated":
				spec.Mode.Replicated = &engine.ReplicatedService{Replicas: *replicas}
			case "global":
				spec.Mode.Global = &struct{}{}
			default:
				return usagef("--mode %q: want replicated or global", *mode)
			}
			created, err := c.client.ServiceCreate(c.ctx, dockwire.ServiceCreateOptions{Spec: spec})
			if err != nil {
				return err
			}
			for _, w := range created.Warnings {
				fmt.Fprintln(c.stderr, "WARNING:", w)
			}
			fmt.Fprintln(c.stdout, created.ID)
			if *detach {
				return nil
			}
			return c.converge(created.ID)
		}
	},
}

// converge prints a line per task state change until the service runs,
// as docker service create does without --detach (one line per change
// rather than a redrawn table).
func (c *cli) converge(id string) error {
	svc, err := c.client.ServiceInspect(c.ctx, id, dockwire.ServiceInspectOptions{})
	if err != nil {
		return err
	}
	for ch, err := range c.client.ServiceConverge(c.ctx, id, dockwire.ServiceWaitOptions{}) {
		if err != nil {
			return err
		}
		t := ch.Task
		line := fmt.Sprintf("%s: %s", t.DisplayName(svc.Spec.Name), t.Status.State)
		if t.Status.Err != "" {
			line += " (" + t.Status.Err + ")"
		}
		fmt.Fprintln(c.stdout, line)
	}
	fmt.Fprintln(c.stdout, "verify: Service converged")
	return nil
}

var servicePsCmd = &command{
	name:     "service ps",
	synopsis: "SERVICE",
	summary:  "List a service's tasks, newest first per slot",
	setup: func(fs *flag.FlagSet) runFunc {
		return func(c *cli, args []string) error {
			if len(args) != 1 {
				return usagef("service ps takes one service")
			}
			svc, err := c.client.ServiceInspect(c.ctx, args[0], dockwire.ServiceInspectOptions{})
			if err != nil {
				return err
			}
			tasks, err := c.client.TaskList(c.ctx, dockwire.TaskListOptions{Filters: dockwire.Filters{"service": {svc.ID}}})
			if err != nil {
				return err
			}
			hostnames, err := c.hostnames()
			if err != nil {
				return err
			}
			return printTasks(c.stdout, svc.Spec.Name, tasks, hostnames, time.Now())
		}
	},
}

// printTasks prints tasks as docker service ps does: by slot (or node),
// newest first, older ones of a slot marked " \_ ".
func printTasks(w io.Writer, service string, tasks []engine.Task, hostnames map[string]string, now time.Time) error {
	slot := func(t engine.Task) string {
		if t.Slot != 0 {
			return fmt.Sprintf("%09d", t.Slot)
		}
		return t.NodeID
	}
	sort.Slice(tasks, func(i, j int) bool {
		if a, b := slot(tasks[i]), slot(tasks[j]); a != b {
			return a < b
		}
		return tasks[i].CreatedAt.After(tasks[j].CreatedAt)
	})
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tIMAGE\tNODE\tDESIRED STATE\tCURRENT STATE\tERROR")
	for i, t := range tasks {
		name := t.DisplayName(service)
		if i > 0 && slot(tasks[i-1]) == slot(t) {
			name = ` \_ ` + name
		}
		image := ""
		if t.Spec.ContainerSpec != nil {
			image, _, _ = strings.Cut(t.Spec.ContainerSpec.Image, "@")
		}
		state := capitalize(t.Status.State) + " " + ago(now, t.Status.Timestamp)
		errText := t.Status.Err
		if errText != "" {
			errText = strconv.Quote(errText)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", shortID(t.ID), name, image, hostnames[t.NodeID], capitalize(t.DesiredState), state, errText)
	}
	return tw.Flush()
}

var serviceScaleCmd = &command{
	name:     "service scale",
	synopsis: "SERVICE=REPLICAS...",
	summary:  "Set the number of tasks of replicated services, and wait until they run",
	setup: func(fs *flag.FlagSet) runFunc {
		detach := fs.Bool("d", false, "exit once the change is made, without waiting")
		fs.BoolVar(detach, "detach", false, "exit once the change is made, without waiting")
		return func(c *cli, args []string) error {
			if len(args) == 0 {
				return usagef("service scale takes SERVICE=REPLICAS arguments")
			}
			for _, a := range args {
				name, n, ok := strings.Cut(a, "=")
				replicas, err := strconv.ParseUint(n, 10, 64)
				if !ok || name == "" || err != nil {
					return usagef("service scale: %q is not SERVICE=REPLICAS", a)
				}
				if err := c.client.ServiceScale(c.ctx, name, replicas); err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "%s scaled to %d\n", name, replicas)
				if !*detach {
					if err := c.converge(name); err != nil {
						return err
					}
				}
			}
			return nil
		}
	},
}

var serviceUpdateCmd = &command{
	name:     "service update",
	synopsis: "[--image IMAGE] [--rollback] [-d] SERVICE",
	summary:  "Roll a service over to another image, or back to its previous spec, and wait until it converges",
	setup: func(fs *flag.FlagSet) runFunc {
		image := fs.String("image", "", "the `image` the tasks run from now on")
		rollback := fs.Bool("rollback", false, "return to the service's previous spec")
		detach := fs.Bool("d", false, "exit once the change is made, without waiting")
		fs.BoolVar(detach, "detach", false, "exit once the change is made, without waiting")
		return func(c *cli, args []string) error {
			if len(args) != 1 || (*image == "") == !*rollback {
				return usagef("service update takes one service and either --image or --rollback")
			}
			var resp engine.ServiceUpdateResponse
			var err error
			if *rollback {
				svc, ierr := c.client.ServiceInspect(c.ctx, args[0], dockwire.ServiceInspectOptions{})
				if ierr != nil {
					return ierr
				}
				resp, err = c.client.ServiceUpdate(c.ctx, svc.ID, svc.Version, svc.Spec, dockwire.ServiceUpdateOptions{Rollback: true})
			} else {
				resp, err = c.client.ServiceModify(c.ctx, args[0], func(s *engine.ServiceSpec) error {
					if s.TaskTemplate.ContainerSpec == nil {
						return fmt.Errorf("service %s runs no container", args[0])
					}
					s.TaskTemplate.ContainerSpec.Image = *image
					return nil
				})
			}
			if err != nil {
				return err
			}
			for _, w := range resp.Warnings {
				fmt.Fprintln(c.stderr, "WARNING:", w)
			}
			fmt.Fprintln(c.stdout, args[0])
			if *detach {
				return nil
			}
			return c.converge(args[0])
		}
	},
}

var serviceLogsCmd = &command{
	name:     "service logs",
	synopsis: "SERVICE [--tail N] [-f] [-t]",
	summary:  "Show a service's logs, each line prefixed with its task and node",
	setup: func(fs *flag.FlagSet) runFunc {
		opts := dockwire.ServiceLogsOptions{Details: true}
		tail := fs.String("tail", "all", "number of lines to show from the end of each task's log, or \"all\"")
		fs.BoolVar(&opts.Follow, "f", false, "follow the log until Ctrl-C")
		fs.BoolVar(&opts.Follow, "follow", false, "follow the log until Ctrl-C")
		fs.BoolVar(&opts.Timestamps, "t", false, "show the time of each line")
		fs.BoolVar(&opts.Timestamps, "timestamps", false, "show the time of each line")
		return func(c *cli, args []string) error {
			if len(args) != 1 {
				return usagef("service logs takes one service")
			}
			var err error
			if opts.Tail, err = parseTail(*tail); err != nil {
				return err
			}
			svc, err := c.client.ServiceInspect(c.ctx, args[0], dockwire.ServiceInspectOptions{})
			if err != nil {
				return err
			}
			names, err := c.taskNames(svc)
			if err != nil {
				return err
			}
			logs, err := c.client.ServiceLogs(c.ctx, svc.ID, opts)
			if err != nil {
				return err
			}
			defer logs.Close()
			for l, err := range logs.Lines() {
				if err != nil {
					return err
				}
				task := l.Details["com.docker.swarm.task.id"]
				prefix, ok := names[task]
				if !ok { // a task that started after the list: ask for it
					if t, err := c.client.TaskInspect(c.ctx, task); err == nil {
						prefix = t.DisplayName(svc.Spec.Name) + "." + t.ID + "@" + t.NodeID
						names[task] = prefix
					}
				}
				out := c.stdout
				if l.Stream == 2 {
					out = c.stderr
				}
				if opts.Timestamps {
					prefix = l.Time.Format(time.RFC3339Nano) + " " + prefix
				}
				fmt.Fprintf(out, "%s    | %s\n", prefix, l.Text)
			}
			return nil
		}
	},
}

// taskNames maps the service's task IDs to docker's log prefix,
// "web.1.<task id>@<node>".
func (c *cli) taskNames(svc engine.Service) (map[string]string, error) {
	tasks, err := c.client.TaskList(c.ctx, dockwire.TaskListOptions{Filters: dockwire.Filters{"service": {svc.ID}}})
	if err != nil {
		return nil, err
	}
	hostnames, err := c.hostnames()
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, t := range tasks {
		node := hostnames[t.NodeID]
		if node == "" {
			node = t.NodeID
		}
		names[t.ID] = t.DisplayName(svc.Spec.Name) + "." + t.ID + "@" + node
	}
	return names, nil
}

var serviceRmCmd = &command{
	name:     "service rm",
	synopsis: "SERVICE...",
	summary:  "Remove one or more services",
	setup: func(fs *flag.FlagSet) runFunc {
		return func(c *cli, args []string) error {
			return c.each(args, "service", func(ctx context.Context, name string) error {
				return c.client.ServiceRemove(ctx, name, dockwire.ServiceRemoveOptions{})
			})
		}
	},
}

// hostnames maps the swarm's node IDs to their hostnames.
func (c *cli) hostnames() (map[string]string, error) {
	nodes, err := c.client.NodeList(c.ctx, dockwire.NodeListOptions{})
	if err != nil {
		return nil, err
	}
	hostnames := map[string]string{}
	for _, n := range nodes {
		hostnames[n.ID] = n.Description.Hostname
	}
	return hostnames, nil
}

// capitalize makes "ready" "Ready", as the docker CLI shows states.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

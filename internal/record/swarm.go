package record

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
)

// Names of what SwarmScript creates; SwarmCleanup removes them.
const (
	swarmService = "dwrec-svc"
	swarmSecret  = "dwrec-secret"
	swarmConfig  = "dwrec-config"
	// SwarmImage is the image of the script's service, which every node
	// of the swarm must hold (scripts/engines.sh loads it into both).
	SwarmImage = "busybox:local"
)

// SwarmSecretData is the content of the script's secret. The recorder
// must never write it to a fixture, in any form: TestReplaySwarm checks
// that it is absent, as text and as base64.
const SwarmSecretData = "dwrec-secret-payload-7f3c9a"

// SwarmOptions configures SwarmScript.
type SwarmOptions struct {
	// Step names the recorded exchanges, as Options.Step.
	Step func(name string)
	// Settle, if set, waits until the service converges after a change,
	// through a client that does not record: a recording's polls would
	// depend on timing, which a replay cannot follow. Replay leaves it nil.
	Settle func(ctx context.Context, service string) error
}

// SwarmScript runs the swarm calls against c, a manager of a swarm
// whose nodes hold SwarmImage: the swarm and its nodes, a secret and a
// config, a service of two replicas (at most one per node, both on a
// single-node swarm) that mounts
// them and logs the config, its tasks and logs, a scale to one, a stale
// update and a missing service, then removes what it made. Like Script,
// the same session replayed must send the same requests.
func SwarmScript(ctx context.Context, c *dockwire.Client, opts SwarmOptions) ([]Result, error) {
	s := &session{ctx: ctx, c: c, opts: Options{Step: opts.Step}}
	settle := func() (any, error) {
		if opts.Settle != nil {
			return Done{}, opts.Settle(ctx, swarmService)
		}
		return Done{}, nil
	}
	s.run("swarm-inspect", func() (any, error) { return c.SwarmInspect(ctx) })
	var self string
	perNode := uint64(1) // the service's two tasks: one per node, or both on a single node
	s.run("node-list", func() (any, error) {
		nodes, err := c.NodeList(ctx, dockwire.NodeListOptions{})
		if len(nodes) == 1 {
			perNode = 2
		}
		sort.Slice(nodes, func(i, j int) bool { return nodes[i].Description.Hostname < nodes[j].Description.Hostname })
		for _, n := range nodes {
			if n.ManagerStatus != nil && n.ManagerStatus.Leader {
				self = n.ID
			}
		}
		if err == nil && self == "" {
			err = errors.New("no node is the leader")
		}
		return nodes, err
	})
	s.run("node-inspect", func() (any, error) { return c.NodeInspect(ctx, self) })

	var secret, config engine.IDResponse
	s.run("secret-create", func() (v any, err error) {
		secret, err = c.SecretCreate(ctx, dockwire.SecretCreateOptions{Spec: engine.SecretSpec{Name: swarmSecret,
			Labels: map[string]string{Label: "1"}, Data: []byte(SwarmSecretData)}})
		return secret, err
	})
	s.run("secret-update", func() (any, error) {
		got, err := c.SecretInspect(ctx, secret.ID)
		if err != nil {
			return nil, err
		}
		got.Spec.Labels["dwrec.relabelled"] = "yes"
		return Done{}, c.SecretUpdate(ctx, got.ID, got.Version, got.Spec)
	})
	s.run("secret-inspect", func() (any, error) { return c.SecretInspect(ctx, swarmSecret) })
	s.run("secret-list", func() (any, error) {
		return c.SecretList(ctx, dockwire.SecretListOptions{Filters: dockwire.Filters{"name": {swarmSecret}}})
	})
	s.run("config-create", func() (v any, err error) {
		config, err = c.ConfigCreate(ctx, dockwire.ConfigCreateOptions{Spec: engine.ConfigSpec{Name: swarmConfig,
			Labels: map[string]string{Label: "1"}, Data: []byte("setting = from the config\n")}})
		return config, err
	})
	s.run("config-inspect", func() (any, error) { return c.ConfigInspect(ctx, config.ID) })
	s.run("config-list", func() (any, error) {
		return c.ConfigList(ctx, dockwire.ConfigListOptions{Filters: dockwire.Filters{"name": {swarmConfig}}})
	})

	var svc engine.ServiceCreateResponse
	s.run("service-create", func() (v any, err error) {
		// The task prints the config, never the secret: its logs are
		// recorded.
		svc, err = c.ServiceCreate(ctx, dockwire.ServiceCreateOptions{Spec: engine.ServiceSpec{Name: swarmService,
			Labels: map[string]string{Label: "1"},
			Mode:   engine.ServiceMode{Replicated: &engine.ReplicatedService{Replicas: 2}},
			TaskTemplate: engine.TaskSpec{
				Placement: &engine.Placement{MaxReplicas: perNode},
				ContainerSpec: &engine.ContainerSpec{Image: SwarmImage,
					Args:    []string{"sh", "-c", "test -s /run/secrets/pw && echo the secret is there; cat /etc/dwrec.conf; sleep 3600"},
					Secrets: []engine.SecretReference{{SecretID: secret.ID, SecretName: swarmSecret, File: &engine.SecretFile{Name: "pw", UID: "0", GID: "0", Mode: 0o400}}},
					Configs: []engine.ConfigReference{{ConfigID: config.ID, ConfigName: swarmConfig, File: &engine.SecretFile{Name: "/etc/dwrec.conf", UID: "0", GID: "0", Mode: 0o444}}}}}}})
		return svc, err
	})
	s.run("service-settle", settle)
	s.run("service-list", func() (any, error) {
		return c.ServiceList(ctx, dockwire.ServiceListOptions{Filters: dockwire.Filters{"name": {swarmService}}, Status: true})
	})
	var before engine.Service
	s.run("service-inspect", func() (v any, err error) {
		before, err = c.ServiceInspect(ctx, swarmService, dockwire.ServiceInspectOptions{})
		return before, err
	})
	var tasks []engine.Task
	s.run("task-list", func() (v any, err error) {
		tasks, err = c.TaskList(ctx, dockwire.TaskListOptions{Filters: dockwire.Filters{"service": {svc.ID}, "desired-state": {"running"}}})
		sort.Slice(tasks, func(i, j int) bool { return tasks[i].Slot < tasks[j].Slot })
		if err == nil && len(tasks) != 2 {
			err = fmt.Errorf("%d running tasks, want 2", len(tasks))
		}
		return tasks, err
	})
	s.run("task-inspect", func() (any, error) { return c.TaskInspect(ctx, tasks[0].ID) })
	s.run("service-logs", func() (any, error) {
		res, err := readLogs(c.ServiceLogs(ctx, svc.ID, dockwire.ServiceLogsOptions{Stdout: true, Stderr: true}))
		if lr, ok := res.(LogResult); ok {
			// Both tasks log; in which order depends on the nodes.
			sort.SliceStable(lr.Lines, func(i, j int) bool { return lr.Lines[i].Text < lr.Lines[j].Text })
			res = lr
		}
		return res, err
	})
	s.run("task-logs", func() (any, error) {
		return readLogs(c.TaskLogs(ctx, tasks[0].ID, dockwire.TaskLogsOptions{Stdout: true, Stderr: true}))
	})
	s.run("service-scale", func() (any, error) { return Done{}, c.ServiceScale(ctx, svc.ID, 1) })
	s.run("service-scale-settle", settle)
	s.run("service-update-stale", func() (any, error) {
		_, err := c.ServiceUpdate(ctx, svc.ID, before.Version, before.Spec, dockwire.ServiceUpdateOptions{})
		return expectFailure(err)
	})
	s.run("service-inspect-missing", func() (any, error) {
		_, err := c.ServiceInspect(ctx, "dwrec-missing", dockwire.ServiceInspectOptions{})
		return expectFailure(err)
	})
	s.run("service-remove", func() (any, error) { return Done{}, c.ServiceRemove(ctx, svc.ID, dockwire.ServiceRemoveOptions{}) })
	s.run("secret-remove", func() (any, error) { return Done{}, c.SecretRemove(ctx, secret.ID, dockwire.SecretRemoveOptions{}) })
	s.run("config-remove", func() (any, error) { return Done{}, c.ConfigRemove(ctx, config.ID, dockwire.ConfigRemoveOptions{}) })
	if s.err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		SwarmCleanup(cctx, c)
	}
	return s.results, s.err
}

// SwarmCleanup removes, ignoring errors, what SwarmScript creates. Run
// it with a client that does not record.
func SwarmCleanup(ctx context.Context, c *dockwire.Client) {
	c.ServiceRemove(ctx, swarmService, dockwire.ServiceRemoveOptions{})
	c.SecretRemove(ctx, swarmSecret, dockwire.SecretRemoveOptions{})
	c.ConfigRemove(ctx, swarmConfig, dockwire.ConfigRemoveOptions{})
}

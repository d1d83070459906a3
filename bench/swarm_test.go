package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/moby/moby/client"
)

// The swarm lists of section 7 run against the manager of the two-node
// swarm (DWBENCH_SWARM_MANAGER), on which run.sh has created
// DWBENCH_SWARM_SERVICES services labelled DWBENCH_SWARM_LABEL, each of 2
// replicas.
var (
	swarmManager = getenv("DWBENCH_SWARM_MANAGER", "unix:///tmp/d28/docker.sock")
	swarmLabel   = getenv("DWBENCH_SWARM_LABEL", "dwbench.swarm=1")
	swarmWant    = getenv("DWBENCH_SWARM_SERVICES", "100")
)

// swarmOps are the calls of section 7, each returning how many items it
// listed.
type swarmOp func(ctx context.Context) (int, error)

func swarmOps(cl, host string) (map[string]swarmOp, func(), error) {
	switch cl {
	case "dockwire":
		c, err := dockwire.New(host)
		if err != nil {
			return nil, nil, err
		}
		filters := dockwire.Filters{"label": {swarmLabel}}
		return map[string]swarmOp{
			"servicelist": func(ctx context.Context) (int, error) {
				list, err := c.ServiceList(ctx, dockwire.ServiceListOptions{Filters: filters, Status: true})
				return len(list), err
			},
			"tasklist": func(ctx context.Context) (int, error) {
				list, err := c.TaskList(ctx, dockwire.TaskListOptions{Filters: filters})
				return len(list), err
			},
		}, func() { c.Close() }, nil
	case "moby":
		c, err := client.New(client.WithHost(host))
		if err != nil {
			return nil, nil, err
		}
		filters := make(client.Filters).Add("label", swarmLabel)
		return map[string]swarmOp{
			"servicelist": func(ctx context.Context) (int, error) {
				list, err := c.ServiceList(ctx, client.ServiceListOptions{Filters: filters, Status: true})
				return len(list.Items), err
			},
			"tasklist": func(ctx context.Context) (int, error) {
				list, err := c.TaskList(ctx, client.TaskListOptions{Filters: filters})
				return len(list.Items), err
			},
		}, func() { c.Close() }, nil
	}
	return nil, nil, fmt.Errorf("unknown client %q", cl)
}

// BenchmarkSwarm lists the services (with their task counts, status=true)
// and the tasks of the benchmark's services, on a kept-alive client after
// one warm-up call. Each call must list every service, or at least two
// tasks per service: a list that does not is an error.
func BenchmarkSwarm(b *testing.B) {
	var services int
	if _, err := fmt.Sscan(swarmWant, &services); err != nil {
		b.Fatalf("DWBENCH_SWARM_SERVICES=%q: %v", swarmWant, err)
	}
	want := map[string]int{"servicelist": services, "tasklist": 2 * services}
	for _, opName := range []string{"servicelist", "tasklist"} {
		for _, cl := range []string{"dockwire", "moby"} {
			b.Run(fmt.Sprintf("op=%s/client=%s", opName, cl), func(b *testing.B) {
				ops, closeOps, err := swarmOps(cl, swarmManager)
				if err != nil {
					b.Fatal(err)
				}
				defer closeOps()
				call := ops[opName]
				ctx := context.Background()
				n := 0
				check := func() {
					var err error
					n, err = call(ctx)
					if err == nil && (n < want[opName] || opName == "servicelist" && n != want[opName]) {
						err = fmt.Errorf("listed %d, want %d", n, want[opName])
					}
					if err != nil {
						b.Fatalf("%s %s on %s: %v", cl, opName, swarmManager, err)
					}
				}
				check()
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					check()
				}
				b.ReportMetric(float64(n), "items")
			})
		}
	}
}

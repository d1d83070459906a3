package dockwire_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
)

// Create a service and wait until its tasks run, as docker service create
// does without --detach.
func ExampleClient_ServiceWait() {
	e, _ := enginetest.Start(enginetest.WithSwarm()) // a fake one-node swarm; dockwire.Default() for a real manager
	defer e.Close()
	c, _ := dockwire.New(e.Host())
	ctx := context.Background()

	_, err := c.ServiceCreate(ctx, dockwire.ServiceCreateOptions{Spec: engine.ServiceSpec{
		Name: "web",
		TaskTemplate: engine.TaskSpec{
			ContainerSpec: &engine.ContainerSpec{Image: "nginx:1.27", Env: []string{"MODE=prod"}},
			Placement:     &engine.Placement{MaxReplicas: 1},
		},
		Mode: engine.ServiceMode{Replicated: &engine.ReplicatedService{Replicas: 1}},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	// A task that fails ends the wait with a *ServiceWaitError naming it.
	err = c.ServiceWait(ctx, "web", dockwire.ServiceWaitOptions{Stable: 10 * time.Millisecond})
	var we *dockwire.ServiceWaitError
	switch {
	case errors.As(err, &we) && we.Task != nil:
		fmt.Println("task failed:", we.Task.Status.Err)
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Println("web converged")
	}
	// Output:
	// web converged
}

// Scale a service, then list services with their task counts, as docker
// service ls shows them.
func ExampleClient_ServiceScale() {
	e, _ := enginetest.Start(enginetest.WithSwarm())
	defer e.Close()
	c, _ := dockwire.New(e.Host())
	ctx := context.Background()
	c.ServiceCreate(ctx, dockwire.ServiceCreateOptions{Spec: engine.ServiceSpec{Name: "api",
		TaskTemplate: engine.TaskSpec{ContainerSpec: &engine.ContainerSpec{Image: "api:2"}}}})

	// ServiceScale reads the service and updates it with the version it
	// read, trying once more if someone else updated it in between.
	if err := c.ServiceScale(ctx, "api", 3); err != nil {
		fmt.Println(err)
		return
	}
	list, _ := c.ServiceList(ctx, dockwire.ServiceListOptions{Status: true})
	for _, s := range list {
		fmt.Printf("%s %d/%d\n", s.Spec.Name, s.ServiceStatus.RunningTasks, s.ServiceStatus.DesiredTasks)
	}
	// Output:
	// api 3/3
}

// Change a service in place: the edit is applied to the spec the daemon
// sent, so fields the struct does not type are kept.
func ExampleClient_ServiceModify() {
	e, _ := enginetest.Start(enginetest.WithSwarm())
	defer e.Close()
	c, _ := dockwire.New(e.Host())
	ctx := context.Background()
	c.ServiceCreate(ctx, dockwire.ServiceCreateOptions{Spec: engine.ServiceSpec{Name: "api",
		TaskTemplate: engine.TaskSpec{ContainerSpec: &engine.ContainerSpec{Image: "api:2"}}}})

	_, err := c.ServiceModify(ctx, "api", func(s *engine.ServiceSpec) error {
		s.TaskTemplate.ContainerSpec.Image = "api:3"
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	svc, _ := c.ServiceInspect(ctx, "api", dockwire.ServiceInspectOptions{})
	fmt.Println(svc.Spec.TaskTemplate.ContainerSpec.Image, svc.UpdateStatus.State, svc.PreviousSpec.TaskTemplate.ContainerSpec.Image)
	// Output:
	// api:3 completed api:2
}

// Read a service's logs, each line with the task that wrote it, as docker
// service logs shows them.
func ExampleClient_ServiceLogs() {
	e, _ := enginetest.Start(enginetest.WithSwarm())
	defer e.Close()
	c, _ := dockwire.New(e.Host())
	ctx := context.Background()
	c.ServiceCreate(ctx, dockwire.ServiceCreateOptions{Spec: engine.ServiceSpec{Name: "web",
		TaskTemplate: engine.TaskSpec{ContainerSpec: &engine.ContainerSpec{Image: "nginx:1.27"}},
		Mode:         engine.ServiceMode{Replicated: &engine.ReplicatedService{Replicas: 2}}}})
	// The fake's tasks log what the test gives them.
	tasks, _ := c.TaskList(ctx, dockwire.TaskListOptions{Filters: dockwire.Filters{"service": {"web"}}})
	names := map[string]string{}
	for i, t := range tasks {
		names[t.ID] = t.DisplayName("web")
		e.AppendTaskLog(t.ID, enginetest.LogEntry{Text: fmt.Sprintf("listening on :80 (%d)\n", i+1)})
	}

	logs, err := c.ServiceLogs(ctx, "web", dockwire.ServiceLogsOptions{Details: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer logs.Close()
	for line, err := range logs.Lines() {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s | %s\n", names[line.Details["com.docker.swarm.task.id"]], line.Text)
	}
	// Output:
	// web.1 | listening on :80 (1)
	// web.2 | listening on :80 (2)
}

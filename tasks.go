package dockwire

import (
	"context"

	"github.com/dockwire/dockwire/engine"
)

// TaskListOptions selects the tasks TaskList returns.
type TaskListOptions struct {
	// Filters: "desired-state" (running, shutdown or accepted), "id",
	// "label", "name", "node", "service"; nil for all.
	Filters Filters
}

// TaskList lists the swarm's tasks, old ones included (the swarm keeps a
// few per slot): filter on "desired-state" for the current ones.
func (c *Client) TaskList(ctx context.Context, opts TaskListOptions) ([]engine.Task, error) {
	return swarmList[engine.Task](ctx, c, KindTask, opts.Filters)
}

// TaskInspect returns a task by ID. A missing task is an error matching
// ErrNotFound.
func (c *Client) TaskInspect(ctx context.Context, id string) (engine.Task, error) {
	return swarmInspect[engine.Task](ctx, c, KindTask, id)
}

// TaskLogsOptions selects what TaskLogs returns: the options of ServiceLogs.
type TaskLogsOptions = ServiceLogsOptions

// TaskLogs opens the log of one task, wherever it runs, through the
// manager; see ServiceLogs.
func (c *Client) TaskLogs(ctx context.Context, id string, opts TaskLogsOptions) (*LogStream, error) {
	return c.swarmLogs(ctx, KindTask, id, opts)
}

package dockwire

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/dockwire/dockwire/engine"
)

// WaitCondition is what ContainerWait waits for.
type WaitCondition string

const (
	// WaitNotRunning returns at once for a container that is not running
	// (including one created but never started).
	WaitNotRunning WaitCondition = "not-running"
	// WaitNextExit waits for the next exit, even of a container not yet
	// started: register it before ContainerStart.
	WaitNextExit WaitCondition = "next-exit"
	// WaitRemoved waits until the container is removed, e.g. after an
	// AutoRemove container exits.
	WaitRemoved WaitCondition = "removed"
)

// ContainerWait blocks until the condition holds ("" means WaitNotRunning)
// and returns the container's exit status. For a container about to start,
// use ContainerWaitRegister before ContainerStart instead: a short-lived or
// auto-removed container may be gone before a wait sent after the start
// arrives.
func (c *Client) ContainerWait(ctx context.Context, id string, cond WaitCondition) (engine.ContainerWaitResponse, error) {
	w, err := c.ContainerWaitRegister(ctx, id, cond)
	if err != nil {
		return engine.ContainerWaitResponse{}, err
	}
	defer w.Close()
	return w.Result()
}

// Waiter is a wait the daemon has registered.
type Waiter struct {
	client *Client
	r      *call
	body   io.ReadCloser
}

// ContainerWaitRegister registers a wait with the daemon and returns as
// soon as the daemon has it, before the condition holds. Read the outcome
// with Result; the wait lasts until then, ctx ends, or Close.
func (c *Client) ContainerWaitRegister(ctx context.Context, id string, cond WaitCondition) (*Waiter, error) {
	var q query
	if cond != "" {
		q.add("condition", string(cond))
	}
	r, err := containerCall(http.MethodPost, id, "wait", q)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	return &Waiter{client: c, r: r, body: resp.Body}, nil
}

// maxWaitBody caps the wait answer, a small JSON object; a proxy that
// sends something else gets its text quoted, capped at 2 KiB.
const maxWaitBody = 64 << 10

// Result blocks until the condition holds and returns the exit status. If
// the daemon reports that waiting failed (Error.Message), the response is
// returned together with an error saying so.
func (w *Waiter) Result() (engine.ContainerWaitResponse, error) {
	defer w.body.Close()
	body, err := io.ReadAll(io.LimitReader(w.body, maxWaitBody))
	if err != nil {
		return engine.ContainerWaitResponse{}, w.client.bodyError(w.r, err)
	}
	resp, err := engine.Decode[engine.ContainerWaitResponse](string(body))
	if err != nil {
		return resp, w.client.bodyError(w.r, fmt.Errorf("%w: wait answered %q", engine.ErrDecode, cleanText(string(body), 2<<10)))
	}
	if resp.Error != "" {
		return resp, fmt.Errorf("dockwire: waiting for container %q on %s: %s (status code %d)", w.r.id, w.client.host, cleanText(resp.Error, maxMessageLen), resp.StatusCode)
	}
	return resp, nil
}

// Close abandons the wait.
func (w *Waiter) Close() error { return w.body.Close() }

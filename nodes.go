package dockwire

import (
	"context"
	"net/http"
	"strconv"

	"github.com/dockwire/dockwire/engine"
)

// NodeListOptions selects the nodes NodeList returns.
type NodeListOptions struct {
	// Filters: "id", "label" (engine label), "membership" (accepted or
	// pending), "name", "node.label", "role" (manager or worker); nil for all.
	Filters Filters
}

// NodeList lists the swarm's nodes. Only a manager answers: elsewhere the
// error matches ErrNotSwarmManager.
func (c *Client) NodeList(ctx context.Context, opts NodeListOptions) ([]engine.Node, error) {
	return swarmList[engine.Node](ctx, c, KindNode, opts.Filters)
}

// NodeInspect returns a node by ID, unique ID prefix or hostname. A missing
// node is an error matching ErrNotFound.
func (c *Client) NodeInspect(ctx context.Context, id string) (engine.Node, error) {
	return swarmInspect[engine.Node](ctx, c, KindNode, id)
}

// NodeUpdate replaces a node's spec: its availability (drain moves its
// tasks elsewhere), role and labels. version is the Version of the
// NodeInspect the spec was computed from; if the node changed since, the
// update is refused with an error matching ErrConflict.
func (c *Client) NodeUpdate(ctx context.Context, id string, version engine.ObjectVersion, spec engine.NodeSpec) error {
	return c.swarmUpdate(ctx, KindNode, id, version, spec)
}

// NodeRemoveOptions tunes NodeRemove.
type NodeRemoveOptions struct {
	// Force removes a node that is still up (it keeps running its tasks,
	// outside the swarm).
	Force bool
}

// NodeRemove removes a node from the swarm; a node that is not down needs
// Force.
func (c *Client) NodeRemove(ctx context.Context, id string, opts NodeRemoveOptions) error {
	r, err := swarmObjectCall(KindNode, http.MethodDelete, id, "")
	if err != nil {
		return err
	}
	var q query
	q.flag("force", opts.Force)
	r.query = q.String()
	_, err = c.discard(ctx, r)
	return err
}

// swarmObjectCall builds a call on /{nodes,services,tasks,secrets,configs}/{id}/{action}.
func swarmObjectCall(kind, method, id, action string) (*call, error) {
	seg, err := idSegment(kind, id)
	if err != nil {
		return nil, err
	}
	path := "/" + kind + "s/" + seg
	if action != "" {
		path += "/" + action
	}
	return &call{method: method, path: path, kind: kind, id: id}, nil
}

// swarmUpdate posts spec to /{kind}s/{id}/update at version, for the
// objects whose update answers nothing.
func (c *Client) swarmUpdate(ctx context.Context, kind, id string, version engine.ObjectVersion, spec any) error {
	r, err := swarmObjectCall(kind, http.MethodPost, id, "update")
	if err != nil {
		return err
	}
	if r.body, err = jsonBody(spec); err != nil {
		return err
	}
	r.contentType = jsonContentType
	r.query = versionQuery(version)
	_, err = c.discard(ctx, r)
	return err
}

func versionQuery(v engine.ObjectVersion) string {
	var q query
	q.add("version", versionString(v))
	return q.String()
}

func versionString(v engine.ObjectVersion) string { return strconv.FormatUint(v.Index, 10) }

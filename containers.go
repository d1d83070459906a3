package dockwire

import (
	"context"
	"errors"
	"net/http"

	"github.com/dockwire/dockwire/engine"
)

// ContainerListOptions selects containers for ContainerList. The zero value
// lists running containers.
type ContainerListOptions struct {
	All     bool    // include stopped and created containers
	Limit   int     // at most this many, newest first; 0 for no limit
	Size    bool    // fill SizeRw and SizeRootFs (slow on the daemon)
	Filters Filters // e.g. {"label": {"app=web"}, "status": {"exited"}}
}

// ContainerList lists containers, like docker ps.
func (c *Client) ContainerList(ctx context.Context, opts ContainerListOptions) ([]engine.ContainerSummary, error) {
	var q query
	q.flag("all", opts.All)
	if opts.Limit > 0 {
		q.int("limit", opts.Limit)
	}
	q.flag("size", opts.Size)
	q.filters(opts.Filters)
	return getList[engine.ContainerSummary](ctx, c, &call{method: http.MethodGet, path: "/containers/json", query: q.String()})
}

// ContainerInspectOptions configures ContainerInspect. The zero value is
// docker inspect's default.
type ContainerInspectOptions struct {
	// Size fills SizeRw and SizeRootFs, as docker inspect --size does. The
	// daemon walks the container's filesystem to count them, which takes
	// a while for a large one.
	Size bool
}

// ContainerInspect returns the detail of a container, by ID, unique ID
// prefix or name. A missing container is an error matching
// ErrContainerNotFound.
func (c *Client) ContainerInspect(ctx context.Context, id string, opts ContainerInspectOptions) (engine.ContainerInspectResponse, error) {
	info, err := c.inspectContainer(ctx, id, opts.Size)
	if err == nil {
		err = c.podmanNetworkIDs(ctx, info.NetworkSettings.Networks)
	}
	return info, err
}

// inspectContainer is ContainerInspect without the network IDs of Podman
// 4.3 (see podmanNetworkIDs), for callers that do not use them.
func (c *Client) inspectContainer(ctx context.Context, id string, size bool) (engine.ContainerInspectResponse, error) {
	seg, err := idSegment(KindContainer, id)
	if err != nil {
		return engine.ContainerInspectResponse{}, err
	}
	var q query
	q.flag("size", size)
	return getJSON[engine.ContainerInspectResponse](ctx, c, &call{method: http.MethodGet, path: "/containers/" + seg + "/json", query: q.String(), kind: KindContainer, id: id})
}

// ContainerExists reports whether a container exists. Only "no such
// container" means false; any other failure is returned.
func (c *Client) ContainerExists(ctx context.Context, id string) (bool, error) {
	_, err := c.inspectContainer(ctx, id, false)
	if errors.Is(err, ErrContainerNotFound) {
		return false, nil
	}
	return err == nil, err
}

// ContainerIsRunning reports whether a container exists and is running
// (a paused container is running). A missing container is an error
// matching ErrContainerNotFound.
func (c *Client) ContainerIsRunning(ctx context.Context, id string) (bool, error) {
	info, err := c.inspectContainer(ctx, id, false)
	return info.State.Running, err
}

package dockwire

import (
	"context"
	"errors"
	"net/http"

	"github.com/dockwire/dockwire/engine"
)

// NetworkCreateOptions describes a network to create. The zero value is a
// bridge network with an address range the daemon picks.
type NetworkCreateOptions struct {
	Name       string            // required
	Driver     string            `json:",omitempty"` // "bridge" if empty
	Scope      string            `json:",omitempty"` // local, global or swarm; empty for the driver's
	Internal   bool              `json:",omitempty"` // no route to the outside
	Attachable bool              `json:",omitempty"` // swarm networks: let plain containers attach
	EnableIPv6 bool              `json:",omitempty"`
	IPAM       *engine.IPAM      `json:",omitempty"` // nil for the daemon's default address pools
	Options    map[string]string `json:",omitempty"` // driver options, e.g. com.docker.network.bridge.name
	Labels     map[string]string `json:",omitempty"`
}

// NetworkCreate creates a network. A name in use is an error matching
// ErrConflict, on every API version: below 1.44, where the daemon would
// otherwise create a second network of the same name, the client asks it to
// check (CheckDuplicate).
func (c *Client) NetworkCreate(ctx context.Context, opts NetworkCreateOptions) (engine.NetworkCreateResponse, error) {
	name := opts.Name
	if _, err := idSegment(KindNetwork, name); err != nil {
		return engine.NetworkCreateResponse{}, err
	}
	modern, err := c.apiAtLeast(ctx, "1.44")
	if err != nil {
		return engine.NetworkCreateResponse{}, err
	}
	body, err := jsonBody(struct {
		CheckDuplicate bool `json:",omitempty"`
		NetworkCreateOptions
	}{!modern, opts})
	if err != nil {
		return engine.NetworkCreateResponse{}, err
	}
	return getJSON[engine.NetworkCreateResponse](ctx, c, &call{
		method: http.MethodPost, path: "/networks/create", body: body, contentType: jsonContentType,
		kind: KindNetwork, id: name,
	})
}

// NetworkInspectOptions tunes NetworkInspect.
type NetworkInspectOptions struct {
	Verbose bool   // swarm networks: list the services and tasks of every node
	Scope   string // only a network of this scope: local, global or swarm
}

// NetworkInspect returns the detail of a network, by ID, unique ID prefix
// or name, with the containers attached to it. A missing network is an
// error matching ErrNetworkNotFound.
func (c *Client) NetworkInspect(ctx context.Context, id string, opts NetworkInspectOptions) (engine.NetworkInspect, error) {
	r, err := networkCall(http.MethodGet, id, "")
	if err != nil {
		return engine.NetworkInspect{}, err
	}
	var q query
	q.flag("verbose", opts.Verbose)
	if opts.Scope != "" {
		q.add("scope", opts.Scope)
	}
	r.query = q.String()
	n, err := getJSON[engine.NetworkInspect](ctx, c, r)
	c.podmanNetworkOptions(&n.Network)
	return n, err
}

// NetworkListOptions says which networks NetworkList lists; the zero value
// lists them all.
type NetworkListOptions struct {
	Filters Filters // "dangling", "driver", "id", "label", "name", "scope", "type"
}

// NetworkList lists the networks that match opts.Filters. The list does
// not say which containers are attached: NetworkInspect does.
func (c *Client) NetworkList(ctx context.Context, opts NetworkListOptions) ([]engine.Network, error) {
	var q query
	q.filters(opts.Filters)
	list, err := getList[engine.Network](ctx, c, &call{method: http.MethodGet, path: "/networks", query: q.String()})
	for i := range list {
		c.podmanNetworkOptions(&list[i])
	}
	return list, err
}

// NetworkRemove removes a network. A predefined network, or one that
// containers still use, is an error matching ErrForbidden.
func (c *Client) NetworkRemove(ctx context.Context, id string) error {
	r, err := networkCall(http.MethodDelete, id, "")
	if err != nil {
		return err
	}
	_, err = c.discard(ctx, r)
	return err
}

// NetworkConnectOptions configures a container's endpoint on a network;
// the zero value lets the daemon pick everything.
type NetworkConnectOptions struct {
	Aliases     []string          // extra DNS names of the container on this network
	IPv4Address string            // a fixed address; needs a network with a user-defined subnet
	IPv6Address string            // a fixed IPv6 address
	Links       []string          // legacy links, "container:alias"
	DriverOpts  map[string]string // driver-specific endpoint options
	MacAddress  string            // needs API 1.54 (earlier daemons ignore it)
	GwPriority  int               // which endpoint gives the default gateway, highest wins; needs API 1.48
}

// NetworkConnect attaches a container to a network. A missing network is
// an error matching ErrNetworkNotFound, a missing container one matching
// ErrContainerNotFound.
func (c *Client) NetworkConnect(ctx context.Context, network, container string, opts NetworkConnectOptions) error {
	r, err := networkCall(http.MethodPost, network, "connect")
	if err != nil {
		return err
	}
	if _, err := idSegment(KindContainer, container); err != nil {
		return err
	}
	if opts.MacAddress != "" {
		if err := c.requireAPI(ctx, "1.54", "a MAC address on network connect"); err != nil {
			return err
		}
	}
	if opts.GwPriority != 0 {
		if err := c.requireAPI(ctx, "1.48", "a gateway priority"); err != nil {
			return err
		}
	}
	type ipamConfig struct {
		IPv4Address string `json:",omitempty"`
		IPv6Address string `json:",omitempty"`
	}
	type endpoint struct {
		IPAMConfig *ipamConfig       `json:",omitempty"`
		Links      []string          `json:",omitempty"`
		Aliases    []string          `json:",omitempty"`
		DriverOpts map[string]string `json:",omitempty"`
		MacAddress string            `json:",omitempty"`
		GwPriority int               `json:",omitempty"`
	}
	ep := &endpoint{Links: opts.Links, Aliases: opts.Aliases, DriverOpts: opts.DriverOpts, MacAddress: opts.MacAddress, GwPriority: opts.GwPriority}
	if opts.IPv4Address != "" || opts.IPv6Address != "" {
		ep.IPAMConfig = &ipamConfig{opts.IPv4Address, opts.IPv6Address}
	}
	if r.body, err = jsonBody(struct {
		Container      string
		EndpointConfig *endpoint
	}{container, ep}); err != nil {
		return err
	}
	r.contentType = jsonContentType
	_, err = c.discard(ctx, r)
	return c.networkOr404(ctx, err, network, container)
}

// NetworkDisconnectOptions says how NetworkDisconnect detaches a container.
type NetworkDisconnectOptions struct {
	// Force detaches it even if the container is gone or the daemon cannot
	// reach it.
	Force bool
}

// NetworkDisconnect detaches a container from a network.
func (c *Client) NetworkDisconnect(ctx context.Context, network, container string, opts NetworkDisconnectOptions) error {
	r, err := networkCall(http.MethodPost, network, "disconnect")
	if err != nil {
		return err
	}
	if _, err := idSegment(KindContainer, container); err != nil {
		return err
	}
	if r.body, err = jsonBody(struct {
		Container string
		Force     bool
	}{container, opts.Force}); err != nil {
		return err
	}
	r.contentType = jsonContentType
	_, err = c.discard(ctx, r)
	return c.networkOr404(ctx, err, network, container)
}

// NetworkPruneOptions says which unused networks NetworkPrune removes; the
// zero value removes them all.
type NetworkPruneOptions struct {
	Filters Filters // "label", "label!", "until"
}

// NetworkPrune removes the networks no container uses that match
// opts.Filters and reports what went. Predefined networks are never
// pruned.
func (c *Client) NetworkPrune(ctx context.Context, opts NetworkPruneOptions) (engine.NetworkPruneResponse, error) {
	var q query
	q.filters(opts.Filters)
	return getJSON[engine.NetworkPruneResponse](ctx, c, &call{method: http.MethodPost, path: "/networks/prune", query: q.String()})
}

// networkCall builds a call on /networks/{id}/{action}.
func networkCall(method, id, action string) (*call, error) {
	seg, err := idSegment(KindNetwork, id)
	if err != nil {
		return nil, err
	}
	path := "/networks/" + seg
	if action != "" {
		path += "/" + action
	}
	return &call{method: method, path: path, kind: KindNetwork, id: id}, nil
}

// networkOr404 tells which of network and container a connect or
// disconnect 404 is about: the daemon answers 404 for either. It asks
// whether the network exists rather than reading the daemon's message.
func (c *Client) networkOr404(ctx context.Context, err error, network, container string) error {
	if moved := reattribute(err, func() bool {
		_, ierr := c.NetworkInspect(ctx, network, NetworkInspectOptions{})
		return ierr == nil
	}, KindContainer, container); moved != nil {
		return moved
	}
	return err
}

// reattribute returns a copy of a 404 *APIError made to be about kind and
// id when primaryExists reports that the resource in the path is there, so
// the missing one must be the other; otherwise nil.
func reattribute(err error, primaryExists func() bool, kind, id string) *APIError {
	var ae *APIError
	if !errors.As(err, &ae) || !ae.notFound() || !primaryExists() {
		return nil
	}
	moved := *ae
	moved.Kind, moved.ID = kind, id
	return &moved
}

package dockwire

import (
	"context"
	"fmt"
	"net/http"

	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/internal/jsonvalid"
	"github.com/tidwall/gjson"
)

// SwarmInitOptions describes a swarm to start. The zero value listens on
// 0.0.0.0:2377 and lets the daemon pick the address it advertises (which
// fails on a host with several addresses: set AdvertiseAddr there).
type SwarmInitOptions struct {
	ListenAddr      string           // "0.0.0.0:2377" if empty; an address or interface, and a port
	AdvertiseAddr   string           // the address other nodes reach this one at, such as "10.0.0.1:2377"
	DataPathAddr    string           // the address of the overlay networks' traffic, if not AdvertiseAddr
	DataPathPort    uint32           // VXLAN port; 0 for 4789
	DefaultAddrPool []string         // subnets for swarm networks, such as "10.10.0.0/16"
	SubnetSize      uint32           // prefix length of each network's subnet from DefaultAddrPool
	ForceNewCluster bool             // recover a swarm that lost its quorum, from this manager's state
	Spec            engine.SwarmSpec // the swarm's configuration; the zero value for the defaults
}

// SwarmInit makes the daemon the first manager of a new swarm and returns
// its node ID. A daemon already in a swarm is an error matching
// ErrAlreadyInSwarm.
func (c *Client) SwarmInit(ctx context.Context, opts SwarmInitOptions) (string, error) {
	if opts.ListenAddr == "" {
		opts.ListenAddr = "0.0.0.0:2377"
	}
	body, err := jsonBody(struct {
		ListenAddr      string
		AdvertiseAddr   string   `json:",omitempty"`
		DataPathAddr    string   `json:",omitempty"`
		DataPathPort    uint32   `json:",omitempty"`
		DefaultAddrPool []string `json:",omitempty"`
		SubnetSize      uint32   `json:",omitempty"`
		ForceNewCluster bool     `json:",omitempty"`
		Spec            engine.SwarmSpec
	}{opts.ListenAddr, opts.AdvertiseAddr, opts.DataPathAddr, opts.DataPathPort, opts.DefaultAddrPool,
		opts.SubnetSize, opts.ForceNewCluster, opts.Spec})
	if err != nil {
		return "", err
	}
	r := &call{method: http.MethodPost, path: "/swarm/init", body: body, contentType: jsonContentType, kind: KindSwarm}
	doc, err := c.fetch(ctx, r)
	if err != nil {
		return "", err
	}
	id := gjson.Parse(doc)
	if !jsonvalid.Valid(doc) || id.Type != gjson.String || id.Str == "" {
		return "", c.bodyError(r, fmt.Errorf("%w: want the node ID as a JSON string, got %.60q", ErrDecode, doc))
	}
	return id.Str, nil
}

// SwarmJoinOptions says which swarm to join, and how.
type SwarmJoinOptions struct {
	RemoteAddrs   []string // managers of the swarm, such as "10.0.0.1:2377"; at least one
	JoinToken     string   // Swarm.JoinTokens.Worker or .Manager: decides the role
	ListenAddr    string   // "0.0.0.0:2377" if empty
	AdvertiseAddr string   // the address other nodes reach this one at
	DataPathAddr  string   // the address of the overlay networks' traffic, if not AdvertiseAddr
}

// SwarmJoin makes the daemon join a swarm as a worker or a manager, as its
// token says.
func (c *Client) SwarmJoin(ctx context.Context, opts SwarmJoinOptions) error {
	if len(opts.RemoteAddrs) == 0 || opts.JoinToken == "" {
		return invalidArg("swarm join needs the address of a manager and a join token")
	}
	if opts.ListenAddr == "" {
		opts.ListenAddr = "0.0.0.0:2377"
	}
	body, err := jsonBody(struct {
		ListenAddr    string
		AdvertiseAddr string `json:",omitempty"`
		DataPathAddr  string `json:",omitempty"`
		RemoteAddrs   []string
		JoinToken     string
	}{opts.ListenAddr, opts.AdvertiseAddr, opts.DataPathAddr, opts.RemoteAddrs, opts.JoinToken})
	if err != nil {
		return err
	}
	_, err = c.discard(ctx, &call{method: http.MethodPost, path: "/swarm/join", body: body, contentType: jsonContentType, kind: KindSwarm})
	return err
}

// SwarmLeaveOptions tunes SwarmLeave.
type SwarmLeaveOptions struct {
	// Force leaves even as the last manager (which ends the swarm) or a
	// manager whose departure breaks the quorum.
	Force bool
}

// SwarmLeave makes the daemon leave its swarm. A daemon in no swarm is an
// error matching ErrNotInSwarm.
func (c *Client) SwarmLeave(ctx context.Context, opts SwarmLeaveOptions) error {
	var q query
	q.flag("force", opts.Force)
	_, err := c.discard(ctx, &call{method: http.MethodPost, path: "/swarm/leave", query: q.String(), kind: KindSwarm})
	return err
}

// SwarmInspect returns the swarm, with its join tokens. Only a manager
// answers: elsewhere the error matches ErrNotSwarmManager.
func (c *Client) SwarmInspect(ctx context.Context) (engine.Swarm, error) {
	return getJSON[engine.Swarm](ctx, c, &call{method: http.MethodGet, path: "/swarm", kind: KindSwarm})
}

// SwarmUpdateOptions rotates the swarm's secrets along with an update.
type SwarmUpdateOptions struct {
	RotateWorkerToken      bool
	RotateManagerToken     bool
	RotateManagerUnlockKey bool
}

// SwarmUpdate replaces the swarm's spec. version is the Version of the
// SwarmInspect the spec was computed from: if the swarm changed since, the
// update is refused with an error matching ErrConflict.
func (c *Client) SwarmUpdate(ctx context.Context, version engine.ObjectVersion, spec engine.SwarmSpec, opts SwarmUpdateOptions) error {
	body, err := jsonBody(spec)
	if err != nil {
		return err
	}
	var q query
	q.add("version", versionString(version))
	q.flag("rotateWorkerToken", opts.RotateWorkerToken)
	q.flag("rotateManagerToken", opts.RotateManagerToken)
	q.flag("rotateManagerUnlockKey", opts.RotateManagerUnlockKey)
	_, err = c.discard(ctx, &call{method: http.MethodPost, path: "/swarm/update", query: q.String(), body: body,
		contentType: jsonContentType, kind: KindSwarm})
	return err
}

// SwarmUnlockKey returns the key that unlocks a restarted manager of a
// swarm whose spec sets EncryptionConfig.AutoLockManagers; "" when the
// swarm does not lock.
func (c *Client) SwarmUnlockKey(ctx context.Context) (string, error) {
	r := &call{method: http.MethodGet, path: "/swarm/unlockkey", kind: KindSwarm}
	doc, err := c.fetch(ctx, r)
	if err != nil {
		return "", err
	}
	if !jsonvalid.Valid(doc) || !gjson.Parse(doc).IsObject() {
		return "", c.bodyError(r, fmt.Errorf("%w: want an object with UnlockKey, got %.60q", ErrDecode, doc))
	}
	return gjson.Get(doc, "UnlockKey").String(), nil
}

// SwarmUnlock unlocks a locked manager with the key SwarmUnlockKey gave.
func (c *Client) SwarmUnlock(ctx context.Context, key string) error {
	if key == "" {
		return invalidArg("swarm unlock key is empty")
	}
	body, err := jsonBody(struct{ UnlockKey string }{key})
	if err != nil {
		return err
	}
	_, err = c.discard(ctx, &call{method: http.MethodPost, path: "/swarm/unlock", body: body, contentType: jsonContentType, kind: KindSwarm})
	return err
}

package dockwire

import (
	"context"
	"net/http"

	"github.com/dockwire/dockwire/engine"
)

// SecretCreateOptions describes a secret to create.
type SecretCreateOptions struct {
	// Spec is the secret: a Name, and its Data (at most 500 KiB) or a
	// Driver. Data is never logged, and never appears in errors.
	Spec engine.SecretSpec
}

// SecretCreate creates a secret and returns its ID. A name in use is an
// error matching ErrConflict.
func (c *Client) SecretCreate(ctx context.Context, opts SecretCreateOptions) (engine.IDResponse, error) {
	return swarmCreate[engine.IDResponse](ctx, c, KindSecret, opts.Spec.Name, opts.Spec)
}

// SecretListOptions selects the secrets SecretList returns.
type SecretListOptions struct {
	Filters Filters // "id", "label", "name", "names"; nil for all
}

// SecretList lists the swarm's secrets, without their data.
func (c *Client) SecretList(ctx context.Context, opts SecretListOptions) ([]engine.Secret, error) {
	return swarmList[engine.Secret](ctx, c, KindSecret, opts.Filters)
}

// SecretInspect returns a secret, without its data, by ID or name. A
// missing secret is an error matching ErrNotFound.
func (c *Client) SecretInspect(ctx context.Context, id string) (engine.Secret, error) {
	return swarmInspect[engine.Secret](ctx, c, KindSecret, id)
}

// SecretUpdate replaces a secret's labels: the daemon refuses any other
// change. version is the Version of the SecretInspect the spec came from.
func (c *Client) SecretUpdate(ctx context.Context, id string, version engine.ObjectVersion, spec engine.SecretSpec) error {
	return c.swarmUpdate(ctx, KindSecret, id, version, spec)
}

// SecretRemoveOptions tunes SecretRemove; it has no fields yet.
type SecretRemoveOptions struct{}

// SecretRemove removes a secret. A secret a service uses is refused.
func (c *Client) SecretRemove(ctx context.Context, id string, _ SecretRemoveOptions) error {
	return c.swarmRemove(ctx, KindSecret, id)
}

// ConfigCreateOptions describes a config to create.
type ConfigCreateOptions struct {
	Spec engine.ConfigSpec // a Name and its Data
}

// ConfigCreate creates a config and returns its ID. A name in use is an
// error matching ErrConflict.
func (c *Client) ConfigCreate(ctx context.Context, opts ConfigCreateOptions) (engine.IDResponse, error) {
	return swarmCreate[engine.IDResponse](ctx, c, KindConfig, opts.Spec.Name, opts.Spec)
}

// ConfigListOptions selects the configs ConfigList returns.
type ConfigListOptions struct {
	Filters Filters // "id", "label", "name", "names"; nil for all
}

// ConfigList lists the swarm's configs.
func (c *Client) ConfigList(ctx context.Context, opts ConfigListOptions) ([]engine.Config, error) {
	return swarmList[engine.Config](ctx, c, KindConfig, opts.Filters)
}

// ConfigInspect returns a config, with its data, by ID or name. A missing
// config is an error matching ErrNotFound.
func (c *Client) ConfigInspect(ctx context.Context, id string) (engine.Config, error) {
	return swarmInspect[engine.Config](ctx, c, KindConfig, id)
}

// ConfigUpdate replaces a config's labels: the daemon refuses any other
// change. version is the Version of the ConfigInspect the spec came from.
func (c *Client) ConfigUpdate(ctx context.Context, id string, version engine.ObjectVersion, spec engine.ConfigSpec) error {
	return c.swarmUpdate(ctx, KindConfig, id, version, spec)
}

// ConfigRemoveOptions tunes ConfigRemove; it has no fields yet.
type ConfigRemoveOptions struct{}

// ConfigRemove removes a config. A config a service uses is refused.
func (c *Client) ConfigRemove(ctx context.Context, id string, _ ConfigRemoveOptions) error {
	return c.swarmRemove(ctx, KindConfig, id)
}

// swarmCreate posts spec to /{kind}s/create.
func swarmCreate[T any, PT interface {
	*T
	engine.Decoder
}](ctx context.Context, c *Client, kind, name string, spec any) (T, error) {
	var zero T
	if name == "" {
		return zero, invalidArg("%s has no name", kind)
	}
	if _, err := idSegment(kind, name); err != nil {
		return zero, err
	}
	body, err := jsonBody(spec)
	if err != nil {
		return zero, err
	}
	return getJSON[T, PT](ctx, c, &call{method: http.MethodPost, path: "/" + kind + "s/create", body: body,
		contentType: jsonContentType, kind: kind, id: name})
}

func swarmList[T any, PT interface {
	*T
	engine.Decoder
}](ctx context.Context, c *Client, kind string, filters Filters) ([]T, error) {
	var q query
	q.filters(filters)
	return getList[T, PT](ctx, c, &call{method: http.MethodGet, path: "/" + kind + "s", query: q.String(), kind: kind})
}

func swarmInspect[T any, PT interface {
	*T
	engine.Decoder
}](ctx context.Context, c *Client, kind, id string) (T, error) {
	r, err := swarmObjectCall(kind, http.MethodGet, id, "")
	if err != nil {
		var zero T
		return zero, err
	}
	return getJSON[T, PT](ctx, c, r)
}

func (c *Client) swarmRemove(ctx context.Context, kind, id string) error {
	r, err := swarmObjectCall(kind, http.MethodDelete, id, "")
	if err != nil {
		return err
	}
	_, err = c.discard(ctx, r)
	return err
}

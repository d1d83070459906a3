package dockwire

import (
	"context"
	"net/http"

	"github.com/dockwire/dockwire/engine"
)

// ServerVersion returns the daemon's version report (docker version).
func (c *Client) ServerVersion(ctx context.Context) (engine.SystemVersion, error) {
	return getJSON[engine.SystemVersion](ctx, c, &call{method: http.MethodGet, path: "/version"})
}

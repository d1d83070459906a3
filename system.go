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

// Info returns the daemon's system-wide report (docker info).
func (c *Client) Info(ctx context.Context) (engine.SystemInfo, error) {
	return getJSON[engine.SystemInfo](ctx, c, &call{method: http.MethodGet, path: "/info"})
}

// DiskUsageOptions selects what DiskUsage computes. The zero value asks for
// every kind of object, summarised.
type DiskUsageOptions struct {
	// Containers, Images, Volumes and BuildCache limit the report to these
	// kinds when any is set (API 1.42; older daemons, which have no such
	// choice, are not asked and compute every kind).
	Containers, Images, Volumes, BuildCache bool
	// Verbose lists the objects (Items) as well as summarising them. From
	// API 1.53 the daemon lists them only when asked (API 1.52 brought the
	// parameter); before, always.
	Verbose bool
}

// DiskUsage reports how much disk the daemon's images, containers, volumes
// and build cache use (docker system df). Computing it can take the daemon
// a while on a large host.
func (c *Client) DiskUsage(ctx context.Context, opts DiskUsageOptions) (engine.DiskUsage, error) {
	// Older daemons have neither parameter, and do what it would ask for
	// anyway: report every kind (before 1.42), list every item (before 1.52).
	v, err := c.APIVersion(ctx)
	if err != nil {
		return engine.DiskUsage{}, err
	}
	var q query
	if !versionLess(v, "1.42") {
		for _, t := range []struct {
			on   bool
			name string
		}{{opts.Containers, "container"}, {opts.Images, "image"}, {opts.Volumes, "volume"}, {opts.BuildCache, "build-cache"}} {
			if t.on {
				q.add("type", t.name)
			}
		}
	}
	if !versionLess(v, "1.52") {
		q.flag("verbose", opts.Verbose)
	}
	return getJSON[engine.DiskUsage](ctx, c, &call{method: http.MethodGet, path: "/system/df", query: q.String()})
}

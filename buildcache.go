package dockwire

import (
	"context"
	"net/http"
	"strconv"

	"github.com/dockwire/dockwire/engine"
)

// BuildCachePruneOptions says which build cache records BuildCachePrune
// removes. The zero value removes the unused ones the daemon would
// collect anyway, as docker builder prune does.
type BuildCachePruneOptions struct {
	// All removes every record not in use by a running build, not only
	// the dangling ones (docker builder prune -a).
	All bool
	// Filters: "until" (a timestamp or a duration such as "24h"), "id",
	// "parent", "type", "description", "inuse", "shared", "private".
	Filters Filters
	// ReservedSpace keeps this many bytes of cache, the least recently
	// used going first (--reserved-space, called keep-storage before API
	// 1.48, under which name it is sent to older daemons).
	ReservedSpace int64
	// MaxUsedSpace prunes until the cache takes at most this many bytes;
	// MinFreeSpace until the disk has this many free. Both need API 1.48.
	MaxUsedSpace int64
	MinFreeSpace int64
}

// BuildCachePrune removes build cache records (docker builder prune) and
// reports what went. A negative size in opts is an error matching
// ErrInvalidArgument; MaxUsedSpace or MinFreeSpace below API 1.48 one
// matching ErrAPIVersion, before anything is sent.
func (c *Client) BuildCachePrune(ctx context.Context, opts BuildCachePruneOptions) (engine.BuildPruneResponse, error) {
	if opts.ReservedSpace < 0 || opts.MaxUsedSpace < 0 || opts.MinFreeSpace < 0 {
		return engine.BuildPruneResponse{}, invalidArg("build cache prune: negative size in %+v", opts)
	}
	var q query
	q.flag("all", opts.All)
	q.filters(opts.Filters)
	current, err := c.apiAtLeast(ctx, "1.48")
	if err != nil {
		return engine.BuildPruneResponse{}, err
	}
	if opts.ReservedSpace > 0 {
		if current {
			q.add("reserved-space", strconv.FormatInt(opts.ReservedSpace, 10))
		} else {
			q.add("keep-storage", strconv.FormatInt(opts.ReservedSpace, 10))
		}
	}
	for _, p := range []struct {
		name, field string
		n           int64
	}{{"max-used-space", "MaxUsedSpace", opts.MaxUsedSpace}, {"min-free-space", "MinFreeSpace", opts.MinFreeSpace}} {
		if p.n == 0 {
			continue
		}
		if err := c.requireAPI(ctx, "1.48", "BuildCachePruneOptions."+p.field); err != nil {
			return engine.BuildPruneResponse{}, err
		}
		q.add(p.name, strconv.FormatInt(p.n, 10))
	}
	return getJSON[engine.BuildPruneResponse](ctx, c, &call{method: http.MethodPost, path: "/build/prune", query: q.String(), slow: unbounded})
}

package dockwire

import (
	"context"
	"net/http"

	"github.com/dockwire/dockwire/engine"
)

// VolumeCreateOptions describes a volume to create. The zero value is a
// local volume with a name the daemon generates.
type VolumeCreateOptions struct {
	Name       string            `json:",omitempty"` // generated if empty
	Driver     string            `json:",omitempty"` // "local" if empty
	DriverOpts map[string]string `json:",omitempty"` // e.g. {"type": "tmpfs", "device": "tmpfs"}
	Labels     map[string]string `json:",omitempty"`
}

// VolumeCreate creates a volume and returns it. Creating a volume whose
// name exists with the same driver returns the existing volume.
func (c *Client) VolumeCreate(ctx context.Context, opts VolumeCreateOptions) (engine.Volume, error) {
	if opts.Name != "" {
		if _, err := idSegment(KindVolume, opts.Name); err != nil {
			return engine.Volume{}, err
		}
	}
	body, err := jsonBody(opts)
	if err != nil {
		return engine.Volume{}, err
	}
	return getJSON[engine.Volume](ctx, c, &call{
		method: http.MethodPost, path: "/volumes/create", body: body, contentType: jsonContentType,
		kind: KindVolume, id: opts.Name,
	})
}

// VolumeInspect returns a volume by name. A missing volume is an error
// matching ErrVolumeNotFound.
func (c *Client) VolumeInspect(ctx context.Context, name string) (engine.Volume, error) {
	r, err := volumeCall(http.MethodGet, name)
	if err != nil {
		return engine.Volume{}, err
	}
	return getJSON[engine.Volume](ctx, c, r)
}

// VolumeListOptions says which volumes VolumeList lists; the zero value
// lists them all.
type VolumeListOptions struct {
	Filters Filters // "dangling", "driver", "label", "name"
}

// VolumeList lists the volumes that match opts.Filters.
func (c *Client) VolumeList(ctx context.Context, opts VolumeListOptions) (engine.VolumeListResponse, error) {
	var q query
	q.filters(opts.Filters)
	return getJSON[engine.VolumeListResponse](ctx, c, &call{method: http.MethodGet, path: "/volumes", query: q.String()})
}

// VolumeRemoveOptions says how VolumeRemove removes a volume.
type VolumeRemoveOptions struct {
	// Force only lets the daemon forget a volume that its driver already
	// lost; it does not detach containers.
	Force bool
}

// VolumeRemove removes a volume. A volume in use is an error matching
// ErrConflict.
func (c *Client) VolumeRemove(ctx context.Context, name string, opts VolumeRemoveOptions) error {
	r, err := volumeCall(http.MethodDelete, name)
	if err != nil {
		return err
	}
	var q query
	q.flag("force", opts.Force)
	r.query = q.String()
	_, err = c.discard(ctx, r)
	return err
}

// VolumePruneOptions says which unused volumes VolumePrune removes.
type VolumePruneOptions struct {
	Filters Filters // "label", "label!", "all"; see VolumePrune for "all"
}

// VolumePrune removes the volumes no container uses that match
// opts.Filters and reports what went.
//
// From API 1.42 the daemon prunes only anonymous volumes unless the filters
// hold all=true; before 1.42 it prunes named ones too and rejects an "all"
// filter, so a true "all" is left out for those daemons: with it, every
// version prunes named and anonymous volumes alike.
func (c *Client) VolumePrune(ctx context.Context, opts VolumePruneOptions) (engine.VolumePruneResponse, error) {
	filters := opts.Filters
	if vals, ok := filters["all"]; ok && allTrue(vals) {
		modern, err := c.apiAtLeast(ctx, "1.42")
		if err != nil {
			return engine.VolumePruneResponse{}, err
		}
		if !modern {
			trimmed := make(Filters, len(filters))
			for k, v := range filters {
				if k != "all" {
					trimmed[k] = v
				}
			}
			filters = trimmed
		}
	}
	var q query
	q.filters(filters)
	return getJSON[engine.VolumePruneResponse](ctx, c, &call{method: http.MethodPost, path: "/volumes/prune", query: q.String()})
}

// allTrue reports whether vals is non-empty and every value is one the
// daemon reads as true.
func allTrue(vals []string) bool {
	for _, v := range vals {
		if v != "true" && v != "1" && v != "True" && v != "TRUE" {
			return false
		}
	}
	return len(vals) > 0
}

// volumeCall builds a call on /volumes/{name}.
func volumeCall(method, name string) (*call, error) {
	seg, err := idSegment(KindVolume, name)
	if err != nil {
		return nil, err
	}
	return &call{method: method, path: "/volumes/" + seg, kind: KindVolume, id: name}, nil
}

package dockwire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/dockwire/dockwire/engine"
)

// ContainerCreateOptions describes a container to create.
type ContainerCreateOptions struct {
	Name       string // optional; the daemon picks one if empty
	Platform   string // e.g. "linux/arm64"; empty for the daemon's own
	Config     engine.ContainerConfig
	HostConfig engine.HostConfig
	// Networks attaches the container to these networks at creation
	// (EndpointsConfig), keyed by network name.
	Networks map[string]engine.EndpointSettings
	// Extra is a JSON object merged into the request body after the typed
	// fields, for anything they lack: objects merge key by key, other
	// values replace. {"HostConfig": {"OomScoreAdj": 500}} sets one field.
	Extra json.RawMessage
}

// ContainerCreate creates a container. A missing image is an error
// matching ErrImageNotFound; a taken name one matching ErrConflict.
func (c *Client) ContainerCreate(ctx context.Context, opts ContainerCreateOptions) (engine.ContainerCreateResponse, error) {
	var q query
	if opts.Name != "" {
		name, err := idSegment(KindContainer, opts.Name)
		if err != nil {
			return engine.ContainerCreateResponse{}, err
		}
		q.add("name", name)
	}
	if opts.Platform != "" {
		q.add("platform", opts.Platform)
	}
	if len(opts.HostConfig.Annotations) > 0 {
		if err := c.requireAPI(ctx, "1.43", "HostConfig.Annotations"); err != nil {
			return engine.ContainerCreateResponse{}, err
		}
	}
	if hc := opts.Config.Healthcheck; hc != nil && hc.StartInterval != 0 {
		if err := c.requireAPI(ctx, "1.44", "Config.Healthcheck.StartInterval"); err != nil {
			return engine.ContainerCreateResponse{}, err
		}
	}
	if v, what := mountsNeed(opts.HostConfig.Mounts); v != "" {
		if err := c.requireAPI(ctx, v, "HostConfig.Mounts' "+what); err != nil {
			return engine.ContainerCreateResponse{}, err
		}
	}
	body, err := createBody(opts)
	if err != nil {
		return engine.ContainerCreateResponse{}, err
	}
	created, err := getJSON[engine.ContainerCreateResponse](ctx, c, &call{
		method: http.MethodPost, path: "/containers/create", query: q.String(),
		body: bytes.NewReader(body), contentType: jsonContentType,
		kind: KindImage, id: opts.Config.Image,
	})
	// Only a 404 is about the image; a 409 is about the name.
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode != http.StatusNotFound {
		apiErr.Kind, apiErr.ID = KindContainer, opts.Name
	}
	return created, err
}

// mountsNeed returns the API version the mounts need, and what needs it:
// "" when every API version dockwire speaks takes them.
func mountsNeed(mounts []engine.Mount) (version, what string) {
	need := func(v, w string) {
		if version == "" || versionLess(version, v) {
			version, what = v, w
		}
	}
	for _, m := range mounts {
		if m.Type == "image" || m.ImageOptions != nil {
			need("1.48", "an image mount")
		}
		if t := m.TmpfsOptions; t != nil && len(t.Options) > 0 {
			need("1.46", "TmpfsOptions.Options")
		}
		if v := m.VolumeOptions; v != nil && v.Subpath != "" {
			need("1.45", "VolumeOptions.Subpath")
		}
		if b := m.BindOptions; b != nil && (b.ReadOnlyNonRecursive || b.ReadOnlyForceRecursive) {
			need("1.44", "BindOptions.ReadOnlyNonRecursive/ReadOnlyForceRecursive")
		}
		if b := m.BindOptions; b != nil && b.CreateMountpoint {
			need("1.42", "BindOptions.CreateMountpoint")
		}
	}
	return version, what
}

func createBody(opts ContainerCreateOptions) ([]byte, error) {
	type networking struct {
		EndpointsConfig map[string]engine.EndpointSettings `json:",omitempty"`
	}
	body, err := json.Marshal(struct {
		engine.ContainerConfig
		HostConfig       engine.HostConfig
		NetworkingConfig networking `json:",omitempty"`
	}{opts.Config, opts.HostConfig, networking{opts.Networks}})
	if err != nil {
		return nil, err
	}
	return mergeExtra(body, opts.Extra, "ContainerCreateOptions.Extra")
}

// mergeExtra merges the JSON object extra, the option named what, into the
// JSON object body (see mergeJSON).
func mergeExtra(body []byte, extra json.RawMessage, what string) ([]byte, error) {
	if len(extra) == 0 {
		return body, nil
	}
	var base, add map[string]any
	if err := json.Unmarshal(body, &base); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(extra, &add); err != nil {
		return nil, invalidArg("%s is not a JSON object: %v", what, err)
	}
	return json.Marshal(mergeJSON(base, add))
}

// mergeJSON merges src into dst: objects key by key, anything else replaced.
func mergeJSON(dst, src map[string]any) map[string]any {
	for k, v := range src {
		if sub, ok := v.(map[string]any); ok {
			if cur, ok := dst[k].(map[string]any); ok {
				dst[k] = mergeJSON(cur, sub)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}

// containerCall builds a call on /containers/{id}/{action}.
func containerCall(method, id, action string, q query) (*call, error) {
	seg, err := idSegment(KindContainer, id)
	if err != nil {
		return nil, err
	}
	path := "/containers/" + seg
	if action != "" {
		path += "/" + action
	}
	return &call{method: method, path: path, query: q.String(), kind: KindContainer, id: id}, nil
}

// containerAction performs a bodiless POST on a container; a 304 Not
// Modified (already in that state) is success. slow is how long the daemon
// may take before it answers.
func (c *Client) containerAction(ctx context.Context, id, action string, q query, slow time.Duration) error {
	r, err := containerCall(http.MethodPost, id, action, q)
	if err != nil {
		return err
	}
	r.slow = slow
	_, err = c.discard(ctx, r)
	return err
}

// ContainerStart starts a container. Starting one that runs already is
// not an error (the daemon's 304 Not Modified): the call returns nil, as
// the moby client does. To know whether it ran before, inspect its State
// first; see docs/design.md for why the call does not report it.
func (c *Client) ContainerStart(ctx context.Context, id string) error {
	return c.containerAction(ctx, id, "start", query{}, 0)
}

// ContainerStopOptions says how to stop a container. Its zero value sends
// the container's stop signal and leaves the grace period to the daemon:
// the container's StopTimeout, 10 s unless it set one. Set at most one of
// Timeout, WaitForever and KillNow; a negative Timeout or two of them
// together is an error matching ErrInvalidArgument, before anything is
// sent. (The moby client's Timeout of -1 means "wait forever"; here that
// is WaitForever, so that a -1 carried over by habit fails loudly instead
// of doing the opposite.)
type ContainerStopOptions struct {
	// Signal replaces the container's stop signal (SIGTERM by default).
	// Needs API 1.42.
	Signal string
	// Timeout is the grace period between Signal and SIGKILL, sent in
	// whole seconds, rounded up; zero leaves it to the daemon.
	Timeout time.Duration
	// WaitForever waits for the container to exit after Signal however long
	// it takes, and never sends SIGKILL (the API's t=-1). The call returns
	// only when the container has stopped, or when ctx ends; the client's
	// WithTimeout does not bound it.
	WaitForever bool
	// KillNow sends SIGKILL right after Signal, with no grace period (the
	// API's t=0).
	KillNow bool
}

// ContainerRestartOptions says how ContainerRestart stops a container
// before it starts it again; its fields mean what ContainerStopOptions'
// do.
type ContainerRestartOptions ContainerStopOptions

// unbounded is how long a call that waits forever may take before the
// daemon answers: longer than anyone waits, and far from overflowing
// when added to the client's timeout.
const unbounded time.Duration = 1 << 62

// grace is how long a stop may take: the grace period, or the usual
// default of 10s when the container's own applies.
func (o ContainerStopOptions) grace() time.Duration {
	switch {
	case o.WaitForever:
		return unbounded
	case o.KillNow:
		return 0
	case o.Timeout == 0:
		return 10 * time.Second
	}
	return o.Timeout
}

func (o ContainerStopOptions) query(ctx context.Context, c *Client, action, id string) (query, error) {
	var q query
	set := 0
	for _, b := range []bool{o.Timeout != 0, o.WaitForever, o.KillNow} {
		if b {
			set++
		}
	}
	switch {
	case o.Timeout < 0:
		return q, invalidArg("%s container %q: negative Timeout %v; to wait forever set WaitForever, to kill at once set KillNow", action, id, o.Timeout)
	case set > 1:
		return q, invalidArg("%s container %q: set only one of Timeout (%v), WaitForever (%t) and KillNow (%t)", action, id, o.Timeout, o.WaitForever, o.KillNow)
	case o.WaitForever:
		q.int("t", -1)
	case o.KillNow:
		q.int("t", 0)
	case o.Timeout > 0:
		q.int("t", int((o.Timeout+time.Second-1)/time.Second))
	}
	if o.Signal != "" {
		if err := c.requireAPI(ctx, "1.42", "a stop signal"); err != nil {
			return q, err
		}
		q.add("signal", o.Signal)
	}
	return q, nil
}

// ContainerStop stops a container: its stop signal, then SIGKILL after the
// grace period (see ContainerStopOptions). Stopping one that is not
// running is not an error (the daemon's 304 Not Modified): the call
// returns nil, as the moby client does.
func (c *Client) ContainerStop(ctx context.Context, id string, opts ContainerStopOptions) error {
	q, err := opts.query(ctx, c, "stop", id)
	if err != nil {
		return err
	}
	err = c.containerAction(ctx, id, "stop", q, opts.grace())
	return err
}

// ContainerRestart stops a container as ContainerStop does, then starts it.
func (c *Client) ContainerRestart(ctx context.Context, id string, opts ContainerRestartOptions) error {
	stop := ContainerStopOptions(opts)
	q, err := stop.query(ctx, c, "restart", id)
	if err != nil {
		return err
	}
	err = c.containerAction(ctx, id, "restart", q, stop.grace())
	return err
}

// ContainerKill sends a signal ("SIGKILL" if empty) to a container. A
// container that is not running is an error matching ErrConflict.
func (c *Client) ContainerKill(ctx context.Context, id, signal string) error {
	var q query
	if signal != "" {
		q.add("signal", signal)
	}
	err := c.containerAction(ctx, id, "kill", q, 0)
	return err
}

// ContainerPause freezes every process of a container.
func (c *Client) ContainerPause(ctx context.Context, id string) error {
	err := c.containerAction(ctx, id, "pause", query{}, 0)
	return err
}

// ContainerUnpause thaws a paused container.
func (c *Client) ContainerUnpause(ctx context.Context, id string) error {
	err := c.containerAction(ctx, id, "unpause", query{}, 0)
	return err
}

// ContainerRename gives a container a new name.
func (c *Client) ContainerRename(ctx context.Context, id, newName string) error {
	name, err := idSegment(KindContainer, newName)
	if err != nil {
		return err
	}
	var q query
	q.add("name", name)
	err = c.containerAction(ctx, id, "rename", q, 0)
	return err
}

// ContainerRemoveOptions says how to remove a container.
type ContainerRemoveOptions struct {
	Force   bool // kill it first if it runs
	Volumes bool // also remove its anonymous volumes
}

// ContainerRemove removes a container. A running container without Force
// is an error matching ErrConflict.
func (c *Client) ContainerRemove(ctx context.Context, id string, opts ContainerRemoveOptions) error {
	var q query
	q.flag("force", opts.Force)
	q.flag("v", opts.Volumes)
	r, err := containerCall(http.MethodDelete, id, "", q)
	if err != nil {
		return err
	}
	if opts.Force && c.isPodman(ctx) {
		c.podmanKillBeforeRemove(ctx, id)
	}
	_, err = c.discard(ctx, r)
	return err
}

// ContainerTop lists the processes of a running container; psArgs are
// options for ps ("" for the daemon's default, "-ef").
func (c *Client) ContainerTop(ctx context.Context, id, psArgs string) (engine.ContainerTopResponse, error) {
	var q query
	if psArgs != "" {
		q.add("ps_args", psArgs)
	}
	r, err := containerCall(http.MethodGet, id, "top", q)
	if err != nil {
		return engine.ContainerTopResponse{}, err
	}
	return getJSON[engine.ContainerTopResponse](ctx, c, r)
}

// ContainerUpdateOptions changes a container's resource limits and restart
// policy while it exists (docker update); zero fields are left as they
// are. What the daemon can change while the container runs depends on the
// cgroup driver: lowering Memory below the container's usage fails, and
// cgroup v2 has no kernel or realtime limits.
type ContainerUpdateOptions struct {
	engine.Resources
	RestartPolicy *engine.RestartPolicy `json:",omitempty"` // nil to keep
	// Extra is a JSON object merged into the request body after the typed
	// fields, as ContainerCreateOptions.Extra is.
	Extra json.RawMessage `json:"-"`
}

// ContainerUpdate changes the resources of a container while it exists.
// The daemon's refusal of a change is an error matching ErrBadRequest (or
// ErrServer, for what the kernel refused).
func (c *Client) ContainerUpdate(ctx context.Context, id string, opts ContainerUpdateOptions) (engine.ContainerUpdateResponse, error) {
	r, err := containerCall(http.MethodPost, id, "update", query{})
	if err != nil {
		return engine.ContainerUpdateResponse{}, err
	}
	body, err := json.Marshal(opts)
	if err == nil {
		body, err = mergeExtra(body, opts.Extra, "ContainerUpdateOptions.Extra")
	}
	if err != nil {
		return engine.ContainerUpdateResponse{}, err
	}
	r.body, r.contentType = bytes.NewReader(body), jsonContentType
	return getJSON[engine.ContainerUpdateResponse](ctx, c, r)
}

// ContainerPruneOptions says which stopped containers ContainerPrune
// removes; the zero value removes them all.
type ContainerPruneOptions struct {
	Filters Filters // "label", "label!", "until"; e.g. {"label": {"app=web"}}
}

// ContainerPrune removes the stopped containers that match opts.Filters and
// reports what went.
func (c *Client) ContainerPrune(ctx context.Context, opts ContainerPruneOptions) (engine.ContainerPruneResponse, error) {
	var q query
	q.filters(opts.Filters)
	return getJSON[engine.ContainerPruneResponse](ctx, c, &call{method: http.MethodPost, path: "/containers/prune", query: q.String()})
}

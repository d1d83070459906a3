package dockwire

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/dockwire/dockwire/engine"
)

// ServiceCreateOptions describes a service to create.
type ServiceCreateOptions struct {
	Spec engine.ServiceSpec
	// Auth holds the credentials the nodes pull the image with, e.g. from
	// LoadAuth; the zero value for a public or local image.
	Auth AuthConfig
	// RegistryAuth is an already encoded X-Registry-Auth value, an
	// alternative to Auth.
	RegistryAuth string
}

// ServiceCreate creates a swarm service. The daemon only records it: the
// tasks are scheduled afterwards, so use ServiceWait (or ServiceConverge)
// to learn whether they start. A name in use is an error matching
// ErrConflict; a spec the daemon refuses (a bad constraint, an unknown
// network) one matching ErrBadRequest. The image is not resolved to a
// digest: every node runs what its tag names there.
func (c *Client) ServiceCreate(ctx context.Context, opts ServiceCreateOptions) (engine.ServiceCreateResponse, error) {
	r, err := c.serviceSpecCall(ctx, http.MethodPost, "/services/create", opts.Spec, opts.Auth, opts.RegistryAuth)
	if err != nil {
		return engine.ServiceCreateResponse{}, err
	}
	return getJSON[engine.ServiceCreateResponse](ctx, c, r)
}

// serviceSpecCall builds a create or update call carrying spec and
// registry credentials, refusing fields the negotiated API lacks.
func (c *Client) serviceSpecCall(ctx context.Context, method, path string, spec engine.ServiceSpec, auth AuthConfig, encoded string) (*call, error) {
	if spec.Name != "" {
		if _, err := idSegment(KindService, spec.Name); err != nil {
			return nil, err
		}
	}
	if cs := spec.TaskTemplate.ContainerSpec; cs != nil && cs.OomScoreAdj != 0 {
		if err := c.requireAPI(ctx, "1.46", "a service's OomScoreAdj"); err != nil {
			return nil, err
		}
	}
	if cs := spec.TaskTemplate.ContainerSpec; cs != nil && cs.HealthCheck != nil && cs.HealthCheck.StartInterval != 0 {
		if err := c.requireAPI(ctx, "1.44", "a service's HealthCheck.StartInterval"); err != nil {
			return nil, err
		}
	}
	if cs := spec.TaskTemplate.ContainerSpec; cs != nil {
		if v, what := mountsNeed(cs.Mounts); v != "" {
			if err := c.requireAPI(ctx, v, "a service's Mounts' "+what); err != nil {
				return nil, err
			}
		}
	}
	hdr, err := registryAuth(auth, encoded)
	if err != nil {
		return nil, err
	}
	body, err := jsonBody(spec)
	if err != nil {
		return nil, err
	}
	r := &call{method: method, path: path, body: body, contentType: jsonContentType, kind: KindService, id: spec.Name}
	if hdr != "" {
		r.header = http.Header{"X-Registry-Auth": {hdr}}
	}
	return r, nil
}

// ServiceListOptions selects the services ServiceList returns.
type ServiceListOptions struct {
	// Filters: "id", "label", "mode" (replicated or global), "name"; nil
	// for all.
	Filters Filters
	// Status makes the daemon count each service's running and desired
	// tasks, in Service.ServiceStatus (what docker service ls shows as
	// REPLICAS).
	Status bool
}

// ServiceList lists the swarm's services.
func (c *Client) ServiceList(ctx context.Context, opts ServiceListOptions) ([]engine.Service, error) {
	var q query
	q.filters(opts.Filters)
	q.flag("status", opts.Status)
	return getList[engine.Service](ctx, c, &call{method: http.MethodGet, path: "/services", query: q.String(), kind: KindService})
}

// ServiceInspectOptions tunes ServiceInspect.
type ServiceInspectOptions struct {
	// InsertDefaults fills the fields the spec left empty with the values
	// the swarm uses.
	InsertDefaults bool
}

// ServiceInspect returns a service by ID, unique ID prefix or name. A
// missing service is an error matching ErrNotFound.
func (c *Client) ServiceInspect(ctx context.Context, id string, opts ServiceInspectOptions) (engine.Service, error) {
	r, err := swarmObjectCall(KindService, http.MethodGet, id, "")
	if err != nil {
		return engine.Service{}, err
	}
	var q query
	q.flag("insertDefaults", opts.InsertDefaults)
	r.query = q.String()
	return getJSON[engine.Service](ctx, c, r)
}

// ServiceUpdateOptions tunes ServiceUpdate.
type ServiceUpdateOptions struct {
	// Rollback makes the swarm return to the service's PreviousSpec; the
	// spec passed is then ignored.
	Rollback bool
	// Auth holds the credentials for pulling a changed image; see
	// ServiceCreateOptions.
	Auth AuthConfig
	// RegistryAuth is an already encoded X-Registry-Auth value, an
	// alternative to Auth.
	RegistryAuth string
	// RegistryAuthFrom says which credentials to keep when none are given:
	// "spec" (the daemon's default) or "previous-spec".
	RegistryAuthFrom string
}

// ServiceUpdate replaces a service's spec, which rolls its tasks over as
// the spec's UpdateConfig says. version is the Version of the
// ServiceInspect the spec was computed from: if the service changed since,
// the update is refused with an error matching ErrConflict. ServiceModify
// reads, changes and retries for you.
func (c *Client) ServiceUpdate(ctx context.Context, id string, version engine.ObjectVersion, spec engine.ServiceSpec, opts ServiceUpdateOptions) (engine.ServiceUpdateResponse, error) {
	seg, err := idSegment(KindService, id)
	if err != nil {
		return engine.ServiceUpdateResponse{}, err
	}
	r, err := c.serviceSpecCall(ctx, http.MethodPost, "/services/"+seg+"/update", spec, opts.Auth, opts.RegistryAuth)
	if err != nil {
		return engine.ServiceUpdateResponse{}, err
	}
	r.id = id
	var q query
	q.add("version", versionString(version))
	switch opts.RegistryAuthFrom {
	case "":
	case "spec", "previous-spec":
		q.add("registryAuthFrom", opts.RegistryAuthFrom)
	default:
		return engine.ServiceUpdateResponse{}, invalidArg("RegistryAuthFrom %q: want \"spec\" or \"previous-spec\"", opts.RegistryAuthFrom)
	}
	if opts.Rollback {
		q.add("rollback", "previous")
	}
	r.query = q.String()
	return getJSON[engine.ServiceUpdateResponse](ctx, c, r)
}

// ServiceModify reads a service, lets change edit its spec, and updates the
// service with the version it read. If someone else updated the service in
// between (the daemon's "update out of sequence"), it reads it again and
// applies change once more to the new spec; a second conflict is returned.
// An error from change is returned as it is, and nothing is sent.
func (c *Client) ServiceModify(ctx context.Context, id string, change func(*engine.ServiceSpec) error) (engine.ServiceUpdateResponse, error) {
	for try := 0; ; try++ {
		svc, err := c.ServiceInspect(ctx, id, ServiceInspectOptions{})
		if err != nil {
			return engine.ServiceUpdateResponse{}, err
		}
		spec := svc.Spec
		if err := change(&spec); err != nil {
			return engine.ServiceUpdateResponse{}, err
		}
		resp, err := c.ServiceUpdate(ctx, svc.ID, svc.Version, spec, ServiceUpdateOptions{})
		if try == 0 && errors.Is(err, ErrConflict) {
			continue
		}
		return resp, err
	}
}

// ServiceScale sets the number of tasks of a replicated service (or of a
// replicated job's total completions). A global service cannot be scaled:
// the error matches ErrInvalidArgument.
func (c *Client) ServiceScale(ctx context.Context, id string, replicas uint64) error {
	_, err := c.ServiceModify(ctx, id, func(s *engine.ServiceSpec) error {
		switch m := &s.Mode; {
		case m.Replicated != nil:
			m.Replicated.Replicas = replicas
		case m.ReplicatedJob != nil:
			m.ReplicatedJob.TotalCompletions = replicas
		case m.Global != nil || m.GlobalJob != nil:
			return invalidArg("service %q is global: it runs one task per node and cannot be scaled", id)
		default:
			m.Replicated = &engine.ReplicatedService{Replicas: replicas}
		}
		return nil
	})
	return err
}

// ServiceRemoveOptions tunes ServiceRemove; it has no fields yet.
type ServiceRemoveOptions struct{}

// ServiceRemove removes a service; its tasks stop and go away. A missing
// service is an error matching ErrNotFound.
func (c *Client) ServiceRemove(ctx context.Context, id string, _ ServiceRemoveOptions) error {
	return c.swarmRemove(ctx, KindService, id)
}

// ServiceLogsOptions selects what ServiceLogs and TaskLogs return. The
// zero value returns the whole log of stdout and stderr of every task, and
// does not follow.
type ServiceLogsOptions struct {
	Stdout, Stderr bool // leaving both false selects both
	// Follow keeps the stream open for new output until ctx ends.
	Follow bool
	// Timestamps sets LogLine.Time.
	Timestamps bool
	// Tail limits the past log: 0 for all of it, n > 0 for the last n
	// messages of each task, TailNone for none.
	Tail int
	// Since drops the messages written before it; zero for no bound.
	Since time.Time
	// Details sets LogLine.Details to the task's attributes:
	// com.docker.swarm.task.id, com.docker.swarm.node.id and
	// com.docker.swarm.service.id say which task on which node wrote the
	// line.
	Details bool
}

func (o ServiceLogsOptions) logs() ContainerLogsOptions {
	return ContainerLogsOptions{Stdout: o.Stdout, Stderr: o.Stderr, Follow: o.Follow, Timestamps: o.Timestamps, Tail: o.Tail, Since: o.Since, Details: o.Details}
}

// ServiceLogs opens the merged log of a service's tasks, on every node,
// through the manager. The stream is read as ContainerLogs' is: Lines,
// CopyTo or Read, and Close. Only the json-file, local and journald log
// drivers keep logs the swarm can read.
func (c *Client) ServiceLogs(ctx context.Context, id string, opts ServiceLogsOptions) (*LogStream, error) {
	return c.swarmLogs(ctx, KindService, id, opts)
}

func (c *Client) swarmLogs(ctx context.Context, kind, id string, opts ServiceLogsOptions) (*LogStream, error) {
	r, err := swarmObjectCall(kind, http.MethodGet, id, "logs")
	if err != nil {
		return nil, err
	}
	lo := opts.logs()
	if r.query, err = lo.query(); err != nil {
		return nil, err
	}
	return c.openLogs(ctx, r, lo)
}

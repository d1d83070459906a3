package dockwire

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/dockwire/dockwire/engine"
)

// ImageBuildOptions configures ImageBuild. The zero value builds the
// context's Dockerfile with the daemon's defaults and tags nothing.
type ImageBuildOptions struct {
	// BuildKit builds with BuildKit, as docker build does by default,
	// instead of the classic builder, which Docker has deprecated (the
	// API's version=2). The build context is uploaded as for the classic
	// builder, and no session is opened: a Dockerfile that mounts a
	// secret or an ssh agent (RUN --mount=type=secret or type=ssh) fails
	// with a *StreamError that says it needs one. BuildKit applies no
	// resource limits (Memory, MemorySwap, CPU*), keeps no intermediate
	// containers (KeepIntermediate; ForceRemove is moot) and runs RUN
	// steps on the default, host or none network only: asking for any of
	// these fails before anything is sent.
	BuildKit   bool
	Tags       []string          // name:tag references to give the image
	Dockerfile string            // path of the Dockerfile inside the context; default "Dockerfile"
	BuildArgs  map[string]string // values for the Dockerfile's ARGs; not for secrets, they stay in the image history
	Labels     map[string]string // labels to set on the image
	Target     string            // the stage of a multi-stage Dockerfile to build
	Platform   string            // os[/arch[/variant]] to build for
	NoCache    bool              // do not use the build cache
	PullParent bool              // pull FROM images even if present locally
	Quiet      bool              // send only the image ID, not the build output
	CacheFrom  []string          // images to use as cache sources
	ExtraHosts []string          // "host:ip" entries added to /etc/hosts of RUN steps
	// NetworkMode is the network of RUN steps: bridge, host, none,
	// container:<name|id>, or a network's name or ID.
	NetworkMode string
	Memory      int64  // memory limit of RUN steps in bytes; 0 for none
	MemorySwap  int64  // memory + swap limit in bytes; -1 for unlimited swap
	ShmSize     int64  // size of /dev/shm in bytes; 0 for the daemon's 64 MiB
	CPUShares   int64  // relative CPU weight
	CPUSetCPUs  string // CPUs RUN steps may use, e.g. "0-3" or "0,1"
	CPUPeriod   int64  // CPU CFS period in microseconds
	CPUQuota    int64  // CPU CFS quota in microseconds per period
	// KeepIntermediate keeps the containers of successful steps; the
	// daemon removes them by default.
	KeepIntermediate bool
	// ForceRemove removes the container of a failed step too, as docker
	// build --force-rm does. Without it, a RUN that fails leaves its
	// container behind (stopped, holding the step's changes, for
	// debugging), even though the containers of successful steps go.
	ForceRemove bool
	// Remote is a Git URL or an HTTP(S) URL of a tarball or Dockerfile for
	// the daemon to fetch as the context; ImageBuild's buildContext is then
	// nil.
	Remote string
	// AuthConfigs are credentials for the registries FROM images come
	// from, keyed by registry host (DockerHubAuthKey for Docker Hub).
	AuthConfigs map[string]AuthConfig
	// Ulimits are the resource limits of RUN steps, such as
	// {Name: "nofile", Soft: 1024, Hard: 4096}; none leaves the daemon's
	// defaults. Podman's RUN steps ask for 1048576 open files unless told
	// otherwise, which fails where the hard limit is lower.
	Ulimits []engine.Ulimit
}

// ImageBuild starts building an image from buildContext, a tar archive
// (plain, gzip, bzip2 or xz) holding the Dockerfile and the files it uses;
// see BuildContext. It sends the archive, streamed, never buffered, and
// returns once the daemon has answered; a build is never retried.
// buildContext is closed when the build ends or fails if it is an
// io.Closer, as net/http closes request bodies. Read the Progress to
// follow the build to its end (see Progress); its ImageID reports the
// image built.
//
// The build's output arrives in the messages' Stream field exactly as the
// daemon sends it, which is what docker build prints: written out in
// order, the messages give the build log. One message may hold part of a
// line, several lines, or a bare "\n" ending the one before (the classic
// builder sends each "Step N/M : …" line so), and the output of RUN steps
// is passed on unaltered, ANSI escape sequences included, so that a
// terminal shows it as docker build would. Strip them before writing the
// text to a log; nothing is dropped or merged, so that the log stays
// whole.
//
// A BuildKit build (opts.BuildKit) reports its progress in messages whose
// Trace is set instead: the steps that started, completed (Cached when
// the cache had them) or failed, their output (Trace.Logs), progress
// inside them and warnings; ImageID comes from the daemon's
// moby.image.id message. A step that fails ends the stream with a
// *StreamError whose Step names it and whose Log holds its last lines of
// output.
func (c *Client) ImageBuild(ctx context.Context, buildContext io.Reader, opts ImageBuildOptions) (*Progress, error) {
	var ref string
	if len(opts.Tags) > 0 {
		ref = opts.Tags[0]
	}
	r, err := opts.call(buildContext, len(opts.Ulimits) > 0 && c.isPodman(ctx))
	return c.startProgress(ctx, "build", ref, r, buildContext, err)
}

// call validates opts and builds the request, without its body, for
// Podman if podman (which takes Ulimits in a form of its own).
func (opts ImageBuildOptions) call(buildContext io.Reader, podman bool) (*call, error) {
	switch {
	case buildContext == nil && opts.Remote == "":
		return nil, invalidArg("build needs a build context or a Remote URL")
	case buildContext != nil && opts.Remote != "":
		return nil, invalidArg("build takes a build context or a Remote URL, not both")
	case opts.Memory < 0 || opts.ShmSize < 0 || opts.CPUShares < 0 || opts.CPUPeriod < 0 || opts.CPUQuota < 0:
		return nil, invalidArg("build resource limits must not be negative")
	case opts.MemorySwap < -1:
		return nil, invalidArg("build MemorySwap must be -1 (unlimited) or a size in bytes")
	}
	if opts.BuildKit {
		if err := opts.buildKitOnly(); err != nil {
			return nil, err
		}
	}
	for _, u := range opts.Ulimits {
		if u.Name == "" || u.Soft < 0 || u.Hard < u.Soft {
			return nil, invalidArg("build ulimit %+v: want a name and 0 <= Soft <= Hard", u)
		}
	}
	var q query
	if opts.BuildKit {
		q.add("version", "2")
	}
	for _, t := range opts.Tags {
		if _, err := imageSegment(t); err != nil {
			return nil, err
		}
		q.add("t", t)
	}
	if opts.Dockerfile != "" {
		q.add("dockerfile", opts.Dockerfile)
	}
	for _, h := range opts.ExtraHosts {
		q.add("extrahosts", h)
	}
	if opts.Remote != "" {
		q.add("remote", opts.Remote)
	}
	q.flag("q", opts.Quiet)
	q.flag("nocache", opts.NoCache)
	if len(opts.CacheFrom) > 0 {
		q.add("cachefrom", encodeJSON(opts.CacheFrom))
	}
	q.flag("pull", opts.PullParent)
	if opts.KeepIntermediate {
		q.add("rm", "0")
	}
	q.flag("forcerm", opts.ForceRemove)
	for _, n := range []struct {
		key string
		v   int64
	}{{"memory", opts.Memory}, {"memswap", opts.MemorySwap}, {"cpushares", opts.CPUShares}, {"cpuperiod", opts.CPUPeriod}, {"cpuquota", opts.CPUQuota}, {"shmsize", opts.ShmSize}} {
		if n.v != 0 {
			q.add(n.key, strconv.FormatInt(n.v, 10))
		}
	}
	if opts.CPUSetCPUs != "" {
		q.add("cpusetcpus", opts.CPUSetCPUs)
	}
	if len(opts.BuildArgs) > 0 {
		q.add("buildargs", encodeJSON(opts.BuildArgs))
	}
	if len(opts.Labels) > 0 {
		q.add("labels", encodeJSON(opts.Labels))
	}
	if opts.NetworkMode != "" {
		q.add("networkmode", opts.NetworkMode)
	}
	if opts.Platform != "" {
		q.add("platform", opts.Platform)
	}
	if opts.Target != "" {
		q.add("target", opts.Target)
	}
	if len(opts.Ulimits) > 0 {
		if podman {
			q.add("ulimits", podmanUlimits(opts.Ulimits))
		} else {
			b, _ := json.Marshal(opts.Ulimits)
			q.add("ulimits", string(b))
		}
	}
	r := &call{method: http.MethodPost, path: "/build", query: q.String(), header: http.Header{}}
	if buildContext != nil {
		r.contentType = "application/x-tar"
	}
	if len(opts.AuthConfigs) > 0 {
		r.header.Set("X-Registry-Config", encodeAuthConfigs(opts.AuthConfigs))
	}
	return r, nil
}

// buildKitOnly refuses what BuildKit would ignore or refuse: with the
// classic builder's options, a build would quietly run otherwise than
// asked.
func (opts ImageBuildOptions) buildKitOnly() error {
	var ignored []string
	for _, o := range []struct {
		name string
		set  bool
	}{
		{"Memory", opts.Memory != 0}, {"MemorySwap", opts.MemorySwap != 0},
		{"CPUShares", opts.CPUShares != 0}, {"CPUSetCPUs", opts.CPUSetCPUs != ""},
		{"CPUPeriod", opts.CPUPeriod != 0}, {"CPUQuota", opts.CPUQuota != 0},
		{"KeepIntermediate", opts.KeepIntermediate},
	} {
		if o.set {
			ignored = append(ignored, o.name)
		}
	}
	if len(ignored) > 0 {
		return invalidArg("BuildKit does not apply %s (the classic builder's options): unset, or build without BuildKit", strings.Join(ignored, ", "))
	}
	switch opts.NetworkMode {
	case "", "default", "host", "none":
		return nil
	}
	return invalidArg("BuildKit runs RUN steps on the default, host or none network only, not on %q; build without BuildKit for another", opts.NetworkMode)
}

// encodeJSON encodes maps and slices of strings, which always encode.
func encodeJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

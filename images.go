package dockwire

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/dockwire/dockwire/engine"
)

// ImageListOptions selects images for ImageList. The zero value lists
// tagged images and untagged ones without children, like docker images.
type ImageListOptions struct {
	All     bool    // include intermediate images
	Filters Filters // e.g. {"label": {"app=web"}, "dangling": {"true"}, "reference": {"busybox:*"}}
	Digests bool    // fill RepoDigests; daemons before API 1.42 leave them out otherwise
}

// ImageList lists local images.
func (c *Client) ImageList(ctx context.Context, opts ImageListOptions) ([]engine.ImageSummary, error) {
	var q query
	q.flag("all", opts.All)
	q.filters(opts.Filters)
	// Podman answers digests=1 with an empty body (it does not support
	// the parameter) and sends RepoDigests without it, as Docker does.
	q.flag("digests", opts.Digests && !c.isPodman(ctx))
	list, err := getList[engine.ImageSummary](ctx, c, &call{method: http.MethodGet, path: "/images/json", query: q.String()})
	if err == nil && c.engine.Load() == enginePodman {
		for i := range list {
			podmanFamiliar(list[i].RepoTags)
			podmanFamiliar(list[i].RepoDigests)
		}
	}
	return list, err
}

// ImageInspectOptions configures ImageInspect. The zero value asks for
// what every API version answers.
type ImageInspectOptions struct {
	// Manifests asks for the manifests of the image's index (one per
	// platform, and attestations) in the answer's "Manifests" field, read
	// with Get. It needs API 1.48; the daemon fills it only with the
	// containerd image store.
	Manifests bool
	// Platform ("os/arch[/variant]") inspects that variant of a
	// multi-platform image; it needs API 1.49 and excludes Manifests.
	Platform string
}

// ImageInspect returns the detail of a local image, by name[:tag], digest
// reference or ID. A missing image is an error matching ErrImageNotFound.
func (c *Client) ImageInspect(ctx context.Context, ref string, opts ImageInspectOptions) (engine.ImageInspectResponse, error) {
	seg, err := imageSegment(ref)
	if err != nil {
		return engine.ImageInspectResponse{}, err
	}
	var q query
	if opts.Manifests {
		if err := c.requireAPI(ctx, "1.48", "an image inspect's Manifests"); err != nil {
			return engine.ImageInspectResponse{}, err
		}
		q.flag("manifests", true)
	}
	if opts.Platform != "" {
		if opts.Manifests {
			return engine.ImageInspectResponse{}, invalidArg("inspect %q: set Manifests or Platform, not both", ref)
		}
		if err := q.platform(ctx, c, "platform", opts.Platform, "1.49", "ImageInspectOptions.Platform"); err != nil {
			return engine.ImageInspectResponse{}, err
		}
	}
	info, err := getJSON[engine.ImageInspectResponse](ctx, c, &call{method: http.MethodGet, path: "/images/" + seg + "/json", query: q.String(), kind: KindImage, id: ref})
	if err == nil && c.engine.Load() == enginePodman {
		podmanFamiliar(info.RepoTags)
		podmanFamiliar(info.RepoDigests)
	}
	return info, err
}

// ImageExists reports whether a local image exists. Only "no such image"
// means false; any other failure is returned.
func (c *Client) ImageExists(ctx context.Context, ref string) (bool, error) {
	_, err := c.ImageInspect(ctx, ref, ImageInspectOptions{})
	if errors.Is(err, ErrImageNotFound) {
		return false, nil
	}
	return err == nil, err
}

// ImageHistoryOptions selects which history ImageHistory returns. The zero
// value is the daemon's default: the image's variant for the daemon's own
// platform.
type ImageHistoryOptions struct {
	// Platform ("os/arch[/variant]") returns the history of that variant
	// of a multi-platform image. It needs API 1.48; below it the call
	// fails with a *VersionError before anything is sent.
	Platform string
}

// ImageHistory returns the layers of a local image, newest first.
func (c *Client) ImageHistory(ctx context.Context, ref string, opts ImageHistoryOptions) ([]engine.HistoryResponseItem, error) {
	seg, err := imageSegment(ref)
	if err != nil {
		return nil, err
	}
	var q query
	if opts.Platform != "" {
		if err := q.platform(ctx, c, "platform", opts.Platform, "1.48", "ImageHistoryOptions.Platform"); err != nil {
			return nil, err
		}
	}
	return getList[engine.HistoryResponseItem](ctx, c, &call{method: http.MethodGet, path: "/images/" + seg + "/history", query: q.String(), kind: KindImage, id: ref})
}

// ImageTagOptions is the reference ImageTag gives an image: Repo:Tag.
type ImageTagOptions struct {
	Repo string // e.g. "localhost:5000/app"; required, without a tag or digest
	Tag  string // e.g. "v1"; empty means "latest"
}

// ImageTag gives the image source the reference opts.Repo:opts.Tag.
func (c *Client) ImageTag(ctx context.Context, source string, opts ImageTagOptions) error {
	seg, err := imageSegment(source)
	if err != nil {
		return err
	}
	if opts.Repo == "" {
		return invalidArg("tag %q: ImageTagOptions.Repo is empty", source)
	}
	var q query
	if err := q.repoTag(opts.Repo, opts.Tag); err != nil {
		return err
	}
	_, err = c.discard(ctx, &call{method: http.MethodPost, path: "/images/" + seg + "/tag", query: q.String(), kind: KindImage, id: source})
	return err
}

// ImageRemoveOptions configures ImageRemove.
type ImageRemoveOptions struct {
	Force   bool // remove even if containers use the image or it has several tags
	NoPrune bool // keep untagged parent images
	// Platforms ("os/arch[/variant]" each) remove only those variants of
	// a multi-platform image; they need API 1.50.
	Platforms []string
}

// ImageRemove removes a reference to an image, and the image when no
// reference is left, reporting each untag and delete. An image in use is
// an error matching ErrConflict.
func (c *Client) ImageRemove(ctx context.Context, ref string, opts ImageRemoveOptions) ([]engine.ImageDeleteResponseItem, error) {
	seg, err := imageSegment(ref)
	if err != nil {
		return nil, err
	}
	var q query
	q.flag("force", opts.Force)
	q.flag("noprune", opts.NoPrune)
	for _, p := range opts.Platforms {
		if err := q.platform(ctx, c, "platforms", p, "1.50", "ImageRemoveOptions.Platforms"); err != nil {
			return nil, err
		}
	}
	items, err := getList[engine.ImageDeleteResponseItem](ctx, c, &call{method: http.MethodDelete, path: "/images/" + seg, query: q.String(), kind: KindImage, id: ref})
	c.podmanDeleted(items)
	return items, err
}

// ImagePruneOptions says which unused images ImagePrune removes.
type ImagePruneOptions struct {
	// Filters: "dangling", "label", "label!", "until". By default only
	// dangling (untagged) images go; {"dangling": {"false"}} takes every
	// unused image.
	Filters Filters
}

// ImagePrune removes the unused images that match opts.Filters and reports
// what went.
func (c *Client) ImagePrune(ctx context.Context, opts ImagePruneOptions) (engine.ImagePruneResponse, error) {
	var q query
	q.filters(opts.Filters)
	rep, err := getJSON[engine.ImagePruneResponse](ctx, c, &call{method: http.MethodPost, path: "/images/prune", query: q.String()})
	c.podmanDeleted(rep.ImagesDeleted)
	return rep, err
}

// ImageSaveOptions configures ImageSave.
type ImageSaveOptions struct {
	// Platform ("os/arch[/variant]") saves only that variant of a
	// multi-platform image; it needs API 1.48.
	Platform string
}

// ImageSave returns a tar archive of the images refs, with their tags, as
// docker save writes it. The stream also ends when ctx does; the caller
// must close it.
func (c *Client) ImageSave(ctx context.Context, refs []string, opts ImageSaveOptions) (io.ReadCloser, error) {
	if len(refs) == 0 {
		return nil, invalidArg("save needs at least one image")
	}
	var q query
	for _, ref := range refs {
		if _, err := imageSegment(ref); err != nil {
			return nil, err
		}
		q.add("names", ref)
	}
	if opts.Platform != "" {
		p, err := ociPlatform(opts.Platform)
		if err != nil {
			return nil, err
		}
		if err := c.requireAPI(ctx, "1.48", "ImageSaveOptions.Platform"); err != nil {
			return nil, err
		}
		q.add("platform", p)
	}
	resp, err := c.send(ctx, &call{method: http.MethodGet, path: "/images/get", query: q.String(), kind: KindImage, id: strings.Join(refs, ", ")})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// ImageLoadOptions configures ImageLoad.
type ImageLoadOptions struct {
	Quiet bool // leave out the per-layer progress messages
	// Platform ("os/arch[/variant]") loads only that variant of a
	// multi-platform archive; it needs API 1.48.
	Platform string
}

// ImageLoad loads the images in a tar archive such as ImageSave or docker
// save writes. It sends the archive, streamed, never buffered, and returns
// once the daemon has answered; a load is never retried. The archive is
// closed when the load ends or fails if it is an io.Closer. Read the
// Progress (see Progress); its ImageID reports the first image loaded.
func (c *Client) ImageLoad(ctx context.Context, archive io.Reader, opts ImageLoadOptions) (*Progress, error) {
	if archive == nil {
		return nil, invalidArg("load needs an archive")
	}
	var q query
	// The daemon's default is quiet, whatever the API reference says.
	if opts.Quiet {
		q.add("quiet", "1")
	} else {
		q.add("quiet", "0")
	}
	var err error
	if opts.Platform != "" {
		var p string
		if p, err = ociPlatform(opts.Platform); err == nil {
			err = c.requireAPI(ctx, "1.48", "ImageLoadOptions.Platform")
		}
		q.add("platform", p)
	}
	r := &call{method: http.MethodPost, path: "/images/load", query: q.String(), contentType: "application/x-tar"}
	return c.startProgress(ctx, "load", "", r, archive, err)
}

// ImageImportOptions describes the image ImageImport makes.
type ImageImportOptions struct {
	Repo    string // e.g. "localhost:5000/app"; empty leaves the image untagged
	Tag     string // e.g. "v1"; empty means "latest" when Repo is set
	Message string // the comment of the image's one history entry, docker import -m
	// Changes are Dockerfile instructions applied to the image's
	// configuration, as docker import --change takes them: "ENV A=1",
	// `CMD ["sh"]`. See ContainerCommitOptions.Changes.
	Changes []string
	// Platform ("os[/arch[/variant]]") is the platform the image says it
	// is for; default the daemon's own.
	Platform string
}

// ImageImport makes an image of one layer from a tar archive of a root
// filesystem, such as ContainerExport or docker export writes (docker
// import -). It sends the archive, streamed, never buffered, and returns
// once the daemon has answered; an import is never retried. The archive is
// closed when the import ends or fails if it is an io.Closer. Read the
// Progress (see Progress); its ImageID is the new image's. An archive the
// daemon cannot read fails inside the stream, as a *StreamError.
func (c *Client) ImageImport(ctx context.Context, archive io.Reader, opts ImageImportOptions) (*Progress, error) {
	if archive == nil {
		return nil, invalidArg("import needs an archive")
	}
	ref := opts.Repo
	if ref != "" && opts.Tag != "" {
		ref += ":" + opts.Tag
	}
	var q query
	q.add("fromSrc", "-")
	err := checkRepoTag(opts.Repo, opts.Tag)
	if ref != "" {
		// As docker import sends it: Podman 4.3 ignores a separate tag.
		q.add("repo", ref)
	}
	if opts.Message != "" {
		q.add("message", opts.Message)
	}
	for _, change := range opts.Changes {
		q.add("changes", change)
	}
	if opts.Platform != "" {
		q.add("platform", opts.Platform)
	}
	r := &call{method: http.MethodPost, path: "/images/create", query: q.String(), contentType: "application/x-tar", kind: KindImage, id: ref}
	return c.startProgress(ctx, "import", ref, r, archive, err)
}

// ociPlatform encodes "os/arch[/variant]" as the JSON OCI platform that
// load and save take.
func ociPlatform(s string) (string, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" || len(parts) == 3 && parts[2] == "" {
		return "", invalidArg("platform %q: want os/arch[/variant], e.g. linux/arm64", s)
	}
	p := map[string]string{"os": parts[0], "architecture": parts[1]}
	if len(parts) == 3 {
		p["variant"] = parts[2]
	}
	b, _ := json.Marshal(p)
	return string(b), nil
}

// ImagePullOptions configures ImagePull.
type ImagePullOptions struct {
	AllTags  bool   // pull every tag of the repository; the reference must not name one
	Platform string // os[/arch[/variant]] to pull; default the daemon's own
	// Auth holds the registry's credentials, e.g. from LoadAuth; the zero
	// value pulls anonymously.
	Auth AuthConfig
	// RegistryAuth is an already encoded X-Registry-Auth value, an
	// alternative to Auth.
	RegistryAuth string
}

// ImagePull starts pulling an image from its registry: ref is name[:tag]
// (tag "latest" if none) or name@digest, e.g. "localhost:5000/team/app:1".
// It returns once the daemon has answered; read the Progress to follow
// the pull to its end (see Progress).
//
// What the daemon learns from the registry before it answers is an error
// here: a missing tag or repository matches ErrNotFound (and
// ErrImageNotFound), refused or missing credentials ErrUnauthorized, a
// registry that refuses these credentials the repository ErrForbidden.
// Failures after that arrive in the stream as a *StreamError, which
// matches the same sentinels.
func (c *Client) ImagePull(ctx context.Context, ref string, opts ImagePullOptions) (*Progress, error) {
	r, err := opts.call(ref)
	return c.startProgress(ctx, "pull", ref, r, nil, err)
}

func (opts ImagePullOptions) call(ref string) (*call, error) {
	name, tag, err := splitReference(ref)
	if err != nil {
		return nil, err
	}
	if opts.AllTags {
		if tag != "" {
			return nil, invalidArg("pull of all tags takes a repository name, not %q", ref)
		}
	} else if tag == "" {
		tag = "latest"
	}
	var q query
	q.add("fromImage", name)
	if tag != "" {
		q.add("tag", tag)
	}
	if opts.Platform != "" {
		q.add("platform", opts.Platform)
	}
	auth, err := registryAuth(opts.Auth, opts.RegistryAuth)
	if err != nil {
		return nil, err
	}
	r := &call{method: http.MethodPost, path: "/images/create", query: q.String(), kind: KindImage, id: ref, header: http.Header{}}
	if auth != "" {
		r.header.Set("X-Registry-Auth", auth)
	}
	return r, nil
}

// ImagePushOptions configures ImagePush.
type ImagePushOptions struct {
	AllTags      bool       // push every local tag of the repository; the reference must not name one
	Auth         AuthConfig // the registry's credentials, e.g. from LoadAuth
	RegistryAuth string     // an already encoded X-Registry-Auth value, an alternative to Auth
	// Platform ("os/arch[/variant]") pushes only that variant of a
	// multi-platform image; it needs API 1.46.
	Platform string
}

// ImagePush starts pushing a local image to its registry: ref is
// name[:tag], tag "latest" if none. It returns once the registry is at
// work on it: the daemon answers at once, and names the layers before it
// first asks the registry, so ImagePush reads that far ahead (those
// messages are yielded again by Messages). Read the Progress to follow the
// push to its end (see Progress).
//
// A failure the daemon reports before that is the call's error, a
// *StreamError that matches ErrUnauthorized for refused or missing
// credentials, with the registry's message, ErrForbidden for a repository
// these credentials may not push to, and ErrImageNotFound when there is no
// local image ref. Failures later in the push arrive in the stream, as
// *StreamErrors matching the same sentinels.
func (c *Client) ImagePush(ctx context.Context, ref string, opts ImagePushOptions) (*Progress, error) {
	r, err := opts.call(ref)
	if err == nil && opts.Platform != "" {
		var q query
		q.b = append(q.b, r.query...)
		if err = q.platform(ctx, c, "platform", opts.Platform, "1.46", "ImagePushOptions.Platform"); err == nil {
			r.query = q.String()
		}
	}
	if err == nil && podmanInsecureRegistry(RegistryHost(ref)) && c.isPodman(ctx) {
		r.query = strings.TrimPrefix(r.query+"&tlsVerify=false", "&")
	}
	return c.startProgress(ctx, "push", ref, r, nil, err)
}

// platform adds the JSON OCI platform of "os/arch[/variant]" s as key,
// after checking that the negotiated version is min or newer.
func (q *query) platform(ctx context.Context, c *Client, key, s, min, feature string) error {
	p, err := ociPlatform(s)
	if err != nil {
		return err
	}
	if err := c.requireAPI(ctx, min, feature); err != nil {
		return err
	}
	q.add(key, p)
	return nil
}

func (opts ImagePushOptions) call(ref string) (*call, error) {
	name, tag, err := splitReference(ref)
	if err != nil {
		return nil, err
	}
	switch {
	case strings.Contains(ref, "@"):
		return nil, invalidArg("cannot push the digest reference %q; push a tag", ref)
	case opts.AllTags && tag != "":
		return nil, invalidArg("push of all tags takes a repository name, not %q", ref)
	case !opts.AllTags && tag == "":
		tag = "latest"
	}
	auth, err := registryAuth(opts.Auth, opts.RegistryAuth)
	if err != nil {
		return nil, err
	}
	if auth == "" {
		// Daemons before API 1.44 insist on the header, even if empty.
		auth = AuthConfig{}.Encode()
	}
	var q query
	if tag != "" {
		q.add("tag", tag)
	}
	return &call{method: http.MethodPost, path: "/images/" + name + "/push", query: q.String(), kind: KindImage, id: ref,
		header: http.Header{"X-Registry-Auth": {auth}}}, nil
}

func registryAuth(auth AuthConfig, encoded string) (string, error) {
	switch {
	case auth != AuthConfig{} && encoded != "":
		return "", invalidArg("give registry credentials as Auth or as RegistryAuth, not both")
	case auth != AuthConfig{}:
		return auth.Encode(), nil
	}
	return encoded, nil
}

// repoTag adds the repo and tag parameters that name the image a tag or
// commit makes, after checking them (see checkRepoTag): repo without a tag or
// digest, tag as docker takes it. An empty repo adds nothing.
func (q *query) repoTag(repo, tag string) error {
	if err := checkRepoTag(repo, tag); err != nil || repo == "" {
		return err
	}
	q.add("repo", repo)
	if tag != "" {
		q.add("tag", tag)
	}
	return nil
}

// checkRepoTag checks the repository and tag that name a new image.
func checkRepoTag(repo, tag string) error {
	if repo == "" {
		if tag != "" {
			return invalidArg("tag %q without a repository", tag)
		}
		return nil
	}
	if _, err := imageSegment(repo); err != nil {
		return err
	}
	if strings.Contains(repo, "@") {
		return invalidArg("cannot name an image with the digest reference %q", repo)
	}
	if tag != "" && !isTag(tag) {
		return invalidArg("tag %q: want up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'", tag)
	}
	return nil
}

// isTag reports whether s is a valid image tag.
func isTag(s string) bool { return len(s) <= 128 && isName(s, true) }

// splitReference splits name[:tag][@digest] into the repository name and
// the tag, or the digest when there is one (the API takes either as
// "tag"). A ':' is a tag separator only after the last '/':
// "localhost:5000/app" has no tag.
func splitReference(ref string) (name, tag string, err error) {
	if _, err := imageSegment(ref); err != nil {
		return "", "", err
	}
	name = ref
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		name, tag = ref[:i], ref[i+1:]
		if !isDigest(tag) {
			return "", "", invalidArg("image reference %q: %q is not a digest such as sha256:<hex>", ref, tag)
		}
	}
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		t := name[i+1:]
		if !isTag(t) {
			return "", "", invalidArg("image reference %q: bad tag %q", ref, t)
		}
		name = name[:i]
		if tag == "" {
			tag = t
		}
	}
	if name == "" || strings.ContainsAny(name, "@") {
		return "", "", invalidArg("image reference %q has no repository name", ref)
	}
	return name, tag, nil
}

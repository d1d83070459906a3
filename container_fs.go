package dockwire

import (
	"context"
	"io"
	"net/http"

	"github.com/dockwire/dockwire/engine"
)

// ContainerCommitOptions describes the image ContainerCommit makes. The
// zero value makes an untagged image with the container's configuration,
// pausing the container while its filesystem is copied, as docker commit
// does.
type ContainerCommitOptions struct {
	Repo    string // e.g. "localhost:5000/app"; empty leaves the image untagged
	Tag     string // e.g. "v1"; empty means "latest" when Repo is set
	Comment string // the commit message, docker commit -m
	Author  string // e.g. "Jane Doe <jane@example.com>", docker commit -a
	// NoPause copies the filesystem while the container runs. The daemon
	// pauses it by default, so that the copy is consistent.
	NoPause bool
	// Changes are Dockerfile instructions applied to the image's
	// configuration, as docker commit --change takes them: "ENV A=1",
	// `CMD ["sh"]`, "EXPOSE 80". The daemon accepts CMD, ENTRYPOINT, ENV,
	// EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME and WORKDIR.
	Changes []string
	// Config, if not nil, replaces the container's configuration in the
	// image before Changes apply; nil keeps the container's own.
	Config *engine.ContainerConfig
}

// ContainerCommit makes an image of a container's filesystem and
// configuration, and returns the new image's ID ("sha256:…"). The daemon
// answers when the copy is done, which takes as long as the container's
// changes are large: WithTimeout does not bound it, ctx does. A missing
// container is an error matching ErrContainerNotFound; an instruction in
// Changes that the daemon refuses one matching ErrBadRequest.
func (c *Client) ContainerCommit(ctx context.Context, container string, opts ContainerCommitOptions) (string, error) {
	if _, err := idSegment(KindContainer, container); err != nil {
		return "", err
	}
	var q query
	q.add("container", container)
	if err := q.repoTag(opts.Repo, opts.Tag); err != nil {
		return "", err
	}
	if opts.Comment != "" {
		q.add("comment", opts.Comment)
	}
	if opts.Author != "" {
		q.add("author", opts.Author)
	}
	if opts.NoPause {
		q.add("pause", "0")
	}
	for _, change := range opts.Changes {
		q.add("changes", change)
	}
	r := &call{method: http.MethodPost, path: "/commit", query: q.String(), kind: KindContainer, id: container, slow: unbounded}
	var config any
	switch {
	case opts.Config != nil:
		config = opts.Config
	case c.isPodman(ctx):
		// Podman 4.3 refuses an empty body ("Decode(): EOF"); an empty
		// configuration keeps the container's there, as no body does on
		// Docker (whose merge would put Env from Changes first, so Docker
		// gets no body).
		config = struct{}{}
	}
	if config != nil {
		body, err := jsonBody(config)
		if err != nil {
			return "", err
		}
		r.body, r.contentType = body, jsonContentType
	}
	created, err := getJSON[engine.IDResponse](ctx, c, r)
	return c.podmanImageID(created.ID), err
}

// ContainerExport returns the container's filesystem as a tar archive, as
// docker export writes it: the files only, without the image's layers or
// configuration (ImageSave keeps those). The archive is streamed as the
// daemon sends it, never held in memory; the stream also ends when ctx
// does, and the caller must close it. ImageImport makes an image of such an
// archive. A missing container is an error matching ErrContainerNotFound.
func (c *Client) ContainerExport(ctx context.Context, container string) (io.ReadCloser, error) {
	r, err := containerCall(http.MethodGet, container, "export", query{})
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// ContainerDiff lists the paths of a container's filesystem that differ
// from its image, as docker diff does: each added, changed or deleted
// file and directory, a changed directory above a changed file included.
// A missing container is an error matching ErrContainerNotFound.
func (c *Client) ContainerDiff(ctx context.Context, container string) ([]engine.FilesystemChange, error) {
	r, err := containerCall(http.MethodGet, container, "changes", query{})
	if err != nil {
		return nil, err
	}
	return getList[engine.FilesystemChange](ctx, c, r)
}

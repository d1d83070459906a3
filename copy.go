package dockwire

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/dockwire/dockwire/engine"
)

// pathStatHeader carries a base64 JSON engine.PathStat on the archive
// endpoints.
const pathStatHeader = "X-Docker-Container-Path-Stat"

// CopyToContainerOptions tunes CopyToContainer.
type CopyToContainerOptions struct {
	// AllowOverwriteDirWithFile lets the archive replace a directory with a
	// file or a file with a directory; by default the daemon refuses, as
	// docker cp does.
	AllowOverwriteDirWithFile bool
	// CopyUIDGID gives the extracted files the archive's user and group IDs
	// (docker cp -a); by default they belong to the container's root.
	CopyUIDGID bool
}

// CopyToContainer extracts the tar stream tar (optionally gzip, bzip2 or
// xz compressed) into the directory dstDir of a container. The stream is
// sent as it is read, never buffered, and the request is never retried. A
// dstDir that does not exist is an error matching fs.ErrNotExist (and
// ErrNotFound, not ErrContainerNotFound); one that is a file, an error
// matching ErrBadRequest (ErrServer before Docker 23). A daemon that refuses
// before reading a large stream may close the connection under it: the
// error is then a *ConnectError matching ErrConnectionLost.
// CopyPathToContainer checks the destination first to report those exactly.
func (c *Client) CopyToContainer(ctx context.Context, container, dstDir string, tar io.Reader, opts CopyToContainerOptions) error {
	if tar == nil {
		return invalidArg("nil tar stream")
	}
	var q query
	q.add("path", dstDir)
	q.flag("noOverwriteDirNonDir", !opts.AllowOverwriteDirWithFile)
	q.flag("copyUIDGID", opts.CopyUIDGID)
	r, err := archiveCall(http.MethodPut, container, dstDir, q)
	if err != nil {
		return err
	}
	r.body, r.contentType = tar, "application/x-tar"
	_, err = c.discard(ctx, r)
	return c.pathOr404(ctx, err, container, dstDir)
}

// CopyFromContainer returns a tar stream of srcPath (a file or directory)
// in a container, and what the daemon says srcPath is. Entries are named
// after srcPath's base name. The stream is as the container holds it:
// extract it with ExtractTar, never with a tool that trusts it. Close it
// when done; it also ends with ctx. A missing srcPath is an error matching
// fs.ErrNotExist.
func (c *Client) CopyFromContainer(ctx context.Context, container, srcPath string) (io.ReadCloser, engine.PathStat, error) {
	var q query
	q.add("path", srcPath)
	r, err := archiveCall(http.MethodGet, container, srcPath, q)
	if err != nil {
		return nil, engine.PathStat{}, err
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, engine.PathStat{}, c.pathOr404(ctx, err, container, srcPath)
	}
	stat, err := c.pathStat(r, resp)
	if err != nil {
		resp.Body.Close()
		return nil, stat, err
	}
	return resp.Body, stat, nil
}

// ContainerStatPath reports what path is in a container's filesystem,
// without copying it. A missing path is an error matching fs.ErrNotExist.
func (c *Client) ContainerStatPath(ctx context.Context, container, path string) (engine.PathStat, error) {
	var q query
	q.add("path", path)
	r, err := archiveCall(http.MethodHead, container, path, q)
	if err != nil {
		return engine.PathStat{}, err
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return engine.PathStat{}, c.pathOr404(ctx, err, container, path)
	}
	resp.Body.Close()
	return c.pathStat(r, resp)
}

// archiveCall builds a call on /containers/{id}/archive; q holds path.
func archiveCall(method, container, p string, q query) (*call, error) {
	if p == "" || strings.ContainsRune(p, 0) {
		return nil, invalidArg("container path %q is empty or holds NUL", p)
	}
	return containerCall(method, container, "archive", q)
}

func (c *Client) pathStat(r *call, resp *http.Response) (engine.PathStat, error) {
	h := resp.Header.Get(pathStatHeader)
	raw, err := base64.StdEncoding.DecodeString(h)
	if err != nil || h == "" {
		return engine.PathStat{}, c.bodyError(r, fmt.Errorf("%w: header %s is %.80q, not base64 JSON", ErrDecode, pathStatHeader, h))
	}
	stat, err := engine.Decode[engine.PathStat](string(raw))
	if err != nil {
		return stat, c.bodyError(r, err)
	}
	if stat.Mode&fs.ModeSymlink == 0 && resp.Header.Get(libpodHeader) != "" {
		stat.LinkTarget = "" // Podman sends the path itself for what is not a link
	}
	return stat, nil
}

// pathNotFoundError is a 404 about a path in a container that exists.
type pathNotFoundError struct{ *APIError }

func (e *pathNotFoundError) Unwrap() error { return e.APIError }

// Is matches fs.ErrNotExist as well as what the *APIError matches.
func (e *pathNotFoundError) Is(target error) bool { return target == fs.ErrNotExist }

// pathOr404 tells a missing path from a missing container: the daemon
// answers 404 for both (and to HEAD without a message). It asks whether the
// container exists rather than reading the message.
func (c *Client) pathOr404(ctx context.Context, err error, container, p string) error {
	ae := reattribute(err, func() bool {
		_, ierr := c.inspectContainer(ctx, container, false)
		return ierr == nil
	}, "", "")
	if ae == nil {
		return err
	}
	if ae.Message == "" {
		ae.Message = fmt.Sprintf("no such path %q in container %q", p, container)
	}
	return &pathNotFoundError{ae}
}

// CopyPathToContainer copies the file or directory srcPath on this host to
// dstPath in a container, as docker cp SRC CONTAINER:DST does: into dstPath
// if it is a directory (or a link to one), as dstPath otherwise, replacing
// a file there. A srcPath ending in "/." copies a directory's contents
// rather than the directory. Symbolic links in srcPath are copied as links.
func (c *Client) CopyPathToContainer(ctx context.Context, container, srcPath, dstPath string) error {
	src, err := os.Lstat(srcPath)
	if err != nil {
		return err
	}
	contentsOnly := src.IsDir() && (strings.HasSuffix(srcPath, "/.") || strings.HasSuffix(srcPath, string(filepath.Separator)+"."))
	dstDir, root := dstPath, filepath.Base(filepath.Clean(srcPath))
	if contentsOnly {
		root = ""
	}
	stat, err := c.ContainerStatPath(ctx, container, dstPath)
	if err == nil && stat.Mode&fs.ModeSymlink != 0 && stat.LinkTarget != "" {
		target := stat.LinkTarget
		if !path.IsAbs(target) {
			target = path.Join(path.Dir(dstPath), target)
		}
		dstDir = target
		stat, err = c.ContainerStatPath(ctx, container, target)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if strings.HasSuffix(dstPath, "/") {
			return fmt.Errorf("%w (copying to %s:%s: a path ending in / must be an existing directory)", err, container, dstPath)
		}
		// dstPath becomes the copy: send it under its name, into its
		// parent, which must be a directory.
		dstDir, root = path.Dir(dstPath), path.Base(dstPath)
		parent, err := c.ContainerStatPath(ctx, container, dstDir)
		if err != nil {
			return err
		}
		if !parent.Mode.IsDir() {
			return fmt.Errorf("dockwire: copying to %s:%s: %w: %s is not a directory", container, dstPath, ErrInvalidArgument, dstDir)
		}
	case err != nil:
		return err
	case stat.Mode.IsDir():
	case src.IsDir():
		return fmt.Errorf("dockwire: copying %s to %s:%s: %w: cannot copy a directory onto a file", srcPath, container, dstPath, ErrInvalidArgument)
	default:
		dstDir, root = path.Dir(dstDir), path.Base(dstDir)
	}
	tar, err := tarPath(srcPath, root)
	if err != nil {
		return err
	}
	defer tar.Close()
	return c.CopyToContainer(ctx, container, dstDir, tar, CopyToContainerOptions{})
}

// CopyPathFromContainer copies srcPath, a file or directory in a container,
// to dstPath on this host, as docker cp CONTAINER:SRC DST does: into
// dstPath if it is a directory, as dstPath otherwise (its parent must
// exist), replacing a file there. A srcPath ending in "/." copies a
// directory's contents. The archive is extracted with ExtractTar's checks:
// a container holding absolute symbolic links (such as busybox's /bin)
// cannot be copied this way, since they would point into this host.
func (c *Client) CopyPathFromContainer(ctx context.Context, container, srcPath, dstPath string) error {
	contentsOnly := strings.HasSuffix(srcPath, "/.")
	body, stat, err := c.CopyFromContainer(ctx, container, srcPath)
	if err != nil {
		return err
	}
	defer body.Close()
	var (
		extractDir = dstPath
		newRoot    string // what the archive's root becomes; "" for its contents
		keep       = !contentsOnly
	)
	dst, err := os.Stat(dstPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if strings.HasSuffix(dstPath, string(filepath.Separator)) {
			return fmt.Errorf("dockwire: copying to %s: %w (a path ending in %c must be an existing directory)", dstPath, err, filepath.Separator)
		}
		extractDir, newRoot, keep = filepath.Dir(dstPath), filepath.Base(dstPath), false
	case err != nil:
		return err
	case dst.IsDir():
	case stat.Mode.IsDir():
		return fmt.Errorf("dockwire: copying %s:%s to %s: %w: cannot copy a directory onto a file", container, srcPath, dstPath, ErrInvalidArgument)
	default:
		extractDir, newRoot, keep = filepath.Dir(dstPath), filepath.Base(dstPath), false
	}
	x, err := newExtractor(extractDir)
	if err != nil {
		return err
	}
	if !keep {
		x.rename = rebaser(newRoot, contentsOnly)
	}
	if err := x.run(body); err != nil {
		return err
	}
	// Read the archive's padding so that the connection can be reused.
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	return nil
}

// rebaser renames the root of an archive whose first entry is its root
// ("etc") to newRoot, or to nothing: "etc/passwd" becomes
// newRoot+"/passwd". An entry outside the root is refused. Every entry of a
// contents-only archive is under newRoot: Docker's starts with ".", Podman's
// has no entry for the root ("a.txt", "sub", "sub/b.txt").
func rebaser(newRoot string, contentsOnly bool) func(string) (string, error) {
	root := ""
	if contentsOnly {
		root = "."
	}
	return func(name string) (string, error) {
		if root == "" {
			root, _, _ = strings.Cut(name, "/")
		}
		rel := name
		switch {
		case root == ".":
		case name == root:
			rel = "."
		case strings.HasPrefix(name, root+"/"):
			rel = name[len(root)+1:]
		default:
			return "", unsafeEntry(name, "outside the archive's root %q", root)
		}
		return path.Join(newRoot, rel), nil
	}
}

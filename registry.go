package dockwire

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/dockwire/dockwire/engine"
	"github.com/tidwall/gjson"
)

// RegistryLogin checks credentials against a registry, as docker login
// does, through the daemon: the daemon reaches the registry, with its own
// proxy and insecure-registry settings. auth.ServerAddress names the
// registry ("registry.example.com:5000"; empty means Docker Hub). The
// answer's IdentityToken, when the registry gives one, can stand in for
// the password (AuthConfig.IdentityToken). Refused credentials are an
// error matching ErrUnauthorized. Nothing is stored; LoadAuth reads what
// docker login stored.
func (c *Client) RegistryLogin(ctx context.Context, auth AuthConfig) (engine.AuthResponse, error) {
	body, err := jsonBody(auth)
	if err != nil {
		return engine.AuthResponse{}, err
	}
	resp, err := getJSON[engine.AuthResponse](ctx, c, &call{method: http.MethodPost, path: "/auth", body: body, contentType: jsonContentType})
	if errors.Is(err, ErrEmptyResponse) {
		// A 204: the daemon checked the credentials and had nothing to add.
		return engine.AuthResponse{}, nil
	}
	return resp, err
}

// DistributionInspectOptions configures DistributionInspect.
type DistributionInspectOptions struct {
	// Auth holds the registry's credentials, e.g. from LoadAuth; the zero
	// value asks anonymously.
	Auth AuthConfig
	// RegistryAuth is an already encoded X-Registry-Auth value, an
	// alternative to Auth.
	RegistryAuth string
}

// DistributionInspect asks ref's registry, through the daemon and without
// pulling anything, for what ref names: the manifest's (or index's)
// digest, media type and size, and the platforms the image has. ref is
// name[:tag] or name@digest. Failures match the sentinels as ImagePull's
// do: ErrNotFound for an unknown tag or repository, ErrUnauthorized for
// refused or missing credentials.
func (c *Client) DistributionInspect(ctx context.Context, ref string, opts DistributionInspectOptions) (engine.DistributionInspect, error) {
	if _, _, err := splitReference(ref); err != nil {
		return engine.DistributionInspect{}, err
	}
	auth, err := registryAuth(opts.Auth, opts.RegistryAuth)
	if err != nil {
		return engine.DistributionInspect{}, err
	}
	r := &call{method: http.MethodGet, path: "/distribution/" + ref + "/json", kind: KindImage, id: ref}
	if auth != "" {
		r.header = http.Header{"X-Registry-Auth": {auth}}
	}
	return getJSON[engine.DistributionInspect](ctx, c, r)
}

// ImageSearchOptions configures ImageSearch.
type ImageSearchOptions struct {
	Limit int // the most results to return; 0 for the daemon's default (25)
	// Filters narrow the results: {"is-official": {"true"}},
	// {"stars": {"100"}} for at least 100 stars.
	Filters Filters
	// Auth and RegistryAuth are the index's credentials, as for ImagePull.
	Auth         AuthConfig
	RegistryAuth string
}

// ImageSearch searches an image index (Docker Hub unless term names
// another, "registry.example.com/app") for repositories matching term.
func (c *Client) ImageSearch(ctx context.Context, term string, opts ImageSearchOptions) ([]engine.ImageSearchResponseItem, error) {
	switch {
	case term == "":
		return nil, invalidArg("image search needs a term")
	case opts.Limit < 0:
		return nil, invalidArg("image search limit %d: want 0 for the default, or more", opts.Limit)
	}
	auth, err := registryAuth(opts.Auth, opts.RegistryAuth)
	if err != nil {
		return nil, err
	}
	var q query
	q.add("term", term)
	if opts.Limit > 0 {
		q.add("limit", strconv.Itoa(opts.Limit))
	}
	q.filters(opts.Filters)
	r := &call{method: http.MethodGet, path: "/images/search", query: q.String()}
	if auth != "" {
		r.header = http.Header{"X-Registry-Auth": {auth}}
	}
	return getList[engine.ImageSearchResponseItem](ctx, c, r)
}

// readAhead is the body of a push's answer, read ahead up to the first
// message that shows the registry at work (see Progress.awaitRegistry):
// what was read ahead is handed out again first.
type readAhead struct {
	br   *bufio.Reader
	seen bytes.Buffer // the messages read ahead, each on a line
	err  error        // what ended the reading ahead, returned after seen
	io.Closer
}

func newReadAhead(body io.ReadCloser) *readAhead {
	return &readAhead{br: bufio.NewReaderSize(body, 32<<10), Closer: body}
}

func (a *readAhead) Read(p []byte) (int, error) {
	if a.seen.Len() > 0 {
		return a.seen.Read(p)
	}
	if a.err != nil {
		return 0, a.err
	}
	return a.br.Read(p)
}

// awaitRegistry reads a push's first messages, which the daemon sends
// before it asks the registry for anything ("The push refers to
// repository […]", then "Preparing" and "Waiting" per layer), until one
// shows the registry at work ("Pushing", "Layer already exists",
// "Mounted from …") or reports a failure. A failure there, such as
// credentials the registry refused, is the call's error, as it is for a
// pull (whose daemon asks the registry before it answers); anything else
// leaves p to be read from its first message.
func (p *Progress) awaitRegistry(ahead *readAhead) (*Progress, error) {
	failed := false
	for raw, err := range jsonMessages(ahead.br, maxStreamMessage) {
		if err != nil {
			ahead.err, failed = err, true
			break
		}
		ahead.seen.Write(raw)
		ahead.seen.WriteByte('\n')
		msg := gjson.ParseBytes(raw)
		if msg.Get("errorDetail").Exists() || msg.Get("error").Exists() {
			failed = true
			break
		}
		if status := msg.Get("status").String(); !strings.HasPrefix(status, "The push refers to repository ") && status != "Preparing" && status != "Waiting" {
			break
		}
	}
	if failed {
		// Wait reads the messages again and ends p as reading would.
		if err := p.Wait(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

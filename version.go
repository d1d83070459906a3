package dockwire

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/dockwire/dockwire/engine"
)

// APIVersion returns the API version the client uses with its daemon,
// negotiating it on first use: the lower of MaxAPIVersion and the daemon's
// maximum. A daemon below MinAPIVersion is refused with a *VersionError. A
// daemon that reports no usable version gets MinAPIVersion.
func (c *Client) APIVersion(ctx context.Context) (string, error) {
	if v := c.version.Load(); v != nil {
		return *v, nil
	}
	// One negotiation at a time, but a caller whose ctx ends while another
	// negotiates stops waiting.
	select {
	case c.negotiating <- struct{}{}:
		defer func() { <-c.negotiating }()
	case <-ctx.Done():
		return "", ctx.Err()
	}
	if v := c.version.Load(); v != nil {
		return *v, nil
	}
	ping, err := c.Ping(ctx)
	if err != nil {
		return "", err
	}
	v, ok := parseAPIVersion(ping.APIVersion)
	switch {
	case !ok:
		v = MinAPIVersion
	case versionLess(v, MinAPIVersion):
		return "", &VersionError{Host: c.host, Client: MaxAPIVersion, DaemonMax: v}
	case versionLess(MaxAPIVersion, v):
		v = MaxAPIVersion
	}
	c.version.Store(&v)
	return v, nil
}

// Ping checks that the daemon answers and reports what it is. It uses
// HEAD /_ping, falling back to GET for daemons or proxies that refuse HEAD.
func (c *Client) Ping(ctx context.Context) (engine.PingResponse, error) {
	resp, err := c.send(ctx, &call{method: http.MethodHead, path: "/_ping", unversioned: true})
	if _, isAPI := err.(*APIError); isAPI {
		resp, err = c.send(ctx, &call{method: http.MethodGet, path: "/_ping", unversioned: true})
	}
	if err != nil {
		return engine.PingResponse{}, err
	}
	resp.Body.Close()
	h := resp.Header
	return engine.PingResponse{
		APIVersion:     h.Get("Api-Version"),
		OSType:         h.Get("Ostype"),
		Experimental:   h.Get("Docker-Experimental") == "true",
		BuilderVersion: h.Get("Builder-Version"),
		SwarmStatus:    h.Get("Swarm"),
	}, nil
}

// requireAPI refuses a feature the negotiated version lacks.
func (c *Client) requireAPI(ctx context.Context, min, feature string) error {
	v, err := c.APIVersion(ctx)
	if err != nil {
		return err
	}
	if versionLess(v, min) {
		return &VersionError{Host: c.host, Client: v, Required: min, Feature: feature}
	}
	return nil
}

// apiAtLeast reports whether the negotiated version is min or newer.
func (c *Client) apiAtLeast(ctx context.Context, min string) (bool, error) {
	v, err := c.APIVersion(ctx)
	return err == nil && !versionLess(v, min), err
}

// parseAPIVersion accepts "1.44" or "v1.44" and returns "1.44".
func parseAPIVersion(s string) (string, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	major, minor, ok := strings.Cut(s, ".")
	if !ok || major != "1" {
		return "", false
	}
	if n, err := strconv.Atoi(minor); err != nil || n < 0 || strconv.Itoa(n) != minor {
		return "", false
	}
	return s, true
}

// versionLess compares two versions that parseAPIVersion accepted.
func versionLess(a, b string) bool {
	_, am, _ := strings.Cut(a, ".")
	_, bm, _ := strings.Cut(b, ".")
	x, _ := strconv.Atoi(am)
	y, _ := strconv.Atoi(bm)
	return x < y
}

package dockwire

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Endpoint says which daemon a client talks to and how it was chosen.
type Endpoint struct {
	// Host is the daemon address, as New takes it.
	Host string
	// Source says where Host came from: "New", "DOCKER_HOST",
	// `docker context "NAME"`, or, when FromEnv had nothing to go on, the
	// kind of socket discovery found: "the default socket", "rootless
	// Docker", "rootless Podman" or "Podman".
	Source string
	// Tried lists the sockets discovery tried, in order, the chosen one
	// last; empty when nothing was discovered.
	Tried []Probe
}

// Probe is one socket that discovery tried, and what it found there.
type Probe struct {
	Host   string
	Source string // as in Endpoint.Source
	Result string // "answered", "missing", "permission denied", "not answering: ..."
}

// String describes the endpoint for a person: "unix:///run/user/1000/docker.sock
// (rootless Docker; tried unix:///var/run/docker.sock: missing)".
func (e Endpoint) String() string {
	var tried []string
	for _, p := range e.Tried {
		if p.Host != e.Host {
			tried = append(tried, p.Host+": "+p.Result)
		}
	}
	s := e.Host + " (" + e.Source
	if len(tried) > 0 {
		s += "; tried " + strings.Join(tried, ", ")
	}
	return s + ")"
}

// Endpoint returns the daemon address and how FromEnv (or New) chose it.
func (c *Client) Endpoint() Endpoint { return c.endpoint }

// discoverySocket is one place FromEnv looks for a daemon when nothing
// names one.
type discoverySocket struct {
	host, source string
}

// discoverySockets lists, in the order they are tried, the sockets FromEnv
// looks for when neither DOCKER_HOST nor a docker CLI context names a
// daemon: the docker CLI's default, then rootless Docker, then Podman,
// rootless before system-wide, as Podman's own tools prefer. Nothing
// outside this list is ever contacted.
func discoverySockets() []discoverySocket {
	socks := []discoverySocket{{defaultSocket, "the default socket"}}
	if run := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(run) {
		socks = append(socks,
			discoverySocket{"unix://" + filepath.Join(run, "docker.sock"), "rootless Docker"},
			discoverySocket{"unix://" + filepath.Join(run, "podman", "podman.sock"), "rootless Podman"})
	}
	return append(socks, discoverySocket{podmanSocket, "Podman"})
}

// The system-wide sockets, variables only so that tests can move them.
var (
	defaultSocket = DefaultHost
	podmanSocket  = "unix:///run/podman/podman.sock"
)

// discoveryTimeout bounds each probe: one HEAD /_ping.
const discoveryTimeout = 2 * time.Second

// discover tries each of socks in order and returns the first that
// answers a ping, with what it found at each. When none answers it
// returns the first, so that the error of the first call names the
// docker CLI's default and says what was tried.
func discover(socks []discoverySocket) Endpoint {
	var tried []Probe
	for _, s := range socks {
		p := Probe{Host: s.host, Source: s.source, Result: probe(s.host)}
		tried = append(tried, p)
		if p.Result == "answered" {
			return Endpoint{Host: s.host, Source: s.source, Tried: tried}
		}
	}
	return Endpoint{Host: socks[0].host, Source: socks[0].source, Tried: tried}
}

// probe pings host once, bounded by discoveryTimeout, and says what it
// found. A socket file that does not exist is not dialled.
func probe(host string) string {
	path := strings.TrimPrefix(host, "unix://")
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "missing"
		}
		return err.Error()
	}
	c, err := New(host, WithRetry(1, 0), WithTimeout(discoveryTimeout))
	if err != nil {
		return err.Error()
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), discoveryTimeout)
	defer cancel()
	_, err = c.Ping(ctx)
	switch {
	case err == nil:
		return "answered"
	case errors.Is(err, os.ErrPermission):
		return "permission denied"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused (a stale socket file)"
	}
	var ce *ConnectError
	if errors.As(err, &ce) {
		err = ce.Err
	}
	return fmt.Sprintf("not answering: %v", err)
}

// triedHint tells a person which sockets discovery tried, for the error
// of a client whose daemon could not be reached.
func (e Endpoint) triedHint() string {
	if len(e.Tried) < 2 {
		return ""
	}
	parts := make([]string, len(e.Tried))
	for i, p := range e.Tried {
		parts[i] = fmt.Sprintf("%s (%s): %s", p.Host, p.Source, p.Result)
	}
	return "no engine found: tried " + strings.Join(parts, ", ") + "; set DOCKER_HOST or a docker context to choose one"
}

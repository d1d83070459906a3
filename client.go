// Package dockwire is a client for the Docker Engine API that speaks HTTP
// over the daemon's socket itself: no Docker SDK, two small dependencies
// (go-retryablehttp and gjson).
//
// Quick start:
//
//	c, err := dockwire.Default() // the daemon the docker CLI would use; see FromEnv
//	if err != nil { ... }
//	list, err := c.ContainerList(ctx, dockwire.ContainerListOptions{All: true})
//	res, err := c.ExecCapture(ctx, "web", dockwire.ExecOptions{Cmd: []string{"cat", "/etc/hostname"}})
//	run, err := c.Run(ctx, dockwire.RunOptions{Image: "busybox", Cmd: []string{"echo", "hi"}, Remove: true, Stdout: os.Stdout})
//
// Default, like FromEnv, finds the daemon as the docker CLI does:
// DOCKER_HOST; else the docker CLI context that DOCKER_CONTEXT or
// ~/.docker/config.json names; else the first local Docker or Podman
// socket that answers.
//
// Every call negotiates the API version once, lazily, and sends the
// versioned path. Failures are typed: an *APIError for a daemon's refusal
// (match it with errors.Is against ErrNotFound, ErrContainerNotFound,
// ErrConflict, ...), a *ConnectError when the daemon cannot be reached, a
// *VersionError when no API version fits, and the context's own error when
// ctx ends. Streams of decoded messages are iter.Seq2 iterators; raw streams
// are io.ReadClosers that also close when ctx ends.
package dockwire

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// DefaultHost is the daemon address used when DOCKER_HOST is unset.
	DefaultHost = "unix:///var/run/docker.sock"
	// MinAPIVersion is the oldest API version the client speaks (Docker 20.10).
	MinAPIVersion = "1.41"
	// MaxAPIVersion is the newest API version the client knows (Docker 29.7).
	MaxAPIVersion = "1.55"

	// hostHeader is sent as Host on every request. Go rejects a socket
	// path as Host, and RFC 6761 reserves .localhost for names like this.
	hostHeader = "api.moby.localhost"
)

// Client talks to one Docker daemon. It is safe for concurrent use; share
// one per daemon so that connections are reused.
type Client struct {
	host      string       // as given, for messages
	transport roundTripper // the pool, or WithTransport's round-tripper
	retry     retrier
	cfg       config
	endpoint  Endpoint

	version     atomic.Pointer[string] // negotiated or pinned API version
	negotiating chan struct{}          // holds a token while a negotiation runs
	engine      atomic.Int32           // engineDocker or enginePodman once an answer said (podman.go)

	closed atomic.Bool // Close was called
	shared bool        // made by Default: Close refuses
}

type config struct {
	apiVersion      string
	tlsConfig       *tls.Config
	insecureTCP     bool
	dial            func(ctx context.Context) (net.Conn, error)
	transport       roundTripper // set by WithTransport only
	timeout         time.Duration
	retryTries      int
	retryMaxWait    time.Duration
	maxResponseSize int64
	maxErrorBody    int64
	maxIdleConns    int
	maxConns        int
	sshFlags        []string
}

// Option configures a Client. Options validate their arguments: New
// returns the first option's error.
type Option func(*config) error

// WithAPIVersion pins the API version ("1.44") and skips negotiation.
func WithAPIVersion(v string) Option {
	return func(c *config) error {
		norm, ok := parseAPIVersion(v)
		if !ok {
			return fmt.Errorf("dockwire: %w: API version %q is not of the form 1.NN", ErrInvalidArgument, v)
		}
		c.apiVersion = norm
		return nil
	}
}

// WithTLSConfig makes a tcp:// host speak HTTPS with cfg.
func WithTLSConfig(cfg *tls.Config) Option {
	return func(c *config) error {
		if cfg == nil {
			return fmt.Errorf("dockwire: %w: nil TLS config", ErrInvalidArgument)
		}
		c.tlsConfig = cfg
		return nil
	}
}

// WithInsecureTCP allows plain HTTP to a tcp:// host that is not on the
// loopback interface. Anyone who can reach such a daemon is root on its
// machine; prefer TLS.
func WithInsecureTCP() Option {
	return func(c *config) error { c.insecureTCP = true; return nil }
}

// WithDialer replaces how connections to the daemon are opened, e.g. to
// tunnel them. The client still speaks HTTP/1.1 over what dial returns.
func WithDialer(dial func(ctx context.Context) (net.Conn, error)) Option {
	return func(c *config) error {
		if dial == nil {
			return fmt.Errorf("dockwire: %w: nil dialer", ErrInvalidArgument)
		}
		c.dial = dial
		return nil
	}
}

// WithSSHFlags adds flags to the ssh command that carries each connection
// to an ssh:// host, before the host name: WithSSHFlags("-i", keyFile, "-o",
// "UserKnownHostsFile="+knownHosts). They cannot turn off BatchMode: ssh
// never prompts under a client. Without an ssh:// host they do nothing.
func WithSSHFlags(flags ...string) Option {
	return func(c *config) error {
		for _, f := range flags {
			if f == "--" {
				return fmt.Errorf("dockwire: %w: ssh flag %q would end ssh's options early", ErrInvalidArgument, f)
			}
		}
		c.sshFlags = append(c.sshFlags, flags...)
		return nil
	}
}

// WithTransport replaces the client's connection handling entirely. rt
// sees requests for http://api.moby.localhost/v1.NN/...; to stream exec
// stdin it must return 101 responses with an io.ReadWriteCloser body, as
// net/http.Transport does. Like any http.RoundTripper it must not modify
// the request: requests share read-only header maps.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return fmt.Errorf("dockwire: %w: nil transport", ErrInvalidArgument)
		}
		// Wrapped here, not in New: see userTransport.
		c.transport = userTransport{rt}
		return nil
	}
}

// WithTimeout bounds connecting and waiting for each answer: the headers
// of every response, and the whole body of a response that is not a stream.
// It never limits how long a stream (logs, events, stats, exec output, a
// wait, a build) may run: only the call's context does that. Calls that the
// daemon answers only when done get their expected time on top: a stop or
// restart its grace period (10s when the container's own applies), a
// one-shot stats sample two seconds. Zero means no bound beyond ctx.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("dockwire: %w: negative timeout %v", ErrInvalidArgument, d)
		}
		c.timeout = d
		return nil
	}
}

// WithRetry sets how often an idempotent request (GET, HEAD) is tried when
// the daemon refuses connections or answers 503 or 429, and the longest
// wait between tries. tries = 1 turns retries off. The waits start at
// 50ms and double up to maxWait, each drawn at random between half and all
// of that. The default, 4 tries and 500ms, waits 50, 100 and 200ms
// (175-350ms in all): enough for a blip, not for a daemon restart. To ride
// out a restart, raise both: WithRetry(8, 2*time.Second) waits 2.6-5.2s in
// all. A Retry-After of at most maxWait is waited for as given.
func WithRetry(tries int, maxWait time.Duration) Option {
	return func(c *config) error {
		if tries < 1 || maxWait < 0 {
			return fmt.Errorf("dockwire: %w: retry needs tries >= 1 and maxWait >= 0, got %d and %v", ErrInvalidArgument, tries, maxWait)
		}
		c.retryTries, c.retryMaxWait = tries, maxWait
		return nil
	}
}

// WithMaxResponseSize caps a JSON response body (default 64 MiB); a larger
// one fails with ErrResponseTooLarge. Streams are not capped, and
// ExecCapture has its own cap (ExecOptions.MaxOutput).
func WithMaxResponseSize(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("dockwire: %w: max response size must be positive, got %d", ErrInvalidArgument, n)
		}
		c.maxResponseSize = n
		return nil
	}
}

// WithMaxIdleConns sets how many idle connections the client keeps for
// reuse (default 16).
func WithMaxIdleConns(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("dockwire: %w: negative idle connection count %d", ErrInvalidArgument, n)
		}
		c.maxIdleConns = n
		return nil
	}
}

// WithMaxConns bounds the connections to the daemon in use at once
// (default: no bound). A call beyond it waits until one is released, or
// its ctx ends. Streams (a followed log, events, an exec's output) hold
// theirs until they end or are closed, so leave room for them.
func WithMaxConns(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("dockwire: %w: negative connection bound %d", ErrInvalidArgument, n)
		}
		c.maxConns = n
		return nil
	}
}

// New returns a client for the daemon at host: "unix:///path/to/socket",
// "tcp://host:port" (HTTPS when WithTLSConfig is given), or
// "ssh://[user@]host[:port]", which runs `docker system dial-stdio` on the
// remote through the ssh client, as the docker CLI does (see WithSSHFlags;
// TLS settings do not apply to it). It does no I/O: the daemon is first
// contacted by the first call.
func New(host string, opts ...Option) (*Client, error) {
	cfg := config{retryTries: 4, retryMaxWait: 500 * time.Millisecond, maxResponseSize: 64 << 20, maxErrorBody: 1 << 20, maxIdleConns: 16}
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	c := &Client{host: host, cfg: cfg, endpoint: Endpoint{Host: host, Source: "New"}, negotiating: make(chan struct{}, 1)}
	if cfg.apiVersion != "" {
		c.version.Store(&cfg.apiVersion)
	}
	dial, err := dialerFor(host, &cfg)
	if err != nil {
		return nil, err
	}
	c.transport = cfg.transport
	if c.transport == nil {
		pool := &connPool{dial: dial, headerTimeout: cfg.timeout, maxIdle: cfg.maxIdleConns}
		if cfg.maxConns > 0 {
			pool.slots = make(chan struct{}, cfg.maxConns)
		}
		c.transport = pool
	}
	c.retry = newRetrier(cfg)
	return c, nil
}

// dialerFor validates host and returns how to connect to it.
func dialerFor(host string, cfg *config) (func(ctx context.Context) (net.Conn, error), error) {
	bad := func(why string) error {
		return fmt.Errorf("dockwire: %w %q: %s", ErrInvalidHost, host, why)
	}
	scheme, rest, ok := strings.Cut(host, "://")
	if !ok {
		return nil, bad(`want unix:///path/to/docker.sock or tcp://host:port`)
	}
	var network, addr string
	switch scheme {
	case "unix":
		if !strings.HasPrefix(rest, "/") {
			return nil, bad("the socket path must be absolute, as in unix:///var/run/docker.sock")
		}
		network, addr = "unix", rest
	case "tcp", "http", "https":
		u, err := url.Parse("tcp://" + rest)
		if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, bad("want tcp://host:port with no path, query or user")
		}
		addr = u.Host
		if u.Port() == "" {
			port := "2375"
			if cfg.tlsConfig != nil || scheme == "https" {
				port = "2376"
			}
			addr = net.JoinHostPort(u.Hostname(), port)
		}
		network = "tcp"
		if scheme == "https" && cfg.tlsConfig == nil {
			cfg.tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		if cfg.tlsConfig == nil && !cfg.insecureTCP && !isLoopback(u.Hostname()) {
			return nil, bad("plain HTTP to a remote daemon hands root on it to anyone on the path; set DOCKER_CERT_PATH and DOCKER_TLS_VERIFY=1 (or WithTLSConfig), or opt in with WithInsecureTCP")
		}
	case "ssh":
		t, err := parseSSHHost(rest)
		if err != nil {
			return nil, bad(err.Error())
		}
		if cfg.dial != nil {
			return cfg.dial, nil
		}
		return sshDialer(t, cfg.sshFlags, cfg.timeout), nil
	case "npipe":
		return nil, bad("npipe:// is Windows-only and not supported")
	default:
		return nil, bad("unknown scheme " + scheme + "; want unix, tcp or ssh")
	}
	if cfg.dial != nil {
		return cfg.dial, nil
	}
	d := &net.Dialer{Timeout: cfg.timeout}
	tlsCfg := cfg.tlsConfig
	return func(ctx context.Context) (net.Conn, error) {
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil || tlsCfg == nil {
			return conn, err
		}
		tc := tls.Client(conn, tlsConfigFor(tlsCfg, addr))
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, &tlsError{err}
		}
		return tc, nil
	}, nil
}

// tlsConfigFor sets ServerName from the address when the config lacks one.
func tlsConfigFor(cfg *tls.Config, addr string) *tls.Config {
	if cfg.ServerName != "" || cfg.InsecureSkipVerify {
		return cfg
	}
	c := cfg.Clone()
	c.ServerName, _, _ = net.SplitHostPort(addr)
	return c
}

type tlsError struct{ err error }

func (e *tlsError) Error() string { return "TLS handshake: " + e.err.Error() }
func (e *tlsError) Unwrap() error { return e.err }

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Host returns the daemon address the client was made for.
func (c *Client) Host() string { return c.host }

// Close releases idle connections, also those of a WithTransport
// round-tripper that has a CloseIdleConnections method, as
// net/http.Transport does. Calls made after Close fail; streams already
// open keep working until they end.
//
// The client from Default is shared by the whole process, and closing it
// would break every other user: its Close returns an error saying so, and
// the client goes on working.
func (c *Client) Close() error {
	if c.shared {
		return fmt.Errorf("dockwire: %w: the client from Default() is shared by the whole process and is never closed; use New or FromEnv for a client of your own to close", ErrInvalidArgument)
	}
	c.closed.Store(true)
	c.transport.closeIdle()
	return nil
}

var defaultClient struct {
	once sync.Once
	c    *Client
	err  error
}

// Default returns the process-wide client built by FromEnv on first use.
// It is safe for concurrent use and is never closed: its Close returns an
// error and changes nothing.
func Default() (*Client, error) {
	defaultClient.once.Do(func() {
		defaultClient.c, defaultClient.err = FromEnv()
		if defaultClient.c != nil {
			defaultClient.c.shared = true
		}
	})
	return defaultClient.c, defaultClient.err
}

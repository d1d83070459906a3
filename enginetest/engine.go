// Package enginetest runs a fake Docker Engine on a real Unix socket, so that
// code which talks to Docker can be unit-tested without a daemon.
//
// The fake serves the routes a client needs most (ping, version, info,
// container list, inspect, start, wait and resize, logs, exec, attach, and
// with WithSwarm a one-node swarm's services, tasks and nodes) with the
// wire details of a real daemon that clients get wrong: the /v1.NN prefix
// and its version checks, multiplexed versus raw streams, the 101 upgrade
// and the close-delimited 200 of exec start and attach, a null exit code
// while an exec runs, following logs until the container stops. A
// container's main process is played as cat (see Container.OpenStdin).
// Tests script it from data (AddContainer, AppendLog, SetExec), break it
// on purpose (Fault, Handle), read back what it received (Requests,
// Count), or replay exchanges recorded from a real engine (WithFixtures).
//
// A test starts one engine and points the code under test at Host:
//
//	e := enginetest.New(t, enginetest.WithAPIVersion("1.41"))
//	id := e.AddContainer(enginetest.Container{Name: "web", Image: "nginx"})
//	// DOCKER_HOST=e.Host(), or dial e.SocketPath() directly.
//
// The engine is closed by t.Cleanup. Close ends followed log streams and
// hijacked exec connections, so a client that leaks goroutines on a dropped
// stream shows up in its own tests rather than hanging them.
//
// Outside a test (an example, a demo that replays a recording), Start
// returns an engine, or an error, and the caller closes it. The package
// does not import testing, so such a program does not link it.
package enginetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/dockwire/dockwire/internal/fixture"
)

// TB is the part of testing.TB that New uses; *testing.T, *testing.B and
// *testing.F satisfy it.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Engine is a fake Docker Engine listening on a Unix socket in a temporary
// directory. Its methods are safe for concurrent use.
type Engine struct {
	t    TB // where scripting errors go: the test, or an engine's own errorLog
	cfg  config
	dir  string
	sock string
	srv  *http.Server
	fix  *replayer // nil unless WithFixtures

	mu         sync.Mutex
	closed     bool
	conns      map[*serverConn]struct{}
	containers map[string]*container // by full ID
	nextSeq    int                   // for generated IDs, names and PIDs
	execs      map[string]*execInstance
	execFuncs  map[string]ExecFunc // by full container ID; "" for every container
	overrides  []override
	faults     []*faultRule
	requests   []Request
	swarm      *swarmState // WithSwarm's services and tasks, made on first use
	// changed is closed and replaced whenever logs or container states
	// change, waking every follower at once without a queue per follower.
	changed chan struct{}

	// ctx ends when Close starts; it is the parent of every ExecFunc's context.
	ctx       context.Context
	stop      context.CancelFunc
	done      <-chan struct{} // ctx.Done()
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// New starts an engine and registers its Close with t.Cleanup. It fails the
// test if an option is invalid or the socket cannot be created. A scripting
// method given invalid input (AddContainer with an unknown state, ...) fails
// the test too. Outside a test, use Start; New(nil, ...) is Start that
// panics on an error, as New did before Start existed.
func New(t TB, opts ...Option) *Engine {
	if t == nil {
		e, err := Start(opts...)
		if err != nil {
			panic(err)
		}
		return e
	}
	t.Helper()
	e, err := start(t, opts)
	if err != nil {
		t.Fatalf("%v", err)
		return nil
	}
	t.Cleanup(e.Close)
	return e
}

// Start starts an engine outside a test. The caller must Close it. A
// scripting method given invalid input does nothing, and Err reports it.
func Start(opts ...Option) (*Engine, error) {
	return start(&errorLog{}, opts)
}

// Err returns the errors of scripting methods called with invalid input on
// an engine from Start, or nil. On an engine from New they fail the test
// instead, and Err is nil.
func (e *Engine) Err() error {
	if l, ok := e.t.(*errorLog); ok {
		return l.err()
	}
	return nil
}

func start(t TB, opts []Option) (*Engine, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("enginetest: %v", err)
		}
	}
	cfg.fillDefaults()
	e := &Engine{
		t:          t,
		cfg:        cfg,
		conns:      make(map[*serverConn]struct{}),
		containers: make(map[string]*container),
		execs:      make(map[string]*execInstance),
		execFuncs:  make(map[string]ExecFunc),
		changed:    make(chan struct{}),
	}
	e.ctx, e.stop = context.WithCancel(context.Background())
	e.done = e.ctx.Done()
	if cfg.fixtureDir != "" {
		s, xs, err := fixture.Load(cfg.fixtureDir)
		if err != nil {
			return nil, fmt.Errorf("enginetest: %v", err)
		}
		e.fix = newReplayer(s, xs)
		// The recording decides the version, whatever WithAPIVersion said.
		e.cfg.maxVersion, _ = parseAPIVersion(s.APIVersion)
		if s.Version != "" {
			e.cfg.engineVersion = s.Version
		}
	}
	// Not t.TempDir: its path holds the test name and can pass the 108-byte
	// limit of a Unix socket path.
	dir, err := os.MkdirTemp("", "enginetest")
	if err != nil {
		return nil, fmt.Errorf("enginetest: %v", err)
	}
	e.dir = dir
	e.sock = filepath.Join(dir, "docker.sock")
	ln, err := net.Listen("unix", e.sock)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("enginetest: %v", err)
	}
	e.srv = &http.Server{
		Handler:  http.HandlerFunc(e.serve),
		ErrorLog: log.New(io.Discard, "", 0), // faults provoke errors on purpose
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.srv.Serve(&trackingListener{Listener: ln, e: e})
	}()
	return e, nil
}

// errorLog stands in for the test of an engine from Start: it keeps the
// errors of scripting methods for Err.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) Helper()        {}
func (l *errorLog) Cleanup(func()) {} // Start's caller closes the engine
func (l *errorLog) Errorf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, fmt.Errorf(format, args...))
}
func (l *errorLog) Fatalf(format string, args ...any) { l.Errorf(format, args...) }

func (l *errorLog) err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return errors.Join(l.errs...)
}

// Host returns the engine's address in DOCKER_HOST form, "unix:///…/docker.sock".
func (e *Engine) Host() string { return "unix://" + e.sock }

// SocketPath returns the path of the engine's Unix socket.
func (e *Engine) SocketPath() string { return e.sock }

// APIVersion returns the highest API version the engine serves, as reported by /_ping.
func (e *Engine) APIVersion() string { return e.cfg.maxVersion.String() }

// Close stops the engine: it closes the socket and every connection,
// including followed log streams and hijacked exec connections, cancels the
// context of running ExecFuncs and waits for its handlers to return. Close
// is idempotent; New arranges for it to run at the end of the test.
func (e *Engine) Close() {
	e.closeOnce.Do(func() {
		e.mu.Lock()
		e.closed = true
		conns := make([]*serverConn, 0, len(e.conns))
		for c := range e.conns {
			conns = append(conns, c)
		}
		e.mu.Unlock()
		// Connections go first, so that a client sees a follow or a hang
		// end as a dead daemon, not as a clean end of the response.
		e.srv.Close()
		for _, c := range conns {
			c.Close() // http.Server.Close leaves hijacked connections alone
		}
		e.stop()
		e.wg.Wait()
		os.RemoveAll(e.dir)
	})
}

// goroutine runs f on a goroutine that Close waits for; after Close it does nothing.
func (e *Engine) goroutine(f func()) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		f()
	}()
	return true
}

// notifyLocked wakes every follower. Callers hold e.mu.
func (e *Engine) notifyLocked() {
	close(e.changed)
	e.changed = make(chan struct{})
}

// libpodHeader names Podman on its answers (see WithPodman).
const libpodHeader = "Libpod-Api-Version"

var versionPrefix = regexp.MustCompile(`^/v([0-9.]+)(/.*)$`)

// splitVersion separates "/v1.41/containers/json" into "1.41" and "/containers/json".
func splitVersion(path string) (version, route string) {
	if m := versionPrefix.FindStringSubmatch(path); m != nil {
		return m[1], m[2]
	}
	return "", path
}

// serve is the engine's single handler: it records the request, then lets
// faults, overrides and fixtures answer before the built-in routes.
func (e *Engine) serve(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.wg.Add(1)
	e.mu.Unlock()
	defer e.wg.Done()

	version, route := splitVersion(r.URL.EscapedPath())
	e.record(r, version, route)
	if e.cfg.podman != "" {
		w.Header().Set(libpodHeader, e.cfg.podman)
	}

	if f := e.takeFault(r.Method, route); f != nil {
		e.serveFault(w, r, f)
		return
	}
	e.dispatch(w, r, version, route)
}

// dispatch answers a request that no fault took.
func (e *Engine) dispatch(w http.ResponseWriter, r *http.Request, version, route string) {
	if h, params := e.findOverride(r.Method, route); h != nil {
		setPathValues(r, params)
		h.ServeHTTP(w, r)
		return
	}
	if e.fix != nil {
		e.fix.serve(e, w, r)
		return
	}

	var handle func(e *Engine, w http.ResponseWriter, r *http.Request, v apiVersion)
	for _, rt := range builtinRoutes {
		if rt.method != r.Method {
			continue
		}
		if params, ok := matchPattern(rt.pattern, route); ok {
			setPathValues(r, params)
			handle = rt.handle
			break
		}
	}
	if handle == nil {
		// The daemon's router answers before any middleware runs: no
		// version check and none of the daemon's headers.
		writeError(w, http.StatusNotFound, "page not found")
		return
	}

	h := w.Header()
	e.setDaemonHeaders(h)
	v := e.cfg.maxVersion
	if version != "" {
		var err error
		if v, err = parseAPIVersion(version); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		// Both errors come from the version middleware, before the one that
		// sets Docker-Experimental; the first is even plain text.
		if v.less(e.cfg.minVersion) || e.cfg.maxVersion.less(v) {
			h.Del("Docker-Experimental")
		}
		if v.less(e.cfg.minVersion) {
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "client version %s is too old. Minimum supported API version is %s, please upgrade your client to a newer version\n", version, e.cfg.minVersion)
			return
		}
		if e.cfg.maxVersion.less(v) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("client version %s is too new. Maximum supported API version is %s", version, e.cfg.maxVersion))
			return
		}
	}
	handle(e, w, r, v)
}

type builtinRoute struct {
	method, pattern string
	handle          func(e *Engine, w http.ResponseWriter, r *http.Request, v apiVersion)
}

var builtinRoutes = []builtinRoute{
	{"GET", "/_ping", (*Engine).ping},
	{"HEAD", "/_ping", (*Engine).ping},
	{"GET", "/version", (*Engine).version},
	{"GET", "/info", (*Engine).info},
	{"GET", "/containers/json", (*Engine).containerList},
	{"GET", "/containers/{id}/json", (*Engine).containerInspect},
	{"GET", "/containers/{id}/logs", (*Engine).containerLogs},
	{"POST", "/containers/{id}/attach", (*Engine).containerAttach},
	{"POST", "/containers/{id}/start", (*Engine).containerStart},
	{"POST", "/containers/{id}/wait", (*Engine).containerWait},
	{"POST", "/containers/{id}/resize", (*Engine).containerResize},
	{"POST", "/containers/{id}/exec", (*Engine).execCreate},
	{"POST", "/exec/{id}/start", (*Engine).execStart},
	{"POST", "/exec/{id}/resize", (*Engine).execResize},
	{"GET", "/exec/{id}/json", (*Engine).execInspect},
	{"GET", "/swarm", (*Engine).swarmInspect},
	{"GET", "/nodes", (*Engine).nodeList},
	{"GET", "/nodes/{id}", (*Engine).nodeInspect},
	{"POST", "/services/create", (*Engine).serviceCreate},
	{"GET", "/services", (*Engine).serviceList},
	{"GET", "/services/{id}", (*Engine).serviceInspect},
	{"POST", "/services/{id}/update", (*Engine).serviceUpdate},
	{"DELETE", "/services/{id}", (*Engine).serviceRemove},
	{"GET", "/tasks", (*Engine).taskList},
	{"GET", "/tasks/{id}", (*Engine).taskInspect},
	{"GET", "/services/{id}/logs", (*Engine).serviceLogs},
	{"GET", "/tasks/{id}/logs", (*Engine).taskLogs},
}

// waitDone blocks until the engine closes or ctx ends, whichever is first.
func (e *Engine) waitDone(ctx context.Context) {
	select {
	case <-e.done:
	case <-ctx.Done():
	}
}

// sleep waits for d, returning false early if the engine closes.
func (e *Engine) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-e.done:
		return false
	}
}

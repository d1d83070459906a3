// Package livetest runs tests against real Docker engines.
//
// DOCKWIRE_HOSTS lists the engines, comma-separated (default
// unix:///var/run/docker.sock). A test that asks for engines skips when
// none answers, unless DOCKWIRE_LIVE=1: then every listed engine must
// answer, and a missing one fails the test.
package livetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
)

// Label marks everything the live tests create, so that a failed run's
// leftovers can be found: docker ps -a --filter label=dockwire.test.
const Label = "dockwire.test"

// Engine is one live daemon under test.
type Engine struct {
	Host    string
	Client  *dockwire.Client
	Version engine.SystemVersion
	API     string // the negotiated API version

	imageOnce sync.Once
	image     string
	imageErr  error
}

// Name identifies the engine in subtest names: "docker-20.10.24-api1.41",
// or "podman-4.3.1-api1.41" for Podman's Docker-compatible API.
func (e *Engine) Name() string {
	v := e.Version.Version
	if i := strings.IndexAny(v, "+~"); i > 0 {
		v = v[:i]
	}
	kind := "docker-"
	if e.IsPodman() {
		kind = "podman-"
	}
	return kind + v + "-api" + e.API
}

// IsPodman reports whether the engine says it is Podman: its version
// report lists a component named "Podman Engine".
func (e *Engine) IsPodman() bool {
	return e.Version.Get(`Components.#(Name=="Podman Engine")`).Exists()
}

// SkipOnPodman skips the test on Podman, for a deviation of Podman's
// Docker-compatible API that dockwire cannot bridge; reason says which. The
// skip and its reason are counted in COMPATIBILITY.md.
func (e *Engine) SkipOnPodman(t testing.TB, reason string) {
	t.Helper()
	if e.IsPodman() {
		t.Skipf("Podman %s deviates from Docker: %s", e.Version.Version, reason)
	}
}

// SkipOnPodmanBefore skips the test on Podman releases older than major,
// for a deviation that later releases no longer have; reason says which.
func (e *Engine) SkipOnPodmanBefore(t testing.TB, major int, reason string) {
	t.Helper()
	if e.IsPodman() && e.PodmanMajor() < major {
		e.SkipOnPodman(t, reason)
	}
}

// PodmanMajor is the major version of the Podman release the engine says
// it is (4 for Podman 4.3.1), or 0 on Docker: for a deviation of one
// Podman release that another does not have.
func (e *Engine) PodmanMajor() int {
	if !e.IsPodman() {
		return 0
	}
	major, _, _ := strings.Cut(e.Version.Version, ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		return 0
	}
	return n
}

var (
	enginesMu sync.Mutex
	engines   = map[string]*Engine{}
)

// Hosts returns the hosts in DOCKWIRE_HOSTS, or the default socket.
func Hosts() []string {
	var hosts []string
	for _, h := range strings.Split(os.Getenv("DOCKWIRE_HOSTS"), ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) == 0 {
		hosts = []string{dockwire.DefaultHost}
	}
	return hosts
}

// Required reports whether DOCKWIRE_LIVE=1 demands real engines.
func Required() bool { return os.Getenv("DOCKWIRE_LIVE") == "1" }

// Engines returns the listed engines that answer, connecting once per
// process.
func Engines(t testing.TB) []*Engine {
	t.Helper()
	var up []*Engine
	var down []string
	for _, host := range Hosts() {
		e, err := connect(host)
		if err != nil {
			down = append(down, fmt.Sprintf("%s: %v", host, err))
			continue
		}
		up = append(up, e)
	}
	switch {
	case len(down) > 0 && Required():
		t.Fatalf("DOCKWIRE_LIVE=1 but engines do not answer (start them with scripts/engines.sh start):\n%s", strings.Join(down, "\n"))
	case len(up) == 0:
		t.Skipf("no Docker engine answers, skipping live test (set DOCKWIRE_LIVE=1 to make this a failure): %s", strings.Join(down, "; "))
	}
	return up
}

func connect(host string) (*Engine, error) {
	enginesMu.Lock()
	defer enginesMu.Unlock()
	if e := engines[host]; e != nil {
		return e, nil
	}
	c, err := dockwire.New(host, dockwire.WithTimeout(30*time.Second))
	if err != nil {
		return nil, err
	}
	// Podman 4.3 takes about 7 s for GET /version (docs/engines.md), more
	// under load.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, err := c.ServerVersion(ctx)
	if err != nil {
		return nil, err
	}
	api, err := c.APIVersion(ctx)
	if err != nil {
		return nil, err
	}
	e := &Engine{Host: host, Client: c, Version: v, API: api}
	engines[host] = e
	return e, nil
}

// Run runs f as a parallel-safe subtest for each live engine.
func Run(t *testing.T, f func(t *testing.T, e *Engine)) {
	t.Helper()
	for _, e := range Engines(t) {
		t.Run(e.Name(), func(t *testing.T) { f(t, e) })
	}
}

// Context returns a context that ends with the test, or after two minutes.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// ImageRef is the tag of the test image: FROM scratch plus a static
// busybox, whose applets (sh, cat, sleep, echo, id, ...) are in /bin. It
// stays on the engine after the tests: test packages run in parallel and
// share it, so none of them may remove it.
const ImageRef = "dockwire-test/busybox:latest"

// Image builds the test image on e once per process, through the build
// API (no registry is needed), and returns its tag.
func (e *Engine) Image(t testing.TB) string {
	t.Helper()
	e.imageOnce.Do(func() { e.image, e.imageErr = buildImage(e.Client, e.BuildUlimits()) })
	if e.imageErr != nil {
		t.Fatalf("building the test image on %s: %v", e.Host, e.imageErr)
	}
	return e.image
}

// busyboxPath is where Debian's busybox-static installs a static busybox.
const busyboxPath = "/bin/busybox"

// BuildUlimits returns the resource limits test builds give their RUN
// steps: none on Docker; on Podman, limits within this test bed's hard
// limits (20000 open files), since Podman 5's RUN steps ask for 1048576
// open files and processes by default and fail to start here ("error
// setting rlimit type 7"; docs/engines.md, podman5).
func (e *Engine) BuildUlimits() []engine.Ulimit {
	if !e.IsPodman() {
		return nil
	}
	return []engine.Ulimit{{Name: "nofile", Soft: 20000, Hard: 20000}, {Name: "nproc", Soft: 4096, Hard: 4096}}
}

func buildImage(c *dockwire.Client, ulimits []engine.Ulimit) (string, error) {
	dir, err := os.MkdirTemp("", "dockwire-image-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	bin, err := os.ReadFile(busyboxPath)
	if err != nil {
		return "", fmt.Errorf("the test image needs a static busybox (apt-get install busybox-static): %w", err)
	}
	dockerfile := "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nLABEL " + Label + "=1\n"
	if err := os.WriteFile(filepath.Join(dir, "busybox"), bin, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		return "", err
	}
	tar, err := dockwire.BuildContext(dir)
	if err != nil {
		return "", err
	}
	defer tar.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	build, err := c.ImageBuild(ctx, tar, dockwire.ImageBuildOptions{Tags: []string{ImageRef}, Ulimits: ulimits})
	if err != nil {
		return "", err
	}
	if err := build.Wait(); err != nil {
		return "", err
	}
	return ImageRef, nil
}

// UniqueName returns a container name no other test uses.
func UniqueName(prefix string) string {
	var b [4]byte
	rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// Container creates and starts a container from the test image and
// removes it (forcibly) when the test ends, whether it passed or not.
// Empty fields get defaults: the test image, a unique name, and the
// command "sleep 3600".
func (e *Engine) Container(t testing.TB, opts dockwire.ContainerCreateOptions) string {
	t.Helper()
	id := e.Create(t, opts)
	if err := e.Client.ContainerStart(Context(t), id); err != nil {
		t.Fatalf("starting container %s on %s: %v", id, e.Host, err)
	}
	return id
}

// Create creates a container like Container does, without starting it.
func (e *Engine) Create(t testing.TB, opts dockwire.ContainerCreateOptions) string {
	t.Helper()
	if opts.Config.Image == "" {
		opts.Config.Image = e.Image(t)
	}
	if opts.Name == "" {
		opts.Name = UniqueName("dwtest")
	}
	if len(opts.Config.Cmd) == 0 {
		opts.Config.Cmd = []string{"sleep", "3600"}
	}
	if opts.Config.Labels == nil {
		opts.Config.Labels = map[string]string{}
	}
	opts.Config.Labels[Label] = "1"
	created, err := e.Client.ContainerCreate(Context(t), opts)
	if err != nil {
		t.Fatalf("creating container on %s: %v", e.Host, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := e.Client.ContainerRemove(ctx, created.ID, dockwire.ContainerRemoveOptions{Force: true, Volumes: true})
		if err != nil && !isNotFound(err) {
			t.Errorf("removing container %s on %s: %v", created.ID, e.Host, err)
		}
	})
	return created.ID
}

func isNotFound(err error) bool { return errors.Is(err, dockwire.ErrNotFound) }

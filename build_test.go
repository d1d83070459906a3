package dockwire_test

import (
	"archive/tar"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/livetest"
	"github.com/google/go-cmp/cmp"
)

// busyboxContextDir writes a build context holding a static busybox and dockerfile.
func busyboxContextDir(t *testing.T, dockerfile string) string {
	t.Helper()
	dir := t.TempDir()
	bin, err := os.ReadFile("/bin/busybox")
	switch {
	case err != nil && livetest.Required():
		t.Fatalf("DOCKWIRE_LIVE=1 but there is no static busybox at /bin/busybox (scripts/engines.sh installs busybox-static): %v", err)
	case err != nil:
		t.Skipf("needs a static busybox at /bin/busybox: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "busybox"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// liveBuild builds dir on e with opts and removes the result when the
// test ends. A label unique to the build makes its image unique too: an
// image the build cache shared with another test (such as livetest's own
// test image) must never be removed here.
func liveBuild(t *testing.T, e *livetest.Engine, dir string, opts dockwire.ImageBuildOptions) (*dockwire.Progress, error) {
	t.Helper()
	tar, err := dockwire.BuildContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Labels == nil {
		opts.Labels = map[string]string{}
	}
	opts.Labels[livetest.Label] = "1"
	opts.Labels[uniqueBuildLabel] = livetest.UniqueName("build")
	if opts.Ulimits == nil {
		opts.Ulimits = e.BuildUlimits()
	}
	p, err := e.Client.ImageBuild(livetest.Context(t), tar, opts)
	if err == nil {
		err = p.Wait()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(testContext(t), 30*time.Second)
		defer cancel()
		refs := opts.Tags
		if p != nil {
			refs = append(refs, p.ImageID())
		}
		for _, ref := range refs {
			if ref == "" {
				continue
			}
			if _, err := e.Client.ImageRemove(ctx, ref, dockwire.ImageRemoveOptions{Force: true}); err != nil && !errors.Is(err, dockwire.ErrNotFound) {
				t.Errorf("removing %s on %s: %v", ref, e.Host, err)
			}
		}
	})
	return p, err
}

// uniqueBuildLabel is set to a new value on every live build.
const uniqueBuildLabel = "dockwire.test.build"

const busyboxDockerfile = "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n"

func TestLiveImageBuild(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		tag := "dockwire-test/build:" + livetest.UniqueName("t")
		dir := busyboxContextDir(t, busyboxDockerfile+"ARG GREETING\nRUN echo \"$GREETING\" > /greeting\n")
		p, err := liveBuild(t, e, dir, dockwire.ImageBuildOptions{Tags: []string{tag}, BuildArgs: map[string]string{"GREETING": "hi"}, NoCache: true})
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		id := p.ImageID()
		if !strings.HasPrefix(id, "sha256:") {
			t.Fatalf("ImageID() = %q, want a sha256 ID", id)
		}
		info, err := e.Client.ImageInspect(livetest.Context(t), tag, dockwire.ImageInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if info.ID != id {
			t.Errorf("inspect %s: ID %s, build reported %s", tag, info.ID, id)
		}
		if got := info.Config.Labels[livetest.Label]; got != "1" {
			t.Errorf("label %s = %q, want 1", livetest.Label, got)
		}
	})
}

func TestLiveImageBuildQuiet(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		dir := busyboxContextDir(t, busyboxDockerfile)
		p, err := liveBuild(t, e, dir, dockwire.ImageBuildOptions{Quiet: true})
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		if !strings.HasPrefix(p.ImageID(), "sha256:") {
			t.Fatalf("ImageID() = %q, want a sha256 ID", p.ImageID())
		}
	})
}

func TestLiveImageBuildMessages(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		dir := busyboxContextDir(t, busyboxDockerfile)
		tar, err := dockwire.BuildContext(dir)
		if err != nil {
			t.Fatal(err)
		}
		p, err := e.Client.ImageBuild(livetest.Context(t), tar, dockwire.ImageBuildOptions{Labels: map[string]string{livetest.Label: "1", uniqueBuildLabel: livetest.UniqueName("build")}, Ulimits: e.BuildUlimits()})
		if err != nil {
			t.Fatal(err)
		}
		var steps int
		for m, err := range p.Messages() {
			if err != nil {
				t.Fatal(err)
			}
			// Podman's builder (buildah) says "STEP 1/4: FROM scratch".
			if strings.HasPrefix(m.Stream, "Step ") || e.IsPodman() && strings.HasPrefix(m.Stream, "STEP ") {
				steps++
			}
		}
		t.Cleanup(func() {
			e.Client.ImageRemove(context.Background(), p.ImageID(), dockwire.ImageRemoveOptions{Force: true})
		})
		if steps < 3 { // FROM, COPY, RUN, and a LABEL step for the label
			t.Errorf("saw %d steps, want at least 3", steps)
		}
		if p.ImageID() == "" {
			t.Error("no image ID after the stream")
		}
		if err := p.Wait(); err != nil {
			t.Errorf("Wait after Messages = %v, want nil", err)
		}
	})
}

func TestLiveImageBuildFailure(t *testing.T) {
	for _, tc := range []struct {
		name, dockerfile, want, podmanWant string
	}{
		{"run false", busyboxDockerfile + "RUN false # MARK\n", "returned a non-zero code: 1", "exit status 1"},
		{"copy missing", "FROM scratch\nCOPY missing /missing\n", "missing", "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
				// A mark of this run's own, so that another run's builds on
				// the same engine are not counted.
				mark := livetest.UniqueName("dwbuild")
				before := failedBuildSteps(t, e, mark)
				_, err := liveBuild(t, e, busyboxContextDir(t, strings.ReplaceAll(tc.dockerfile, "MARK", mark)), dockwire.ImageBuildOptions{ForceRemove: true})
				var se *dockwire.StreamError
				if !errors.As(err, &se) {
					t.Fatalf("build error = %v (%T), want a *StreamError", err, err)
				}
				want := tc.want
				if e.IsPodman() {
					want = tc.podmanWant // buildah's words for the same failure
				}
				if se.Op != "build" || !strings.Contains(se.Message, want) || !strings.Contains(err.Error(), e.Host) {
					t.Errorf("StreamError %+v (%q): want op build, a message with %q, and the host", se, err, want)
				}
				if after := failedBuildSteps(t, e, mark); after > before {
					t.Errorf("ForceRemove: the failed build left %d intermediate containers", after-before)
				}
			})
		})
	}
}

// failedBuildSteps counts the containers a failed "RUN false # mark" step
// leaves behind when the build does not remove them.
func failedBuildSteps(t *testing.T, e *livetest.Engine, mark string) int {
	t.Helper()
	list, err := e.Client.ContainerList(testContext(t), dockwire.ContainerListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range list {
		if strings.Contains(c.Command, "false # "+mark) { // the daemon quotes the argument: sh -c 'false # mark'
			n++
		}
	}
	return n
}

func TestLiveImageBuildSyntaxError(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		_, err := liveBuild(t, e, busyboxContextDir(t, "FROM scratch\nNOSUCHINSTRUCTION x\n"), dockwire.ImageBuildOptions{})
		var apiErr *dockwire.APIError
		var se *dockwire.StreamError
		if !errors.As(err, &apiErr) && !errors.As(err, &se) {
			t.Fatalf("build error = %v (%T), want an *APIError or *StreamError", err, err)
		}
		if !strings.Contains(strings.ToLower(err.Error()), "nosuchinstruction") {
			t.Errorf("error %q does not name the bad instruction", err)
		}
	})
}

func TestImageBuildRequest(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"Dockerfile":     "FROM scratch\nCOPY . /\n",
		".dockerignore":  "# comment\n*.log\nsecret/\n!keep.log\n",
		"app.txt":        "hello",
		"debug.log":      "noise",
		"keep.log":       "kept",
		"secret/key.pem": "private",
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e := enginetest.New(t)
	type received struct {
		r     *http.Request
		files map[string]string
	}
	got := make(chan received, 1)
	e.Handle("POST", "/build", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		files := map[string]string{}
		tr := tar.NewReader(r.Body)
		for {
			h, err := tr.Next()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(tr)
			files[h.Name] = string(b)
		}
		got <- received{r, files}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"stream":"Step 1/2 : FROM scratch\n"}`+"\n"+`{"aux":{"ID":"sha256:`+strings.Repeat("ab", 32)+`"}}`+"\n"+`{"stream":"Successfully built abababababab\n"}`+"\n")
	}))
	tarball, err := dockwire.BuildContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := engineClient(t, e)
	p, err := c.ImageBuild(testContext(t), tarball, dockwire.ImageBuildOptions{
		Tags: []string{"a/b:1", "localhost:5000/c"}, Dockerfile: "Dockerfile", BuildArgs: map[string]string{"V": "1 2"},
		Labels: map[string]string{"l": "x"}, Target: "final", Platform: "linux/amd64", NoCache: true, PullParent: true,
		CacheFrom: []string{"a/b:0"}, ExtraHosts: []string{"db:10.0.0.2", "cache:10.0.0.3"}, NetworkMode: "none",
		Memory: 1 << 30, MemorySwap: -1, ShmSize: 64 << 20, KeepIntermediate: true,
		AuthConfigs: map[string]dockwire.AuthConfig{"registry.example.com": {Username: "u", Password: "p"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	if want := "sha256:" + strings.Repeat("ab", 32); p.ImageID() != want {
		t.Errorf("ImageID() = %q, want %q from aux", p.ImageID(), want)
	}
	rcv := <-got
	r := rcv.r
	if ct := r.Header.Get("Content-Type"); ct != "application/x-tar" {
		t.Errorf("Content-Type %q, want application/x-tar", ct)
	}
	if len(r.TransferEncoding) != 1 || r.TransferEncoding[0] != "chunked" {
		t.Errorf("Transfer-Encoding %v, want chunked: the context is streamed", r.TransferEncoding)
	}
	wantQuery := url.Values{
		"t": {"a/b:1", "localhost:5000/c"}, "dockerfile": {"Dockerfile"}, "buildargs": {`{"V":"1 2"}`},
		"labels": {`{"l":"x"}`}, "target": {"final"}, "platform": {"linux/amd64"}, "nocache": {"1"}, "pull": {"1"},
		"cachefrom": {`["a/b:0"]`}, "extrahosts": {"db:10.0.0.2", "cache:10.0.0.3"}, "networkmode": {"none"},
		"memory": {"1073741824"}, "memswap": {"-1"}, "shmsize": {"67108864"}, "rm": {"0"},
	}
	if diff := cmp.Diff(wantQuery, r.URL.Query()); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	cfg, err := base64.URLEncoding.DecodeString(r.Header.Get("X-Registry-Config"))
	if err != nil || string(cfg) != `{"registry.example.com":{"username":"u","password":"p"}}` {
		t.Errorf("X-Registry-Config decodes to %q (%v)", cfg, err)
	}
	wantFiles := map[string]string{"Dockerfile": "FROM scratch\nCOPY . /\n", ".dockerignore": "# comment\n*.log\nsecret/\n!keep.log\n", "app.txt": "hello", "keep.log": "kept"}
	if diff := cmp.Diff(wantFiles, rcv.files); diff != "" {
		t.Errorf("files in the context (-want +got):\n%s", diff)
	}
}

// zeroReader is an endless-looking reader of n zero bytes that allocates nothing.
type zeroReader struct{ n int64 }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

func TestFault_H4_BuildContextStreamed(t *testing.T) {
	const size = 256 << 20
	e := enginetest.New(t)
	var received atomic.Int64
	e.Handle("POST", "/build", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		received.Store(n)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"aux":{"ID":"sha256:1"}}`)
	}))
	c := engineClient(t, e)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := waitProgress(c.ImageBuild(testContext(t), &zeroReader{size}, dockwire.ImageBuildOptions{})); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if received.Load() != size {
		t.Errorf("daemon received %d bytes, want %d", received.Load(), size)
	}
	// The fake daemon's side allocates too; the body itself must not be held.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/4 {
		t.Errorf("allocated %d MiB to send a %d MiB body: it was buffered", alloc>>20, size>>20)
	}
	if n := e.Count("POST", "/build"); n != 1 {
		t.Errorf("%d builds sent, want 1", n)
	}
}

// closeTrackingReader is a build context that fails after some bytes and records
// that it was closed.
type closeTrackingReader struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeTrackingReader) Close() error { c.closed.Store(true); return nil }

func TestImageBuildContextReadError(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("POST", "/build", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"stream":"ok"}`)
	}))
	c := engineClient(t, e)
	boom := errors.New("disk on fire")
	body := &closeTrackingReader{Reader: io.MultiReader(&zeroReader{100 << 10}, iotest.ErrReader(boom))}
	err := waitProgress(c.ImageBuild(testContext(t), body, dockwire.ImageBuildOptions{}))
	if !errors.Is(err, boom) {
		t.Fatalf("Wait = %v, want the context's read error", err)
	}
	if !body.closed.Load() {
		t.Error("the build context was not closed")
	}
}

func TestImageBuildClosesContextOnSuccess(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("POST", "/build", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"stream":"sha256:`+strings.Repeat("cd", 32)+`\n"}`)
	}))
	c := engineClient(t, e)
	body := &closeTrackingReader{Reader: strings.NewReader("tar")}
	p, err := c.ImageBuild(testContext(t), body, dockwire.ImageBuildOptions{Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	if !body.closed.Load() {
		t.Error("the build context was not closed")
	}
	if want := "sha256:" + strings.Repeat("cd", 32); p.ImageID() != want {
		t.Errorf("quiet build ImageID() = %q, want %q", p.ImageID(), want)
	}
}

package dockwire_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/livetest"
	"github.com/google/go-cmp/cmp"
)

func TestContainerCommitRequest(t *testing.T) {
	e := enginetest.New(t)
	const id = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	e.Handle("POST", "/commit", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, http.StatusCreated, `{"Id":"`+id+`"}`)
	}))
	c := engineClient(t, e)
	ctx := testContext(t)
	image, err := c.ContainerCommit(ctx, "web", dockwire.ContainerCommitOptions{
		Repo: "localhost:5000/app", Tag: "v1", Comment: "a message", Author: "Jane <j@example.com>", NoPause: true,
		Changes: []string{"ENV A=1", `CMD ["sh"]`}, Config: &engine.ContainerConfig{Labels: map[string]string{"a": "b"}},
	})
	if err != nil || image != id {
		t.Fatalf("ContainerCommit = %q, %v; want %s", image, err, id)
	}
	got := e.Requests()[len(e.Requests())-1]
	want := url.Values{"container": {"web"}, "repo": {"localhost:5000/app"}, "tag": {"v1"}, "comment": {"a message"},
		"author": {"Jane <j@example.com>"}, "pause": {"0"}, "changes": {"ENV A=1", `CMD ["sh"]`}}
	if diff := cmp.Diff(want, got.Query); diff != "" {
		t.Errorf("commit query (-want +got):\n%s", diff)
	}
	if string(got.Body) != `{"Labels":{"a":"b"}}` || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("commit body %s (%s)", got.Body, got.Header.Get("Content-Type"))
	}

	// The zero value: the container alone, paused by the daemon, no body.
	if _, err := c.ContainerCommit(ctx, "web", dockwire.ContainerCommitOptions{}); err != nil {
		t.Fatal(err)
	}
	got = e.Requests()[len(e.Requests())-1]
	if diff := cmp.Diff(url.Values{"container": {"web"}}, got.Query); diff != "" || len(got.Body) != 0 {
		t.Errorf("zero-value commit query (-want +got):\n%s\nbody %q", diff, got.Body)
	}

	before := len(e.Requests())
	for _, opts := range []dockwire.ContainerCommitOptions{{Tag: "v1"}, {Repo: "app@sha256:1"}, {Repo: "app", Tag: "-bad"}, {Repo: "UPPER case"}} {
		if _, err := c.ContainerCommit(ctx, "web", opts); !errors.Is(err, dockwire.ErrInvalidArgument) {
			t.Errorf("commit %+v = %v, want ErrInvalidArgument", opts, err)
		}
	}
	if _, err := c.ContainerCommit(ctx, "", dockwire.ContainerCommitOptions{}); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("commit of no container = %v, want ErrInvalidArgument", err)
	}
	if n := len(e.Requests()) - before; n != 0 {
		t.Errorf("invalid commits sent %d requests", n)
	}

	e.Fault("POST", "/commit", enginetest.Status(404, "No such container: gone"))
	if _, err := c.ContainerCommit(ctx, "gone", dockwire.ContainerCommitOptions{}); !errors.Is(err, dockwire.ErrContainerNotFound) || !strings.Contains(err.Error(), "gone") {
		t.Errorf("commit of a missing container = %v, want ErrContainerNotFound naming it", err)
	}
}

func TestContainerDiffDecodes(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("GET", "/containers/{id}/changes", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 200, `[{"Path":"/etc","Kind":0},{"Path":"/etc/added","Kind":1},{"Path":"/gone","Kind":2}]`)
	}))
	c := engineClient(t, e)
	got, err := c.ContainerDiff(testContext(t), "web")
	if err != nil {
		t.Fatal(err)
	}
	want := []engine.FilesystemChange{{Path: "/etc", Kind: engine.ChangeModify}, {Path: "/etc/added", Kind: engine.ChangeAdd}, {Path: "/gone", Kind: engine.ChangeDelete}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ContainerDiff (-want +got):\n%s", diff)
	}
	var letters []string
	for _, ch := range got {
		letters = append(letters, ch.Kind.String())
	}
	if strings.Join(letters, "") != "CAD" || engine.ChangeType(7).String() != "ChangeType(7)" {
		t.Errorf("kinds print as %q, %q", letters, engine.ChangeType(7))
	}

	// A container without changes: 20.10 answers null.
	e.Handle("GET", "/containers/{id}/changes", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, "null") }))
	if got, err := c.ContainerDiff(testContext(t), "web"); err != nil || len(got) != 0 {
		t.Errorf("ContainerDiff of null = %v, %v", got, err)
	}
	e.Handle("GET", "/containers/{id}/changes", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 200, `[{"Path":"/x","Kind":"A"}]`)
	}))
	if _, err := c.ContainerDiff(testContext(t), "web"); !errors.Is(err, engine.ErrDecode) {
		t.Errorf("a Kind that is not a number = %v, want ErrDecode", err)
	}
}

// TestContainerExportStreams: the archive arrives as the daemon sends it,
// before the daemon has finished sending.
func TestContainerExportStreams(t *testing.T) {
	e := enginetest.New(t)
	more := make(chan struct{})
	e.Handle("GET", "/containers/{id}/export", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-tar")
		w.WriteHeader(200)
		w.Write([]byte("first"))
		w.(http.Flusher).Flush()
		select {
		case <-more:
			w.Write([]byte("second"))
		case <-r.Context().Done():
		}
	}))
	c := engineClient(t, e)
	rc, err := c.ContainerExport(testContext(t), "web")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	buf := make([]byte, 5)
	if _, err := io.ReadFull(rc, buf); err != nil || string(buf) != "first" {
		t.Fatalf("first bytes %q, %v", buf, err)
	}
	close(more)
	rest, err := io.ReadAll(rc)
	if err != nil || string(rest) != "second" {
		t.Errorf("rest %q, %v", rest, err)
	}
	if _, err := c.ContainerExport(testContext(t), "/"); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("export of no container = %v, want ErrInvalidArgument", err)
	}
}

func TestImageImportRequest(t *testing.T) {
	e := enginetest.New(t)
	const id = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	var body []byte
	e.Handle("POST", "/images/create", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		jsonReply(w, 200, `{"status":"`+id+`"}`+"\n")
	}))
	c := engineClient(t, e)
	archive := tinyTar(t)
	closed := &closeRecorder{Reader: bytes.NewReader(archive)}
	p, err := c.ImageImport(testContext(t), closed, dockwire.ImageImportOptions{
		Repo: "example/imported", Tag: "v1", Message: "from a tar", Changes: []string{"ENV A=1", "WORKDIR /x"}, Platform: "linux/arm64",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	if p.ImageID() != id {
		t.Errorf("ImageID = %q, want %s", p.ImageID(), id)
	}
	if !bytes.Equal(body, archive) || !closed.closed {
		t.Errorf("the daemon got %d bytes of %d; archive closed: %v", len(body), len(archive), closed.closed)
	}
	got := e.Requests()[len(e.Requests())-1]
	want := url.Values{"fromSrc": {"-"}, "repo": {"example/imported:v1"}, "message": {"from a tar"},
		"changes": {"ENV A=1", "WORKDIR /x"}, "platform": {"linux/arm64"}}
	if diff := cmp.Diff(want, got.Query); diff != "" || got.Header.Get("Content-Type") != "application/x-tar" {
		t.Errorf("import query (-want +got):\n%s\nContent-Type %q", diff, got.Header.Get("Content-Type"))
	}

	// A broken archive fails in the stream, as the daemon reports it.
	e.Handle("POST", "/images/create", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		jsonReply(w, 200, `{"errorDetail":{"message":"archive/tar: invalid tar header"},"error":"archive/tar: invalid tar header"}`+"\n")
	}))
	err = waitProgress(c.ImageImport(testContext(t), strings.NewReader("not a tar"), dockwire.ImageImportOptions{}))
	var se *dockwire.StreamError
	if !errors.As(err, &se) || se.Op != "import" || !strings.Contains(err.Error(), "invalid tar header") {
		t.Errorf("import of a broken archive = %v, want a *StreamError of the import", err)
	}
	if _, err := c.ImageImport(testContext(t), nil, dockwire.ImageImportOptions{}); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("import of nothing = %v, want ErrInvalidArgument", err)
	}
	closed = &closeRecorder{Reader: bytes.NewReader(archive)}
	if _, err := c.ImageImport(testContext(t), closed, dockwire.ImageImportOptions{Tag: "v1"}); !errors.Is(err, dockwire.ErrInvalidArgument) || !closed.closed {
		t.Errorf("import with a tag and no repo = %v (archive closed: %v), want ErrInvalidArgument and the archive closed", err, closed.closed)
	}
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

// tinyTar is a root filesystem of one file.
func tinyTar(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	content := []byte("hello from an imported image\n")
	if err := tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: int64(len(content))}); err != nil {
		t.Fatal(err)
	}
	tw.Write(content)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBuildCachePruneVersions(t *testing.T) {
	for _, c := range []struct {
		version string
		opts    dockwire.BuildCachePruneOptions
		want    url.Values
		refused bool
	}{
		{"1.41", dockwire.BuildCachePruneOptions{All: true, ReservedSpace: 1 << 30, Filters: dockwire.Filters{"until": {"24h"}}},
			url.Values{"all": {"1"}, "keep-storage": {"1073741824"}, "filters": {`{"until":["24h"]}`}}, false},
		{"1.48", dockwire.BuildCachePruneOptions{ReservedSpace: 1 << 30, MaxUsedSpace: 2 << 30, MinFreeSpace: 3 << 30},
			url.Values{"reserved-space": {"1073741824"}, "max-used-space": {"2147483648"}, "min-free-space": {"3221225472"}}, false},
		{"1.47", dockwire.BuildCachePruneOptions{MaxUsedSpace: 1}, nil, true},
		{"1.44", dockwire.BuildCachePruneOptions{MinFreeSpace: 1}, nil, true},
	} {
		e := enginetest.New(t, enginetest.WithAPIVersion(c.version))
		e.Handle("POST", "/build/prune", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			jsonReply(w, 200, `{"CachesDeleted":["abc","def"],"SpaceReclaimed":42}`)
		}))
		rep, err := engineClient(t, e).BuildCachePrune(testContext(t), c.opts)
		if c.refused {
			if !errors.Is(err, dockwire.ErrAPIVersion) || e.Count("POST", "/build/prune") != 0 {
				t.Errorf("API %s, %+v: %v, want ErrAPIVersion before sending", c.version, c.opts, err)
			}
			continue
		}
		if err != nil || rep.SpaceReclaimed != 42 || !slices.Equal(rep.CachesDeleted, []string{"abc", "def"}) {
			t.Errorf("API %s: BuildCachePrune = %+v, %v", c.version, rep, err)
		}
		got := e.Requests()[len(e.Requests())-1]
		if diff := cmp.Diff(c.want, got.Query); diff != "" {
			t.Errorf("API %s, %+v: query (-want +got):\n%s", c.version, c.opts, diff)
		}
	}
	e := enginetest.New(t)
	if _, err := engineClient(t, e).BuildCachePrune(testContext(t), dockwire.BuildCachePruneOptions{ReservedSpace: -1}); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("negative ReservedSpace = %v, want ErrInvalidArgument", err)
	}
}

// TestLiveCommitExportImportDiff: a container's changes show in diff, its
// commit carries the changes and the new configuration, and its export,
// imported, is an image with the same files.
func TestLiveCommitExportImportDiff(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		ctx := livetest.Context(t)
		c := e.Client
		run := livetest.UniqueName("dwfs")
		id := e.Create(t, dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{
			Cmd: []string{"sh", "-c", "echo " + run + " > /added.txt && rm /bin/yes && mkdir -p /tmp/newdir"},
		}})
		if err := c.ContainerStart(ctx, id); err != nil {
			t.Fatal(err)
		}
		if res, err := c.ContainerWait(ctx, id, dockwire.WaitNotRunning); err != nil || res.StatusCode != 0 {
			t.Fatalf("the container's command: %+v, %v", res, err)
		}

		changes, err := c.ContainerDiff(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []engine.FilesystemChange{{Path: "/added.txt", Kind: engine.ChangeAdd}, {Path: "/bin/yes", Kind: engine.ChangeDelete},
			{Path: "/bin", Kind: engine.ChangeModify}, {Path: "/tmp/newdir", Kind: engine.ChangeAdd}} {
			if !slices.Contains(changes, want) {
				t.Errorf("ContainerDiff = %+v, lacks %+v", changes, want)
			}
		}

		repo := "dockwire-test/commit"
		image, err := c.ContainerCommit(ctx, id, dockwire.ContainerCommitOptions{Repo: repo, Tag: run, Comment: "committed by " + run,
			Author: "dockwire test", Changes: []string{"ENV COMMITTED=" + run, "LABEL dockwire.test.run=" + run}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.ImageRemove(livetest.Context(t), image, dockwire.ImageRemoveOptions{Force: true}) })
		info, err := c.ImageInspect(ctx, repo+":"+run, dockwire.ImageInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if info.ID != image || info.Get("Comment").String() != "committed by "+run || info.Get("Author").String() != "dockwire test" ||
			!slices.Contains(info.Config.Env, "COMMITTED="+run) || info.Config.Labels["dockwire.test.run"] != run {
			t.Errorf("the committed image %s: %s", image, info.Raw)
		}
		t.Run("FROM change refused", func(t *testing.T) {
			if e.PodmanMajor() >= 5 { // Podman 4.3 refuses it, as Docker does
				e.SkipOnPodman(t, "a commit whose changes hold FROM succeeds (the instruction is ignored) where Docker answers 400")
			}
			if _, err := c.ContainerCommit(ctx, id, dockwire.ContainerCommitOptions{Changes: []string{"FROM scratch"}}); !errors.Is(err, dockwire.ErrBadRequest) {
				t.Errorf("commit with a FROM change = %v, want ErrBadRequest", err)
			}
		})
		if _, err := c.ContainerCommit(ctx, run+"-missing", dockwire.ContainerCommitOptions{}); !errors.Is(err, dockwire.ErrContainerNotFound) {
			t.Errorf("commit of a missing container = %v, want ErrContainerNotFound", err)
		}

		rc, err := c.ContainerExport(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var archive bytes.Buffer
		files := tarNames(t, io.TeeReader(rc, &archive))
		rc.Close()
		if !slices.Contains(files, "added.txt") || slices.Contains(files, "bin/yes") || !slices.Contains(files, "bin/busybox") {
			t.Errorf("the export holds %d files, want added.txt and bin/busybox without bin/yes", len(files))
		}
		if _, err := c.ContainerExport(ctx, run+"-missing"); !errors.Is(err, dockwire.ErrContainerNotFound) {
			t.Errorf("export of a missing container = %v, want ErrContainerNotFound", err)
		}

		imp, err := c.ImageImport(ctx, &archive, dockwire.ImageImportOptions{Repo: "dockwire-test/import", Tag: run, Message: "imported by " + run,
			Changes: []string{`CMD ["cat", "/added.txt"]`, "LABEL dockwire.test.run=" + run}})
		if err != nil {
			t.Fatal(err)
		}
		if err := imp.Wait(); err != nil {
			t.Fatal(err)
		}
		imported := imp.ImageID()
		t.Cleanup(func() { c.ImageRemove(livetest.Context(t), imported, dockwire.ImageRemoveOptions{Force: true}) })
		info, err = c.ImageInspect(ctx, "dockwire-test/import:"+run, dockwire.ImageInspectOptions{})
		if err != nil || info.ID != imported || !slices.Equal(info.Config.Cmd, []string{"cat", "/added.txt"}) || len(info.RootFSLayers) != 1 {
			t.Fatalf("the imported image %q: %s, %v", imported, info.Raw, err)
		}
		hist, err := c.ImageHistory(ctx, imported, dockwire.ImageHistoryOptions{})
		if err != nil || len(hist) == 0 || hist[0].Comment != "imported by "+run {
			t.Errorf("history of the imported image: %+v, %v", hist, err)
		}
		var out strings.Builder
		res, err := c.Run(ctx, dockwire.RunOptions{Image: imported, Remove: true, Stdout: &out})
		if err != nil || res.ExitCode != 0 || strings.TrimSpace(out.String()) != run {
			t.Errorf("running the imported image: %+v, %q, %v", res, out.String(), err)
		}
	})
}

func tarNames(t *testing.T, r io.Reader) []string {
	t.Helper()
	var names []string
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatalf("reading the export: %v", err)
		}
		names = append(names, strings.TrimPrefix(h.Name, "./"))
	}
}

// TestLiveBuildCachePrune prunes only what matches nothing of anyone
// else's: an ID no record has. The answer's shape is what is checked.
func TestLiveBuildCachePrune(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		e.SkipOnPodman(t, "Podman has no build cache to prune")
		rep, err := e.Client.BuildCachePrune(livetest.Context(t), dockwire.BuildCachePruneOptions{
			All: true, ReservedSpace: 1 << 40, Filters: dockwire.Filters{"id": {livetest.UniqueName("dwnone")}},
		})
		if err != nil || len(rep.CachesDeleted) != 0 || rep.SpaceReclaimed != 0 || rep.Raw == "" {
			t.Errorf("BuildCachePrune of nothing = %+v, %v", rep, err)
		}
	})
}

// TestImagePlatformOptions: platform options go as JSON OCI platforms, and
// only to daemons whose API has them.
func TestImagePlatformOptions(t *testing.T) {
	const arm = `{"architecture":"arm64","os":"linux","variant":"v8"}`
	for _, c := range []struct {
		version, method, route string
		do                     func(ctx context.Context, c *dockwire.Client) error
		want                   url.Values
	}{
		{"1.49", "GET", "/images/busybox/json", func(ctx context.Context, c *dockwire.Client) error {
			_, err := c.ImageInspect(ctx, "busybox", dockwire.ImageInspectOptions{Platform: "linux/arm64/v8"})
			return err
		}, url.Values{"platform": {arm}}},
		{"1.48", "GET", "/images/busybox/history", func(ctx context.Context, c *dockwire.Client) error {
			_, err := c.ImageHistory(ctx, "busybox", dockwire.ImageHistoryOptions{Platform: "linux/arm64/v8"})
			return err
		}, url.Values{"platform": {arm}}},
		{"1.50", "DELETE", "/images/busybox", func(ctx context.Context, c *dockwire.Client) error {
			_, err := c.ImageRemove(ctx, "busybox", dockwire.ImageRemoveOptions{Platforms: []string{"linux/arm64/v8", "linux/amd64"}})
			return err
		}, url.Values{"platforms": {arm, `{"architecture":"amd64","os":"linux"}`}}},
		{"1.46", "POST", "/images/example/busybox/push", func(ctx context.Context, c *dockwire.Client) error {
			return waitProgress(c.ImagePush(ctx, "example/busybox", dockwire.ImagePushOptions{AllTags: true, Platform: "linux/arm64/v8"}))
		}, url.Values{"platform": {arm}}},
	} {
		e := enginetest.New(t, enginetest.WithAPIVersion(c.version))
		e.Handle(c.method, c.route, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reply := map[string]string{"GET": `{"Id":"sha256:1"}`, "DELETE": `[]`, "POST": `{"status":"done"}`}[r.Method]
			if strings.HasSuffix(r.URL.Path, "/history") {
				reply = `[]`
			}
			jsonReply(w, 200, reply)
		}))
		if err := c.do(testContext(t), engineClient(t, e)); err != nil {
			t.Errorf("%s %s at API %s: %v", c.method, c.route, c.version, err)
			continue
		}
		got := e.Requests()[len(e.Requests())-1].Query
		for k, v := range c.want {
			if !slices.Equal(got[k], v) {
				t.Errorf("%s %s: %s = %q, want %q", c.method, c.route, k, got[k], v)
			}
		}
		// One version below, the call refuses before sending anything.
		minor, _ := strconv.Atoi(strings.TrimPrefix(c.version, "1."))
		old := enginetest.New(t, enginetest.WithAPIVersion(fmt.Sprintf("1.%d", minor-1)))
		if err := c.do(testContext(t), engineClient(t, old)); !errors.Is(err, dockwire.ErrAPIVersion) || !strings.Contains(err.Error(), "requires API >= "+c.version) {
			t.Errorf("%s %s below API %s = %v, want requires API >= %s", c.method, c.route, c.version, err, c.version)
		}
	}
	e := enginetest.New(t)
	if _, err := engineClient(t, e).ImageInspect(testContext(t), "busybox", dockwire.ImageInspectOptions{Platform: "linux/amd64", Manifests: true}); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("Platform with Manifests = %v, want ErrInvalidArgument", err)
	}
	if _, err := engineClient(t, e).ImageRemove(testContext(t), "busybox", dockwire.ImageRemoveOptions{Platforms: []string{"arm64"}}); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("a platform without an OS = %v, want ErrInvalidArgument", err)
	}
}

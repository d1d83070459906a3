package dockwire_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/await"
	"github.com/dockwire/dockwire/internal/livetest"
	"github.com/google/go-cmp/cmp"
)

func TestLiveImageLifecycle(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		ctx := livetest.Context(t)
		c := e.Client
		run := livetest.UniqueName("run")
		repo := "dockwire-test/images"
		tag := repo + ":" + run
		p, err := liveBuild(t, e, busyboxContextDir(t, busyboxDockerfile), dockwire.ImageBuildOptions{Tags: []string{tag}, Labels: map[string]string{"dockwire.test.run": run}})
		if err != nil {
			t.Fatal(err)
		}
		id := p.ImageID()

		list, err := c.ImageList(ctx, dockwire.ImageListOptions{Filters: dockwire.Filters{"label": {"dockwire.test.run=" + run}}, Digests: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ID != id || !slices.Contains(list[0].RepoTags, tag) || list[0].Labels["dockwire.test.run"] != run || list[0].Created.IsZero() {
			t.Fatalf("ImageList by label = %+v, want just %s tagged %s", list, id, tag)
		}

		info, err := c.ImageInspect(ctx, tag, dockwire.ImageInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if info.ID != id || info.Os != "linux" || len(info.RootFSLayers) == 0 || info.Size == 0 || info.Created.IsZero() || !slices.Contains(info.RepoTags, tag) {
			t.Errorf("ImageInspect = %+v", info)
		}
		if got := info.Get("Config.Labels").Get(gjsonEscape("dockwire.test.run")).String(); got != run {
			t.Errorf("Raw label = %q, want %q", got, run)
		}
		// Manifests from API 1.48; the daemon fills the field only with
		// the containerd image store, so only the call's outcome is checked.
		withManifests, err := c.ImageInspect(ctx, tag, dockwire.ImageInspectOptions{Manifests: true})
		if minor, _ := strconv.Atoi(strings.TrimPrefix(e.API, "1.")); minor < 48 {
			if !errors.Is(err, dockwire.ErrAPIVersion) {
				t.Errorf("ImageInspect with Manifests on API %s: %v, want ErrAPIVersion", e.API, err)
			}
		} else if err != nil || withManifests.ID != id {
			t.Errorf("ImageInspect with Manifests on API %s: %s, %v", e.API, withManifests.ID, err)
		}
		if ok, err := c.ImageExists(ctx, tag); !ok || err != nil {
			t.Errorf("ImageExists(%s) = %v, %v", tag, ok, err)
		}

		hist, err := c.ImageHistory(ctx, tag, dockwire.ImageHistoryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) < 3 || !strings.Contains(strings.Join(historyCmds(hist), "\n"), "COPY") {
			t.Errorf("ImageHistory = %+v", hist)
		}
		t.Run("history begins with the image", func(t *testing.T) {
			e.SkipOnPodman(t, "the newest entry of an image's history has the ID of another layer, bare, not the image's")
			if hist[0].ID != id {
				t.Errorf("ImageHistory[0].ID = %s, want %s", hist[0].ID, id)
			}
		})

		// A second tag, then removing it only untags.
		if err := c.ImageTag(ctx, tag, dockwire.ImageTagOptions{Repo: repo, Tag: run + "-2"}); err != nil {
			t.Fatal(err)
		}
		if info2, err := c.ImageInspect(ctx, tag+"-2", dockwire.ImageInspectOptions{}); err != nil || info2.ID != id {
			t.Fatalf("inspect the new tag: %v, %v", info2.ID, err)
		}
		// By ID, an image with two tags is a conflict without force.
		if _, err := c.ImageRemove(ctx, id, dockwire.ImageRemoveOptions{}); !errors.Is(err, dockwire.ErrConflict) {
			t.Errorf("removing a twice-tagged image by ID = %v, want ErrConflict", err)
		}
		items, err := c.ImageRemove(ctx, tag+"-2", dockwire.ImageRemoveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]engine.ImageDeleteResponseItem{{Untagged: tag + "-2"}}, items); diff != "" {
			t.Errorf("removing the second tag (-want +got):\n%s", diff)
		}

		// save -> remove -> load gives the same image back.
		archive := filepath.Join(t.TempDir(), "image.tar")
		saveTo(t, c, archive, tag)
		items, err = c.ImageRemove(ctx, tag, dockwire.ImageRemoveOptions{Force: true})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(items, func(i engine.ImageDeleteResponseItem) bool { return i.Deleted == id }) {
			t.Errorf("ImageRemove items %+v do not delete %s", items, id)
		}
		if ok, err := c.ImageExists(ctx, tag); ok || err != nil {
			t.Fatalf("after remove, ImageExists = %v, %v", ok, err)
		}
		f, err := os.Open(archive)
		if err != nil {
			t.Fatal(err)
		}
		load, err := c.ImageLoad(ctx, f, dockwire.ImageLoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, err := range load.Messages() {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n == 0 || load.ImageID() != tag {
			t.Errorf("load: %d messages, ImageID %q, want %q", n, load.ImageID(), tag)
		}
		if info, err := c.ImageInspect(ctx, tag, dockwire.ImageInspectOptions{}); err != nil || info.ID != id {
			t.Errorf("after load: %s, %v; want %s", info.ID, err, id)
		}
	})
}

func historyCmds(h []engine.HistoryResponseItem) []string {
	var out []string
	for _, item := range h {
		out = append(out, item.CreatedBy)
	}
	return out
}

// gjsonEscape escapes the dots of a label key for a gjson path.
func gjsonEscape(s string) string { return strings.ReplaceAll(s, ".", `\.`) }

func saveTo(t *testing.T, c *dockwire.Client, file string, refs ...string) {
	t.Helper()
	rc, err := c.ImageSave(livetest.Context(t), refs, dockwire.ImageSaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, rc); err != nil {
		t.Fatal(err)
	}
}

func TestLiveImageQuietLoadReportsID(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		ctx := livetest.Context(t)
		p, err := liveBuild(t, e, busyboxContextDir(t, busyboxDockerfile), dockwire.ImageBuildOptions{Labels: map[string]string{"dockwire.test.run": livetest.UniqueName("q")}})
		if err != nil {
			t.Fatal(err)
		}
		// An untagged image saved by ID loads as "Loaded image ID: ...".
		archive := filepath.Join(t.TempDir(), "image.tar")
		saveTo(t, e.Client, archive, p.ImageID())
		f, err := os.Open(archive)
		if err != nil {
			t.Fatal(err)
		}
		load, err := e.Client.ImageLoad(ctx, f, dockwire.ImageLoadOptions{Quiet: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := load.Wait(); err != nil {
			t.Fatal(err)
		}
		if load.ImageID() != p.ImageID() {
			t.Errorf("load ImageID = %q, want %q", load.ImageID(), p.ImageID())
		}
	})
}

func TestLiveImageLoadGarbage(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		err := waitProgress(e.Client.ImageLoad(livetest.Context(t), strings.NewReader(strings.Repeat("not a tar archive ", 100)), dockwire.ImageLoadOptions{}))
		var se *dockwire.StreamError
		var apiErr *dockwire.APIError
		if !errors.As(err, &se) && !errors.As(err, &apiErr) {
			t.Fatalf("loading garbage = %v (%T), want a *StreamError or *APIError", err, err)
		}
	})
}

func TestLiveImagePrune(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		run := livetest.UniqueName("prune")
		// Untagged and unused: dangling, and only this test's label selects it.
		p, err := liveBuild(t, e, busyboxContextDir(t, busyboxDockerfile), dockwire.ImageBuildOptions{Labels: map[string]string{"dockwire.test.prune": run}})
		if err != nil {
			t.Fatal(err)
		}
		report, err := e.Client.ImagePrune(livetest.Context(t), dockwire.ImagePruneOptions{Filters: dockwire.Filters{"label": {"dockwire.test.prune=" + run}}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(report.ImagesDeleted, func(i engine.ImageDeleteResponseItem) bool { return i.Deleted == p.ImageID() }) {
			t.Errorf("prune report %+v does not delete %s", report, p.ImageID())
		}
	})
}

func TestLiveImageNotFound(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		ctx := livetest.Context(t)
		c := e.Client
		const missing = "dockwire-test/no-such-image:never"
		_, err := c.ImageInspect(ctx, missing, dockwire.ImageInspectOptions{})
		if !errors.Is(err, dockwire.ErrImageNotFound) || !errors.Is(err, dockwire.ErrNotFound) {
			t.Errorf("inspect: %v, want ErrImageNotFound", err)
		}
		if ok, err := c.ImageExists(ctx, missing); ok || err != nil {
			t.Errorf("ImageExists = %v, %v; want false, nil", ok, err)
		}
		if _, err := c.ImageHistory(ctx, missing, dockwire.ImageHistoryOptions{}); !errors.Is(err, dockwire.ErrImageNotFound) {
			t.Errorf("history: %v, want ErrImageNotFound", err)
		}
		if _, err := c.ImageRemove(ctx, missing, dockwire.ImageRemoveOptions{}); !errors.Is(err, dockwire.ErrImageNotFound) {
			t.Errorf("remove: %v, want ErrImageNotFound", err)
		}
		if err := c.ImageTag(ctx, missing, dockwire.ImageTagOptions{Repo: "dockwire-test/other", Tag: "x"}); !errors.Is(err, dockwire.ErrImageNotFound) {
			t.Errorf("tag: %v, want ErrImageNotFound", err)
		}
		if _, err := c.ImageSave(ctx, []string{missing}, dockwire.ImageSaveOptions{}); !errors.Is(err, dockwire.ErrNotFound) {
			t.Errorf("save: %v, want ErrNotFound", err)
		}
	})
}

func TestLiveImagePullUnreachableRegistry(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		// Nothing listens on port 1: the daemon fails to reach the registry,
		// before the stream (a 500) or inside it, depending on the version.
		err := waitProgress(e.Client.ImagePull(livetest.Context(t), "localhost:1/dockwire-test/nope:1", dockwire.ImagePullOptions{}))
		var se *dockwire.StreamError
		var apiErr *dockwire.APIError
		switch {
		case errors.As(err, &se):
			if se.Op != "pull" || se.Message == "" {
				t.Errorf("StreamError %+v", se)
			}
		case errors.As(err, &apiErr):
			if apiErr.Message == "" || apiErr.Kind != dockwire.KindImage || apiErr.ID != "localhost:1/dockwire-test/nope:1" {
				t.Errorf("APIError %+v", apiErr)
			}
		default:
			t.Fatalf("pull = %v (%T), want a *StreamError or *APIError", err, err)
		}
		t.Logf("pull error on %s: %v", e.Name(), err)
	})
}

// imageEngine answers route with a fixed JSON body and returns the
// engine and a client.
func imageEngine(t *testing.T, method, route, body string) (*enginetest.Engine, *dockwire.Client) {
	t.Helper()
	e := enginetest.New(t)
	e.Handle(method, route, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	return e, engineClient(t, e)
}

// lastImageRequest returns the last request e received.
func lastImageRequest(t *testing.T, e *enginetest.Engine) enginetest.Request {
	t.Helper()
	reqs := e.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request received")
	}
	return reqs[len(reqs)-1]
}

func TestImagePullRequest(t *testing.T) {
	digest := "sha256:" + strings.Repeat("0123456789abcdef", 4)
	for _, tc := range []struct {
		ref        string
		opts       dockwire.ImagePullOptions
		from, tag  string
		platform   string
		wantNoTags bool
	}{
		{ref: "busybox", from: "busybox", tag: "latest"},
		{ref: "busybox:1.36", from: "busybox", tag: "1.36"},
		{ref: "library/busybox:1.36", from: "library/busybox", tag: "1.36"},
		{ref: "localhost:5000/a/b:1", from: "localhost:5000/a/b", tag: "1"},
		{ref: "localhost:5000/a/b", from: "localhost:5000/a/b", tag: "latest"},
		{ref: "a@" + digest, from: "a", tag: digest},
		{ref: "registry.example.com:443/a:1@" + digest, from: "registry.example.com:443/a", tag: digest},
		{ref: "busybox", opts: dockwire.ImagePullOptions{Platform: "linux/arm64/v8"}, from: "busybox", tag: "latest", platform: "linux/arm64/v8"},
		{ref: "busybox", opts: dockwire.ImagePullOptions{AllTags: true}, from: "busybox", wantNoTags: true},
	} {
		e, c := imageEngine(t, "POST", "/images/create", `{"status":"Digest: `+digest+`"}`)
		if err := waitProgress(c.ImagePull(testContext(t), tc.ref, tc.opts)); err != nil {
			t.Errorf("%s: %v", tc.ref, err)
			continue
		}
		q := lastImageRequest(t, e).Query
		want := url.Values{"fromImage": {tc.from}}
		if tc.tag != "" {
			want["tag"] = []string{tc.tag}
		}
		if tc.platform != "" {
			want["platform"] = []string{tc.platform}
		}
		if diff := cmp.Diff(want, q); diff != "" {
			t.Errorf("%s: query (-want +got):\n%s", tc.ref, diff)
		}
		if h := lastImageRequest(t, e).Header.Get("X-Registry-Auth"); h != "" {
			t.Errorf("%s: X-Registry-Auth %q sent without credentials", tc.ref, h)
		}
	}
}

func TestImagePullNotFound(t *testing.T) {
	e := enginetest.New(t)
	e.Fault("POST", "/images/create", enginetest.Status(404, "pull access denied for nosuch, repository does not exist or may require 'docker login'"))
	err := waitProgress(engineClient(t, e).ImagePull(testContext(t), "nosuch", dockwire.ImagePullOptions{}))
	if !errors.Is(err, dockwire.ErrImageNotFound) || !strings.Contains(err.Error(), "pull access denied") {
		t.Fatalf("pull = %v, want ErrImageNotFound with the daemon's message", err)
	}
}

func TestFault_J3_ImageReferences(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	for ref, route := range map[string]string{
		"busybox":              "/images/busybox/json",
		"library/busybox:1.36": "/images/library/busybox:1.36/json",
		"localhost:5000/a/b:1": "/images/localhost:5000/a/b:1/json",
		"a@" + digest:          "/images/a@" + digest + "/json",
		strings.TrimPrefix(digest, "sha256:")[:12]: "/images/" + strings.TrimPrefix(digest, "sha256:")[:12] + "/json",
	} {
		e, c := imageEngine(t, "GET", "/images/{name...}", `{"Id":"`+digest+`","Config":{}}`)
		info, err := c.ImageInspect(testContext(t), ref, dockwire.ImageInspectOptions{})
		if err != nil || info.ID != digest {
			t.Errorf("%s: %v, %v", ref, info.ID, err)
			continue
		}
		if got := lastImageRequest(t, e).Route; got != route {
			t.Errorf("%s: requested %s, want %s", ref, got, route)
		}
	}
	e := enginetest.New(t)
	c := engineClient(t, e)
	for _, ref := range []string{"", " ", "../x", "a/../b", "a/./b", "a//b", "/a", "a/", "a?b", "a#b", "a b", "a%2fb", "-a", "a\x00b"} {
		if _, err := c.ImageInspect(testContext(t), ref, dockwire.ImageInspectOptions{}); !errors.Is(err, dockwire.ErrInvalidArgument) {
			t.Errorf("inspect %q: %v, want ErrInvalidArgument", ref, err)
		}
		if _, err := c.ImageRemove(testContext(t), ref, dockwire.ImageRemoveOptions{}); !errors.Is(err, dockwire.ErrInvalidArgument) {
			t.Errorf("remove %q: %v, want ErrInvalidArgument", ref, err)
		}
	}
	if n := len(e.Requests()); n != 0 {
		t.Errorf("%d requests sent for invalid references, want none", n)
	}
}

func TestImageRequests(t *testing.T) {
	ctx := testContext(t)
	t.Run("list", func(t *testing.T) {
		e, c := imageEngine(t, "GET", "/images/json", `[{"Id":"sha256:1","RepoTags":["<none>:<none>"],"Created":1700000000,"Size":5,"SharedSize":-1,"Containers":-1,"Labels":null}]`)
		list, err := c.ImageList(ctx, dockwire.ImageListOptions{All: true, Digests: true, Filters: dockwire.Filters{"dangling": {"true"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].RepoTags != nil || list[0].Created.Unix() != 1700000000 || list[0].SharedSize != -1 {
			t.Errorf("list = %+v", list)
		}
		want := url.Values{"all": {"1"}, "digests": {"1"}, "filters": {`{"dangling":["true"]}`}}
		if diff := cmp.Diff(want, lastImageRequest(t, e).Query); diff != "" {
			t.Errorf("query (-want +got):\n%s", diff)
		}
	})
	t.Run("remove", func(t *testing.T) {
		e, c := imageEngine(t, "DELETE", "/images/{name...}", `[{"Untagged":"a:1"},{"Deleted":"sha256:1"}]`)
		items, err := c.ImageRemove(ctx, "a:1", dockwire.ImageRemoveOptions{Force: true, NoPrune: true})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]engine.ImageDeleteResponseItem{{Untagged: "a:1"}, {Deleted: "sha256:1"}}, items); diff != "" {
			t.Errorf("items (-want +got):\n%s", diff)
		}
		r := lastImageRequest(t, e)
		if r.Route != "/images/a:1" || r.Query.Encode() != "force=1&noprune=1" {
			t.Errorf("sent %s?%s", r.Route, r.Query.Encode())
		}
	})
	t.Run("tag", func(t *testing.T) {
		e := enginetest.New(t)
		e.Handle("POST", "/images/{name...}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) }))
		c := engineClient(t, e)
		if err := c.ImageTag(ctx, "sha256:1", dockwire.ImageTagOptions{Repo: "localhost:5000/x", Tag: "v1"}); err != nil {
			t.Fatal(err)
		}
		r := lastImageRequest(t, e)
		if r.Route != "/images/sha256:1/tag" || r.Query.Get("repo") != "localhost:5000/x" || r.Query.Get("tag") != "v1" {
			t.Errorf("sent %s?%s", r.Route, r.Query.Encode())
		}
		for _, bad := range [][2]string{{"a@sha256:" + strings.Repeat("a", 64), ""}, {"", "x"}, {"x", "bad tag"}, {"x", ".dot"}} {
			if err := c.ImageTag(ctx, "sha256:1", dockwire.ImageTagOptions{Repo: bad[0], Tag: bad[1]}); !errors.Is(err, dockwire.ErrInvalidArgument) {
				t.Errorf("tag as %q %q: %v, want ErrInvalidArgument", bad[0], bad[1], err)
			}
		}
	})
	t.Run("prune", func(t *testing.T) {
		e, c := imageEngine(t, "POST", "/images/prune", `{"ImagesDeleted":[{"Deleted":"sha256:1"}],"SpaceReclaimed":42}`)
		rep, err := c.ImagePrune(ctx, dockwire.ImagePruneOptions{Filters: dockwire.Filters{"label": {"a=b"}}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.SpaceReclaimed != 42 || len(rep.ImagesDeleted) != 1 || rep.ImagesDeleted[0].Deleted != "sha256:1" {
			t.Errorf("prune = %+v", rep)
		}
		if got := lastImageRequest(t, e).Query.Get("filters"); got != `{"label":["a=b"]}` {
			t.Errorf("filters %s", got)
		}
	})
	t.Run("history", func(t *testing.T) {
		_, c := imageEngine(t, "GET", "/images/{name...}", `[{"Id":"sha256:2","Created":1700000000,"CreatedBy":"RUN x","Tags":["a:1"],"Size":3,"Comment":""},{"Id":"<missing>","Created":1600000000,"CreatedBy":"COPY","Tags":null,"Size":0,"Comment":"c"}]`)
		h, err := c.ImageHistory(ctx, "a:1", dockwire.ImageHistoryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 2 || h[0].CreatedBy != "RUN x" || h[1].ID != "<missing>" || h[1].Comment != "c" || h[0].Created.Unix() != 1700000000 {
			t.Errorf("history = %+v", h)
		}
	})
	t.Run("save", func(t *testing.T) {
		e, c := imageEngine(t, "GET", "/images/get", "TARBYTES")
		rc, err := c.ImageSave(ctx, []string{"a:1", "b"}, dockwire.ImageSaveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(b) != "TARBYTES" {
			t.Errorf("save read %q, %v", b, err)
		}
		if got := lastImageRequest(t, e).Query["names"]; !slices.Equal(got, []string{"a:1", "b"}) {
			t.Errorf("names %v", got)
		}
		if _, err := c.ImageSave(ctx, nil, dockwire.ImageSaveOptions{}); !errors.Is(err, dockwire.ErrInvalidArgument) {
			t.Errorf("save of nothing: %v", err)
		}
	})
	t.Run("load", func(t *testing.T) {
		e, c := imageEngine(t, "POST", "/images/load", `{"stream":"Loaded image: a:1\n"}`+"\n"+`{"stream":"Loaded image: b:2\n"}`)
		p, err := c.ImageLoad(ctx, strings.NewReader("tar"), dockwire.ImageLoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Wait(); err != nil {
			t.Fatal(err)
		}
		if p.ImageID() != "a:1" {
			t.Errorf("ImageID = %q, want the first loaded image", p.ImageID())
		}
		r := lastImageRequest(t, e)
		if r.Query.Encode() != "quiet=0" || r.Header.Get("Content-Type") != "application/x-tar" || string(r.Body) != "tar" {
			t.Errorf("load sent ?%s, %q, body %q", r.Query.Encode(), r.Header.Get("Content-Type"), r.Body)
		}
	})
}

func TestImageLoadPlatformNeedsAPI148(t *testing.T) {
	ctx := testContext(t)
	e := enginetest.New(t, enginetest.WithAPIVersion("1.41"))
	err := waitProgress(engineClient(t, e).ImageLoad(ctx, strings.NewReader("tar"), dockwire.ImageLoadOptions{Platform: "linux/arm64"}))
	var ve *dockwire.VersionError
	if !errors.As(err, &ve) || ve.Required != "1.48" {
		t.Fatalf("load with a platform on API 1.41 = %v, want a *VersionError requiring 1.48", err)
	}
	if n := e.Count("POST", "/images/load"); n != 0 {
		t.Errorf("%d loads sent, want none", n)
	}

	e, c := imageEngine(t, "POST", "/images/load", `{"stream":"Loaded image ID: sha256:1\n"}`)
	p, err := c.ImageLoad(ctx, strings.NewReader("tar"), dockwire.ImageLoadOptions{Platform: "linux/arm64/v8", Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	q := lastImageRequest(t, e).Query
	if q.Get("platform") != `{"architecture":"arm64","os":"linux","variant":"v8"}` || q.Get("quiet") != "1" {
		t.Errorf("query %v", q)
	}
	if p.ImageID() != "sha256:1" {
		t.Errorf("ImageID = %q", p.ImageID())
	}
}

func TestImageSaveClosesWithContext(t *testing.T) {
	e := enginetest.New(t)
	gone := make(chan struct{})
	e.Handle("GET", "/images/get", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(gone)
		for {
			if _, err := w.Write(make([]byte, 512)); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Millisecond):
			}
		}
	}))
	ctx, cancel := context.WithCancel(context.Background())
	rc, err := engineClient(t, e).ImageSave(ctx, []string{"a"}, dockwire.ImageSaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadFull(rc, make([]byte, 1024)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.Copy(io.Discard, rc); !errors.Is(err, context.Canceled) {
		t.Errorf("reading after cancel: %v, want context.Canceled", err)
	}
	await.Recv(t, "the save stream to end after ctx ended", gone)
}

func TestImageSavePlatform(t *testing.T) {
	ctx := testContext(t)
	e := enginetest.New(t, enginetest.WithAPIVersion("1.41"))
	_, err := engineClient(t, e).ImageSave(ctx, []string{"a"}, dockwire.ImageSaveOptions{Platform: "linux/arm64"})
	var ve *dockwire.VersionError
	if !errors.As(err, &ve) || ve.Required != "1.48" {
		t.Fatalf("save with a platform on API 1.41 = %v, want a *VersionError requiring 1.48", err)
	}
	if n := e.Count("GET", "/images/get"); n != 0 {
		t.Errorf("%d saves sent, want none", n)
	}
	if _, err := engineClient(t, e).ImageSave(ctx, []string{"a"}, dockwire.ImageSaveOptions{Platform: "arm64"}); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("save with platform %q = %v, want ErrInvalidArgument", "arm64", err)
	}

	e, c := imageEngine(t, "GET", "/images/get", "TARBYTES")
	rc, err := c.ImageSave(ctx, []string{"a"}, dockwire.ImageSaveOptions{Platform: "linux/arm64/v8"})
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if q := lastImageRequest(t, e).Query; q.Get("platform") != `{"architecture":"arm64","os":"linux","variant":"v8"}` {
		t.Errorf("query %v", q)
	}
}

// Manifests is sent as manifests=1 from API 1.48, and refused below it
// before anything is sent; the zero options send no query.
func TestImageInspectManifests(t *testing.T) {
	for _, tc := range []struct {
		version string
		opts    dockwire.ImageInspectOptions
		query   string // "" for none; "refused" for an ErrAPIVersion
	}{
		{"1.51", dockwire.ImageInspectOptions{Manifests: true}, "manifests=1"},
		{"1.48", dockwire.ImageInspectOptions{Manifests: true}, "manifests=1"},
		{"1.47", dockwire.ImageInspectOptions{Manifests: true}, "refused"},
		{"1.41", dockwire.ImageInspectOptions{}, ""},
		{"1.51", dockwire.ImageInspectOptions{}, ""},
	} {
		e := enginetest.New(t, enginetest.WithAPIVersion(tc.version))
		e.Handle("GET", "/images/{name...}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			jsonReply(w, 200, `{"Id":"sha256:abc","Manifests":[{"ID":"sha256:def","Available":true}]}`)
		}))
		info, err := engineClient(t, e).ImageInspect(testContext(t), "app:1", tc.opts)
		sent := 0
		var query string
		for _, r := range e.Requests() {
			if strings.HasPrefix(r.Route, "/images/") {
				sent++
				query = r.Query.Encode()
			}
		}
		switch {
		case tc.query == "refused":
			var ve *dockwire.VersionError
			if !errors.As(err, &ve) || !errors.Is(err, dockwire.ErrAPIVersion) || ve.Required != "1.48" || sent != 0 {
				t.Errorf("Manifests at API %s: %v after %d requests; want a VersionError for 1.48 before any", tc.version, err, sent)
			}
		case err != nil || sent != 1 || query != tc.query:
			t.Errorf("%+v at API %s: %v, query %q in %d requests; want %q", tc.opts, tc.version, err, query, sent, tc.query)
		case tc.opts.Manifests && info.Get("Manifests.0.ID").String() != "sha256:def":
			t.Errorf("Manifests not in the answer's document: %s", info.Raw)
		}
	}
}

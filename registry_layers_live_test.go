package dockwire_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/internal/livetest"
)

// buildLayered builds, through the build API, an image of its own for a
// registry test, tagged ref: FROM scratch, then a layer with the static
// busybox and a random file, and a layer of random bytes for each of
// extra (their sizes). Random contents make every layer new to the
// registry and to every engine, so that a push uploads each one and a
// pull downloads each one. The image is removed when the test ends.
func buildLayered(t *testing.T, e *livetest.Engine, ref string, extra ...int) engine.ImageInspectResponse {
	t.Helper()
	ctx, c := livetest.Context(t), e.Client
	dir := t.TempDir()
	bin, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatalf("the layered image needs a static busybox (apt-get install busybox-static): %v", err)
	}
	files := map[string][]byte{"busybox": bin, "nonce": random(t, 4096)}
	dockerfile := "FROM scratch\nCOPY busybox nonce /bin/\n"
	for i, size := range extra {
		name := fmt.Sprintf("layer%d.bin", i+2)
		files[name] = random(t, size)
		dockerfile += "COPY " + name + " /" + name + "\n"
	}
	files["Dockerfile"] = []byte(dockerfile)
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tar, err := dockwire.BuildContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	build, err := c.ImageBuild(ctx, tar, dockwire.ImageBuildOptions{Tags: []string{ref}, ForceRemove: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := build.Wait(); err != nil {
		t.Fatalf("building %s: %v", ref, err)
	}
	img, err := c.ImageInspect(ctx, ref, dockwire.ImageInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeImage(t, c, img.ID) })
	if len(img.RootFSLayers) != 1+len(extra) {
		t.Fatalf("%s has layers %v, want %d", ref, img.RootFSLayers, 1+len(extra))
	}
	return img
}

func random(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// removeImage removes an image, with every tag, if it is still there.
func removeImage(t *testing.T, c *dockwire.Client, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.ImageRemove(ctx, id, dockwire.ImageRemoveOptions{Force: true}); err != nil && !errors.Is(err, dockwire.ErrNotFound) {
		t.Errorf("removing image %s: %v", id, err)
	}
}

// manifest is the part of a registry's image manifest the tests read.
type manifest struct {
	MediaType string
	Config    struct{ Digest string }
	Layers    []struct {
		Digest string
		Size   int64
	}
}

// registryManifest asks the registry itself, over its HTTP API, for the
// manifest of repo at reference (a tag or digest).
func registryManifest(t *testing.T, addr string, auth dockwire.AuthConfig, repo, reference string) manifest {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/v2/"+repo+"/manifests/"+reference, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(auth.Username, auth.Password)
	req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m manifest
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the registry's manifest of %s:%s: status %d", repo, reference, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// layerBytes follows the byte counts of one status ("Pushing",
// "Downloading") per layer ID through a stream's messages, and the status
// that ends that stage of a layer ("Pushed", "Download complete").
type layerBytes struct {
	status, done string
	total        map[string]int64 // the last Total each layer reported
	current      map[string]int64 // the last Current
	ids          []string         // layers in order of their first count
	ended        map[string]bool  // layers that reached done after their counts
}

func newLayerBytes(status, done string) *layerBytes {
	return &layerBytes{status: status, done: done, total: map[string]int64{}, current: map[string]int64{}, ended: map[string]bool{}}
}

func (l *layerBytes) observe(t *testing.T, m engine.JSONMessage) {
	t.Helper()
	if m.Status == l.done && m.ID != "" {
		l.ended[m.ID] = true
	}
	if m.Status != l.status || m.ID == "" {
		return
	}
	if l.ended[m.ID] {
		t.Errorf("%s %s after %s", l.status, m.ID, l.done)
	}
	if m.Total <= 0 {
		t.Errorf("%s message without a total: %+v", l.status, m)
		return
	}
	if _, ok := l.total[m.ID]; !ok {
		l.ids = append(l.ids, m.ID)
	} else if m.Current < l.current[m.ID] || m.Total != l.total[m.ID] || m.Current <= 0 {
		t.Errorf("%s %s: %d of %d after %d of %d: counts go back, or the total changes", l.status, m.ID, m.Current, m.Total, l.current[m.ID], l.total[m.ID])
	}
	l.total[m.ID], l.current[m.ID] = m.Total, m.Current
}

// TestLiveRegistryLayerProgress pushes an image of three new layers to
// the registry and pulls it back into an engine that has none of them,
// and checks the byte counts of the progress messages against the
// layers: a push counts each layer's uncompressed tar stream against the
// layer's size as the engine has it (ImageHistory; the stream's headers
// take the count a little past it), a pull counts the compressed blob
// against its size in the registry's manifest, exactly. The totals add up
// to the image's size, and to the manifest's; the counts stop at most at
// the total, and may stop short of it (the daemon drops updates), so each
// layer's end is its "Pushed" or "Download complete".
func TestLiveRegistryLayerProgress(t *testing.T) {
	addr, auth := liveRegistry(t)
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		e.SkipOnPodman(t, "a push reports no layers or byte counts, and the compat API has no GET /distribution/{name}/json; "+podmanNoPullReason)
		ctx, c := livetest.Context(t), e.Client
		repo := "dockwire-test/" + livetest.UniqueName("layers")
		ref := addr + "/" + repo + ":1"
		img := buildLayered(t, e, ref, 700_000, 300_000)

		// The layers' sizes, bottom first: the history lists them top
		// first, with the layer-less steps at 0 bytes.
		hist, err := c.ImageHistory(ctx, ref, dockwire.ImageHistoryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var sizes []int64
		for _, h := range slices.Backward(hist) {
			if h.Size > 0 {
				sizes = append(sizes, h.Size)
			}
		}
		if len(sizes) != len(img.RootFSLayers) {
			t.Fatalf("history sizes %v for layers %v", sizes, img.RootFSLayers)
		}

		push, err := c.ImagePush(ctx, ref, dockwire.ImagePushOptions{Auth: auth})
		if err != nil {
			t.Fatal(err)
		}
		pushed := newLayerBytes("Pushing", "Pushed")
		for m, err := range push.Messages() {
			if err != nil {
				t.Fatalf("push: %v", err)
			}
			pushed.observe(t, m)
		}
		digest := push.Digest()
		if digest == "" {
			t.Fatal("the push reported no digest")
		}
		t.Cleanup(func() { deleteManifest(t, addr, auth, repo, digest) })
		var sum int64
		for i, layer := range img.RootFSLayers {
			id := strings.TrimPrefix(layer, "sha256:")[:12]
			total, ok := pushed.total[id]
			switch {
			case !ok:
				t.Errorf("push: no byte counts for layer %s; counted %v", id, pushed.ids)
			case total != sizes[i]:
				t.Errorf("push: layer %s counted against %d bytes, its size is %d", id, total, sizes[i])
			case pushed.current[id] > total+total/10+10240 || !pushed.ended[id]:
				t.Errorf("push: layer %s counted to %d of %d bytes, pushed: %v; want at most the tar stream, a little past the layer's size, then Pushed", id, pushed.current[id], total, pushed.ended[id])
			}
			sum += total
		}
		if sum != img.Size {
			t.Errorf("push: the layers' totals add up to %d bytes, the image's size is %d", sum, img.Size)
		}

		// The registry's manifest, and the daemon's view of it without a
		// pull: the same digest, the engine's platform.
		man := registryManifest(t, addr, auth, repo, digest)
		if len(man.Layers) != len(img.RootFSLayers) || man.Config.Digest != img.ID {
			t.Fatalf("the registry's manifest %+v: want %d layers and the config %s", man, len(img.RootFSLayers), img.ID)
		}
		dist, err := c.DistributionInspect(ctx, ref, dockwire.DistributionInspectOptions{Auth: auth})
		if err != nil {
			t.Fatal(err)
		}
		if dist.Descriptor.Digest != digest || dist.Descriptor.MediaType != man.MediaType || len(dist.Platforms) != 1 ||
			dist.Platforms[0].OS != "linux" || dist.Platforms[0].Architecture != runtime.GOARCH {
			t.Errorf("distribution inspect = %+v, want %s (%s) for linux/%s", dist, digest, man.MediaType, runtime.GOARCH)
		}

		// Nothing of the image is left on the engine: the pull downloads
		// every layer.
		removeImage(t, c, img.ID)
		pull, err := c.ImagePull(ctx, ref, dockwire.ImagePullOptions{Auth: auth})
		if err != nil {
			t.Fatal(err)
		}
		var stream []string // shown if the test fails
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("the pull's messages:\n%s", strings.Join(stream, "\n"))
			}
		})
		downloaded, extracted := newLayerBytes("Downloading", "Download complete"), newLayerBytes("Extracting", "Pull complete")
		for m, err := range pull.Messages() {
			if err != nil {
				t.Fatalf("pull: %v", err)
			}
			downloaded.observe(t, m)
			extracted.observe(t, m)
			stream = append(stream, m.ID+" "+m.Status+" "+m.Progress)
			if m.Status == "Already exists" {
				t.Errorf("pull: layer %s already existed", m.ID)
			}
		}
		if pull.Digest() != digest {
			t.Errorf("pull Digest() = %q, want the pushed %s", pull.Digest(), digest)
		}
		// The daemon rate-limits its progress messages and may drop a
		// layer's last count (Docker 26.1 and 28.5 do, now and then):
		// "Download complete" says the rest.
		var want, got int64
		for _, l := range man.Layers {
			id := strings.TrimPrefix(l.Digest, "sha256:")[:12]
			for _, stage := range []*layerBytes{downloaded, extracted} {
				if stage.total[id] != l.Size || stage.current[id] > l.Size || !stage.ended[id] {
					t.Errorf("pull: %s of blob %s counted to %d of %d bytes, then %s: %v; the registry has %d bytes",
						stage.status, id, stage.current[id], stage.total[id], stage.done, stage.ended[id], l.Size)
				}
			}
			want += l.Size
			got += downloaded.total[id]
		}
		if got != want || len(downloaded.ids) != len(man.Layers) {
			t.Errorf("pull: the totals of layers %v add up to %d bytes; the manifest's %d layers hold %d", downloaded.ids, got, len(man.Layers), want)
		}
		if after, err := c.ImageInspect(ctx, ref, dockwire.ImageInspectOptions{}); err != nil || after.ID != img.ID {
			t.Errorf("after the pull: %s is %v, %v; want the pushed image %s", ref, after.ID, err, img.ID)
		}
	})
}

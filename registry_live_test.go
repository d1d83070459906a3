package dockwire_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/internal/livetest"
)

// liveRegistry returns the registry of the test bed and its credentials,
// as `scripts/engines.sh env registry` prints them. Without one the test
// skips, or fails under DOCKWIRE_LIVE=1.
func liveRegistry(t *testing.T) (addr string, auth dockwire.AuthConfig) {
	t.Helper()
	addr = os.Getenv("DOCKWIRE_REGISTRY")
	if addr == "" {
		const how = `run scripts/engines.sh start registry and eval "$(scripts/engines.sh env registry)"`
		if livetest.Required() {
			t.Fatal("DOCKWIRE_LIVE=1 but DOCKWIRE_REGISTRY is not set: " + how)
		}
		t.Skip("no registry: " + how)
	}
	auth = dockwire.AuthConfig{Username: os.Getenv("DOCKWIRE_REGISTRY_USER"), Password: os.Getenv("DOCKWIRE_REGISTRY_PASSWORD"), ServerAddress: addr}
	return addr, auth
}

// deleteManifest removes a pushed manifest from the registry, so that the
// tests leave nothing behind there either.
func deleteManifest(t *testing.T, addr string, auth dockwire.AuthConfig, repo, digest string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, "http://"+addr+"/v2/"+repo+"/manifests/"+digest, nil)
	if err != nil {
		t.Error(err)
		return
	}
	req.SetBasicAuth(auth.Username, auth.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("deleting %s@%s from the registry: %v", repo, digest, err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("deleting %s@%s from the registry: status %d", repo, digest, resp.StatusCode)
	}
}

// TestLiveRegistry pushes the test image to a registry with htpasswd auth
// and pulls it back, with the credentials in AuthConfig, logs in and asks
// the registry about the image, and checks what a wrong password and a
// missing tag are on each engine.
func TestLiveRegistry(t *testing.T) {
	addr, auth := liveRegistry(t)
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		ctx, c := livetest.Context(t), e.Client
		repo := "dockwire-test/" + livetest.UniqueName("reg")
		ref := addr + "/" + repo + ":1"
		if err := c.ImageTag(ctx, e.Image(t), dockwire.ImageTagOptions{Repo: addr + "/" + repo, Tag: "1"}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if _, err := c.ImageRemove(context.Background(), ref, dockwire.ImageRemoveOptions{}); err != nil && !errors.Is(err, dockwire.ErrNotFound) {
				t.Errorf("removing %s: %v", ref, err)
			}
		})
		wrong := auth
		wrong.Password += "-wrong"

		// A push with a wrong password fails inside its stream.
		err := waitProgress(c.ImagePush(ctx, ref, dockwire.ImagePushOptions{Auth: wrong}))
		var se *dockwire.StreamError
		if !errors.As(err, &se) || !errors.Is(err, dockwire.ErrUnauthorized) {
			t.Errorf("push with a wrong password = %v (%T), want a *StreamError matching ErrUnauthorized", err, err)
		}

		push, err := c.ImagePush(ctx, ref, dockwire.ImagePushOptions{Auth: auth})
		if err != nil {
			t.Fatal(err)
		}
		// Each layer ends pushed, already there, or mounted from another
		// repository of the registry that has it (another test's push).
		layers := 0
		for m, err := range push.Messages() {
			if err != nil {
				t.Fatalf("push: %v", err)
			}
			if m.ID != "" && (m.Status == "Pushed" || m.Status == "Layer already exists" || strings.HasPrefix(m.Status, "Mounted from ")) {
				layers++
			}
		}
		digest := push.Digest()
		if !strings.HasPrefix(digest, "sha256:") {
			t.Fatalf("push Digest() = %q, want the manifest's sha256 digest", digest)
		}
		t.Cleanup(func() { deleteManifest(t, addr, auth, repo, digest) })
		if layers == 0 {
			t.Error("the push reported no layer pushed or present")
		}

		// Login checks the credentials, through the daemon.
		if resp, err := c.RegistryLogin(ctx, auth); err != nil || resp.Status != "Login Succeeded" {
			t.Errorf("login = %+v, %v; want Login Succeeded", resp, err)
		}
		if _, err := c.RegistryLogin(ctx, wrong); !errors.Is(err, dockwire.ErrUnauthorized) || strings.Contains(err.Error(), wrong.Password) {
			t.Errorf("login with a wrong password = %v, want ErrUnauthorized, without the password", err)
		}

		// The registry describes the pushed image without a pull.
		dist, err := c.DistributionInspect(ctx, ref, dockwire.DistributionInspectOptions{Auth: auth})
		if err != nil {
			t.Fatalf("distribution inspect: %v", err)
		}
		if dist.Descriptor.Digest != digest || dist.Descriptor.Size == 0 || len(dist.Platforms) == 0 || dist.Platforms[0].OS != "linux" {
			t.Errorf("distribution inspect = %+v, want the pushed digest %s and a linux platform", dist, digest)
		}
		if _, err := c.DistributionInspect(ctx, ref, dockwire.DistributionInspectOptions{Auth: wrong}); !errors.Is(err, dockwire.ErrUnauthorized) {
			t.Errorf("distribution inspect with a wrong password = %v, want ErrUnauthorized", err)
		}

		// A pull with a wrong password is refused before the call returns.
		p, err := c.ImagePull(ctx, ref, dockwire.ImagePullOptions{Auth: wrong})
		if p != nil || !errors.Is(err, dockwire.ErrUnauthorized) || !strings.Contains(err.Error(), "unauthorized") {
			t.Errorf("pull with a wrong password = %v, want an error matching ErrUnauthorized with the registry's message", err)
		}
		// So is a tag the registry does not have.
		missing := addr + "/" + repo + ":nope"
		p, err = c.ImagePull(ctx, missing, dockwire.ImagePullOptions{Auth: auth})
		if p != nil || !errors.Is(err, dockwire.ErrNotFound) || !strings.Contains(err.Error(), missing) || strings.Contains(err.Error(), "build, load or pull") {
			t.Errorf("pull of a missing tag = %v, want ErrNotFound naming %s, without the hint to pull it", err, missing)
		}

		// Round trip: untag, pull with the credentials, same digest.
		if _, err := c.ImageRemove(ctx, ref, dockwire.ImageRemoveOptions{}); err != nil {
			t.Fatal(err)
		}
		pull, err := c.ImagePull(ctx, ref, dockwire.ImagePullOptions{Auth: auth})
		if err != nil {
			t.Fatal(err)
		}
		if err := pull.Wait(); err != nil {
			t.Fatalf("pull: %v", err)
		}
		if pull.Digest() != digest {
			t.Errorf("pull Digest() = %q, want the pushed %q", pull.Digest(), digest)
		}
		info, err := c.ImageInspect(ctx, ref)
		if err != nil {
			t.Fatalf("inspect after the pull: %v", err)
		}
		if want := addr + "/" + repo + "@" + digest; !slices.Contains(info.RepoDigests, want) {
			t.Errorf("RepoDigests %v, want %s", info.RepoDigests, want)
		}
	})
}

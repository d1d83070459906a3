package dockwire_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
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
		// An image of the test's own: its tag is the image's only one, so
		// removing it never takes an image another test uses.
		buildLayered(t, e, ref)
		wrong := auth
		wrong.Password += "-wrong"

		// A push with a wrong password fails at the call, with the
		// registry's words, though the daemon says so inside its stream.
		p, err := c.ImagePush(ctx, ref, dockwire.ImagePushOptions{Auth: wrong})
		var se *dockwire.StreamError
		refused := "unauthorized: authentication required"
		if e.PodmanMajor() >= 5 {
			refused = ": authentication required" // the registry's message without its code
		}
		if p != nil || !errors.As(err, &se) || !errors.Is(err, dockwire.ErrUnauthorized) || !strings.Contains(err.Error(), refused) ||
			strings.Contains(err.Error(), wrong.Password) {
			t.Errorf("push with a wrong password = %v, %v (%T), want no Progress and a *StreamError matching ErrUnauthorized with the registry's message, without the password", p, err, err)
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
		t.Run("push reports layers", func(t *testing.T) {
			e.SkipOnPodman(t, "a push reports no layers, only its start and the digest")
			if layers == 0 {
				t.Error("the push reported no layer pushed or present")
			}
		})

		// Login checks the credentials, through the daemon.
		t.Run("login", func(t *testing.T) {
			e.SkipOnPodman(t, podmanNoLoginReason)
			// A registry with htpasswd auth gives no identity token: only a
			// token server does.
			if resp, err := c.RegistryLogin(ctx, auth); err != nil || resp.Status != "Login Succeeded" || resp.IdentityToken != "" {
				t.Errorf("login = %+v, %v; want Login Succeeded, without an identity token", resp, err)
			}
			if _, err := c.RegistryLogin(ctx, wrong); !errors.Is(err, dockwire.ErrUnauthorized) || strings.Contains(err.Error(), wrong.Password) {
				t.Errorf("login with a wrong password = %v, want ErrUnauthorized, without the password", err)
			}
		})

		// The registry describes the pushed image without a pull.
		t.Run("distribution inspect", func(t *testing.T) {
			e.SkipOnPodman(t, "the compat API has no GET /distribution/{name}/json (404)")
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
		})

		t.Run("pull", func(t *testing.T) { livePulls(t, e, addr, repo, digest, auth, wrong) })
	})
}

// Why Podman's pulls and logins from the test bed's registry are skipped.
const (
	podmanNoPullReason  = "POST /images/create verifies TLS for a registry on 127.0.0.1 and takes no tlsVerify (only push does), so it cannot pull from a plain-HTTP registry unless registries.conf lists it as insecure"
	podmanNoLoginReason = "POST /auth verifies TLS for a registry on 127.0.0.1 (not one named localhost:PORT), and takes no tlsVerify"
)

// livePulls checks pulls from the registry at addr of repo:1, pushed
// with digest.
func livePulls(t *testing.T, e *livetest.Engine, addr, repo, digest string, auth, wrong dockwire.AuthConfig) {
	e.SkipOnPodman(t, podmanNoPullReason)
	ctx, c, ref := livetest.Context(t), e.Client, addr+"/"+repo+":1"
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
	info, err := c.ImageInspect(ctx, ref, dockwire.ImageInspectOptions{})
	if err != nil {
		t.Fatalf("inspect after the pull: %v", err)
	}
	if want := addr + "/" + repo + "@" + digest; !slices.Contains(info.RepoDigests, want) {
		t.Errorf("RepoDigests %v, want %s", info.RepoDigests, want)
	}
}

// TestLiveRegistryCredentials pushes and pulls with the credentials given
// three ways: in AuthConfig, from the docker CLI's config.json (auths, as
// docker login stores them), and from a credential helper named in it.
// LoadAuth reads both from a DOCKER_CONFIG of the test's own.
func TestLiveRegistryCredentials(t *testing.T) {
	addr, auth := liveRegistry(t)
	plain := func(t *testing.T) dockwire.AuthConfig { return auth }
	fromConfig := func(t *testing.T) dockwire.AuthConfig {
		dir := t.TempDir()
		basic := base64.StdEncoding.EncodeToString([]byte(auth.Username + ":" + auth.Password))
		writeFile(t, filepath.Join(dir, "config.json"), `{"auths":{"`+addr+`":{"auth":"`+basic+`"}}}`, 0o600)
		t.Setenv("DOCKER_CONFIG", dir)
		return loadAuth(t, dockwire.RegistryHost(addr+"/x/y:1"))
	}
	asked := filepath.Join(t.TempDir(), "asked")
	fromHelper := func(t *testing.T) dockwire.AuthConfig {
		dir, bin := t.TempDir(), t.TempDir()
		writeFile(t, filepath.Join(dir, "config.json"), `{"credHelpers":{"`+addr+`":"dwtest"}}`, 0o600)
		// The helper answers as docker-credential-pass and the others do.
		helper := fmt.Sprintf("#!/bin/sh\n[ \"$1\" = get ] || exit 3\ncat >> %q\necho >> %q\nprintf '{\"ServerURL\":\"%%s\",\"Username\":\"%%s\",\"Secret\":\"%%s\"}' %q %q %q\n",
			asked, asked, addr, auth.Username, auth.Password)
		writeFile(t, filepath.Join(bin, "docker-credential-dwtest"), helper, 0o755)
		t.Setenv("DOCKER_CONFIG", dir)
		t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		return loadAuth(t, addr)
	}
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		ctx, c := livetest.Context(t), e.Client
		e.SkipOnPodman(t, podmanNoPullReason)
		repo := "dockwire-test/" + livetest.UniqueName("creds")
		ref := addr + "/" + repo + ":1"
		buildLayered(t, e, ref)
		for _, source := range []struct {
			name string
			auth func(t *testing.T) dockwire.AuthConfig
		}{{"AuthConfig", plain}, {"config.json", fromConfig}, {"helper", fromHelper}} {
			t.Run(source.name, func(t *testing.T) {
				a := source.auth(t)
				if a != auth {
					t.Fatalf("credentials from %s = %v, want %v", source.name, a, auth)
				}
				push, err := c.ImagePush(ctx, ref, dockwire.ImagePushOptions{Auth: a})
				if err != nil {
					t.Fatal(err)
				}
				if err := push.Wait(); err != nil {
					t.Fatalf("push: %v", err)
				}
				t.Cleanup(func() { deleteManifest(t, addr, auth, repo, push.Digest()) })
				if _, err := c.ImageRemove(ctx, ref, dockwire.ImageRemoveOptions{}); err != nil {
					t.Fatal(err)
				}
				pull, err := c.ImagePull(ctx, ref, dockwire.ImagePullOptions{Auth: a})
				if err != nil {
					t.Fatal(err)
				}
				if err := pull.Wait(); err != nil {
					t.Fatalf("pull: %v", err)
				}
				if pull.Digest() != push.Digest() {
					t.Errorf("pulled %s, pushed %s", pull.Digest(), push.Digest())
				}
			})
		}
	})
	engines := 0 // those that did not skip
	for _, e := range livetest.Engines(t) {
		if !e.IsPodman() {
			engines++
		}
	}
	if b, err := os.ReadFile(asked); engines > 0 && (err != nil || strings.Count(string(b), addr+"\n") != engines) {
		t.Errorf("the credential helper was asked %q (%v); want %s once per engine", b, err, addr)
	}
}

func loadAuth(t *testing.T, host string) dockwire.AuthConfig {
	t.Helper()
	a, err := dockwire.LoadAuth(host)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

//go:build unix

package dockwire_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/google/go-cmp/cmp"
)

func TestAuthConfigEncode(t *testing.T) {
	a := dockwire.AuthConfig{Username: "jane", Password: "p>?~", ServerAddress: "r.example.com"}
	enc := a.Encode()
	raw, err := base64.URLEncoding.DecodeString(enc)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"username":"jane","password":"p>?~","serveraddress":"r.example.com"}`; string(raw) != want {
		t.Errorf("Encode decodes to %s, want %s", raw, want)
	}
	tok := dockwire.AuthConfig{IdentityToken: "tok"}.Encode()
	if raw, _ := base64.URLEncoding.DecodeString(tok); string(raw) != `{"identitytoken":"tok"}` {
		t.Errorf("identity token encodes to %s", raw)
	}
}

func TestAuthConfigRedacted(t *testing.T) {
	a := dockwire.AuthConfig{Username: "jane", Password: "hunter2", IdentityToken: "idtok", RegistryToken: "regtok", ServerAddress: "r.example.com"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(format, a)
		for _, secret := range []string{"hunter2", "idtok", "regtok"} {
			if strings.Contains(s, secret) {
				t.Errorf("%s prints %q, leaking %s", format, s, secret)
			}
		}
		if !strings.Contains(s, "jane") || !strings.Contains(s, "r.example.com") {
			t.Errorf("%s prints %q: want the user and server", format, s)
		}
	}
	if s := fmt.Sprintf("%v", &a); strings.Contains(s, "hunter2") {
		t.Errorf("a pointer prints %q", s)
	}
}

// fakeHelper installs docker-credential-<name> on PATH: it answers get
// with stdout and exits with code, and records the server URL it was
// asked about in <dir>/asked.
func fakeHelper(t *testing.T, dir, name, stdout string, code int) {
	t.Helper()
	script := fmt.Sprintf("#!/bin/sh\n[ \"$1\" = get ] || exit 3\ncat > %q\nprintf '%%s' %q\nexit %d\n", filepath.Join(dir, "asked"), stdout, code)
	if err := os.WriteFile(filepath.Join(dir, "docker-credential-"+name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestLoadAuth(t *testing.T) {
	basic := func(user, pass string) string {
		return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	}
	for _, tc := range []struct {
		name   string
		config string
		helper func(t *testing.T, dir string)
		host   string
		want   dockwire.AuthConfig
		asked  string // the server URL the helper must be asked about
		errs   string
	}{
		{
			name:   "auths basic",
			config: `{"auths":{"registry.example.com:5000":{"auth":"` + basic("jane", "pa:ss") + `"}}}`,
			host:   "registry.example.com:5000",
			want:   dockwire.AuthConfig{ServerAddress: "registry.example.com:5000", Username: "jane", Password: "pa:ss"},
		},
		{
			name:   "auths URL key",
			config: `{"auths":{"https://registry.example.com/v2/":{"auth":"` + basic("u", "p") + `"}}}`,
			host:   "registry.example.com",
			want:   dockwire.AuthConfig{ServerAddress: "registry.example.com", Username: "u", Password: "p"},
		},
		{
			name:   "docker hub",
			config: `{"auths":{"https://index.docker.io/v1/":{"auth":"` + basic("hubuser", "hubpass") + `"}}}`,
			host:   "docker.io",
			want:   dockwire.AuthConfig{ServerAddress: dockwire.DockerHubAuthKey, Username: "hubuser", Password: "hubpass"},
		},
		{
			name:   "docker hub by empty host",
			config: `{"auths":{"https://index.docker.io/v1/":{"auth":"` + basic("hubuser", "hubpass") + `"}}}`,
			want:   dockwire.AuthConfig{ServerAddress: dockwire.DockerHubAuthKey, Username: "hubuser", Password: "hubpass"},
		},
		{
			name:   "identity token",
			config: `{"auths":{"r.example.com":{"auth":"` + basic("jane", "") + `","identitytoken":"refresh"}}}`,
			host:   "r.example.com",
			want:   dockwire.AuthConfig{ServerAddress: "r.example.com", Username: "jane", IdentityToken: "refresh"},
		},
		{
			name:   "not stored",
			config: `{"auths":{"other.example.com":{"auth":"` + basic("x", "y") + `"}}}`,
			host:   "r.example.com",
			want:   dockwire.AuthConfig{ServerAddress: "r.example.com"},
		},
		{
			name: "no config file",
			host: "r.example.com",
			want: dockwire.AuthConfig{ServerAddress: "r.example.com"},
		},
		{
			name:   "credHelpers",
			config: `{"auths":{"r.example.com":{}},"credsStore":"other","credHelpers":{"r.example.com":"fake"}}`,
			helper: func(t *testing.T, dir string) {
				fakeHelper(t, dir, "fake", `{"ServerURL":"r.example.com","Username":"helper-user","Secret":"helper-secret"}`, 0)
			},
			host:  "r.example.com",
			want:  dockwire.AuthConfig{ServerAddress: "r.example.com", Username: "helper-user", Password: "helper-secret"},
			asked: "r.example.com",
		},
		{
			name:   "credsStore identity token",
			config: `{"credsStore":"fake"}`,
			helper: func(t *testing.T, dir string) {
				fakeHelper(t, dir, "fake", `{"ServerURL":"https://index.docker.io/v1/","Username":"<token>","Secret":"idtoken"}`, 0)
			},
			host:  "index.docker.io",
			want:  dockwire.AuthConfig{ServerAddress: dockwire.DockerHubAuthKey, IdentityToken: "idtoken"},
			asked: dockwire.DockerHubAuthKey,
		},
		{
			name:   "helper has nothing",
			config: `{"credsStore":"fake"}`,
			helper: func(t *testing.T, dir string) {
				fakeHelper(t, dir, "fake", "credentials not found in native keychain", 1)
			},
			host: "r.example.com",
			want: dockwire.AuthConfig{ServerAddress: "r.example.com"},
		},
		{
			name:   "helper fails",
			config: `{"credsStore":"fake"}`,
			helper: func(t *testing.T, dir string) {
				fakeHelper(t, dir, "fake", "keychain is locked", 1)
			},
			host: "r.example.com",
			want: dockwire.AuthConfig{ServerAddress: "r.example.com"},
			errs: "keychain is locked",
		},
		{
			name:   "helper missing",
			config: `{"credsStore":"nonexistent-helper"}`,
			host:   "r.example.com",
			want:   dockwire.AuthConfig{ServerAddress: "r.example.com"},
			errs:   "docker-credential-nonexistent-helper",
		},
		{
			name:   "helper name with a path",
			config: `{"credsStore":"../../bin/sh"}`,
			host:   "r.example.com",
			want:   dockwire.AuthConfig{ServerAddress: "r.example.com"},
			errs:   "not valid",
		},
		{
			name:   "bad auth field",
			config: `{"auths":{"r.example.com":{"auth":"%%%"}}}`,
			host:   "r.example.com",
			want:   dockwire.AuthConfig{ServerAddress: "r.example.com"},
			errs:   "base64",
		},
		{
			name:   "bad json",
			config: `{"auths":`,
			host:   "r.example.com",
			want:   dockwire.AuthConfig{ServerAddress: "r.example.com"},
			errs:   "not valid JSON",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("DOCKER_CONFIG", dir)
			t.Setenv("PATH", dir+string(os.PathListSeparator)+"/usr/bin:/bin")
			if tc.config != "" {
				if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(tc.config), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if tc.helper != nil {
				tc.helper(t, dir)
			}
			got, err := dockwire.LoadAuth(tc.host)
			switch {
			case tc.errs == "" && err != nil:
				t.Fatalf("LoadAuth: %v", err)
			case tc.errs != "" && (err == nil || !strings.Contains(err.Error(), tc.errs)):
				t.Fatalf("LoadAuth error %v, want one mentioning %q", err, tc.errs)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("LoadAuth (-want +got):\n%s", diff)
			}
			if tc.asked != "" {
				asked, _ := os.ReadFile(filepath.Join(dir, "asked"))
				if string(asked) != tc.asked {
					t.Errorf("helper asked about %q, want %q", asked, tc.asked)
				}
			}
		})
	}
}

func TestLoadAuthHomeConfig(t *testing.T) {
	home := t.TempDir()
	t.Setenv("DOCKER_CONFIG", "")
	t.Setenv("HOME", home)
	if err := os.MkdirAll(filepath.Join(home, ".docker"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := `{"auths":{"r.example.com":{"username":"plain","password":"fields"}}}`
	if err := os.WriteFile(filepath.Join(home, ".docker", "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := dockwire.LoadAuth("r.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if want := (dockwire.AuthConfig{ServerAddress: "r.example.com", Username: "plain", Password: "fields"}); got != want {
		t.Errorf("LoadAuth = %v, want %v", got, want)
	}
}

func TestFault_J7_RegistryAuthHeader(t *testing.T) {
	auth := dockwire.AuthConfig{Username: "jane", Password: "s3cr3t/+=?", ServerAddress: "registry.example.com"}
	e, c := imageEngine(t, "POST", "/images/create", `{"status":"ok"}`)
	if err := waitProgress(c.ImagePull(testContext(t), "registry.example.com/team/app:1", dockwire.ImagePullOptions{Auth: auth})); err != nil {
		t.Fatal(err)
	}
	h := lastImageRequest(t, e).Header.Get("X-Registry-Auth")
	if strings.ContainsAny(h, "+/") {
		t.Errorf("X-Registry-Auth %q is not base64url", h)
	}
	raw, err := base64.URLEncoding.DecodeString(h)
	if err != nil {
		t.Fatalf("X-Registry-Auth %q: %v", h, err)
	}
	var got map[string]string
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"username": "jane", "password": "s3cr3t/+=?", "serveraddress": "registry.example.com"}, got); diff != "" {
		t.Errorf("X-Registry-Auth JSON (-want +got):\n%s", diff)
	}

	// A pre-encoded value goes out as is; push always sends the header.
	e, c = imageEngine(t, "POST", "/images/{name...}", `{"status":"ok"}`)
	if err := waitProgress(c.ImagePull(testContext(t), "a", dockwire.ImagePullOptions{RegistryAuth: "abc"})); err != nil {
		t.Fatal(err)
	}
	if h := lastImageRequest(t, e).Header.Get("X-Registry-Auth"); h != "abc" {
		t.Errorf("RegistryAuth sent as %q", h)
	}
	if err := waitProgress(c.ImagePush(testContext(t), "localhost:5000/a/b:2", dockwire.ImagePushOptions{})); err != nil {
		t.Fatal(err)
	}
	r := lastImageRequest(t, e)
	if r.Route != "/images/localhost:5000/a/b/push" || r.Query.Get("tag") != "2" || r.Header.Get("X-Registry-Auth") != "e30=" {
		t.Errorf("push sent %s?%s with X-Registry-Auth %q", r.Route, r.Query.Encode(), r.Header.Get("X-Registry-Auth"))
	}
}

func TestFault_J7_RegistryAuthNotRedirected(t *testing.T) {
	e := enginetest.New(t)
	var leaked bool
	e.Handle("", "/elsewhere", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { leaked = true }))
	e.Fault("POST", "/images/create", enginetest.Redirect(307, "/elsewhere"))
	auth := dockwire.AuthConfig{Username: "jane", Password: "hunter2"}
	err := waitProgress(engineClient(t, e).ImagePull(testContext(t), "a", dockwire.ImagePullOptions{Auth: auth}))
	if !errors.Is(err, dockwire.ErrUnexpectedRedirect) {
		t.Fatalf("pull = %v, want ErrUnexpectedRedirect", err)
	}
	if leaked || len(e.Requests()) != 2 { // the ping and the pull
		t.Errorf("the redirect was followed: %d requests", len(e.Requests()))
	}
	if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), auth.Encode()) {
		t.Errorf("error %q leaks the credentials", err)
	}
}

func TestRegistryHost(t *testing.T) {
	for ref, want := range map[string]string{
		"busybox":                       "docker.io",
		"library/busybox:1":             "docker.io",
		"osrm/osrm-backend":             "docker.io",
		"ghcr.io/a/b:1":                 "ghcr.io",
		"localhost/app":                 "localhost",
		"localhost:5000/app@sha256:abc": "localhost:5000",
		"registry.example.com:443/x":    "registry.example.com:443",
		"docker.io/library/busybox":     "docker.io",
	} {
		if got := dockwire.RegistryHost(ref); got != want {
			t.Errorf("RegistryHost(%q) = %q, want %q", ref, got, want)
		}
	}
}

package dockwire_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
)

// writeContext stores a docker CLI context the way `docker context create`
// does, under dir.
func writeContext(t *testing.T, dir, name, host string) {
	t.Helper()
	sum := sha256.Sum256([]byte(name))
	meta := filepath.Join(dir, "contexts", "meta", hex.EncodeToString(sum[:]))
	if err := os.MkdirAll(meta, 0o700); err != nil {
		t.Fatal(err)
	}
	body := `{"Name":"` + name + `","Metadata":{},"Endpoints":{"docker":{"Host":"` + host + `","SkipTLSVerify":false}}}`
	if err := os.WriteFile(filepath.Join(meta, "meta.json"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestFromEnvFollowsDockerContext(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, `[]`) })
	dir := t.TempDir()
	writeContext(t, dir, "rootless", d.host())
	t.Setenv("DOCKER_CONFIG", dir)
	t.Setenv("DOCKER_HOST", "")
	t.Setenv("DOCKER_CERT_PATH", "")
	t.Setenv("DOCKER_TLS_VERIFY", "")
	t.Setenv("DOCKER_API_VERSION", "")

	for _, tc := range []struct {
		name, envContext, currentContext string
		wantHost                         string
	}{
		{"DOCKER_CONTEXT", "rootless", "", d.host()},
		{"currentContext in config.json", "", "rootless", d.host()},
		{"DOCKER_CONTEXT wins over config.json", "default", "rootless", dockwire.DefaultHost},
		{"no context", "", "", dockwire.DefaultHost},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("DOCKER_CONTEXT", tc.envContext)
			os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"currentContext":"`+tc.currentContext+`"}`), 0o600)
			c, err := dockwire.FromEnv()
			if err != nil {
				t.Fatal(err)
			}
			if c.Host() != tc.wantHost {
				t.Errorf("host %s, want %s", c.Host(), tc.wantHost)
			}
		})
	}

	t.Run("DOCKER_HOST wins over a context", func(t *testing.T) {
		t.Setenv("DOCKER_CONTEXT", "rootless")
		t.Setenv("DOCKER_HOST", "unix:///elsewhere.sock")
		c, err := dockwire.FromEnv()
		if err != nil || c.Host() != "unix:///elsewhere.sock" {
			t.Errorf("FromEnv = %v, %v", c, err)
		}
	})
	t.Run("the context's daemon answers", func(t *testing.T) {
		t.Setenv("DOCKER_CONTEXT", "rootless")
		c, err := dockwire.FromEnv()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ContainerList(testContext(t), dockwire.ContainerListOptions{}); err != nil || d.requests.Load() == 0 {
			t.Errorf("list through the context: %v (%d requests)", err, d.requests.Load())
		}
	})
	t.Run("a missing context is an error naming it", func(t *testing.T) {
		t.Setenv("DOCKER_CONTEXT", "nope")
		_, err := dockwire.FromEnv()
		if err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "docker context ls") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestDockerContextsListAndUse(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", dir)
	t.Setenv("DOCKER_CONTEXT", "")
	t.Setenv("DOCKER_HOST", "")
	writeContext(t, dir, "remote", "ssh://me@127.0.0.1:2222")
	writeContext(t, dir, "b-tls", "tcp://127.0.0.1:2376")
	config := filepath.Join(dir, "config.json")
	if err := os.WriteFile(config, []byte(`{"auths":{"registry.example":{"auth":"dTpw"}},"credsStore":"pass"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	names := func() string {
		list, err := dockwire.DockerContexts()
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, c := range list {
			n := c.Name + "=" + c.Host
			if c.Current {
				n += "*"
			}
			s = append(s, n)
		}
		return strings.Join(s, " ")
	}
	if got, want := names(), "default=unix:///var/run/docker.sock* b-tls=tcp://127.0.0.1:2376 remote=ssh://me@127.0.0.1:2222"; got != want {
		t.Fatalf("contexts: %s\nwant      %s", got, want)
	}
	if err := dockwire.UseDockerContext("remote"); err != nil {
		t.Fatal(err)
	}
	if got := names(); !strings.Contains(got, "remote=ssh://me@127.0.0.1:2222*") || strings.Contains(got, "sock*") {
		t.Fatalf("after use remote: %s", got)
	}
	data, _ := os.ReadFile(config)
	for _, kept := range []string{`"registry.example"`, `"auth": "dTpw"`, `"credsStore": "pass"`, `"currentContext": "remote"`} {
		if !strings.Contains(string(data), kept) {
			t.Errorf("config.json lost %s:\n%s", kept, data)
		}
	}
	if err := dockwire.UseDockerContext("nope"); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("use of a missing context: %v; want ErrInvalidArgument", err)
	}
	if after, _ := os.ReadFile(config); string(after) != string(data) {
		t.Errorf("a refused use changed config.json")
	}
	if err := dockwire.UseDockerContext("default"); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(config); strings.Contains(string(data), "currentContext") || !strings.Contains(string(data), "credsStore") {
		t.Errorf("use default should drop currentContext and keep the rest:\n%s", data)
	}
	t.Setenv("DOCKER_CONTEXT", "b-tls")
	if got := names(); !strings.Contains(got, "b-tls=tcp://127.0.0.1:2376*") {
		t.Errorf("DOCKER_CONTEXT should mark the current one: %s", got)
	}
}

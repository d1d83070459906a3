package dockwire_test

import (
	"crypto/sha256"
	"encoding/hex"
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

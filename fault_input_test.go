package dockwire_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/google/go-cmp/cmp"
)

func TestFault_J1_J2_BadIDsRejectedBeforeIO(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the daemon saw %s %s", r.Method, r.URL.Path)
	})
	c := d.client(t)
	ctx := testContext(t)
	for _, id := range []string{"", "   ", "../../images/x", "a/b", "..", "x?y", "x#y", "x%2fy", "x y", "x\ny", "x\x00y", "сontainer", "-x"} {
		_, err := c.ContainerInspect(ctx, id, dockwire.ContainerInspectOptions{})
		if !errors.Is(err, dockwire.ErrInvalidArgument) {
			t.Errorf("inspect %q: err = %v; want ErrInvalidArgument", id, err)
		}
		if err := c.ContainerStart(ctx, id); !errors.Is(err, dockwire.ErrInvalidArgument) {
			t.Errorf("start %q: err = %v; want ErrInvalidArgument", id, err)
		}
	}
	if d.pings.Load()+d.requests.Load() != 0 {
		t.Errorf("bad input caused %d requests", d.pings.Load()+d.requests.Load())
	}
}

func TestFault_J2_NamesWithLeadingSlashAccepted(t *testing.T) {
	var path string
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		jsonReply(w, 200, `{"Id":"abc","Name":"/web"}`)
	})
	info, err := d.client(t).ContainerInspect(testContext(t), "/web", dockwire.ContainerInspectOptions{})
	if err != nil || info.ID != "abc" || path != "/v1.41/containers/web/json" {
		t.Errorf("inspect /web: %+v, %v, path %s", info, err, path)
	}
}

func TestFault_J4_FilterValuesRoundTrip(t *testing.T) {
	want := dockwire.Filters{"label": {`a=b&c=d`, `q="x y"#z`}, "name": {"web"}}
	var got map[string][]string
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		if err := json.Unmarshal([]byte(r.URL.Query().Get("filters")), &got); err != nil {
			t.Errorf("filters %q: %v", r.URL.Query().Get("filters"), err)
		}
		if r.URL.Query().Get("all") != "1" {
			t.Errorf("query %q lacks all=1", r.URL.RawQuery)
		}
		jsonReply(w, 200, `[]`)
	})
	if _, err := d.client(t).ContainerList(testContext(t), dockwire.ContainerListOptions{All: true, Filters: want}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]string(want), got); diff != "" {
		t.Errorf("filters changed on the way (-sent +received):\n%s", diff)
	}
}

func TestFault_K1_BadHosts(t *testing.T) {
	for _, host := range []string{"", "foobar", "foo://bar", "tcp://h:2376/path", "unix://rel/path", "npipe:////./pipe/docker_engine", "ssh://user:pw@host", "ssh://host/path", "tcp://user:pw@h:2376", "tcp://"} {
		_, err := dockwire.New(host)
		if !errors.Is(err, dockwire.ErrInvalidHost) {
			t.Errorf("New(%q): err = %v; want ErrInvalidHost", host, err)
			continue
		}
		if !strings.Contains(err.Error(), "want") && !strings.Contains(err.Error(), "not supported") && !strings.Contains(err.Error(), "must") {
			t.Errorf("New(%q): %q should say what is expected", host, err)
		}
	}
	for _, host := range []string{"unix:///var/run/docker.sock", "tcp://127.0.0.1:2375", "tcp://localhost", "tcp://[::1]:2375"} {
		if _, err := dockwire.New(host); err != nil {
			t.Errorf("New(%q): %v", host, err)
		}
	}
}

func TestFault_K2_PlainTCPToRemoteNeedsOptIn(t *testing.T) {
	_, err := dockwire.New("tcp://192.0.2.10:2375")
	if !errors.Is(err, dockwire.ErrInvalidHost) || !strings.Contains(err.Error(), "WithInsecureTCP") {
		t.Errorf("err = %v; want a refusal naming the opt-in", err)
	}
	if _, err := dockwire.New("tcp://192.0.2.10:2375", dockwire.WithInsecureTCP()); err != nil {
		t.Errorf("with the opt-in: %v", err)
	}
}

func TestFault_K3_CertPathMeansVerification(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DOCKER_HOST", "tcp://192.0.2.10:2376")
	t.Setenv("DOCKER_CERT_PATH", dir)
	t.Setenv("DOCKER_TLS_VERIFY", "")
	if _, err := dockwire.FromEnv(); !errors.Is(err, dockwire.ErrInvalidHost) || !strings.Contains(err.Error(), "ca.pem") {
		t.Errorf("DOCKER_CERT_PATH without ca.pem: %v; want an error naming ca.pem (no silent skip of verification)", err)
	}
	os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("not a certificate"), 0o600)
	if _, err := dockwire.FromEnv(); !errors.Is(err, dockwire.ErrInvalidHost) {
		t.Errorf("a ca.pem with no certificate: %v; want an error", err)
	}
}

func TestFromEnvPinsVersion(t *testing.T) {
	d := newDaemon(t, "1.51", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1.44/") {
			t.Errorf("path %s, want /v1.44/ as pinned", r.URL.Path)
		}
		jsonReply(w, 200, `[]`)
	})
	t.Setenv("DOCKER_HOST", d.host())
	t.Setenv("DOCKER_API_VERSION", "1.44")
	t.Setenv("DOCKER_CERT_PATH", "")
	t.Setenv("DOCKER_TLS_VERIFY", "")
	c, err := dockwire.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ContainerList(testContext(t), dockwire.ContainerListOptions{}); err != nil {
		t.Fatal(err)
	}
	if d.pings.Load() != 0 {
		t.Error("a pinned version still pinged to negotiate")
	}
	t.Setenv("DOCKER_API_VERSION", "latest")
	if _, err := dockwire.FromEnv(); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("DOCKER_API_VERSION=latest: %v; want ErrInvalidArgument", err)
	}
}

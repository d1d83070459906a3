package dockwire_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/google/go-cmp/cmp"
)

// podmanEngine is a fake engine that answers as Podman 4.3 does: every
// answer carries Libpod-Api-Version.
func podmanEngine(t *testing.T, podman bool) (*enginetest.Engine, *dockwire.Client) {
	t.Helper()
	e := enginetest.New(t)
	ping := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		if podman {
			w.Header().Set("Libpod-Api-Version", "4.3.1")
		}
		io.WriteString(w, "OK")
	})
	e.Handle("GET", "/_ping", ping)
	e.Handle("HEAD", "/_ping", ping)
	c, err := dockwire.New(e.Host())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return e, c
}

// podman500 answers a 500 with body, as Podman (release version) does when
// podman is true, as Docker otherwise.
func podman500(podman bool, version, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if podman {
			w.Header().Set("Libpod-Api-Version", version)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, body)
	})
}

func TestPodmanStateConflictIsErrConflict(t *testing.T) {
	for _, tc := range []struct {
		podman   bool
		cause    string
		conflict bool
	}{
		{podman: true, cause: "container state improper", conflict: true},
		{podman: true, cause: "something broke", conflict: false},
		{podman: false, cause: "container state improper", conflict: false}, // Docker's 500 is a 500
	} {
		e, c := podmanEngine(t, tc.podman)
		e.Handle("POST", "/containers/{id}/kill", podman500(tc.podman, "4.3.1",
			`{"cause":"`+tc.cause+`","message":"can only kill running containers: `+tc.cause+`","response":500}`))
		err := c.ContainerKill(context.Background(), "ctr", "")
		if errors.Is(err, dockwire.ErrConflict) != tc.conflict || errors.Is(err, dockwire.ErrServer) == tc.conflict {
			t.Errorf("podman=%v cause %q: %v; want ErrConflict %v", tc.podman, tc.cause, err, tc.conflict)
		}
	}
}

func TestPodmanImageListWithoutDigestsParameter(t *testing.T) {
	for _, podman := range []bool{true, false} {
		e, c := podmanEngine(t, podman)
		var query string
		e.Handle("GET", "/images/json", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			query = r.URL.RawQuery
			if podman && r.URL.Query().Has("digests") {
				return // Podman 4.3: 200 and no body
			}
			io.WriteString(w, `[]`)
		}))
		if _, err := c.ImageList(context.Background(), dockwire.ImageListOptions{Digests: true}); err != nil {
			t.Errorf("podman=%v: %v", podman, err)
		}
		if strings.Contains(query, "digests") == podman {
			t.Errorf("podman=%v: query %q", podman, query)
		}
	}
}

func TestPodmanBuildUlimitsInItsForm(t *testing.T) {
	for _, tc := range []struct {
		podman bool
		want   string
	}{
		{podman: true, want: `["nofile=1024:4096"]`},
		{podman: false, want: `[{"Name":"nofile","Soft":1024,"Hard":4096}]`},
	} {
		e, c := podmanEngine(t, tc.podman)
		var got string
		e.Handle("POST", "/build", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = r.URL.Query().Get("ulimits")
			io.WriteString(w, `{"aux":{"ID":"sha256:`+strings.Repeat("a", 64)+`"}}`+"\n")
		}))
		p, err := c.ImageBuild(context.Background(), strings.NewReader("tar"), dockwire.ImageBuildOptions{Ulimits: []engine.Ulimit{{Name: "nofile", Soft: 1024, Hard: 4096}}})
		if err == nil {
			err = p.Wait()
		}
		if err != nil || got != tc.want {
			t.Errorf("podman=%v: ulimits=%s, %v; want %s", tc.podman, got, err, tc.want)
		}
	}
	_, c := podmanEngine(t, false)
	if _, err := c.ImageBuild(context.Background(), strings.NewReader("tar"), dockwire.ImageBuildOptions{Ulimits: []engine.Ulimit{{Name: "nofile", Soft: 2, Hard: 1}}}); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("a soft limit above the hard one: %v, want ErrInvalidArgument", err)
	}
}

func TestPodmanPushToLoopbackRegistrySkipsTLSVerify(t *testing.T) {
	for _, tc := range []struct {
		podman bool
		ref    string
		want   bool // tlsVerify=false sent
	}{
		{true, "127.0.0.1:5000/team/app:1", true},
		{true, "localhost:5000/app", true},
		{true, "registry.example.com/app:1", false},
		{true, "team/app:1", false},
		{false, "127.0.0.1:5000/team/app:1", false},
	} {
		e, c := podmanEngine(t, tc.podman)
		var query string
		e.Handle("POST", "/images/{name...}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			query = r.URL.RawQuery
			io.WriteString(w, `{"status":"1: digest: sha256:`+strings.Repeat("b", 64)+` size: 527"}`+"\n")
		}))
		p, err := c.ImagePush(context.Background(), tc.ref, dockwire.ImagePushOptions{})
		if err == nil {
			err = p.Wait()
		}
		if err != nil || strings.Contains(query, "tlsVerify=false") != tc.want {
			t.Errorf("podman=%v push %s: query %q, %v; want tlsVerify=false: %v", tc.podman, tc.ref, query, err, tc.want)
		}
		if err == nil && p.Digest() != "sha256:"+strings.Repeat("b", 64) {
			t.Errorf("Digest() = %q, want the one in the status line", p.Digest())
		}
	}
}

func TestPodmanImageNamesInDockersForm(t *testing.T) {
	for _, podman := range []bool{true, false} {
		e, c := podmanEngine(t, podman)
		e.Handle("GET", "/images/json", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if podman {
				w.Header().Set("Libpod-Api-Version", "4.3.1")
			}
			io.WriteString(w, `[{"Id":"sha256:`+strings.Repeat("c", 64)+`","RepoTags":["docker.io/library/busybox:1","docker.io/team/app:2","localhost/app:3","docker.io/library/a/b:4"],"RepoDigests":["docker.io/library/busybox@sha256:`+strings.Repeat("d", 64)+`"]}]`)
		}))
		list, err := c.ImageList(context.Background(), dockwire.ImageListOptions{})
		if err != nil || len(list) != 1 {
			t.Fatalf("podman=%v: %v, %v", podman, list, err)
		}
		want := []string{"busybox:1", "team/app:2", "localhost/app:3", "library/a/b:4"}
		if !podman {
			want = []string{"docker.io/library/busybox:1", "docker.io/team/app:2", "localhost/app:3", "docker.io/library/a/b:4"}
		}
		if diff := cmp.Diff(want, list[0].RepoTags); diff != "" {
			t.Errorf("podman=%v: RepoTags (-want +got):\n%s", podman, diff)
		}
		if podman && list[0].RepoDigests[0] != "busybox@sha256:"+strings.Repeat("d", 64) {
			t.Errorf("RepoDigests %v", list[0].RepoDigests)
		}
	}
}

// Podman passes the detach keys on to the container, and its 101 for the
// hijack lacks Libpod-Api-Version: the client knows it is Podman from the
// other answers, sends the input up to the keys, and detaches by closing
// the connection. (Before, the 101 made the client take Podman for Docker,
// and the attachment never ended.)
func TestPodmanDetachByClose(t *testing.T) {
	e := enginetest.New(t, enginetest.WithPodman("4.3.1"))
	e.AddContainer(enginetest.Container{Name: "tty", Tty: true, OpenStdin: true})
	c := engineClient(t, e)
	ctx := testContext(t)
	a, err := c.ContainerAttach(ctx, "tty", dockwire.ContainerAttachOptions{Stream: true, Stdin: true, Stdout: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if n, err := io.WriteString(a, "ls\n\x10\x11more"); n != 5 || !errors.Is(err, dockwire.ErrDetached) {
		t.Errorf("Write: %d, %v; want 5 and ErrDetached", n, err)
	}
	var out strings.Builder
	if _, err := a.CopyTo(&out, nil); err != nil || strings.ContainsAny(out.String(), "\x10\x11") {
		t.Errorf("CopyTo after the detach: %v, %q; want a clean end without the keys", err, out.String())
	}
	if code, err := a.Wait(); code != -1 || !errors.Is(err, dockwire.ErrDetached) {
		t.Errorf("Wait: %d, %v; want -1, ErrDetached", code, err)
	}
	if ct, _ := e.Container("tty"); ct.State != "running" {
		t.Errorf("the container is %s after the detach; want running", ct.State)
	}
}

// A commit whose Changes hold an instruction the engine does not know is
// ErrBadRequest, as on Docker (400), from the 500s Podman 4.3 and 5 send
// with a cause of their own each.
func TestPodmanInvalidChangeIsErrBadRequest(t *testing.T) {
	for _, tc := range []struct {
		podman     bool
		cause      string
		badRequest bool
	}{
		{podman: true, cause: `invalid change \"BOGUS x\"`, badRequest: true},                        // Podman 4.3
		{podman: true, cause: `did not understand change instruction \"BOGUS x\"`, badRequest: true}, // Podman 5.4
		{podman: true, cause: `copying layers: broken`, badRequest: false},
		{podman: false, cause: `did not understand change instruction \"BOGUS x\"`, badRequest: false}, // Docker's 500 is a 500
	} {
		e, c := podmanEngine(t, tc.podman)
		e.Handle("POST", "/commit", podman500(tc.podman, "5.4.2",
			`{"cause":"`+tc.cause+`","message":"applying changes: `+tc.cause+`","response":500}`))
		_, err := c.ContainerCommit(context.Background(), "ctr", dockwire.ContainerCommitOptions{Changes: []string{"BOGUS x"}})
		if errors.Is(err, dockwire.ErrBadRequest) != tc.badRequest || errors.Is(err, dockwire.ErrServer) == tc.badRequest {
			t.Errorf("podman=%v cause %q: %v; want ErrBadRequest %v", tc.podman, tc.cause, err, tc.badRequest)
		}
	}
}

// Podman 5 answers a push that the registry refused with a 500 whose body
// is the stream's error message; the push's error is then the *StreamError
// it is on Docker, matching ErrUnauthorized. The same answer from Docker
// (not seen) stays an *APIError, with the message read from the body.
func TestPodmanPushRefusedIsStreamError(t *testing.T) {
	const msg = "trying to reuse blob sha256:b214 at destination: checking whether a blob sha256:b214 exists in 127.0.0.1:5000/app: authentication required"
	for _, podman := range []bool{true, false} {
		e, c := podmanEngine(t, podman)
		e.Handle("POST", "/images/{name...}", podman500(podman, "5.4.2", `{"errorDetail":{"message":"`+msg+`"},"error":"`+msg+`"}`))
		p, err := c.ImagePush(context.Background(), "127.0.0.1:5000/app:1", dockwire.ImagePushOptions{})
		var se *dockwire.StreamError
		var ae *dockwire.APIError
		switch {
		case p != nil || !errors.Is(err, dockwire.ErrUnauthorized) || !strings.Contains(fmt.Sprint(err), msg):
			t.Errorf("podman=%v: %v, %v; want no Progress and an error matching ErrUnauthorized with the message", podman, p, err)
		case podman && (!errors.As(err, &se) || se.Op != "push" || se.Ref != "127.0.0.1:5000/app:1"):
			t.Errorf("podman: %v (%T); want the push's *StreamError", err, err)
		case !podman && !errors.As(err, &ae):
			t.Errorf("docker: %v (%T); want an *APIError", err, err)
		}
	}
}

// A forced removal on Podman kills the container first (Podman 5 would
// stop it with its stop timeout, 10 s, where Docker kills it at once); on
// Docker, and without force, the DELETE goes alone.
func TestPodmanForcedRemoveKillsFirst(t *testing.T) {
	for _, tc := range []struct {
		podman, force bool
		want          string
	}{
		{podman: true, force: true, want: "kill signal=KILL,delete force=1"},
		{podman: true, force: false, want: "delete "},
		{podman: false, force: true, want: "delete force=1"},
	} {
		e, c := podmanEngine(t, tc.podman)
		var got []string
		e.Handle("POST", "/containers/{id}/kill", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = append(got, "kill "+r.URL.RawQuery)
			w.WriteHeader(http.StatusConflict) // not running: the removal goes on
			io.WriteString(w, `{"message":"container is not running"}`)
		}))
		e.Handle("DELETE", "/containers/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = append(got, "delete "+r.URL.RawQuery)
			w.WriteHeader(http.StatusNoContent)
		}))
		err := c.ContainerRemove(context.Background(), "ctr", dockwire.ContainerRemoveOptions{Force: tc.force})
		if err != nil || strings.Join(got, ",") != tc.want {
			t.Errorf("podman=%v force=%v: %v, requests %q; want %q", tc.podman, tc.force, err, got, tc.want)
		}
	}
}

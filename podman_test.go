package dockwire_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
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
		e.Handle("POST", "/containers/{id}/kill", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.podman {
				w.Header().Set("Libpod-Api-Version", "4.3.1")
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"cause":"`+tc.cause+`","message":"can only kill running containers: `+tc.cause+`","response":500}`)
		}))
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

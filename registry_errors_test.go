package dockwire_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
)

// The daemon's answers below are the ones Docker 20.10 and 28.5 gave for
// a pull from distribution 2.8 with htpasswd auth (and, for Docker Hub's
// words, the ones its users report).
func TestRegistryErrorsOfPull(t *testing.T) {
	const ref = "127.0.0.1:5000/team/app:nope"
	for name, tc := range map[string]struct {
		status  int
		message string
		match   []error
		nomatch []error
		hint    string
	}{
		"wrong password, Docker 20.10": {500, "unauthorized: authentication required",
			[]error{dockwire.ErrUnauthorized, dockwire.ErrServer}, []error{dockwire.ErrNotFound, dockwire.ErrForbidden}, "credentials"},
		"wrong password, Docker 28.5": {401, "unauthorized: authentication required",
			[]error{dockwire.ErrUnauthorized}, []error{dockwire.ErrServer}, "credentials"},
		"no credentials": {500, `Head "http://127.0.0.1:5000/v2/team/app/manifests/nope": no basic auth credentials`,
			[]error{dockwire.ErrUnauthorized, dockwire.ErrServer}, []error{dockwire.ErrNotFound}, "credentials"},
		"wrong password behind a URL": {500, `Head "https://registry.example.com/v2/team/app/manifests/nope": unauthorized: incorrect username or password`,
			[]error{dockwire.ErrUnauthorized}, nil, "credentials"},
		"missing tag": {404, "manifest for " + ref + " not found: manifest unknown: manifest unknown",
			[]error{dockwire.ErrNotFound, dockwire.ErrImageNotFound}, []error{dockwire.ErrUnauthorized}, "registry holds it"},
		"denied": {404, "pull access denied for team/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
			[]error{dockwire.ErrNotFound, dockwire.ErrForbidden}, []error{dockwire.ErrUnauthorized}, "registry holds it"},
		"rate limited": {500, "toomanyrequests: You have reached your pull rate limit.",
			[]error{dockwire.ErrUnavailable}, []error{dockwire.ErrUnauthorized}, ""},
		"code words inside other text": {500, "the proxy said: the user is unauthorized: maybe, or denied",
			[]error{dockwire.ErrServer}, []error{dockwire.ErrUnauthorized, dockwire.ErrForbidden}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			e := enginetest.New(t)
			e.Fault("POST", "/images/create", enginetest.Status(tc.status, tc.message))
			p, err := engineClient(t, e).ImagePull(testContext(t), ref, dockwire.ImagePullOptions{})
			if p != nil {
				t.Fatal("ImagePull returned a Progress for a refused pull")
			}
			checkMatches(t, err, tc.match, tc.nomatch)
			msg := err.Error()
			if !strings.Contains(msg, ref) {
				t.Errorf("%q does not name the reference", msg)
			}
			if strings.Contains(msg, "build, load or pull") {
				t.Errorf("%q: a failed pull must not say to pull the image first", msg)
			}
			if tc.hint != "" && !strings.Contains(msg, tc.hint) {
				t.Errorf("%q: want a hint with %q", msg, tc.hint)
			}
		})
	}
}

// Only answers to calls that reach a registry are read for its codes.
func TestRegistryErrorsOnlyFromRegistryCalls(t *testing.T) {
	e := enginetest.New(t)
	e.Fault("GET", "/images/{name}/json", enginetest.Status(500, "unauthorized: not a registry's words here"))
	_, err := engineClient(t, e).ImageInspect(testContext(t), "app", dockwire.ImageInspectOptions{})
	if !errors.Is(err, dockwire.ErrServer) || errors.Is(err, dockwire.ErrUnauthorized) {
		t.Errorf("inspect = %v: want ErrServer and not ErrUnauthorized", err)
	}
	e = enginetest.New(t)
	e.Fault("GET", "/images/{name}/json", enginetest.Status(404, "No such image: app"))
	_, err = engineClient(t, e).ImageInspect(testContext(t), "app", dockwire.ImageInspectOptions{})
	if !strings.Contains(err.Error(), "build, load or pull the image first") {
		t.Errorf("inspect of a missing image = %v: want the hint to build, load or pull it", err)
	}
}

// The same failures inside the stream, as the daemon reports them for a
// push (and for a pull or build that fails after answering).
func TestRegistryErrorsInStream(t *testing.T) {
	for name, tc := range map[string]struct {
		op, message string
		match       []error
		nomatch     []error
	}{
		"push, wrong password": {"push", "unauthorized: authentication required", []error{dockwire.ErrUnauthorized}, []error{dockwire.ErrNotFound}},
		"push, no credentials": {"push", "no basic auth credentials", []error{dockwire.ErrUnauthorized}, nil},
		"push, denied":         {"push", "denied: requested access to the resource is denied", []error{dockwire.ErrForbidden}, []error{dockwire.ErrUnauthorized}},
		"push, no local image": {"push", "An image does not exist locally with the tag: a/b", []error{dockwire.ErrNotFound, dockwire.ErrImageNotFound}, []error{dockwire.ErrUnauthorized}},
		"pull, blob unknown":   {"pull", "blob unknown: blob unknown to registry", []error{dockwire.ErrNotFound}, nil},
		"build, FROM refused":  {"build", `Head "http://127.0.0.1:5000/v2/a/b/manifests/1": unauthorized: authentication required`, []error{dockwire.ErrUnauthorized}, nil},
		"build, RUN failed": {"build", "The command '/bin/sh -c echo denied: x' returned a non-zero code: 1",
			nil, []error{dockwire.ErrUnauthorized, dockwire.ErrForbidden, dockwire.ErrNotFound, dockwire.ErrServer}},
		"pull, local words only": {"pull", "An image does not exist locally with the tag: a/b", nil, []error{dockwire.ErrNotFound}},
	} {
		t.Run(name, func(t *testing.T) {
			e := enginetest.New(t)
			body := `{"status":"working"}` + "\n" + `{"errorDetail":{"message":` + jsonString(tc.message) + `},"error":` + jsonString(tc.message) + "}\n"
			route := map[string]string{"push": "/images/{name}/push", "pull": "/images/create", "build": "/build"}[tc.op]
			e.Handle("POST", route, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, body)
			}))
			c := engineClient(t, e)
			var err error
			switch tc.op {
			case "push":
				err = waitProgress(c.ImagePush(testContext(t), "app:1", dockwire.ImagePushOptions{}))
			case "pull":
				err = waitProgress(c.ImagePull(testContext(t), "a/b:1", dockwire.ImagePullOptions{}))
			case "build":
				err = waitProgress(c.ImageBuild(testContext(t), strings.NewReader("tar"), dockwire.ImageBuildOptions{}))
			}
			var se *dockwire.StreamError
			if !errors.As(err, &se) {
				t.Fatalf("= %v (%T), want a *StreamError", err, err)
			}
			checkMatches(t, err, tc.match, tc.nomatch)
		})
	}
}

// checkMatches fails t unless err matches every sentinel in match and none
// in nomatch.
func checkMatches(t *testing.T, err error, match, nomatch []error) {
	t.Helper()
	for _, target := range match {
		if !errors.Is(err, target) {
			t.Errorf("errors.Is(%v, %v) = false, want true", err, target)
		}
	}
	for _, target := range nomatch {
		if errors.Is(err, target) {
			t.Errorf("errors.Is(%v, %v) = true, want false", err, target)
		}
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

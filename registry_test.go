package dockwire_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestRegistryLogin(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("POST", "/auth", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 200, `{"IdentityToken":"tok","Status":"Login Succeeded"}`)
	}))
	auth := dockwire.AuthConfig{Username: "u", Password: "p", ServerAddress: "127.0.0.1:5000"}
	got, err := engineClient(t, e).RegistryLogin(testContext(t), auth)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "Login Succeeded" || got.IdentityToken != "tok" {
		t.Errorf("RegistryLogin = %+v", got)
	}
	req := lastImageRequest(t, e)
	if ct := req.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if want := `{"username":"u","password":"p","serveraddress":"127.0.0.1:5000"}`; string(req.Body) != want {
		t.Errorf("body %s, want %s", req.Body, want)
	}
}

func TestRegistryLoginNoContent(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("POST", "/auth", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	if _, err := engineClient(t, e).RegistryLogin(testContext(t), dockwire.AuthConfig{Username: "u", Password: "p"}); err != nil {
		t.Errorf("a 204 = %v, want success", err)
	}
}

// Docker 20.10 and 28.5 both answer a wrong password with a 500 in these
// words; Docker Hub's token server with the registry's own code.
func TestRegistryLoginRefused(t *testing.T) {
	for _, msg := range []string{
		"login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized",
		`Get "https://registry-1.docker.io/v2/": unauthorized: incorrect username or password`,
	} {
		e := enginetest.New(t)
		e.Fault("POST", "/auth", enginetest.Status(500, msg))
		_, err := engineClient(t, e).RegistryLogin(testContext(t), dockwire.AuthConfig{Username: "u", Password: "secret-password"})
		if !errors.Is(err, dockwire.ErrUnauthorized) || strings.Contains(err.Error(), "secret-password") {
			t.Errorf("%q: RegistryLogin = %v, want ErrUnauthorized, without the password", msg, err)
		}
	}
	e := enginetest.New(t)
	e.Fault("POST", "/auth", enginetest.Status(500, "login attempt to http://127.0.0.1:5000/v2/ failed with status: 503 Service Unavailable"))
	_, err := engineClient(t, e).RegistryLogin(testContext(t), dockwire.AuthConfig{Username: "u"})
	if !errors.Is(err, dockwire.ErrUnavailable) || errors.Is(err, dockwire.ErrUnauthorized) {
		t.Errorf("a registry answering 503 = %v, want ErrUnavailable and not ErrUnauthorized", err)
	}
}

func TestDistributionInspect(t *testing.T) {
	e := enginetest.New(t)
	const digest = "sha256:4aed917e0fbe71d6a4561cb61be10c8fa09482393a402ab59de66ef019d00a26"
	e.Handle("GET", "/distribution/{name...}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 200, `{"Descriptor":{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"`+digest+`","size":527},`+
			`"Platforms":[{"architecture":"amd64","os":"linux"},{"architecture":"arm64","os":"linux","variant":"v8","os.features":["f"]}]}`)
	}))
	auth := dockwire.AuthConfig{Username: "u", Password: "p"}
	got, err := engineClient(t, e).DistributionInspect(testContext(t), "127.0.0.1:5000/team/app:1", dockwire.DistributionInspectOptions{Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	want := engine.DistributionInspect{
		Descriptor: engine.OCIDescriptor{MediaType: "application/vnd.docker.distribution.manifest.v2+json", Digest: digest, Size: 527},
		Platforms:  []engine.OCIPlatform{{Architecture: "amd64", OS: "linux"}, {Architecture: "arm64", OS: "linux", Variant: "v8", OSFeatures: []string{"f"}}},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreTypes(engine.Raw(""))); diff != "" {
		t.Errorf("DistributionInspect (-want +got):\n%s", diff)
	}
	req := lastImageRequest(t, e)
	if req.Route != "/distribution/127.0.0.1:5000/team/app:1/json" {
		t.Errorf("route %s", req.Route)
	}
	if req.Header.Get("X-Registry-Auth") != auth.Encode() {
		t.Errorf("X-Registry-Auth %q, want the credentials", req.Header.Get("X-Registry-Auth"))
	}
}

func TestDistributionInspectFailures(t *testing.T) {
	e := enginetest.New(t)
	e.Fault("GET", "/distribution/{name...}", enginetest.Status(404, "manifest unknown: manifest unknown"))
	c := engineClient(t, e)
	_, err := c.DistributionInspect(testContext(t), "127.0.0.1:5000/team/app:nope", dockwire.DistributionInspectOptions{})
	if !errors.Is(err, dockwire.ErrNotFound) || !strings.Contains(err.Error(), "127.0.0.1:5000/team/app:nope") || strings.Contains(err.Error(), "build, load or pull") {
		t.Errorf("missing tag = %v, want ErrNotFound naming the reference, without the hint to pull it", err)
	}
	for _, ref := range []string{"", "a/../b", "a@sha256:xyz", "a?b"} {
		if _, err := c.DistributionInspect(testContext(t), ref, dockwire.DistributionInspectOptions{}); !errors.Is(err, dockwire.ErrInvalidArgument) {
			t.Errorf("%q: %v, want ErrInvalidArgument", ref, err)
		}
	}
	if n := e.Count("GET", "/distribution/{name...}"); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestImageSearch(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("GET", "/images/search", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 200, `[{"description":"Busybox base image.","is_official":true,"is_automated":false,"name":"busybox","star_count":3037}]`)
	}))
	c := engineClient(t, e)
	got, err := c.ImageSearch(testContext(t), "busy box", dockwire.ImageSearchOptions{Limit: 5, Filters: dockwire.Filters{"is-official": {"true"}},
		Auth: dockwire.AuthConfig{Username: "u", Password: "p"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []engine.ImageSearchResponseItem{{Name: "busybox", Description: "Busybox base image.", StarCount: 3037, IsOfficial: true}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreTypes(engine.Raw(""))); diff != "" {
		t.Errorf("ImageSearch (-want +got):\n%s", diff)
	}
	req := lastImageRequest(t, e)
	wantQuery := url.Values{"term": {"busy box"}, "limit": {"5"}, "filters": {`{"is-official":["true"]}`}}
	if diff := cmp.Diff(wantQuery, req.Query); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	if h, _ := base64.URLEncoding.DecodeString(req.Header.Get("X-Registry-Auth")); !strings.Contains(string(h), `"username":"u"`) {
		t.Errorf("X-Registry-Auth decodes to %q", h)
	}
	for _, opts := range []dockwire.ImageSearchOptions{{Limit: -1}, {Auth: dockwire.AuthConfig{Username: "u"}, RegistryAuth: "e30="}} {
		if _, err := c.ImageSearch(testContext(t), "x", opts); !errors.Is(err, dockwire.ErrInvalidArgument) {
			t.Errorf("%+v: %v, want ErrInvalidArgument", opts, err)
		}
	}
	if _, err := c.ImageSearch(testContext(t), "", dockwire.ImageSearchOptions{}); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("empty term: %v, want ErrInvalidArgument", err)
	}
}

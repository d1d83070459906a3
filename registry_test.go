package dockwire_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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

// pushPreamble is what Docker 20.10, 26.1 and 28.5 send for a push of a
// two-layer image before they ask the registry for anything.
const pushPreamble = `{"status":"The push refers to repository [127.0.0.1:5000/team/app]"}
{"status":"Preparing","progressDetail":{},"id":"08166253a096"}
{"status":"Preparing","progressDetail":{},"id":"8b979bc805fe"}
{"status":"Waiting","progressDetail":{},"id":"8b979bc805fe"}
`

// pushHandler answers a push with body, flushed, then holds the stream
// open until release is closed (or the client goes), then sends rest.
func pushHandler(body string, release <-chan struct{}, rest string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, rest)
	}
}

// A push whose registry refuses the credentials fails at the call, as a
// pull does, with the registry's message; the daemon says so only inside
// its 200 stream, after naming the layers.
func TestImagePushRefusedAtCall(t *testing.T) {
	refusal := `{"errorDetail":{"message":"unauthorized: authentication required"},"error":"unauthorized: authentication required"}` + "\n"
	e := enginetest.New(t)
	e.Handle("POST", "/images/{name...}", pushHandler(pushPreamble+refusal, nil, ""))
	p, err := engineClient(t, e).ImagePush(testContext(t), "127.0.0.1:5000/team/app:1", dockwire.ImagePushOptions{})
	var se *dockwire.StreamError
	if p != nil || !errors.As(err, &se) || !errors.Is(err, dockwire.ErrUnauthorized) || !strings.Contains(err.Error(), "unauthorized: authentication required") {
		t.Fatalf("ImagePush = %v, %v; want no Progress and a *StreamError matching ErrUnauthorized with the registry's message", p, err)
	}
	if se.Op != "push" || se.Ref != "127.0.0.1:5000/team/app:1" {
		t.Errorf("StreamError %+v: want the push and its reference", se)
	}
}

// Once the registry is at work, ImagePush returns without waiting for
// more, and Messages yields every message from the first, those read
// ahead included.
func TestImagePushReturnsOnceRegistryWorks(t *testing.T) {
	pushing := `{"status":"Pushing","progressDetail":{"current":512,"total":1024},"id":"8b979bc805fe"}` + "\n"
	rest := `{"status":"Pushed","progressDetail":{},"id":"8b979bc805fe"}
{"status":"1: digest: sha256:4aed917e0fbe71d6a4561cb61be10c8fa09482393a402ab59de66ef019d00a26 size: 527"}
{"progressDetail":{},"aux":{"Tag":"1","Digest":"sha256:4aed917e0fbe71d6a4561cb61be10c8fa09482393a402ab59de66ef019d00a26","Size":527}}
`
	release := make(chan struct{})
	e := enginetest.New(t)
	e.Handle("POST", "/images/{name...}", pushHandler(pushPreamble+pushing, release, rest))
	// The daemon holds the rest until the call has returned: a call
	// that waited for more would hang here.
	p, err := engineClient(t, e).ImagePush(testContext(t), "127.0.0.1:5000/team/app:1", dockwire.ImagePushOptions{})
	close(release)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for m, err := range p.Messages() {
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, m.Status)
		if m.Status == "Pushing" && (m.Current != 512 || m.Total != 1024 || m.ID != "8b979bc805fe") {
			t.Errorf("Pushing message %+v: want 512 of 1024 bytes of 8b979bc805fe", m)
		}
	}
	want := []string{"The push refers to repository [127.0.0.1:5000/team/app]", "Preparing", "Preparing", "Waiting", "Pushing", "Pushed",
		"1: digest: sha256:4aed917e0fbe71d6a4561cb61be10c8fa09482393a402ab59de66ef019d00a26 size: 527", ""}
	if diff := cmp.Diff(want, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if p.Digest() != "sha256:4aed917e0fbe71d6a4561cb61be10c8fa09482393a402ab59de66ef019d00a26" {
		t.Errorf("Digest() = %q", p.Digest())
	}
}

// A daemon that stops after the layers' names (a registry that never
// answers it) holds the call only until its ctx ends; a stream cut there
// is the call's error.
func TestImagePushReadAheadBounded(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("POST", "/images/{name...}", pushHandler(pushPreamble, nil, ""))
	ctx, cancel := context.WithTimeout(testContext(t), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	p, err := engineClient(t, e).ImagePush(ctx, "127.0.0.1:5000/team/app:1", dockwire.ImagePushOptions{})
	if p != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ImagePush = %v, %v; want context.DeadlineExceeded", p, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("ImagePush returned after %v", d)
	}

	e = enginetest.New(t)
	e.Handle("POST", "/images/{name...}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, pushPreamble+`{"status":"Prep`)
	}))
	p, err = engineClient(t, e).ImagePush(testContext(t), "127.0.0.1:5000/team/app:1", dockwire.ImagePushOptions{})
	if p != nil || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a stream cut inside a message = %v, %v; want io.ErrUnexpectedEOF", p, err)
	}
}

// What Docker 20.10, 26.1 and 28.5 report when the registry cut a blob
// short (scripts and TestFault_REG1_RegistryCutMidBlob): it matches
// io.ErrUnexpectedEOF, in a pull's stream or answer; other text does not.
func TestRegistryCutMatchesUnexpectedEOF(t *testing.T) {
	for msg, want := range map[string]bool{
		"error pulling image configuration: download failed after attempts=6: unexpected EOF":                                                    true,
		"error pulling image configuration: download failed after attempts=6: read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer": true,
		"unexpected EOF":                            true,
		"unauthorized: authentication required":     false,
		"the command said unexpected EOF somewhere": false,
	} {
		for _, op := range []string{"pull", "push", "build"} {
			err := &dockwire.StreamError{Op: op, Message: msg}
			if got := errors.Is(err, io.ErrUnexpectedEOF); got != (want && op != "build") {
				t.Errorf("%s %q: errors.Is(io.ErrUnexpectedEOF) = %v", op, msg, got)
			}
		}
		e := enginetest.New(t)
		e.Fault("POST", "/images/create", enginetest.Status(500, msg))
		_, err := engineClient(t, e).ImagePull(testContext(t), "127.0.0.1:5000/team/app:1", dockwire.ImagePullOptions{})
		if got := errors.Is(err, io.ErrUnexpectedEOF); got != want {
			t.Errorf("pull answered 500 %q: errors.Is(io.ErrUnexpectedEOF) = %v", msg, got)
		}
	}
	e := enginetest.New(t)
	e.Fault("GET", "/images/{name}/json", enginetest.Status(500, "unexpected EOF"))
	if _, err := engineClient(t, e).ImageInspect(testContext(t), "app", dockwire.ImageInspectOptions{}); errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("an inspect, which reaches no registry = %v: want no io.ErrUnexpectedEOF", err)
	}
}

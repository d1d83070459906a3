package dockwire_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/fixture"
	"github.com/dockwire/dockwire/internal/livetest"
	"github.com/dockwire/dockwire/internal/record"
)

// cuttingRegistry is a proxy on loopback in front of the registry at
// upstream that passes everything on, except the body of every blob: it
// sends the blob's status and headers, half the body, then closes the
// connection, as a registry whose connection breaks mid-layer does.
type cuttingRegistry struct {
	addr string
	cuts atomic.Int64 // blobs cut short
}

func newCuttingRegistry(t *testing.T, upstream string) *cuttingRegistry {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttingRegistry{addr: ln.Addr().String()}
	transport := &http.Transport{}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+upstream+r.URL.RequestURI(), r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		req.Header = r.Header.Clone()
		req.ContentLength = r.ContentLength
		resp, err := transport.RoundTrip(req)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") && resp.StatusCode/100 == 2 {
			n, _ := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64)
			io.CopyN(w, resp.Body, n/2)
			http.NewResponseController(w).Flush()
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				p.cuts.Add(1)
				conn.Close()
			}
			return
		}
		io.Copy(w, resp.Body)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		transport.CloseIdleConnections()
	})
	return p
}

// TestFault_REG1_RegistryCutMidBlob pulls, through a proxy that cuts
// every blob of the registry's answers in the middle, an image the engine
// has none of. The daemon retries (resuming with Range requests) and then
// gives up; the pull fails with an error matching io.ErrUnexpectedEOF,
// well within the test's bound, never hanging.
func TestFault_REG1_RegistryCutMidBlob(t *testing.T) {
	addr, auth := liveRegistry(t)
	proxy := newCuttingRegistry(t, addr)
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		e.SkipOnPodman(t, podmanNoPullReason)
		ctx, c := livetest.Context(t), e.Client
		repo := "dockwire-test/" + livetest.UniqueName("cut")
		img := buildLayered(t, e, addr+"/"+repo+":1", 300_000)
		push, err := c.ImagePush(ctx, addr+"/"+repo+":1", dockwire.ImagePushOptions{Auth: auth})
		if err != nil {
			t.Fatal(err)
		}
		if err := push.Wait(); err != nil {
			t.Fatalf("push: %v", err)
		}
		t.Cleanup(func() { deleteManifest(t, addr, auth, repo, push.Digest()) })
		removeImage(t, c, img.ID)

		// The same image, under the proxy's address: a registry the
		// daemon has not seen.
		ref := proxy.addr + "/" + repo + ":1"
		via := auth
		via.ServerAddress = proxy.addr
		cuts := proxy.cuts.Load()
		start := time.Now()
		pull, err := c.ImagePull(ctx, ref, dockwire.ImagePullOptions{Auth: via})
		if err == nil {
			t.Cleanup(func() { removeImage(t, c, ref) })
			err = pull.Wait()
		}
		took := time.Since(start)
		var se *dockwire.StreamError
		if !errors.Is(err, io.ErrUnexpectedEOF) || !errors.As(err, &se) || se.Op != "pull" || !strings.Contains(err.Error(), ref) {
			t.Errorf("pull through a registry that cuts blobs = %v (%T), want a *StreamError of the pull of %s matching io.ErrUnexpectedEOF", err, err, ref)
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, dockwire.ErrUnauthorized) {
			t.Errorf("the pull ended with %v: want the registry's cut, not a deadline or refused credentials", err)
		}
		if n := proxy.cuts.Load() - cuts; n == 0 {
			t.Error("the proxy cut no blob: the pull did not go through it")
		}
		t.Logf("%s: the pull failed after %v: %v", e.Name(), took.Round(time.Millisecond), err)
	})
}

// recordRegistryCalls records, through a record.Recorder on host, a
// login, a push and a pull with auth, plus a login that the registry
// refuses, writes the fixtures to a directory and returns it. ref names
// an image that host has (or answers for).
func recordRegistryCalls(t *testing.T, host, ref string, auth dockwire.AuthConfig) string {
	t.Helper()
	rec, err := record.New(host)
	if err != nil {
		t.Fatal(err)
	}
	c, err := rec.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := livetest.Context(t)
	rec.Step("registry-login")
	if _, err := c.RegistryLogin(ctx, auth); err != nil {
		t.Fatal(err)
	}
	wrong := auth
	wrong.Password += "-wrong"
	rec.Step("registry-login-wrong")
	if _, err := c.RegistryLogin(ctx, wrong); err == nil || strings.Contains(err.Error(), auth.Password) {
		t.Errorf("a login with a wrong password = %v, want an error without the password", err)
	}
	rec.Step("image-push")
	if err := waitProgress(c.ImagePush(ctx, ref, dockwire.ImagePushOptions{Auth: auth})); err != nil {
		t.Fatal(err)
	}
	rec.Step("image-pull")
	if err := waitProgress(c.ImagePull(ctx, ref, dockwire.ImagePullOptions{Auth: auth})); err != nil {
		t.Fatal(err)
	}
	xs, err := rec.Exchanges()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := fixture.Write(dir, fixture.Session{Engine: "docker"}, xs); err != nil {
		t.Fatal(err)
	}
	return dir
}

// checkNoCredentials fails t if any file of dir holds a secret of auth in
// any form the client sends it in: as is, base64 (standard or URL, of the
// password alone or of user:password) or as the whole X-Registry-Auth
// value; and unless the recording still shows whose credentials were
// sent, and that they were redacted.
func checkNoCredentials(t *testing.T, dir string, auth dockwire.AuthConfig, secrets ...string) {
	t.Helper()
	var forms []string
	for _, s := range append(secrets, auth.Password) {
		forms = append(forms, s, base64.StdEncoding.EncodeToString([]byte(s)), base64.URLEncoding.EncodeToString([]byte(s)),
			strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(s)), "="))
	}
	forms = append(forms, base64.StdEncoding.EncodeToString([]byte(auth.Username+":"+auth.Password)), auth.Encode())
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	shown := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, form := range forms {
			if bytes.Contains(b, []byte(form)) {
				t.Errorf("%s holds a credential, as %q", filepath.Base(f), form)
			}
		}
		var x fixture.Exchange
		if err := json.Unmarshal(b, &x); err != nil {
			continue // engine.json
		}
		if h := x.Request.Header["X-Registry-Auth"]; h != "" {
			raw, err := base64.URLEncoding.DecodeString(h)
			if err != nil || !strings.Contains(string(raw), `"username":"`+auth.Username+`"`) || !strings.Contains(string(raw), record.Redacted) {
				t.Errorf("%s: X-Registry-Auth %q decodes to %q: want the user name and the password redacted", filepath.Base(f), h, raw)
			}
			shown++
		}
		if strings.HasSuffix(x.Request.Path, "/auth") && !strings.Contains(x.Request.Body, record.Redacted) {
			t.Errorf("%s: the login's body %q is not redacted", filepath.Base(f), x.Request.Body)
		}
	}
	if shown < 2 {
		t.Errorf("%d recorded requests with X-Registry-Auth, want the push and the pull", shown)
	}
}

// TestFault_REG2_CredentialsNotRecorded records registry calls with
// credentials against the fake engine, which answers the login with an
// identity token, and finds none of the secrets in the fixtures.
func TestFault_REG2_CredentialsNotRecorded(t *testing.T) {
	const token = "dwtest-identity-token-0c7e"
	e := enginetest.New(t)
	e.Handle("POST", "/auth", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a dockwire.AuthConfig
		json.NewDecoder(r.Body).Decode(&a)
		if a.Password != "s3cr3t-Pa55" {
			jsonReply(w, 500, `{"message":"login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized"}`)
			return
		}
		jsonReply(w, 200, `{"IdentityToken":"`+token+`","Status":"Login Succeeded"}`)
	}))
	stream := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, body) }
	}
	e.Handle("POST", "/images/{name...}", stream(`{"status":"The push refers to repository [127.0.0.1:5000/team/app]"}
{"status":"Layer already exists","progressDetail":{},"id":"08166253a096"}
`))
	e.Handle("POST", "/images/create", stream(`{"status":"Status: Image is up to date for 127.0.0.1:5000/team/app:1"}
`))
	auth := dockwire.AuthConfig{Username: "jane", Password: "s3cr3t-Pa55", ServerAddress: "127.0.0.1:5000"}
	dir := recordRegistryCalls(t, e.Host(), "127.0.0.1:5000/team/app:1", auth)
	checkNoCredentials(t, dir, auth, token)
}

// TestFault_REG2_CredentialsNotRecordedLive does the same with the real
// engines and the test bed's registry.
func TestFault_REG2_CredentialsNotRecordedLive(t *testing.T) {
	addr, auth := liveRegistry(t)
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		e.SkipOnPodman(t, podmanNoLoginReason) // the recorded session logs in
		repo := addr + "/dockwire-test/" + livetest.UniqueName("redact")
		c := e.Client
		buildLayered(t, e, repo+":1")
		dir := recordRegistryCalls(t, e.Host, repo+":1", auth)
		checkNoCredentials(t, dir, auth)
		img, err := c.ImageInspect(livetest.Context(t), repo+":1", dockwire.ImageInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range img.RepoDigests {
			if digest, ok := strings.CutPrefix(d, repo+"@"); ok {
				deleteManifest(t, addr, auth, strings.TrimPrefix(repo, addr+"/"), digest)
			}
		}
	})
}

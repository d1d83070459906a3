package dockwire_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/internal/livetest"
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

package enginetest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire/internal/await"
)

func TestFault_H2_StatusTimesThenOK(t *testing.T) {
	e := New(t)
	e.Fault("GET", "/containers/json", Status(503, "daemon busy").Times(2))
	c := newClient(e)
	for i, want := range []int{503, 503, 200, 200} {
		resp, body := do(t, c, "GET", "/v1.55/containers/json", "")
		if resp.StatusCode != want {
			t.Fatalf("request %d: status %d, want %d", i, resp.StatusCode, want)
		}
		if want == 503 {
			if message(t, body) != "daemon busy" || resp.Header.Get("Api-Version") != "1.55" || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("request %d: %v %s", i, resp.Header, body)
			}
		}
	}
	if n := e.Count("GET", "/containers/json"); n != 4 {
		t.Errorf("Count %d, want 4: faulted requests are recorded too", n)
	}
}

func TestFault_B6_ProxyReply(t *testing.T) {
	e := New(t)
	e.Fault("", "/{any...}", Reply(502, http.Header{"Content-Type": {"text/html"}}, "<html>Bad Gateway</html>"))
	resp, body := do(t, newClient(e), "POST", "/v1.55/containers/x/start", "")
	if resp.StatusCode != 502 || string(body) != "<html>Bad Gateway</html>" || resp.Header.Get("Content-Type") != "text/html" {
		t.Errorf("%d %v %q", resp.StatusCode, resp.Header, body)
	}
	if resp.Header.Get("Api-Version") != "" || resp.Header.Get("Server") != "" {
		t.Errorf("a proxy reply carries daemon headers: %v", resp.Header)
	}
}

func TestFault_I5_PingHeadNotAllowed(t *testing.T) {
	e := New(t)
	e.Fault("HEAD", "/_ping", Reply(405, nil, ""))
	c := newClient(e)
	if resp, _ := do(t, c, "HEAD", "/_ping", ""); resp.StatusCode != 405 {
		t.Errorf("HEAD: %d", resp.StatusCode)
	}
	if resp, body := do(t, c, "GET", "/_ping", ""); resp.StatusCode != 200 || string(body) != "OK" {
		t.Errorf("GET: %d %q", resp.StatusCode, body)
	}
	e.ClearFaults()
	if resp, _ := do(t, c, "HEAD", "/_ping", ""); resp.StatusCode != 200 {
		t.Errorf("HEAD after ClearFaults: %d", resp.StatusCode)
	}
}

func TestFault_B9_RedirectNotFollowed(t *testing.T) {
	e := New(t)
	e.Fault("GET", "/containers/{id}/json", Redirect(301, "http://elsewhere.example/steal"))
	resp, _ := do(t, newClient(e), "GET", "/v1.55/containers/x/json", "")
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "http://elsewhere.example/steal" {
		t.Errorf("%d %v", resp.StatusCode, resp.Header)
	}
}

func TestFault_A7_Hang(t *testing.T) {
	e := New(t)
	e.Fault("GET", "/info", Hang())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", baseURL+"/v1.55/info", nil)
	start := time.Now()
	_, err := newClient(e).Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestFault_A5_CloseAfterInJSONBody(t *testing.T) {
	e := New(t)
	e.AddContainer(Container{Name: "web"})
	e.Fault("GET", "/containers/{id}/json", CloseAfter(300))
	resp, err := newClient(e).Get(baseURL + "/v1.55/containers/web/json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// Inspect bodies are chunked, as a real daemon's are past 2 KiB; a cut
	// in a sized body gives the same error.
	b, err := io.ReadAll(resp.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(b) == 0 {
		t.Errorf("read %d bytes, err %v, want io.ErrUnexpectedEOF", len(b), err)
	}
}

func TestFault_CloseAfterZero(t *testing.T) {
	e := New(t)
	e.Fault("GET", "/info", CloseAfter(0))
	_, err := newClient(e).Get(baseURL + "/v1.55/info")
	if err == nil {
		t.Fatal("no error from a connection closed before any reply")
	}
}

func TestFault_F8_DaemonDiesMidFollow(t *testing.T) {
	e := New(t)
	e.AddContainer(Container{Name: "box", Logs: sampleLogs()})
	e.Fault("GET", "/containers/{id}/logs", CloseAfter(260))
	resp, err := newClient(e).Get(baseURL + "/v1.55/containers/box/logs?stdout=1&stderr=1&follow=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	done := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(resp.Body)
		done <- err
	}()
	if err := await.Recv(t, "the stream to be cut", done); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("err %v, want io.ErrUnexpectedEOF (a cut, not a clean end)", err)
	}
}

func TestFault_A10_RawBytes(t *testing.T) {
	e := New(t)
	tlsAlert := []byte{0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46}
	e.Fault("", "/_ping", RawBytes(tlsAlert))
	_, err := newClient(e).Get(baseURL + "/_ping")
	if err == nil || !strings.Contains(err.Error(), "malformed HTTP") {
		t.Errorf("err %v, want a malformed HTTP response", err)
	}
}

func TestFaultPatternAndOrder(t *testing.T) {
	e := New(t)
	e.AddContainer(Container{Name: "web"})
	e.Fault("GET", "/containers/{id}/json", Status(500, "first").Times(1))
	e.Fault("", "/containers/{id}/json", Status(409, "second").Times(1))
	c := newClient(e)
	for _, want := range []int{500, 409, 200} {
		if resp, _ := do(t, c, "GET", "/v1.55/containers/web/json", ""); resp.StatusCode != want {
			t.Errorf("status %d, want %d", resp.StatusCode, want)
		}
	}
	// A fault answers before the version check.
	e.Fault("GET", "/version", Status(418, "teapot"))
	if resp, _ := do(t, c, "GET", "/v1.01/version", ""); resp.StatusCode != 418 {
		t.Errorf("fault after version check: %d", resp.StatusCode)
	}
}

func TestMatchPattern(t *testing.T) {
	tests := []struct {
		pattern, path string
		ok            bool
		params        map[string]string
	}{
		{"/containers/{id}/json", "/containers/abc/json", true, map[string]string{"id": "abc"}},
		{"/containers/{id}/json", "/containers/%2Fweb/json", true, map[string]string{"id": "/web"}},
		{"/containers/{id}/json", "/containers//json", false, nil},
		{"/containers/{id}/json", "/containers/a/b/json", false, nil},
		{"/containers/json", "/containers/json", true, nil},
		{"/containers/json", "/containers/json/", false, nil},
		{"/images/{name...}", "/images/library/busybox/json", true, map[string]string{"name": "library/busybox/json"}},
		{"/{all...}", "/", true, map[string]string{"all": ""}},
	}
	for _, tt := range tests {
		params, ok := matchPattern(tt.pattern, tt.path)
		if ok != tt.ok || ok && len(params) != len(tt.params) {
			t.Errorf("matchPattern(%q, %q) = %v, %v", tt.pattern, tt.path, params, ok)
			continue
		}
		for k, v := range tt.params {
			if params[k] != v {
				t.Errorf("matchPattern(%q, %q)[%s] = %q, want %q", tt.pattern, tt.path, k, params[k], v)
			}
		}
	}
}

package enginetest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/dockwire/dockwire/internal/await"
	"github.com/dockwire/dockwire/stdcopy"
)

// baseURL uses a .localhost name: Go rejects a socket path as the Host.
const baseURL = "http://api.moby.localhost"

// newClient returns a plain HTTP client that dials the engine's socket and,
// like a Docker client must, never follows redirects.
func newClient(e *Engine) *http.Client {
	return &http.Client{
		Timeout: await.Timeout, // no request waits longer
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", e.SocketPath())
			},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// do sends a request and returns the response with its whole body read.
func do(t *testing.T, c *http.Client, method, path, body string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, baseURL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp, b
}

// getJSON GETs path, checks the status and decodes the body into a generic value.
func getJSON(t *testing.T, c *http.Client, path string, wantStatus int) any {
	t.Helper()
	resp, body := do(t, c, "GET", path, "")
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d; body %s", path, resp.StatusCode, wantStatus, body)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("GET %s: %v; body %q", path, err, body)
	}
	return v
}

// message returns the "message" of a daemon error body.
func message(t *testing.T, body []byte) string {
	t.Helper()
	var e struct{ Message string }
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return e.Message
}

// demux splits a multiplexed body into its frames as "stream:payload" strings.
func demux(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	for f, err := range stdcopy.Frames(bytes.NewReader(b)) {
		if err != nil {
			t.Fatalf("demux %q: %v", b, err)
		}
		out = append(out, f.Stream.String()+":"+string(f.Payload))
	}
	return out
}

// path gets a value out of decoded JSON by a dotted path of object keys.
func path(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

package dockwire_test

import (
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
)

func TestFault_B1_B2_StatusToSentinels(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   []error
		not    []error
	}{
		{404, `{"message":"No such container: x"}`, []error{dockwire.ErrNotFound, dockwire.ErrContainerNotFound}, []error{dockwire.ErrImageNotFound, dockwire.ErrConflict}},
		{409, `{"message":"Conflict. The container name \"/x\" is already in use"}`, []error{dockwire.ErrConflict}, []error{dockwire.ErrNotFound}},
		{400, `{"message":"bad parameter"}`, []error{dockwire.ErrBadRequest}, nil},
		{401, `{"message":"no"}`, []error{dockwire.ErrUnauthorized}, nil},
		{403, `{"message":"no"}`, []error{dockwire.ErrForbidden}, nil},
		{501, `{"message":"not here"}`, []error{dockwire.ErrNotImplemented}, []error{dockwire.ErrServer}},
		{500, `{"message":"boom"}`, []error{dockwire.ErrServer}, []error{dockwire.ErrUnavailable}},
	} {
		d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) { jsonReply(w, tc.status, tc.body) })
		_, err := d.client(t, dockwire.WithRetry(1, 0)).ContainerInspect(testContext(t), "x", dockwire.ContainerInspectOptions{})
		var apiErr *dockwire.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status || apiErr.Kind != dockwire.KindContainer || apiErr.ID != "x" {
			t.Fatalf("%d: err = %#v", tc.status, err)
		}
		for _, s := range tc.want {
			if !errors.Is(err, s) {
				t.Errorf("%d: errors.Is(err, %v) = false", tc.status, s)
			}
		}
		for _, s := range tc.not {
			if errors.Is(err, s) {
				t.Errorf("%d: errors.Is(err, %v) = true", tc.status, s)
			}
		}
		if !strings.Contains(err.Error(), "/v1.41/containers/x/json") || !strings.Contains(err.Error(), d.host()) {
			t.Errorf("%d: message %q should name the request and the host", tc.status, err)
		}
	}
}

func TestFault_B3_NotModifiedIsSuccess(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) })
	c := d.client(t)
	if err := c.ContainerStart(testContext(t), "x"); err != nil {
		t.Errorf("start: %v; want nil", err)
	}
	if err := c.ContainerStop(testContext(t), "x", dockwire.ContainerStopOptions{}); err != nil {
		t.Errorf("stop: %v; want nil", err)
	}
	if err := c.ContainerRestart(testContext(t), "x", dockwire.ContainerRestartOptions{}); err != nil {
		t.Errorf("restart: %v; want nil", err)
	}
}

func inspectError(t *testing.T, status int, contentType, body string) error {
	t.Helper()
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		w.Write([]byte(body))
	})
	_, err := d.client(t, dockwire.WithRetry(1, 0)).ContainerInspect(testContext(t), "x", dockwire.ContainerInspectOptions{})
	if err == nil {
		t.Fatal("no error")
	}
	return err
}

func TestFault_B4_MalformedJSONErrorBody(t *testing.T) {
	err := inspectError(t, 500, "application/json", `{"message": "unterminated`)
	if !errors.Is(err, dockwire.ErrServer) || !strings.Contains(err.Error(), "malformed error body") || !strings.Contains(err.Error(), "unterminated") {
		t.Errorf("err = %v", err)
	}
}

func TestFault_B5_WrongSchemaErrorBody(t *testing.T) {
	err := inspectError(t, 404, "application/json", `{"error":"nope"}`)
	if !errors.Is(err, dockwire.ErrNotFound) || !strings.Contains(err.Error(), "status 404, no error message") {
		t.Errorf("err = %v", err)
	}
}

func TestFault_B6_ProxyHTMLPage(t *testing.T) {
	err := inspectError(t, 502, "text/html", "<html><body><h1>502 Bad Gateway</h1>\n<hr>nginx</body></html>")
	if !errors.Is(err, dockwire.ErrUnavailable) || !strings.Contains(err.Error(), "502 Bad Gateway nginx") || strings.Contains(err.Error(), "<h1>") {
		t.Errorf("err = %v", err)
	}
}

func TestFault_B7_EndlessErrorBody(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(500)
		chunk := []byte(strings.Repeat("x", 64<<10))
		for i := 0; i < 1<<14; i++ { // 1 GiB, unless the client hangs up
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	start := time.Now()
	_, err := d.client(t, dockwire.WithRetry(1, 0)).ContainerInspect(testContext(t), "x", dockwire.ContainerInspectOptions{})
	if !errors.Is(err, dockwire.ErrServer) {
		t.Fatalf("err = %v", err)
	}
	if len(err.Error()) > 2048 {
		t.Errorf("message is %d bytes; want it capped", len(err.Error()))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v; the client should stop reading at its cap", d)
	}
}

func TestFault_B8_ControlCharactersCleaned(t *testing.T) {
	for _, tc := range []struct{ contentType, body string }{
		{"application/json", `{"message":"No such \u001b[31mcontainer\u001b[0m: x\u0007\u0000"}`},
		{"text/plain", "No such \x1b[31mcontainer\x1b[0m: x\a\x00\xff"},
	} {
		msg := inspectError(t, 404, tc.contentType, tc.body).Error()
		for _, bad := range []string{"\x1b", "\a", "\x00", "[31m", "\xff"} {
			if strings.Contains(msg, bad) {
				t.Errorf("%s: message %q still holds %q", tc.contentType, msg, bad)
			}
		}
		if !strings.Contains(msg, "No such container: x") {
			t.Errorf("%s: message %q lost the text", tc.contentType, msg)
		}
	}
}

func TestFault_B9_RedirectNeverFollowed(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		var hits int
		d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
			hits++
			http.Redirect(w, r, "http://evil.example/v1.41/containers/x/json", http.StatusTemporaryRedirect)
		})
		c := d.client(t)
		var err error
		if method == http.MethodGet {
			_, err = c.ContainerInspect(testContext(t), "x", dockwire.ContainerInspectOptions{})
		} else {
			err = c.ContainerStart(testContext(t), "x")
		}
		if !errors.Is(err, dockwire.ErrUnexpectedRedirect) || !strings.Contains(err.Error(), "never followed") {
			t.Errorf("%s: err = %v; want ErrUnexpectedRedirect", method, err)
		}
		if hits != 1 {
			t.Errorf("%s: daemon saw %d requests, want 1", method, hits)
		}
	}
}

func TestFault_B10_EmptyBody(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	info, err := d.client(t).ContainerInspect(testContext(t), "x", dockwire.ContainerInspectOptions{})
	if !errors.Is(err, dockwire.ErrEmptyResponse) || info.ID != "" {
		t.Errorf("err = %v, info = %+v; want ErrEmptyResponse and no result", err, info)
	}
}

func TestFault_C1_InvalidJSONSuccessBody(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, `{"Id":"abc","State":{`) })
	info, err := d.client(t).ContainerInspect(testContext(t), "x", dockwire.ContainerInspectOptions{})
	if !errors.Is(err, dockwire.ErrDecode) || info.ID != "" {
		t.Errorf("err = %v, info = %+v; want ErrDecode and no half-filled result", err, info)
	}
}

func TestFault_C5_ResponseTooLarge(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 200, `{"Id":"`+strings.Repeat("a", 2<<20)+`"}`)
	})
	_, err := d.client(t, dockwire.WithMaxResponseSize(1<<20)).ContainerInspect(testContext(t), "x", dockwire.ContainerInspectOptions{})
	if !errors.Is(err, dockwire.ErrResponseTooLarge) {
		t.Errorf("err = %v; want ErrResponseTooLarge", err)
	}
	// No limit at all is a limit too: the largest one must not overflow.
	d = newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, `{"Id":"abc"}`) })
	if info, err := d.client(t, dockwire.WithMaxResponseSize(math.MaxInt64)).ContainerInspect(testContext(t), "x", dockwire.ContainerInspectOptions{}); err != nil || info.ID != "abc" {
		t.Errorf("WithMaxResponseSize(math.MaxInt64): %+v, %v", info, err)
	}
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	d = newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, deep) })
	if _, err := d.client(t).ContainerInspect(testContext(t), "x", dockwire.ContainerInspectOptions{}); !errors.Is(err, dockwire.ErrDecode) {
		t.Errorf("100000-deep nesting: err = %v; want ErrDecode", err)
	}
	// 32 MiB of '[' is under the default cap; a recursive validator (gjson.Valid)
	// overflowed the goroutine's stack on it and ended the process. The answer
	// to swarm init went through one too.
	deeper := strings.Repeat("[", 32<<20)
	d = newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, deeper) })
	if _, err := d.client(t).ContainerInspect(testContext(t), "x", dockwire.ContainerInspectOptions{}); !errors.Is(err, dockwire.ErrDecode) {
		t.Errorf("32 MiB of '[' from inspect: err = %v; want ErrDecode", err)
	}
	if _, err := d.client(t).SwarmInit(testContext(t), dockwire.SwarmInitOptions{}); !errors.Is(err, dockwire.ErrDecode) {
		t.Errorf("32 MiB of '[' from swarm init: err = %v; want ErrDecode", err)
	}
}

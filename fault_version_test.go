package dockwire_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dockwire/dockwire"
)

func TestFault_I1_DaemonBelowMinimum(t *testing.T) {
	d := newDaemon(t, "1.39", func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, `[]`) })
	err := d.client(t).ContainerStart(testContext(t), "x")
	var ve *dockwire.VersionError
	if !errors.As(err, &ve) || !errors.Is(err, dockwire.ErrAPIVersion) || ve.DaemonMax != "1.39" {
		t.Fatalf("err = %#v; want a VersionError naming 1.39", err)
	}
	if d.requests.Load() != 0 {
		t.Error("a state-changing call reached a daemon too old to speak to")
	}
}

func TestFault_I2_PinnedVersionRefused(t *testing.T) {
	d := newDaemon(t, "1.52", func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 400, `{"message":"client version 1.43 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version"}`)
	})
	_, err := d.client(t, dockwire.WithAPIVersion("1.43")).ContainerList(testContext(t), dockwire.ContainerListOptions{})
	var ve *dockwire.VersionError
	if !errors.As(err, &ve) || ve.Client != "1.43" || ve.DaemonMin != "1.44" {
		t.Fatalf("err = %#v; want a VersionError with client 1.43 and minimum 1.44", err)
	}
	if !strings.Contains(err.Error(), "DOCKER_API_VERSION") {
		t.Errorf("message %q should say how to fix it", err)
	}
	if got := d.requests.Load(); got != 1 {
		t.Errorf("pinned version: %d requests, want 1 (no renegotiation)", got)
	}
}

func TestFault_I3_FeatureNeedsNewerAPI(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	err := d.client(t).ContainerStop(testContext(t), "x", dockwire.ContainerStopOptions{Signal: "SIGINT"})
	var ve *dockwire.VersionError
	if !errors.As(err, &ve) || ve.Required != "1.42" || !strings.Contains(err.Error(), "requires API >= 1.42") {
		t.Fatalf("err = %v; want a requires-1.42 error", err)
	}
	if d.requests.Load() != 0 {
		t.Error("the request was sent anyway")
	}
}

func TestFault_I4_OddVersionHeaders(t *testing.T) {
	for header, want := range map[string]string{
		"1.44":   "1.44",
		"v1.50":  "1.50",
		"1.99":   dockwire.MaxAPIVersion,
		"":       dockwire.MinAPIVersion,
		"1.x":    dockwire.MinAPIVersion,
		"1.50.1": dockwire.MinAPIVersion,
		"2.0":    dockwire.MinAPIVersion,
	} {
		d := newDaemon(t, header, func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, `[]`) })
		got, err := d.client(t).APIVersion(testContext(t))
		if err != nil || got != want {
			t.Errorf("Api-Version %q: got %q, %v; want %q", header, got, err, want)
		}
	}
}

func TestFault_I5_HeadPingRefused(t *testing.T) {
	var heads, gets atomic.Int64
	d := newDaemon(t, "1.41", nil)
	d.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			heads.Add(1)
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		gets.Add(1)
		w.Header().Set("Api-Version", "1.45")
		w.Write([]byte("OK"))
	})
	ping, err := d.client(t).Ping(testContext(t))
	if err != nil || ping.APIVersion != "1.45" || heads.Load() != 1 || gets.Load() != 1 {
		t.Errorf("ping = %+v, %v after %d HEAD and %d GET; want 1.45 via GET fallback", ping, err, heads.Load(), gets.Load())
	}
}

func TestFault_I6_DaemonDowngradedUnderClient(t *testing.T) {
	var max atomic.Value
	max.Store("1.51")
	var listed atomic.Int64
	d := newDaemon(t, "", nil)
	d.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_ping" {
			w.Header().Set("Api-Version", max.Load().(string))
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/v"+max.Load().(string)+"/") {
			jsonReply(w, 400, `{"message":"client version 1.51 is too new. Maximum supported API version is 1.41"}`)
			return
		}
		listed.Add(1)
		if r.Method == http.MethodPost {
			w.WriteHeader(204)
			return
		}
		jsonReply(w, 200, `[]`)
	})
	c := d.client(t)
	ctx := testContext(t)
	if _, err := c.ContainerList(ctx, dockwire.ContainerListOptions{}); err != nil {
		t.Fatal(err)
	}
	max.Store("1.41")
	if _, err := c.ContainerList(ctx, dockwire.ContainerListOptions{}); err != nil {
		t.Fatalf("GET after downgrade: %v; want one renegotiation and a replay", err)
	}
	if v, _ := c.APIVersion(ctx); v != "1.41" {
		t.Errorf("negotiated %s after the downgrade, want 1.41", v)
	}
	max.Store("1.51")
	c2 := d.client(t)
	c2.APIVersion(ctx)
	max.Store("1.41")
	if err := c2.ContainerStart(ctx, "x"); !errors.Is(err, dockwire.ErrAPIVersion) {
		t.Errorf("POST after downgrade: %v; want the version error, not a replay", err)
	}
	if err := c2.ContainerStart(ctx, "x"); err != nil {
		t.Errorf("the POST after that should use the renegotiated version: %v", err)
	}
}

func TestFault_I7_ConcurrentFirstCallsNegotiateOnce(t *testing.T) {
	d := newDaemon(t, "1.45", func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, `[]`) })
	c := d.client(t)
	ctx := testContext(t)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.ContainerList(ctx, dockwire.ContainerListOptions{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := d.pings.Load(); got != 1 {
		t.Errorf("%d pings, want 1", got)
	}
}

func TestFault_I8_EveryRequestVersioned(t *testing.T) {
	var paths []string
	var mu sync.Mutex
	d := newDaemon(t, "1.44", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		switch r.Method {
		case http.MethodGet:
			jsonReply(w, 200, `[]`)
		default:
			w.WriteHeader(204)
		}
	})
	c := d.client(t)
	ctx := testContext(t)
	c.ContainerList(ctx, dockwire.ContainerListOptions{})
	c.ContainerStart(ctx, "x")
	c.ContainerKill(ctx, "x", "")
	c.ContainerRemove(ctx, "x", dockwire.ContainerRemoveOptions{})
	if len(paths) != 4 {
		t.Fatalf("saw %v", paths)
	}
	for _, p := range paths {
		if !strings.HasPrefix(p, "/v1.44/") {
			t.Errorf("%s lacks the /v1.44 prefix", p)
		}
	}
}

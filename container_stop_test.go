package dockwire_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
)

// The grace period of a stop or restart: the zero value leaves it to the
// daemon, and "wait forever", "kill now" and "wait N" are each their own
// field, so that moby's -1 ("wait forever") cannot silently mean the
// opposite here.
func TestContainerStopTimeoutQuery(t *testing.T) {
	tests := []struct {
		name string
		opts dockwire.ContainerStopOptions
		want string // the query; "invalid" for ErrInvalidArgument before any request
	}{
		{"zero value: the daemon's default", dockwire.ContainerStopOptions{}, ""},
		{"wait 5s", dockwire.ContainerStopOptions{Timeout: 5 * time.Second}, "t=5"},
		{"whole seconds, rounded up", dockwire.ContainerStopOptions{Timeout: 1500 * time.Millisecond}, "t=2"},
		{"wait forever", dockwire.ContainerStopOptions{WaitForever: true}, "t=-1"},
		{"kill now", dockwire.ContainerStopOptions{KillNow: true}, "t=0"},
		{"moby's -1 is refused", dockwire.ContainerStopOptions{Timeout: -1}, "invalid"},
		{"negative", dockwire.ContainerStopOptions{Timeout: -time.Second}, "invalid"},
		{"forever and now", dockwire.ContainerStopOptions{WaitForever: true, KillNow: true}, "invalid"},
		{"timeout and forever", dockwire.ContainerStopOptions{Timeout: time.Second, WaitForever: true}, "invalid"},
		{"timeout and now", dockwire.ContainerStopOptions{Timeout: time.Second, KillNow: true}, "invalid"},
	}
	e := enginetest.New(t, enginetest.WithAPIVersion("1.41"))
	var got []string
	record := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path+" "+r.URL.RawQuery)
		w.WriteHeader(http.StatusNoContent)
	})
	e.Handle("POST", "/containers/{id}/stop", record)
	e.Handle("POST", "/containers/{id}/restart", record)
	c := engineClient(t, e)
	ctx := testContext(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, call := range []struct {
				path string
				do   func() error
			}{
				{"/v1.41/containers/box/stop", func() error { return c.ContainerStop(ctx, "box", tt.opts) }},
				{"/v1.41/containers/box/restart", func() error {
					return c.ContainerRestart(ctx, "box", dockwire.ContainerRestartOptions(tt.opts))
				}},
			} {
				got = nil
				err := call.do()
				if tt.want == "invalid" {
					if !errors.Is(err, dockwire.ErrInvalidArgument) || len(got) != 0 {
						t.Errorf("%s: err %v after requests %q; want ErrInvalidArgument and no request", call.path, err, got)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", call.path, err)
				}
				if want := []string{"POST " + call.path + " " + tt.want}; len(got) != 1 || got[0] != want[0] {
					t.Errorf("requests %q, want %q", got, want)
				}
			}
		})
	}
}

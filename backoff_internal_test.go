package dockwire

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func TestBackoffWaits(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		b    backoff
		want []time.Duration // the longest wait before each retry
	}{
		{"retry default", retryWait(500 * ms), []time.Duration{50 * ms, 100 * ms, 200 * ms, 400 * ms, 500 * ms, 500 * ms}},
		{"retry small max", retryWait(20 * ms), []time.Duration{20 * ms, 20 * ms}},
		{"retry no wait", retryWait(0), []time.Duration{0, 0}},
		{"events", eventsReconnect.wait, []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 2000 * ms, 2000 * ms}},
		{"exec poll", execPoll, []time.Duration{5 * ms, 10 * ms, 20 * ms, 40 * ms, 80 * ms, 160 * ms, 200 * ms, 200 * ms}},
	}
	for _, tt := range tests {
		for n, d := range tt.want {
			lo := d
			if tt.b.jitter {
				lo = d / 2
			}
			for range 50 {
				if got := tt.b.wait(n); got < lo || got > d {
					t.Fatalf("%s: wait(%d) = %v, want within [%v, %v]", tt.name, n, got, lo, d)
				}
			}
		}
		if got := tt.b.wait(1 << 20); got > tt.b.max {
			t.Errorf("%s: wait after a million tries = %v, more than max %v", tt.name, got, tt.b.max)
		}
	}
}

// The default retries wait 50, 100 and 200ms, jittered: 175-350ms in all,
// as WithRetry and the README say. The waits are numbered from 0, as
// go-retryablehttp's Backoff contract has them; this fails if the retry
// loop ever numbers them otherwise.
func TestDefaultRetryWaits(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "d.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	var requests atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	})}
	go srv.Serve(l)
	defer srv.Close()

	c, err := New("unix://"+socket, WithAPIVersion("1.41"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var attempts []int
	var total time.Duration
	backoff := c.retry.backoff
	c.retry.backoff = func(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
		d := backoff(lo, hi, attempt, resp)
		attempts = append(attempts, attempt)
		if max := 50 * time.Millisecond << (len(attempts) - 1); d < max/2 || d > max {
			t.Errorf("wait %d: %v, want within [%v, %v]", len(attempts), d, max/2, max)
		}
		total += d
		return d
	}
	start := time.Now()
	_, err = c.Info(context.Background())
	elapsed := time.Since(start)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want the daemon's 503", err)
	}
	if n := requests.Load(); n != 4 {
		t.Errorf("%d tries, want 4", n)
	}
	if len(attempts) != 3 || attempts[0] != 0 || attempts[2] != 2 {
		t.Errorf("the backoff saw attempts %v, want [0 1 2]", attempts)
	}
	if total < 175*time.Millisecond || total > 350*time.Millisecond || elapsed < total {
		t.Errorf("waited %v in all (the call took %v), want 175-350ms", total, elapsed)
	}
}

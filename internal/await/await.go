// Package await bounds the waits of dockwire's own tests. Each wait gives
// up after Timeout and fails the test with what it was waiting for, so that
// a test stuck on a loaded machine fails in about a minute, naming its wait,
// rather than at go test's global timeout with every goroutine's stack.
//
// Tests wait for a state, never for a stretch of time: Until polls a
// condition, Recv takes from a channel, Context bounds a call, Goroutines
// waits for goroutines to end.
package await

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// Timeout bounds every wait. It is long enough for a 2-core machine under
// load (the CI), and short enough that a hang costs a minute.
const Timeout = 60 * time.Second

// pollEvery is how often Until and Goroutines look again.
const pollEvery = 5 * time.Millisecond

// Context returns a context that ends after Timeout, or when the test ends.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	t.Cleanup(cancel)
	return ctx
}

// Until waits for cond to hold, and fails t if it does not within Timeout.
// what completes "waited 1m0s for ...".
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	until(t, Timeout, what, cond)
}

func until(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", limit, what)
			return
		}
		time.Sleep(pollEvery)
	}
}

// Recv returns the next value from ch (the zero value once ch is closed),
// and fails t if none comes within Timeout.
func Recv[T any](t testing.TB, what string, ch <-chan T) T {
	t.Helper()
	return recv(t, Timeout, what, ch)
}

func recv[T any](t testing.TB, limit time.Duration, what string, ch <-chan T) T {
	t.Helper()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("waited %v for %s", limit, what)
		var zero T
		return zero
	}
}

// Goroutines waits for the number of goroutines to fall back to at most
// base, as counted before the code under test started its own; it fails t
// with every goroutine's stack if they do not end within Timeout.
func Goroutines(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("waited %v for the goroutines to end: %d, at most %d wanted\n%s", Timeout, runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
			return
		}
		time.Sleep(pollEvery)
	}
}

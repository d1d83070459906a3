package await

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
)

// recorder stands in for the test a wait fails: it keeps the message and
// lets the wait return, so that the test can look at how it failed.
type recorder struct {
	testing.TB // the real test, for Cleanup

	mu     sync.Mutex
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = fmt.Sprintf(format, args...)
}

func (r *recorder) message() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// checkFailsFast requires that wait, given a limit, failed in about that
// time with a message that names what it waited for.
func checkFailsFast(t *testing.T, what string, wait func(tb testing.TB, limit time.Duration)) {
	t.Helper()
	const limit = 200 * time.Millisecond
	r := &recorder{TB: t}
	start := time.Now()
	wait(r, limit)
	took := time.Since(start)
	if want := "waited 200ms for " + what; !strings.Contains(r.message(), want) {
		t.Errorf("failed with %q, want %q", r.message(), want)
	}
	if took < limit || took > limit+5*time.Second {
		t.Errorf("gave up after %v, want about %v", took, limit)
	}
}

// A request to a fake engine that never answers: Recv and Until give up on
// it in their own time, and say what they waited for.
func TestWaitOnHungFakeFailsFast(t *testing.T) {
	e := enginetest.New(t)
	e.Fault("GET", "/info", enginetest.Hang())
	c, err := dockwire.New(e.Host())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // the hung request ends with the test
	answered := make(chan error, 1)
	go func() {
		_, err := c.Info(ctx)
		answered <- err
	}()

	checkFailsFast(t, "the answer to GET /info", func(tb testing.TB, limit time.Duration) {
		recv(tb, limit, "the answer to GET /info", answered)
	})
	checkFailsFast(t, "GET /info to be answered", func(tb testing.TB, limit time.Duration) {
		until(tb, limit, "GET /info to be answered", func() bool { return len(answered) > 0 })
	})
	if n := e.Count("GET", "/info"); n != 1 {
		t.Errorf("the fake saw %d requests for /info, want 1: the wait was not on a hung request", n)
	}
}

// Waits that are satisfied return at once and do not fail.
func TestWaitSatisfied(t *testing.T) {
	r := &recorder{TB: t}
	ch := make(chan int, 1)
	ch <- 7
	if v := recv(r, time.Second, "a value", ch); v != 7 {
		t.Errorf("recv = %d, want 7", v)
	}
	n := 0
	until(r, time.Second, "n to reach 3", func() bool { n++; return n == 3 })
	if r.message() != "" {
		t.Errorf("a satisfied wait failed: %s", r.message())
	}
	if ctx := Context(t); ctx.Err() != nil {
		t.Errorf("a new Context has ended: %v", ctx.Err())
	} else if d, ok := ctx.Deadline(); !ok || time.Until(d) > Timeout {
		t.Errorf("Context deadline %v, %v; want within %v", d, ok, Timeout)
	}
}

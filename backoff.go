package dockwire

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff is the package's one schedule of waits between tries: retries
// of idempotent requests (WithRetry), reconnects of Events, and the polls
// of ExecWait. The wait starts at first and doubles up to max; with jitter
// each wait is drawn from [half of it, all of it], so that clients that
// failed together do not come back together.
type backoff struct {
	first, max time.Duration
	jitter     bool
}

// wait returns the wait before try n+2, after n earlier waits: first for
// n = 0.
func (b backoff) wait(n int) time.Duration {
	d := min(b.first, b.max)
	for ; n > 0 && d < b.max; n-- {
		d *= 2
	}
	d = min(d, b.max)
	if b.jitter && d > 0 {
		return d/2 + rand.N(d/2+1)
	}
	return d
}

// sleepCtx waits for d, or until ctx ends, and reports whether ctx is live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

package dockwire

import (
	"context"
	"time"
)

// SetEventsReconnect changes how Events resumes a dropped stream, so that
// tests of giving up do not wait for the real backoff, and returns a func
// that restores it.
func SetEventsReconnect(tries int, first, max time.Duration) (restore func()) {
	saved := eventsReconnect
	eventsReconnect.tries, eventsReconnect.wait.first, eventsReconnect.wait.max = tries, first, max
	return func() { eventsReconnect = saved }
}

// WithEventsGapHook returns a context under which Events calls onGap, from
// its reading goroutine, each time its queue is full and a gap opens.
func WithEventsGapHook(ctx context.Context, onGap func()) context.Context {
	return context.WithValue(ctx, eventsGapHook{}, onGap)
}

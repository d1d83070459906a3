package dockwire

import "time"

// SetEventsReconnect changes how Events resumes a dropped stream, so that
// tests of giving up do not wait for the real backoff, and returns a func
// that restores it.
func SetEventsReconnect(tries int, first, max time.Duration) (restore func()) {
	saved := eventsReconnect
	eventsReconnect.tries, eventsReconnect.first, eventsReconnect.max = tries, first, max
	return func() { eventsReconnect = saved }
}

package dockwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dockwire/dockwire/engine"
)

// EventsOptions selects what Events yields. The zero value streams every
// event from now on, until ctx ends.
type EventsOptions struct {
	// Since first replays the events since this time, then streams new
	// ones. The daemon keeps only its last 256 events for replay.
	Since time.Time
	// Until ends the stream at this time. With Until in the past the
	// daemon replays what it kept up to then, and the stream ends at once.
	Until time.Time
	// Filters narrow the events, e.g. {"type": {"container"}, "event":
	// {"start", "die"}, "label": {"app=web"}}. The daemon also knows
	// "container", "image", "network", "volume", "daemon", "scope", ...
	Filters Filters
}

// ErrEventsDropped is matched by an *EventsDroppedError.
var ErrEventsDropped = errors.New("events dropped")

// EventsDroppedError reports a gap in an events stream: the consumer of
// Events fell so far behind that the client's queue was full, and events
// that arrived meanwhile were dropped rather than leave the daemon's
// socket unread. It is the one error after which the sequence goes on.
type EventsDroppedError struct {
	Host  string    // the daemon's address
	Count int       // how many events were dropped
	First time.Time // when the first dropped event happened
	Last  time.Time // when the last dropped event happened
}

func (e *EventsDroppedError) Error() string {
	return fmt.Sprintf("dockwire: %d events from %s dropped between %s and %s: the loop fell behind and the queue of %d events was full; read faster, or replay them with EventsOptions{Since, Until}",
		e.Count, e.Host, e.First.Format(time.RFC3339Nano), e.Last.Format(time.RFC3339Nano), eventsQueueLen)
}

// Is reports that every EventsDroppedError means ErrEventsDropped.
func (e *EventsDroppedError) Is(target error) bool { return target == ErrEventsDropped }

// eventsQueueLen bounds the events read from the socket and not yet
// consumed. It matches the daemon's own buffer per subscriber: a consumer
// that falls this far behind would be dropped by the daemon as well.
// eventsQueueBytes bounds their size, should a daemon send huge events.
// eventsFullWait is how long the reader waits for room in a full queue
// before it drops events: the daemon's own publisher waits as long for a
// subscriber (daemon/events: pubsub.NewPublisher(100*time.Millisecond, 1024)).
const (
	eventsQueueLen   = 1024
	eventsQueueBytes = 32 << 20
	eventsFullWait   = 100 * time.Millisecond
)

// eventsReconnect is how a dropped events stream is resumed: at most tries
// reconnects in a row, with waits of 100ms doubling up to 2s, jittered,
// before them. A connection that lasts stable or delivers an event resets
// the count.
var eventsReconnect = struct {
	tries  int
	wait   backoff
	stable time.Duration
}{tries: 5, wait: backoff{first: 100 * time.Millisecond, max: 2 * time.Second, jitter: true}, stable: 10 * time.Second}

// eventsDedupWindow is how many recent events are remembered to drop the
// ones a resumed stream replays; the daemon replays at most its last 256.
const eventsDedupWindow = 256

// Events yields what happens on the daemon: containers created, started
// and dying, images pulled, networks connected, and so on.
//
// A goroutine keeps reading the daemon's socket into a queue of 1024
// events however slowly the loop consumes them, because the daemon drops
// events for a subscriber that falls behind. When the queue is full, the
// goroutine waits up to 100 ms for the loop to take one, as the daemon
// waits for its subscribers, so that a burst of events read faster than
// the loop is scheduled loses nothing; after that, further events are
// dropped until the loop catches up, and the gap is yielded in order as an
// *EventsDroppedError (errors.Is ErrEventsDropped): the only error after
// which the sequence continues, so a loop may note the gap and go on, or
// stop.
//
// If the connection drops (the daemon restarts, a proxy cuts it), Events
// reconnects, a few times with backoff, asking for the events since the
// last one it saw, and drops the ones it already delivered. Events the
// daemon no longer keeps (it keeps 256) are lost. When reconnecting fails,
// the sequence ends with an error wrapping the cause.
//
// The sequence ends when Until passes, after the first other error, or
// when ctx ends, with ctx's error. Breaking out of the loop closes the
// connection and returns once the reading goroutine has stopped.
//
// Ranging over the sequence sends the request. Like every stream of the
// package it is read once: a second range yields a single error matching
// ErrInvalidArgument; call Events again (with Since) for a new stream.
func (c *Client) Events(ctx context.Context, opts EventsOptions) iter.Seq2[engine.Event, error] {
	var ranged atomic.Bool
	return readOnce(&ranged, "events", "call Events again (with Since) for a new stream", func(yield func(engine.Event, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		s := &eventStream{c: c, opts: opts, ready: make(chan struct{}, 1), space: make(chan struct{}, 1), recent: make(map[eventKey]struct{}, eventsDedupWindow)}
		s.onGap, _ = ctx.Value(eventsGapHook{}).(func())
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.finish(s.run(ctx))
		}()
		defer func() {
			cancel()
			<-done
		}()
		for {
			item, ok := s.next(ctx)
			if err := ctx.Err(); err != nil {
				yield(engine.Event{}, err)
				return
			}
			switch {
			case !ok:
				if s.err != nil {
					yield(engine.Event{}, s.err)
				}
				return
			case item.gap != nil:
				if !yield(engine.Event{}, item.gap) {
					return
				}
			default:
				if !yield(item.ev, nil) {
					return
				}
			}
		}
	})
}

// eventStream is one Events iteration: a reading goroutine (run) feeding
// the consumer (next) through a bounded queue.
type eventStream struct {
	c     *Client
	opts  EventsOptions
	ready chan struct{} // signalled when items or ended change
	space chan struct{} // signalled when the consumer takes an item
	onGap func()        // a test's hook (eventsGapHook), told when a gap opens

	mu     sync.Mutex
	items  ring[eventItem] // oldest first
	queued int             // events in items, not counting gaps
	bytes  int             // the size of their JSON
	ended  bool
	err    error // why the stream ended; read by the consumer after ended

	// Used by the reading goroutine only.
	lastNano int64 // the latest timeNano seen, where a resumed stream starts
	recent   map[eventKey]struct{}
	ring     [eventsDedupWindow]eventKey
	ringPos  int
}

// eventItem is an event, or a gap where events were dropped.
type eventItem struct {
	ev  engine.Event
	gap *EventsDroppedError
}

type eventKey struct {
	nano                 int64
	typ, action, actorID string
}

func (s *eventStream) wake() {
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// push queues ev. When the queue is full it waits up to eventsFullWait
// for the consumer to take an item, then records ev in a gap at the
// queue's end; while that gap is the queue's last item, the consumer is
// known to be behind, and later events join the gap without waiting.
func (s *eventStream) push(ctx context.Context, ev engine.Event) {
	var timer *time.Timer // started on the first wait; waited once it fired
	waited := false
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		opened := false
		s.mu.Lock()
		n := s.items.len()
		switch {
		case s.queued < eventsQueueLen && s.bytes+len(ev.Raw) <= eventsQueueBytes:
			s.items.push(eventItem{ev: ev})
			s.queued++
			s.bytes += len(ev.Raw)
		case n > 0 && s.items.last().gap != nil:
			g := s.items.last().gap
			g.Count++
			g.Last = ev.Time
		case !waited:
			// Full: wait for room, eventsFullWait in all, then try again.
			s.mu.Unlock()
			if timer == nil {
				timer = time.NewTimer(eventsFullWait)
			}
			select {
			case <-s.space:
			case <-timer.C:
				waited = true
			case <-ctx.Done():
				return
			}
			continue
		default:
			s.items.push(eventItem{gap: &EventsDroppedError{Host: s.c.host, Count: 1, First: ev.Time, Last: ev.Time}})
			opened = true
		}
		s.mu.Unlock()
		s.wake()
		if opened && s.onGap != nil {
			s.onGap()
		}
		return
	}
}

// eventsGapHook is the context key of a func that Events calls each time
// its queue is full and a gap opens, so that a test can wait for that state
// instead of guessing how long the reader takes (see
// events_export_test.go). Nothing outside the package's tests sets it.
type eventsGapHook struct{}

func (s *eventStream) finish(err error) {
	s.mu.Lock()
	s.ended, s.err = true, err
	s.mu.Unlock()
	s.wake()
}

// next waits for the oldest queued item. ok is false when the stream has
// ended and every item was taken, or when ctx ended.
func (s *eventStream) next(ctx context.Context) (item eventItem, ok bool) {
	for {
		s.mu.Lock()
		if s.items.len() > 0 {
			item = s.items.pop()
			if item.gap == nil {
				s.queued--
				s.bytes -= len(item.ev.Raw)
			}
			s.mu.Unlock()
			select {
			case s.space <- struct{}{}:
			default:
			}
			return item, true
		}
		ended := s.ended
		s.mu.Unlock()
		if ended {
			return eventItem{}, false
		}
		select {
		case <-s.ready:
		case <-ctx.Done():
			return eventItem{}, false
		}
	}
}

// errEventsEnded is the cause recorded when the daemon ended the stream
// cleanly before Until, as a daemon shutting down does.
var errEventsEnded = errors.New("the daemon ended the events stream")

// run reads events until Until passes, ctx ends, or the stream is lost for
// good, and returns why it stopped (nil for Until).
func (s *eventStream) run(ctx context.Context) error {
	opened := time.Now()
	failures := 0
	var cause error
	for attempt := 0; ; attempt++ {
		since := s.opts.Since
		if attempt > 0 {
			failures++
			if failures > eventsReconnect.tries {
				return fmt.Errorf("dockwire: events stream from %s lost, and %d reconnects failed: %w", s.c.host, eventsReconnect.tries, cause)
			}
			if !sleepCtx(ctx, eventsReconnect.wait.wait(failures-1)) {
				return ctx.Err()
			}
			switch {
			case s.lastNano != 0:
				since = time.Unix(0, s.lastNano)
			case since.IsZero():
				since = opened
			}
		}
		r := s.request(ctx, since)
		resp, err := s.c.send(ctx, r)
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			if attempt == 0 || !(errors.Is(err, ErrDaemonUnreachable) || errors.Is(err, ErrUnavailable)) {
				return err
			}
			cause = err
			continue
		}
		connected := time.Now()
		fresh, err := s.read(ctx, resp.Body)
		resp.Body.Close()
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if errors.Is(err, ErrDecode) || errors.Is(err, ErrResponseTooLarge) {
			// Replaying the same bytes would fail the same way.
			return s.c.bodyError(r, err)
		}
		if !s.opts.Until.IsZero() && (err == nil || !time.Now().Before(s.opts.Until)) {
			return nil
		}
		if fresh > 0 || time.Since(connected) >= eventsReconnect.stable {
			failures = 0
		}
		cause = errEventsEnded
		if err != nil {
			cause = s.c.bodyError(r, err)
		}
	}
}

func (s *eventStream) request(ctx context.Context, since time.Time) *call {
	var q query
	q.unix("since", since)
	q.unix("until", s.opts.Until)
	q.filters(s.opts.Filters)
	r := &call{method: http.MethodGet, path: "/events", query: q.String()}
	// API 1.52 lets the client choose the framing; ask for one event per
	// line. The splitter reads the older daemons' framing, and json-seq,
	// all the same.
	if ok, _ := s.c.apiAtLeast(ctx, "1.52"); ok {
		r.header = http.Header{"Accept": {"application/x-ndjson"}}
	}
	return r
}

// read queues the events of one connection that were not seen before, and
// returns how many, and the error that ended it: nil for a clean end.
func (s *eventStream) read(ctx context.Context, body io.Reader) (fresh int, err error) {
	err = decodeMessages(ctx, body, func(ev engine.Event) error {
		if !s.seen(ev) {
			fresh++
			s.push(ctx, ev)
		}
		return nil
	})
	return fresh, err
}

// seen reports whether ev was delivered already, as a resumed stream
// replays the events at the time it resumes from, and remembers it.
func (s *eventStream) seen(ev engine.Event) bool {
	if ev.TimeNano == 0 {
		return false // nothing to tell one event from another
	}
	k := eventKey{ev.TimeNano, ev.Type, ev.Action, ev.Actor.ID}
	if _, dup := s.recent[k]; dup {
		return true
	}
	if old := s.ring[s.ringPos]; old.nano != 0 {
		delete(s.recent, old)
	}
	s.ring[s.ringPos] = k
	s.ringPos = (s.ringPos + 1) % len(s.ring)
	s.recent[k] = struct{}{}
	s.lastNano = max(s.lastNano, ev.TimeNano)
	return false
}

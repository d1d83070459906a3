package dockwire_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/await"
	"github.com/dockwire/dockwire/internal/livetest"
	"github.com/google/go-cmp/cmp"
)

// eventT0 is the time of the fake daemon's first event.
const eventT0 = int64(1700000000_000000000)

// eventLine is event n of the fake daemon, in the shape of API 1.52.
// pad makes it longer, to fill socket buffers.
func eventLine(n int, action string, pad int) string {
	return fmt.Sprintf(`{"Type":"container","Action":%q,"Actor":{"ID":"c%d","Attributes":{"name":"n%d","pad":"%s"}},"scope":"local","time":%d,"timeNano":%d}`,
		action, n, n, strings.Repeat("p", pad), (eventT0+int64(n))/1e9, eventT0+int64(n))
}

// sinceOf is how the client sends a time in since/until.
func sinceOf(nano int64) string {
	return fmt.Sprintf("%d.%09d", nano/1e9, nano%1e9)
}

// actions lists the events' Actor.IDs and actions, for comparing.
func actions(evs []engine.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Actor.ID+":"+ev.Action)
	}
	return out
}

// collectEvents ranges over seq and returns what it yielded, stopping
// after stop events if stop > 0.
func collectEvents(seq func(func(engine.Event, error) bool), stop int) (evs []engine.Event, errs []error) {
	for ev, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		evs = append(evs, ev)
		if len(evs) == stop {
			break
		}
	}
	return evs, errs
}

func eventsHandler(f func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		f(w, r)
	})
}

func TestEventsRequest(t *testing.T) {
	for _, tt := range []struct{ api, accept string }{
		{"1.41", ""}, {"1.51", ""}, {"1.52", "application/x-ndjson"}, {"1.55", "application/x-ndjson"},
	} {
		t.Run(tt.api, func(t *testing.T) {
			e := enginetest.New(t, enginetest.WithAPIVersion(tt.api))
			e.Handle("GET", "/events", eventsHandler(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, eventLine(1, "start", 0)+"\n")
			}))
			c := streamClient(t, e)
			opts := dockwire.EventsOptions{
				Since:   time.Unix(1700000000, 5),
				Until:   time.Unix(1700000100, 0),
				Filters: dockwire.Filters{}.Add("type", "container").Add("event", "start", "die"),
			}
			evs, errs := collectEvents(c.Events(testContext(t), opts), 0)
			if len(evs) != 1 || len(errs) != 0 {
				t.Fatalf("%d events, errors %v; want 1 event and a clean end at Until", len(evs), errs)
			}
			reqs := e.Requests()
			r := reqs[len(reqs)-1]
			if r.Version != tt.api || r.Route != "/events" {
				t.Errorf("request %s, want /v%s/events", r.Path, tt.api)
			}
			if got := r.Header.Get("Accept"); got != tt.accept {
				t.Errorf("Accept %q, want %q", got, tt.accept)
			}
			q := r.Query
			if q.Get("since") != "1700000000.000000005" || q.Get("until") != "1700000100.000000000" ||
				q.Get("filters") != `{"event":["start","die"],"type":["container"]}` {
				t.Errorf("query %v", q)
			}
		})
	}
}

func TestEventsBothShapes(t *testing.T) {
	const old = `{"status":"start","id":"c1","from":"busybox","Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{"image":"busybox","name":"web"}},"scope":"local","time":1700000000,"timeNano":1700000000000000001}`
	const current = `{"Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{"image":"busybox","name":"web"}},"scope":"local","time":1700000000,"timeNano":1700000000000000001}`
	want := engine.Event{
		Type: "container", Action: "start", Scope: "local",
		Actor:    engine.EventActor{ID: "c1", Attributes: map[string]string{"image": "busybox", "name": "web"}},
		Time:     time.Unix(0, 1700000000000000001).UTC(),
		TimeNano: 1700000000000000001,
	}
	for _, tt := range []struct{ api, body string }{{"1.51", old}, {"1.52", current}} {
		t.Run(tt.api, func(t *testing.T) {
			e := enginetest.New(t, enginetest.WithAPIVersion(tt.api))
			e.Handle("GET", "/events", eventsHandler(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, tt.body+"\n")
			}))
			c := streamClient(t, e)
			evs, errs := collectEvents(c.Events(testContext(t), dockwire.EventsOptions{Until: time.Now()}), 0)
			if len(evs) != 1 || len(errs) != 0 {
				t.Fatalf("%d events, errors %v", len(evs), errs)
			}
			got := evs[0]
			got.Raw = ""
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEventsUntilEndsStream: the daemon closes the stream at Until, and the
// sequence ends there without an error and without reconnecting.
func TestEventsUntilEndsStream(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("GET", "/events", eventsHandler(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, eventLine(1, "create", 0)+"\n"+eventLine(2, "start", 0)+"\n")
	}))
	c := streamClient(t, e)
	evs, errs := collectEvents(c.Events(testContext(t), dockwire.EventsOptions{Until: time.Now().Add(time.Hour)}), 0)
	if diff := cmp.Diff([]string{"c1:create", "c2:start"}, actions(evs)); diff != "" || len(errs) != 0 {
		t.Errorf("events (-want +got):\n%s\nerrors %v", diff, errs)
	}
	if n := e.Count("GET", "/events"); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestEventsRefused(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("GET", "/events", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"message":"invalid filter 'colour'"}`)
	}))
	c := streamClient(t, e)
	evs, errs := collectEvents(c.Events(testContext(t), dockwire.EventsOptions{Filters: dockwire.Filters{"colour": {"red"}}}), 0)
	var apiErr *dockwire.APIError
	if len(evs) != 0 || len(errs) != 1 || !errors.As(errs[0], &apiErr) || !errors.Is(errs[0], dockwire.ErrBadRequest) {
		t.Fatalf("%d events, errors %v; want one *APIError", len(evs), errs)
	}
	if n := e.Count("GET", "/events"); n != 1 {
		t.Errorf("%d requests, want 1: a refusal is not retried", n)
	}
}

// TestFault_C7_EventsFraming feeds the events stream every framing a JSON
// stream may have (API 1.52 negotiates json-seq and JSON lines).
func TestFault_C7_EventsFraming(t *testing.T) {
	a, b, c := eventLine(1, "create", 0), eventLine(2, "start", 0), eventLine(3, "die", 0)
	for _, tt := range []struct{ name, body string }{
		{"concatenated", a + b + c},
		{"LF", a + "\n" + b + "\n" + c + "\n"},
		{"CRLF", a + "\r\n" + b + "\r\n" + c + "\r\n"},
		{"blank lines", "\n" + a + "\n\n\r\n" + b + "\n \n" + c + "\n\n"},
		{"json-seq", "\x1e" + a + "\n\x1e" + b + "\n\x1e" + c + "\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := enginetest.New(t)
			e.Handle("GET", "/events", eventsHandler(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, tt.body)
			}))
			evs, errs := collectEvents(streamClient(t, e).Events(testContext(t), dockwire.EventsOptions{Until: time.Now()}), 0)
			if diff := cmp.Diff([]string{"c1:create", "c2:start", "c3:die"}, actions(evs)); diff != "" || len(errs) != 0 {
				t.Errorf("events (-want +got):\n%s\nerrors %v", diff, errs)
			}
		})
	}
}

// TestFault_C7_EventsPartialObjectAtEOF: a stream that ends inside an
// object was cut, so the client resumes it; the complete events arrive
// once however often the daemon replays them, and when resuming keeps
// failing the sequence ends with io.ErrUnexpectedEOF.
func TestFault_C7_EventsPartialObjectAtEOF(t *testing.T) {
	defer dockwire.SetEventsReconnect(3, time.Millisecond, 5*time.Millisecond)()
	e := enginetest.New(t)
	var mu sync.Mutex
	var sinces []string
	e.Handle("GET", "/events", eventsHandler(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sinces = append(sinces, r.URL.Query().Get("since"))
		mu.Unlock()
		io.WriteString(w, eventLine(1, "create", 0)+"\n"+eventLine(2, "start", 0)+"\n"+eventLine(3, "die", 0)[:40])
	}))
	evs, errs := collectEvents(streamClient(t, e).Events(testContext(t), dockwire.EventsOptions{}), 0)
	if diff := cmp.Diff([]string{"c1:create", "c2:start"}, actions(evs)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if len(errs) != 1 || !errors.Is(errs[0], io.ErrUnexpectedEOF) {
		t.Fatalf("errors %v, want one wrapping io.ErrUnexpectedEOF", errs)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"", sinceOf(eventT0 + 2), sinceOf(eventT0 + 2), sinceOf(eventT0 + 2)}
	if diff := cmp.Diff(want, sinces); diff != "" {
		t.Errorf("since of each request (-want +got):\n%s", diff)
	}
}

// TestFault_C7_EventsOversizeMessage: a 10 MB event is refused once, with
// bounded memory; resuming would only replay it.
func TestFault_C7_EventsOversizeMessage(t *testing.T) {
	body := eventLine(1, "create", 0) + "\n" + `{"Type":"container","Action":"` + strings.Repeat("x", 10<<20) + "\"}\n"
	e := enginetest.New(t)
	e.Handle("GET", "/events", eventsHandler(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, body)
	}))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	evs, errs := collectEvents(streamClient(t, e).Events(testContext(t), dockwire.EventsOptions{}), 0)
	runtime.ReadMemStats(&after)
	if len(evs) != 1 || len(errs) != 1 || !errors.Is(errs[0], dockwire.ErrResponseTooLarge) {
		t.Errorf("%d events, errors %v; want 1 event, then ErrResponseTooLarge", len(evs), errs)
	}
	if n := e.Count("GET", "/events"); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("allocated %d MiB for a 10 MB event: not capped", grew>>20)
	}
}

// TestFault_F9_SlowEventsConsumer: while the loop is stuck, the client
// keeps reading the socket (the daemon would drop it otherwise), queues
// 1024 events, and reports the rest as one gap, in order.
func TestFault_F9_SlowEventsConsumer(t *testing.T) {
	const total = 3000 // × ~650 bytes: far more than the socket buffers hold
	e := enginetest.New(t)
	written := make(chan struct{})
	e.Handle("GET", "/events", eventsHandler(func(w http.ResponseWriter, r *http.Request) {
		for i := 1; i <= total; i++ {
			io.WriteString(w, eventLine(i, "start", 500)+"\n")
		}
		w.(http.Flusher).Flush()
		close(written)
		<-r.Context().Done()
	}))
	c := streamClient(t, e)
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	next := 1 // the event expected next, delivered or dropped
	delivered, gaps := 0, 0
	for ev, err := range c.Events(ctx, dockwire.EventsOptions{}) {
		if delivered == 0 && gaps == 0 {
			// If the socket were not read while the consumer is stuck, the
			// daemon could not write them all.
			await.Recv(t, "the daemon to write all its events while the consumer is stuck", written)
		}
		var gap *dockwire.EventsDroppedError
		switch {
		case errors.As(err, &gap):
			if !errors.Is(err, dockwire.ErrEventsDropped) {
				t.Errorf("%v does not match ErrEventsDropped", err)
			}
			first, last := time.Unix(0, eventT0+int64(next)), time.Unix(0, eventT0+int64(next+gap.Count-1))
			if gap.Count < 1 || !gap.First.Equal(first) || !gap.Last.Equal(last) {
				t.Fatalf("gap %+v after event %d, want it to start at event %d", gap, next-1, next)
			}
			next += gap.Count
			gaps++
		case err != nil:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v", err)
			}
		default:
			if ev.TimeNano != eventT0+int64(next) {
				t.Fatalf("event %d, want %d: out of order", ev.TimeNano-eventT0, next)
			}
			next++
			delivered++
		}
		if next == total+1 {
			cancel()
		}
	}
	t.Logf("%d events delivered, %d dropped in %d gaps", delivered, total-delivered, gaps)
	if next != total+1 || delivered < 1024 || gaps == 0 {
		t.Errorf("%d events delivered, %d gaps, accounted up to %d; want at least the 1024 queued, a gap, and all %d accounted for", delivered, gaps, next-1, total)
	}
}

// TestFault_F9_EventsBurstLosesNothing: a burst of events far larger than
// the queue, read by a loop that keeps up but is scheduled after the
// reader (one P, so the reader runs ahead until it blocks), loses nothing:
// the reader waits for room before it drops, as the daemon does.
func TestFault_F9_EventsBurstLosesNothing(t *testing.T) {
	const total = 20000
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	e := enginetest.New(t)
	e.Handle("GET", "/events", eventsHandler(func(w http.ResponseWriter, r *http.Request) {
		for i := 1; i <= total; i++ {
			io.WriteString(w, eventLine(i, "start", 0)+"\n")
		}
	}))
	c := streamClient(t, e)
	next := 1
	for ev, err := range c.Events(testContext(t), dockwire.EventsOptions{Until: time.Unix(0, eventT0+total+1)}) {
		if err != nil {
			t.Fatalf("after %d events: %v", next-1, err)
		}
		if ev.TimeNano != eventT0+int64(next) {
			t.Fatalf("event %d, want %d", ev.TimeNano-eventT0, next)
		}
		next++
	}
	if next != total+1 {
		t.Errorf("%d events, want %d", next-1, total)
	}
}

// TestFault_F9_EventsGapThenMore: after a gap the sequence goes on with
// the events that came once the consumer caught up.
func TestFault_F9_EventsGapThenMore(t *testing.T) {
	e := enginetest.New(t)
	more := make(chan struct{})
	e.Handle("GET", "/events", eventsHandler(func(w http.ResponseWriter, r *http.Request) {
		for i := 1; i <= 1100; i++ {
			io.WriteString(w, eventLine(i, "start", 0)+"\n")
		}
		w.(http.Flusher).Flush()
		select {
		case <-more:
			io.WriteString(w, eventLine(2000, "die", 0)+"\n")
		case <-r.Context().Done():
		}
	}))
	c := streamClient(t, e)
	var n, dropped int
	var last engine.Event
	var once sync.Once
	// The loop holds on to the first event until the reader has filled the
	// queue behind it and dropped the rest of the 1100.
	gapped := make(chan struct{})
	ctx := dockwire.WithEventsGapHook(testContext(t), sync.OnceFunc(func() { close(gapped) }))
	for ev, err := range c.Events(ctx, dockwire.EventsOptions{Until: time.Now().Add(time.Hour)}) {
		if n == 0 {
			await.Recv(t, "the events reader to fill its queue and open a gap", gapped)
		}
		var gap *dockwire.EventsDroppedError
		switch {
		case errors.As(err, &gap):
			dropped += gap.Count
			once.Do(func() { close(more) })
		case err != nil:
			t.Fatal(err)
		default:
			n++
			last = ev
		}
	}
	if n+dropped != 1101 || dropped == 0 || last.Actor.ID != "c2000" {
		t.Errorf("%d events, %d dropped, last %s; want 1101 in all, the last c2000", n, dropped, last.Actor.ID)
	}
}

// TestFault_F10_EventsReconnectSinceDedup: the daemon drops the stream;
// the client resumes from the last timeNano it saw and drops the events
// the daemon replays from there.
func TestFault_F10_EventsReconnectSinceDedup(t *testing.T) {
	e := enginetest.New(t)
	var mu sync.Mutex
	var sinces []string
	e.Handle("GET", "/events", eventsHandler(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sinces = append(sinces, r.URL.Query().Get("since"))
		n := len(sinces)
		mu.Unlock()
		switch n {
		case 1:
			flushWrite(w, eventLine(1, "create", 0)+"\n"+eventLine(2, "start", 0)+"\n"+eventLine(3, "die", 0)+"\n")
			panic(http.ErrAbortHandler) // the connection breaks mid-chunk
		default:
			// The replay from since=timeNano of c3: c3 again, an event with
			// the same timeNano that is new, then the rest.
			same := strings.Replace(eventLine(3, "destroy", 0), `"c3"`, `"c9"`, 1)
			flushWrite(w, eventLine(3, "die", 0)+"\n"+same+"\n"+eventLine(4, "create", 0)+"\n")
			<-r.Context().Done()
		}
	}))
	c := streamClient(t, e)
	evs, errs := collectEvents(c.Events(testContext(t), dockwire.EventsOptions{}), 5)
	if diff := cmp.Diff([]string{"c1:create", "c2:start", "c3:die", "c9:destroy", "c4:create"}, actions(evs)); diff != "" || len(errs) != 0 {
		t.Errorf("events (-want +got):\n%s\nerrors %v", diff, errs)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"", sinceOf(eventT0 + 3)}, sinces); diff != "" {
		t.Errorf("since of each request (-want +got):\n%s", diff)
	}
}

// TestFault_F10_EventsReconnectKeepsSinceAndUntil: resuming a stream that
// had not delivered anything asks again from the caller's Since, with the
// caller's Until.
func TestFault_F10_EventsReconnectKeepsSinceAndUntil(t *testing.T) {
	e := enginetest.New(t)
	var mu sync.Mutex
	var queries []string
	e.Handle("GET", "/events", eventsHandler(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.Query().Get("since")+" "+r.URL.Query().Get("until"))
		n := len(queries)
		mu.Unlock()
		if n == 1 {
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, eventLine(1, "create", 0)+"\n")
	}))
	since, until := time.Unix(1700000000, 0), time.Now().Add(time.Hour)
	evs, errs := collectEvents(streamClient(t, e).Events(testContext(t), dockwire.EventsOptions{Since: since, Until: until}), 0)
	if len(evs) != 1 || len(errs) != 0 {
		t.Errorf("%d events, errors %v", len(evs), errs)
	}
	q := sinceOf(since.UnixNano()) + " " + sinceOf(until.UnixNano())
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{q, q}, queries); diff != "" {
		t.Errorf("since and until of each request (-want +got):\n%s", diff)
	}
}

// TestFault_F10_EventsDaemonEndsStream: a daemon that ends the stream
// cleanly before Until (one shutting down) is reconnected to as well.
func TestFault_F10_EventsDaemonEndsStream(t *testing.T) {
	e := enginetest.New(t)
	var calls int
	var mu sync.Mutex
	e.Handle("GET", "/events", eventsHandler(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		flushWrite(w, eventLine(n, "start", 0)+"\n")
		if n > 1 {
			<-r.Context().Done()
		}
	}))
	evs, errs := collectEvents(streamClient(t, e).Events(testContext(t), dockwire.EventsOptions{}), 2)
	if diff := cmp.Diff([]string{"c1:start", "c2:start"}, actions(evs)); diff != "" || len(errs) != 0 {
		t.Errorf("events (-want +got):\n%s\nerrors %v", diff, errs)
	}
}

// TestFault_F10_EventsReconnectGivesUp: reconnecting is bounded, and the
// final error says why.
func TestFault_F10_EventsReconnectGivesUp(t *testing.T) {
	defer dockwire.SetEventsReconnect(3, time.Millisecond, 5*time.Millisecond)()
	for _, tt := range []struct {
		name     string
		status   int
		want     error
		requests int
	}{
		{"daemon unavailable", http.StatusServiceUnavailable, dockwire.ErrUnavailable, 4},
		// A refusal will not change by asking again.
		{"refused", http.StatusBadRequest, dockwire.ErrBadRequest, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := enginetest.New(t)
			var mu sync.Mutex
			calls := 0
			e.Handle("GET", "/events", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				calls++
				n := calls
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				if n > 1 {
					w.WriteHeader(tt.status)
					io.WriteString(w, `{"message":"no"}`)
					return
				}
				io.WriteString(w, eventLine(1, "start", 0)+"\n")
				w.(http.Flusher).Flush()
				panic(http.ErrAbortHandler)
			}))
			start := time.Now()
			evs, errs := collectEvents(streamClient(t, e).Events(testContext(t), dockwire.EventsOptions{}), 0)
			if len(evs) != 1 || len(errs) != 1 || !errors.Is(errs[0], tt.want) {
				t.Fatalf("%d events, errors %v; want 1 event and an error matching %v", len(evs), errs, tt.want)
			}
			if n := e.Count("GET", "/events"); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// TestFault_F1_EventsCancel cancels ctx while the loop waits for an event:
// the sequence ends at once with ctx's error, and no goroutine is left.
func TestFault_F1_EventsCancel(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("GET", "/events", eventsHandler(func(w http.ResponseWriter, r *http.Request) {
		flushWrite(w, eventLine(1, "start", 0)+"\n")
		<-r.Context().Done()
	}))
	c := streamClient(t, e)
	if _, err := c.APIVersion(testContext(t)); err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	var cancelled time.Time
	var mu sync.Mutex
	n := 0
	for _, err := range c.Events(ctx, dockwire.EventsOptions{}) {
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v, want context.Canceled", err)
			}
			mu.Lock()
			if d := time.Since(cancelled); d > 100*time.Millisecond {
				t.Errorf("the stream ended %v after cancel, want within 100ms", d)
			}
			mu.Unlock()
			continue
		}
		n++
		time.AfterFunc(50*time.Millisecond, func() {
			mu.Lock()
			cancelled = time.Now()
			mu.Unlock()
			cancel()
		})
	}
	if n != 1 {
		t.Errorf("%d events, want 1", n)
	}
	await.Goroutines(t, base)
}

// TestFault_F2_EventsBreakRepeated breaks out of the loop over and over
// without cancelling ctx: each time the connection is closed and the
// reading goroutine ends.
func TestFault_F2_EventsBreakRepeated(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("GET", "/events", eventsHandler(func(w http.ResponseWriter, r *http.Request) {
		flushWrite(w, eventLine(1, "start", 0)+"\n"+eventLine(2, "start", 0)+"\n")
		<-r.Context().Done()
	}))
	c := streamClient(t, e)
	ctx := testContext(t)
	if _, err := c.APIVersion(ctx); err != nil {
		t.Fatal(err)
	}
	base, fds := runtime.NumGoroutine(), openFDs(t)
	for i := range 500 {
		for _, err := range c.Events(ctx, dockwire.EventsOptions{}) {
			if err != nil {
				t.Fatalf("round %d: %v", i, err)
			}
			break
		}
	}
	await.Goroutines(t, base)
	await.Until(t, fmt.Sprintf("the open file descriptors to fall back to %d+2", fds), func() bool { return openFDs(t) <= fds+2 })
}

func TestLiveEvents(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		image := e.Image(t)
		ctx, cancel := context.WithCancel(livetest.Context(t))
		defer cancel()
		type result struct {
			ev  engine.Event
			err error
		}
		results := make(chan result, 1024)
		finished := make(chan struct{})
		// Since=now: whether the subscription is in place before the
		// container is created or not, the daemon replays from here.
		opts := dockwire.EventsOptions{Since: time.Now(), Filters: dockwire.Filters{}.Add("type", "container")}
		go func() {
			defer close(finished)
			for ev, err := range e.Client.Events(ctx, opts) {
				results <- result{ev, err}
				if err != nil {
					return
				}
			}
		}()
		name := livetest.UniqueName("dwevents")
		id := e.Container(t, dockwire.ContainerCreateOptions{Name: name})
		if err := e.Client.ContainerStop(ctx, id, dockwire.ContainerStopOptions{KillNow: true}); err != nil {
			t.Fatal(err)
		}
		seen := map[string]engine.Event{}
		timeout := time.After(await.Timeout)
		for seen["create"].Action == "" || seen["start"].Action == "" || seen["die"].Action == "" {
			select {
			case r := <-results:
				if r.err != nil {
					t.Fatalf("events: %v", r.err)
				}
				if r.ev.Actor.ID == id {
					seen[r.ev.Action] = r.ev
				}
			case <-timeout:
				t.Fatalf("saw only %v for container %s", keysOf(seen), id)
			}
		}
		wantImage := image
		if e.IsPodman() {
			wantImage = "docker.io/" + image // Podman names images fully qualified
		}
		for _, action := range []string{"create", "start", "die"} {
			ev := seen[action]
			if ev.Type != "container" || ev.Actor.Attributes["name"] != name || ev.Actor.Attributes["image"] != wantImage || ev.Time.IsZero() || ev.Scope != "local" {
				t.Errorf("%s event: %+v", action, ev)
			}
		}
		if seen["die"].Actor.Attributes["exitCode"] == "" {
			t.Errorf("die event without exitCode: %v", seen["die"].Actor.Attributes)
		}
		cancel()
		await.Recv(t, "the events loop to end after cancel", finished)
		for r := range drain(results) {
			if r.err != nil && !errors.Is(r.err, context.Canceled) {
				t.Errorf("events ended with %v, want context.Canceled", r.err)
			}
		}
	})
}

func TestLiveEventsUntil(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		e.SkipOnPodman(t, "GET /events with until yields no events")
		// The daemon's clock is this machine's; a margin keeps second
		// rounding from hiding the create event.
		since := time.Now().Add(-time.Second)
		id := e.Create(t, dockwire.ContainerCreateOptions{})
		until := time.Now().Add(time.Second)
		ctx := livetest.Context(t)
		start := time.Now()
		evs, errs := collectEvents(e.Client.Events(ctx, dockwire.EventsOptions{Since: since, Until: until, Filters: dockwire.Filters{"container": {id}}}), 0)
		if len(errs) != 0 {
			t.Fatalf("errors %v", errs)
		}
		if len(evs) == 0 || evs[0].Action != "create" || evs[0].Actor.ID != id {
			t.Errorf("events %v, want the create of %s first", actions(evs), id)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("the stream took %v to end at Until", d)
		}
		// Until in the past: the replay, and an end at once.
		evs, errs = collectEvents(e.Client.Events(ctx, dockwire.EventsOptions{Since: since, Until: time.Now(), Filters: dockwire.Filters{"container": {id}}}), 0)
		if len(errs) != 0 || len(evs) == 0 {
			t.Errorf("%d events, errors %v", len(evs), errs)
		}
	})
}

func keysOf(m map[string]engine.Event) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// drain returns what is buffered in ch without waiting.
func drain[T any](ch chan T) func(func(T) bool) {
	return func(yield func(T) bool) {
		for {
			select {
			case v := <-ch:
				if !yield(v) {
					return
				}
			default:
				return
			}
		}
	}
}

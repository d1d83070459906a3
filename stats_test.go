package dockwire_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/await"
	"github.com/dockwire/dockwire/internal/livetest"
)

// statsSample is a cgroup v2 sample: 50% CPU (250 ms of 1 s over 2 CPUs),
// 190 MiB of 400 MiB in use once 10 MiB of inactive files are left out.
const statsSample = `{"name":"/web","id":"aaaa","read":"2024-05-01T10:00:02Z","preread":"2024-05-01T10:00:01Z","pids_stats":{"current":5},` +
	`"cpu_stats":{"cpu_usage":{"total_usage":5250000000},"system_cpu_usage":108000000000000,"online_cpus":2},` +
	`"precpu_stats":{"cpu_usage":{"total_usage":5000000000},"system_cpu_usage":107999000000000,"online_cpus":2},` +
	`"memory_stats":{"usage":209715200,"limit":419430400,"stats":{"inactive_file":10485760}},` +
	`"networks":{"eth0":{"rx_bytes":5338,"tx_bytes":648}},"blkio_stats":{"io_service_bytes_recursive":[{"op":"read","value":7},{"op":"write","value":9}]}}`

func flushWrite(w http.ResponseWriter, s string) {
	io.WriteString(w, s)
	w.(http.Flusher).Flush()
}

func TestContainerStats(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("GET", "/containers/{id}/stats", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, statsSample+"\n")
	}))
	c := streamClient(t, e)
	s, err := c.ContainerStats(testContext(t), "web")
	if err != nil {
		t.Fatal(err)
	}
	if s.CPUPercent != 50 || s.MemoryUsage != 190<<20 || s.MemoryLimit != 400<<20 || s.MemoryPercent != 47.5 ||
		s.NetworkRx != 5338 || s.NetworkTx != 648 || s.BlockRead != 7 || s.BlockWrite != 9 || s.PIDs != 5 || s.Name != "/web" {
		t.Errorf("stats = %+v", s)
	}
	reqs := e.Requests()
	last := reqs[len(reqs)-1]
	// What docker stats --no-stream sends: the daemon waits for a second
	// sample so that the CPU delta is there.
	if last.Route != "/containers/web/stats" || last.Query.Get("stream") != "0" || last.Query.Has("one-shot") {
		t.Errorf("request %s ?%s, want /containers/web/stats?stream=0 without one-shot", last.Route, last.Query.Encode())
	}
}

func TestContainerStatsErrors(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("GET", "/containers/{id}/stats", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"message":"No such container: gone"}`)
	}))
	c := streamClient(t, e)
	ctx := testContext(t)
	if _, err := c.ContainerStats(ctx, "gone"); !errors.Is(err, dockwire.ErrContainerNotFound) {
		t.Errorf("ContainerStats(gone) = %v, want ErrContainerNotFound", err)
	}
	for _, err := range c.ContainerStatsStream(ctx, "gone") {
		if !errors.Is(err, dockwire.ErrContainerNotFound) {
			t.Errorf("ContainerStatsStream(gone) = %v, want ErrContainerNotFound", err)
		}
	}
	before := e.Count("", "/containers/{id}/stats")
	if _, err := c.ContainerStats(ctx, "../../images/x"); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("ContainerStats(../..) = %v, want ErrInvalidArgument", err)
	}
	n := 0
	for _, err := range c.ContainerStatsStream(ctx, "") {
		n++
		if !errors.Is(err, dockwire.ErrInvalidArgument) {
			t.Errorf(`ContainerStatsStream("") = %v, want ErrInvalidArgument`, err)
		}
	}
	if n != 1 || e.Count("", "/containers/{id}/stats") != before {
		t.Errorf("invalid IDs: %d values yielded, %d requests sent; want 1 and none", n, e.Count("", "/containers/{id}/stats")-before)
	}
}

func TestContainerStatsStream(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("GET", "/containers/{id}/stats", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for range 3 {
			flushWrite(w, statsSample+"\n")
		}
	}))
	c := streamClient(t, e)
	n := 0
	for s, err := range c.ContainerStatsStream(testContext(t), "web") {
		if err != nil {
			t.Fatalf("after %d samples: %v", n, err)
		}
		n++
		if s.CPUPercent != 50 || s.ID != "aaaa" {
			t.Errorf("sample %d = %+v", n, s)
		}
	}
	if n != 3 {
		t.Errorf("%d samples, want 3: the stream ends cleanly when the daemon ends it", n)
	}
	reqs := e.Requests()
	if q := reqs[len(reqs)-1].Query; q.Get("stream") != "1" {
		t.Errorf("query %s, want stream=1", q.Encode())
	}
}

// TestFault_C7_StatsStreamFraming feeds the stats stream every framing a
// JSON stream may have.
func TestFault_C7_StatsStreamFraming(t *testing.T) {
	huge := `{"name":"` + strings.Repeat("x", 10<<20) + `"}`
	tests := []struct {
		name    string
		body    string
		want    int
		wantErr error
	}{
		{"concatenated", statsSample + statsSample + statsSample, 3, nil},
		{"LF", statsSample + "\n" + statsSample + "\n" + statsSample + "\n", 3, nil},
		{"CRLF", statsSample + "\r\n" + statsSample + "\r\n" + statsSample + "\r\n", 3, nil},
		{"blank lines", "\n\n" + statsSample + "\n\r\n\n" + statsSample + "\n  \n" + statsSample + "\n\n", 3, nil},
		{"json-seq", "\x1e" + statsSample + "\n\x1e" + statsSample + "\n\x1e" + statsSample + "\n", 3, nil},
		{"partial object at EOF", statsSample + "\n" + statsSample + "\n" + statsSample[:100], 2, io.ErrUnexpectedEOF},
		{"10 MB line", statsSample + "\n" + huge + "\n" + statsSample + "\n", 1, dockwire.ErrResponseTooLarge},
		{"not JSON", statsSample + "\nOK\n", 1, dockwire.ErrDecode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := enginetest.New(t)
			e.Handle("GET", "/containers/{id}/stats", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, tt.body)
			}))
			c := streamClient(t, e)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			n, errs := 0, 0
			var last error
			for s, err := range c.ContainerStatsStream(testContext(t), "web") {
				if err != nil {
					errs++
					last = err
					continue
				}
				n++
				if s.MemoryUsage != 190<<20 {
					t.Errorf("sample %d: MemoryUsage %d", n, s.MemoryUsage)
				}
			}
			runtime.ReadMemStats(&after)
			if n != tt.want || errs > 1 || !errors.Is(last, tt.wantErr) && !(tt.wantErr == nil && last == nil) {
				t.Errorf("%d samples, %d errors, last %v; want %d samples then %v", n, errs, last, tt.want, tt.wantErr)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
				t.Errorf("reading the stream allocated %d MiB: a message is not capped", grew>>20)
			}
		})
	}
}

// TestFault_F1_StatsStreamCancel cancels a stats stream while it waits for
// the next sample.
func TestFault_F1_StatsStreamCancel(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("GET", "/containers/{id}/stats", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		flushWrite(w, statsSample+"\n")
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
	n := 0
	for _, err := range c.ContainerStatsStream(ctx, "web") {
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v, want context.Canceled", err)
			}
			if d := time.Since(cancelled); d > 100*time.Millisecond {
				t.Errorf("the stream ended %v after cancel, want within 100ms", d)
			}
			break
		}
		n++
		time.AfterFunc(50*time.Millisecond, func() { cancelled = time.Now(); cancel() })
	}
	if n != 1 {
		t.Errorf("%d samples before cancel, want 1", n)
	}
	await.Goroutines(t, base)
}

func TestLiveContainerStats(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		name := livetest.UniqueName("dwstats")
		id := e.Container(t, dockwire.ContainerCreateOptions{Name: name})
		s, err := e.Client.ContainerStats(livetest.Context(t), name)
		if err != nil {
			t.Fatal(err)
		}
		checkLiveSample(t, s, id, name)
		t.Run("CPU delta", func(t *testing.T) {
			e.SkipOnPodman(t, "stats with stream=false carry no earlier sample (precpu_stats), so CPUPercent is 0")
			// stream=false without one-shot: the daemon compared two samples.
			if s.PreRead.IsZero() || !s.PreRead.Before(s.Read) {
				t.Errorf("PreRead %v, Read %v: want an earlier sample for the CPU delta", s.PreRead, s.Read)
			}
		})
	})
}

func TestLiveContainerStatsStream(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		name := livetest.UniqueName("dwstats")
		id := e.Container(t, dockwire.ContainerCreateOptions{Name: name})
		ctx, cancel := context.WithCancel(livetest.Context(t))
		defer cancel()
		var samples []engine.StatsResponse
		for s, err := range e.Client.ContainerStatsStream(ctx, id) {
			if err != nil {
				if len(samples) < 2 || !errors.Is(err, context.Canceled) {
					t.Fatalf("after %d samples: %v", len(samples), err)
				}
				break
			}
			checkLiveSample(t, s, id, name)
			samples = append(samples, s)
			if len(samples) == 2 {
				cancel()
			}
		}
		if len(samples) != 2 {
			t.Fatalf("%d samples, want 2", len(samples))
		}
		if !samples[1].PreRead.Equal(samples[0].Read) {
			t.Errorf("second sample's PreRead %v, want the first's Read %v", samples[1].PreRead, samples[0].Read)
		}
		if samples[1].PreCPUStats.CPUUsage.TotalUsage != samples[0].CPUStats.CPUUsage.TotalUsage {
			t.Errorf("second sample's precpu_stats are not the first's cpu_stats")
		}
	})
}

// TestLiveContainerStatsStreamAfterStop: the daemon does not end the
// stream when the container stops, it sends samples of zeros.
func TestLiveContainerStatsStreamAfterStop(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		id := e.Container(t, dockwire.ContainerCreateOptions{})
		ctx, cancel := context.WithTimeout(livetest.Context(t), 30*time.Second)
		defer cancel()
		n := 0
		for s, err := range e.Client.ContainerStatsStream(ctx, id) {
			if err != nil {
				t.Fatalf("after %d samples: %v", n, err)
			}
			if n++; n == 1 {
				if err := e.Client.ContainerStop(ctx, id, dockwire.ContainerStopOptions{KillNow: true}); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if s.Read.IsZero() {
				if s.PIDs != 0 || s.MemoryUsage != 0 || s.CPUPercent != 0 {
					t.Errorf("sample of a stopped container: %+v", s)
				}
				return
			}
		}
	})
}

func checkLiveSample(t *testing.T, s engine.StatsResponse, id, name string) {
	t.Helper()
	if s.ID != id || s.Read.IsZero() {
		t.Errorf("ID %q, Read %v; want %q and a time", s.ID, s.Read, id)
	}
	if name != "" && s.Name != "/"+name {
		t.Errorf("Name %q, want /%s", s.Name, name)
	}
	if s.MemoryUsage == 0 || s.MemoryLimit == 0 || s.MemoryPercent <= 0 || s.PIDs < 1 || s.CPUPercent < 0 {
		t.Errorf("memory %d of %d (%v%%), %d PIDs, CPU %v%%: want memory and PIDs > 0, CPU >= 0",
			s.MemoryUsage, s.MemoryLimit, s.MemoryPercent, s.PIDs, s.CPUPercent)
	}
	if !bytes.Contains([]byte(s.Raw), []byte(`"cpu_stats"`)) {
		t.Errorf("Raw lacks cpu_stats: %.200s", s.Raw)
	}
}

// Events and ContainerStatsStream, like every stream of the package, are
// read once: a second range yields a single error matching
// ErrInvalidArgument and sends nothing.
func TestStreamsSecondRange(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("GET", "/containers/{id}/stats", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		flushWrite(w, statsSample+"\n")
	}))
	e.Handle("GET", "/events", eventsHandler(func(w http.ResponseWriter, r *http.Request) {
		flushWrite(w, eventLine(1, "start", 0)+"\n")
	}))
	c := streamClient(t, e)
	stats := c.ContainerStatsStream(testContext(t), "web")
	events := c.Events(testContext(t), dockwire.EventsOptions{Until: time.Now().Add(time.Hour)})
	for range stats {
		break
	}
	for range events {
		break
	}
	sent := len(e.Requests())
	var errs []error
	for _, err := range stats {
		errs = append(errs, err)
	}
	for _, err := range events {
		errs = append(errs, err)
	}
	if len(errs) != 2 || !errors.Is(errs[0], dockwire.ErrInvalidArgument) || !errors.Is(errs[1], dockwire.ErrInvalidArgument) {
		t.Errorf("second ranges: %v, want one error matching ErrInvalidArgument each", errs)
	}
	if n := len(e.Requests()); n != sent {
		t.Errorf("the second ranges sent %d requests", n-sent)
	}
}

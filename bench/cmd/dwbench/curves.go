package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dockwire/dockwire"
	mobystdcopy "github.com/moby/moby/api/pkg/stdcopy"
	mobycontainer "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// The scale curves (section 8): each point is measured by `dwbench
// curve-point` in a process of its own, so that its peak RSS and its
// allocations are its own; `dwbench curves` runs the points and writes one
// CurvePoint a line.

// curvePlan is one curve: its sizes, the backends it runs on, and how many
// repetitions a point takes at a size.
type curvePlan struct {
	name      string
	unit      string
	sizes     []int
	backends  []string // "fake", "d28"
	realSizes []int    // on d28, when they differ
}

func (c curvePlan) sizesOn(backend string) []int {
	if backend != "fake" && c.realSizes != nil {
		return c.realSizes
	}
	return c.sizes
}

// curveLogSizesReal are the log sizes on Docker 28.5: its json-file driver
// serves a log at about 20 MB/s here, so that 1 GiB would take a minute a
// read; the fake engine goes to 1 GiB.
var curveLogSizesReal = []int{1 << 20, 4 << 20, 16 << 20, 64 << 20}

var curvePlans = []curvePlan{
	{"list", "container", []int{1, 10, 100, 1000}, []string{"fake", "d28"}, nil},
	{"events", "event", []int{1e3, 1e4, 1e5, 1e6}, []string{"fake"}, nil},
	{"logs-framed", "line", []int{1 << 20, 16 << 20, 256 << 20, 1 << 30}, []string{"fake", "d28"}, curveLogSizesReal},
	{"logs-tty", "line", []int{1 << 20, 16 << 20, 256 << 20, 1 << 30}, []string{"fake", "d28"}, curveLogSizesReal},
	{"stats", "sample", []int{1, 10, 50}, []string{"fake", "d28"}, nil},
	{"exec", "exec", []int{1, 8, 32}, []string{"fake", "d28"}, nil},
	{"pull", "message", []int{25, 50, 100, 200}, []string{"d28"}, nil},
}

// Names on the real engine; curves-setup makes them and curves-cleanup
// removes them (every container labelled dwcurve=1).
const (
	curveLabel      = "dwcurve"
	curveExecTarget = "dwcurve-exec"
	curvePullRepo   = "dwcurve/pull"
)

func curveLogsContainer(kind string, size int) string {
	return fmt.Sprintf("dwcurve-logs-%s-%d", kind, size)
}

func curveStatsContainer(i int) string { return fmt.Sprintf("dwcurve-stats-%d", i) }

// curves runs every point of every curve, each in a process of its own,
// and appends the results to -out.
func curves(args []string) error {
	fs := flag.NewFlagSet("curves", flag.ExitOnError)
	fake := fs.String("fake", "", "the socket of `dwbench serve-curves`")
	host := fs.String("host", "", "Docker 28.5, set up by curves-setup")
	registry := fs.String("registry", "127.0.0.1:5000", "registry holding the pull images")
	auth := fs.String("auth", "dockwire:dockwire-pass", "user:password of the registry")
	out := fs.String("out", "out/curves.jsonl", "results, one JSON object a line (appended)")
	only := fs.String("only", "", "comma-separated curve names; empty for all")
	maxSize := fs.Int("max-size", math.MaxInt, "skip sizes above this (a quick run)")
	fs.Parse(args)
	f, err := os.OpenFile(*out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var failed []string
	for _, c := range curvePlans {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), c.name) {
			continue
		}
		for _, backend := range c.backends {
			h := *host
			if backend == "fake" {
				h = "unix://" + *fake
			}
			if h == "" || h == "unix://" {
				fmt.Fprintf(os.Stderr, "curves: %s on %s: no host, skipped\n", c.name, backend)
				continue
			}
			for _, size := range c.sizesOn(backend) {
				if size > *maxSize {
					continue
				}
				for _, cl := range []string{"dockwire", "moby"} {
					cmd := exec.Command(self, "curve-point", "-curve", c.name, "-backend", backend, "-host", h,
						"-client", cl, "-size", fmt.Sprint(size), "-registry", *registry, "-auth", *auth)
					cmd.Stderr = os.Stderr
					line, err := cmd.Output()
					if err != nil {
						// The point is missing from the report, which says so.
						failed = append(failed, fmt.Sprintf("%s on %s with %s, size %d: %v", c.name, backend, cl, size, err))
						continue
					}
					if _, err := f.Write(line); err != nil {
						return err
					}
					var p CurvePoint
					json.Unmarshal(line, &p)
					fmt.Fprintf(os.Stderr, "%s curves: %-11s %-4s %-8s %10d: %s\n", time.Now().Format("15:04:05"), c.name, backend, cl, size, p.summary())
				}
			}
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d points failed:\n\t%s", len(failed), strings.Join(failed, "\n\t"))
	}
	return nil
}

func (p CurvePoint) summary() string {
	var parts []string
	add := func(name string, v float64, format string) {
		if v != 0 {
			parts = append(parts, fmt.Sprintf("%s "+format, name, v))
		}
	}
	add("ns/"+p.Unit, p.NsPerUnit, "%.0f")
	add("allocs/"+p.Unit, p.AllocsPerUnit, "%.3f")
	add("/s", p.PerSecond, "%.0f")
	add("rss+MiB", p.PeakRSSAboveMiB, "%.2f")
	add("cpu ns/"+p.Unit, p.CPUNsPerUnit, "%.0f")
	add("p50 ms", p.P50Ms, "%.2f")
	add("p99 ms", p.P99Ms, "%.2f")
	return strings.Join(parts, ", ")
}

// curveClient is one client of a point, connected and negotiated.
type curveClient struct {
	name string
	dw   *dockwire.Client
	moby *client.Client
}

func dialCurveClient(ctx context.Context, name, host string) (*curveClient, error) {
	c := &curveClient{name: name}
	var err error
	switch name {
	case "dockwire":
		c.dw, err = negotiated(ctx, host)
	case "moby":
		if c.moby, err = client.New(client.WithHost(host)); err == nil {
			_, err = c.moby.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
		}
	default:
		err = fmt.Errorf("unknown client %q", name)
	}
	return c, err
}

func (c *curveClient) Close() {
	if c.dw != nil {
		c.dw.Close()
	}
	if c.moby != nil {
		c.moby.Close()
	}
}

// cost is what one repetition of a point measured.
type cost struct {
	ns, mallocs, bytes float64
	cpuNs              float64
	units              float64 // events, lines, samples, messages counted
}

// measure runs f once and returns its wall time, allocations and the
// process's CPU time.
func measure(f func() (units int, err error)) (cost, error) {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cpu0 := cpuTime()
	t0 := time.Now()
	n, err := f()
	ns := time.Since(t0)
	cpu1 := cpuTime()
	runtime.ReadMemStats(&m1)
	return cost{
		ns: float64(ns), mallocs: float64(m1.Mallocs - m0.Mallocs), bytes: float64(m1.TotalAlloc - m0.TotalAlloc),
		cpuNs: float64(cpu1 - cpu0), units: float64(n),
	}, err
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func medianOf(cs []cost, f func(cost) float64) float64 {
	v := make([]float64, len(cs))
	for i, c := range cs {
		v[i] = f(c)
	}
	return median(v)
}

// curvePoint measures one point and prints its CurvePoint.
func curvePoint(args []string) error {
	fs := flag.NewFlagSet("curve-point", flag.ExitOnError)
	name := fs.String("curve", "", "curve")
	backend := fs.String("backend", "fake", "fake or d28")
	host := fs.String("host", "", "daemon")
	cl := fs.String("client", "dockwire", "dockwire or moby")
	size := fs.Int("size", 0, "size")
	registry := fs.String("registry", "127.0.0.1:5000", "registry of the pull images")
	auth := fs.String("auth", "", "user:password of the registry")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the point to this file")
	fs.Parse(args)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var spec *curvePlan
	for i := range curvePlans {
		if curvePlans[i].name == *name {
			spec = &curvePlans[i]
		}
	}
	if spec == nil {
		return fmt.Errorf("unknown curve %q", *name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := dialCurveClient(ctx, *cl, *host)
	if err != nil {
		return err
	}
	defer c.Close()
	p := CurvePoint{Curve: *name, Backend: *backend, Client: *cl, Size: int64(*size), Unit: spec.unit}
	n := *size
	switch *name {
	case "list":
		err = c.listPoint(ctx, &p, *backend, n)
	case "events":
		err = c.eventsPoint(ctx, &p, n)
	case "logs-framed", "logs-tty":
		kind := strings.TrimPrefix(*name, "logs-")
		id := "logs-" + kind + "-" + fmt.Sprint(n)
		if *backend != "fake" {
			id = curveLogsContainer(kind, n)
		}
		err = c.logsPoint(ctx, &p, id, kind == "tty", n/curveLineBytes)
	case "stats":
		err = c.statsPoint(ctx, &p, *backend, n)
	case "exec":
		err = c.execPoint(ctx, &p, n)
	case "pull":
		err = c.pullPoint(ctx, &p, *host, *registry, *auth, n)
	}
	if err != nil {
		return fmt.Errorf("%s on %s with %s, size %d: %w", *name, *backend, *cl, n, err)
	}
	return printJSON(p)
}

// reps runs f at least min times and until it has run for about budget,
// after one warm-up run if warm, and returns the costs of the measured
// runs.
func reps(minReps int, warm bool, budget time.Duration, f func() (int, error)) ([]cost, error) {
	if warm {
		if _, err := f(); err != nil {
			return nil, err
		}
	}
	var cs []cost
	t0 := time.Now()
	for len(cs) < minReps || (time.Since(t0) < budget && len(cs) < 200) {
		c, err := measure(f)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// perCounted sets a point's figures from runs whose units were counted as
// they came (samples, messages), each run's cost over its own count.
func (p *CurvePoint) perCounted(cs []cost) {
	per := func(f func(cost) float64) float64 {
		return medianOf(cs, func(c cost) float64 { return f(c) / c.units })
	}
	p.Reps = len(cs)
	p.NsPerUnit = per(func(c cost) float64 { return c.ns })
	p.CPUNsPerUnit = per(func(c cost) float64 { return c.cpuNs })
	p.AllocsPerUnit = per(func(c cost) float64 { return c.mallocs })
	p.BytesPerUnit = per(func(c cost) float64 { return c.bytes })
	p.PerSecond = medianOf(cs, func(c cost) float64 { return c.units / (c.ns / 1e9) })
	for _, c := range cs {
		p.RunNs = append(p.RunNs, int64(c.ns))
	}
}

func (p *CurvePoint) perUnit(cs []cost, units float64) {
	p.Reps = len(cs)
	p.NsPerUnit = medianOf(cs, func(c cost) float64 { return c.ns }) / units
	p.AllocsPerUnit = medianOf(cs, func(c cost) float64 { return c.mallocs }) / units
	p.BytesPerUnit = medianOf(cs, func(c cost) float64 { return c.bytes }) / units
	for _, c := range cs {
		p.RunNs = append(p.RunNs, int64(c.ns))
	}
}

func (c *curveClient) listPoint(ctx context.Context, p *CurvePoint, backend string, n int) error {
	label := fmt.Sprintf("dwcurve.n%d", n)
	if backend == "fake" {
		label += "=1"
	}
	f := func() (int, error) {
		var got int
		switch c.name {
		case "dockwire":
			list, err := c.dw.ContainerList(ctx, dockwire.ContainerListOptions{All: true, Filters: dockwire.Filters{"label": {label}}})
			if err != nil {
				return 0, err
			}
			got = len(list)
		case "moby":
			list, err := c.moby.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", label)})
			if err != nil {
				return 0, err
			}
			got = len(list.Items)
		}
		if got != n {
			return 0, fmt.Errorf("listed %d containers, want %d (run curves-setup)", got, n)
		}
		return n, nil
	}
	cs, err := reps(5, true, time.Second, f)
	if err != nil {
		return err
	}
	p.perUnit(cs, float64(n))
	return nil
}

// The fake's events are stamped 2024-01-01T00:00:00Z: both clients ask for
// the events until a second later, so that the end of the stream is the
// end of the replay, as with a daemon's.
var curveEventsUntil = time.Unix(1704067201, 0)

func (c *curveClient) eventsPoint(ctx context.Context, p *CurvePoint, n int) error {
	label := fmt.Sprintf("dwcurve.n%d=1", n)
	f := func() (int, error) {
		got := 0
		switch c.name {
		case "dockwire":
			for ev, err := range c.dw.Events(ctx, dockwire.EventsOptions{Until: curveEventsUntil, Filters: dockwire.Filters{"label": {label}}}) {
				if err != nil {
					return got, err
				}
				if ev.Action != "" {
					got++
				}
			}
		case "moby":
			res := c.moby.Events(ctx, client.EventsListOptions{Until: fmt.Sprint(curveEventsUntil.Unix()), Filters: make(client.Filters).Add("label", label)})
		loop:
			for {
				select {
				case ev := <-res.Messages:
					if ev.Action != "" {
						got++
					}
				case err := <-res.Err:
					if err != nil && !errors.Is(err, io.EOF) {
						return got, err
					}
					break loop
				}
			}
		}
		if got != n {
			return got, fmt.Errorf("%d events, want %d", got, n)
		}
		return n, nil
	}
	return c.streamPoint(p, n, f)
}

// streamPoint measures a stream of n units: the median of a few runs, and
// the peak RSS above the baseline over all of them.
func (c *curveClient) streamPoint(p *CurvePoint, n int, f func() (int, error)) error {
	// A big stream is its own warm-up: three runs, or five of a small one
	// after a warm-up run.
	minReps, warm := 5, true
	if n >= 1e5 {
		minReps, warm = 3, false
	}
	w := startWatch()
	cs, err := reps(minReps, warm, 2*time.Second, f)
	var r MemResult
	w.finish(&r)
	if err != nil {
		return err
	}
	p.perUnit(cs, float64(n))
	p.PerSecond = float64(n) / (medianOf(cs, func(c cost) float64 { return c.ns }) / 1e9)
	p.PeakRSSAboveMiB = float64(r.PeakRSSAbove) / (1 << 20)
	return nil
}

func (c *curveClient) logsPoint(ctx context.Context, p *CurvePoint, id string, tty bool, lines int) error {
	f := func() (int, error) {
		got := 0
		switch c.name {
		case "dockwire":
			s, err := c.dw.ContainerLogs(ctx, id, dockwire.ContainerLogsOptions{})
			if err != nil {
				return 0, err
			}
			defer s.Close()
			// LineBytes: the iterator without a string per line, as moby's
			// side reads bufio.Scanner's Bytes.
			for l, err := range s.LineBytes() {
				if err != nil {
					return got, err
				}
				if len(l.Bytes) > 0 {
					got++
				}
			}
		case "moby":
			r, err := c.moby.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
			if err != nil {
				return 0, err
			}
			defer r.Close()
			var src io.Reader = r
			if !tty {
				pr, pw := io.Pipe()
				go func() {
					_, err := mobystdcopy.StdCopy(pw, pw, r)
					pw.CloseWithError(err)
				}()
				defer pr.Close()
				src = pr
			}
			sc := bufio.NewScanner(src)
			for sc.Scan() {
				if len(sc.Bytes()) > 0 {
					got++
				}
			}
			if err := sc.Err(); err != nil {
				return got, err
			}
		}
		if got != lines {
			return got, fmt.Errorf("%d lines, want %d", got, lines)
		}
		return lines, nil
	}
	return c.streamPoint(p, lines, f)
}

// statsPoint streams n containers' stats at once for a while and counts
// the process's CPU time per sample.
func (c *curveClient) statsPoint(ctx context.Context, p *CurvePoint, backend string, n int) error {
	window := 2 * time.Second // the fake sends 100 samples a second
	if backend != "fake" {
		window = 6 * time.Second // a daemon sends one a second
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = curveStatsContainer(i)
	}
	run := func() (int, error) {
		sctx, cancel := context.WithTimeout(ctx, window)
		defer cancel()
		var mu sync.Mutex
		samples, firstErr := 0, error(nil)
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, err := c.statsStream(sctx, id)
				mu.Lock()
				defer mu.Unlock()
				samples += k
				if err != nil && sctx.Err() == nil && firstErr == nil {
					firstErr = err
				}
			}()
		}
		wg.Wait()
		if firstErr == nil && samples < n {
			firstErr = fmt.Errorf("%d samples from %d containers", samples, n)
		}
		return samples, firstErr
	}
	var cs []cost
	for range 3 {
		co, err := measure(run)
		if err != nil {
			return err
		}
		cs = append(cs, co)
	}
	p.perCounted(cs)
	p.NsPerUnit = 0 // the window's length over its samples: not a cost
	return nil
}

// statsStream reads one container's stats until ctx ends, as a program
// would: each sample decoded into the client's stats type.
func (c *curveClient) statsStream(ctx context.Context, id string) (int, error) {
	k := 0
	switch c.name {
	case "dockwire":
		for s, err := range c.dw.ContainerStatsStream(ctx, id) {
			if err != nil {
				return k, err
			}
			if !s.Read.IsZero() {
				k++
			}
		}
	case "moby":
		res, err := c.moby.ContainerStats(ctx, id, client.ContainerStatsOptions{Stream: true})
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		dec := json.NewDecoder(res.Body)
		for {
			var s mobycontainer.StatsResponse
			if err := dec.Decode(&s); err != nil {
				return k, err
			}
			if !s.Read.IsZero() {
				k++
			}
		}
	}
	return k, nil
}

// execPoint runs n goroutines of ExecCapture round trips on one client
// and records each one's latency.
func (c *curveClient) execPoint(ctx context.Context, p *CurvePoint, n int) error {
	// 16 round trips per goroutine: at 32 the p99 is the 6th slowest of
	// 512, steadier from run to run than the 2nd slowest of 128.
	total := max(120, 16*n)
	if _, err := c.execOnce(ctx); err != nil { // warm-up
		return err
	}
	lat := make([]float64, 0, total)
	var mu sync.Mutex
	var firstErr error
	next := make(chan struct{}, total)
	for range total {
		next <- struct{}{}
	}
	close(next)
	var wg sync.WaitGroup
	t0 := time.Now()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				d, err := c.execOnce(ctx)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				lat = append(lat, float64(d)/1e6)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	slices.Sort(lat)
	p.Reps = len(lat)
	p.P50Ms = lat[len(lat)/2]
	p.P99Ms = lat[min(len(lat)-1, int(math.Ceil(0.99*float64(len(lat))))-1)]
	p.NsPerUnit = float64(time.Since(t0)) / float64(total)
	p.PerSecond = float64(total) / time.Since(t0).Seconds()
	return nil
}

func (c *curveClient) execOnce(ctx context.Context) (time.Duration, error) {
	t0 := time.Now()
	var out string
	switch c.name {
	case "dockwire":
		r, err := c.dw.ExecCapture(ctx, curveExecTarget, dockwire.ExecOptions{Cmd: []string{"echo", "hello"}})
		if err != nil {
			return 0, err
		}
		if r.ExitCode != 0 {
			return 0, fmt.Errorf("exit code %d", r.ExitCode)
		}
		out = r.Stdout
	case "moby":
		x, err := c.moby.ExecCreate(ctx, curveExecTarget, client.ExecCreateOptions{Cmd: []string{"echo", "hello"}, AttachStdout: true, AttachStderr: true})
		if err != nil {
			return 0, err
		}
		att, err := c.moby.ExecAttach(ctx, x.ID, client.ExecAttachOptions{})
		if err != nil {
			return 0, err
		}
		var stdout, stderr bytes.Buffer
		_, err = mobystdcopy.StdCopy(&stdout, &stderr, att.Reader)
		att.Close()
		if err != nil {
			return 0, err
		}
		// The daemon records the exit code a moment after the output ends:
		// poll on dockwire's schedule (5 ms, doubling).
		for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
			res, err := c.moby.ExecInspect(ctx, x.ID, client.ExecInspectOptions{})
			if err != nil {
				return 0, err
			}
			if !res.Running {
				if res.ExitCode != 0 {
					return 0, fmt.Errorf("exit code %d", res.ExitCode)
				}
				break
			}
			time.Sleep(wait)
		}
		out = stdout.String()
	}
	if out != "hello\n" {
		return 0, fmt.Errorf("output %q, want \"hello\\n\"", out)
	}
	return time.Since(t0), nil
}

// registryAuth is the X-Registry-Auth value of user:password at registry.
func registryAuth(registry, userPass string) string {
	user, pass, _ := strings.Cut(userPass, ":")
	b, _ := json.Marshal(map[string]string{"username": user, "password": pass, "serveraddress": registry})
	return base64.URLEncoding.EncodeToString(b)
}

// pullPoint pulls the size-MiB image from the registry a few times, the
// image removed before each pull, counting the progress messages.
func (c *curveClient) pullPoint(ctx context.Context, p *CurvePoint, host, registry, userPass string, mb int) error {
	ref := fmt.Sprintf("%s/%s:%d", registry, curvePullRepo, mb)
	auth := registryAuth(registry, userPass)
	// Removal with a dockwire client of its own, for either client, outside
	// the measurement.
	rm, err := negotiated(ctx, host)
	if err != nil {
		return err
	}
	defer rm.Close()
	var cs []cost
	w := startWatch()
	for range 3 {
		if _, err := rm.ImageRemove(ctx, ref, dockwire.ImageRemoveOptions{Force: true}); err != nil && !errors.Is(err, dockwire.ErrNotFound) {
			return err
		}
		co, err := measure(func() (int, error) { return c.pullOnce(ctx, ref, auth) })
		if err != nil {
			return err
		}
		cs = append(cs, co)
	}
	var r MemResult
	w.finish(&r)
	p.perCounted(cs)
	p.CPUNsPerUnit = 0
	p.PeakRSSAboveMiB = float64(r.PeakRSSAbove) / (1 << 20)
	return nil
}

func (c *curveClient) pullOnce(ctx context.Context, ref, auth string) (int, error) {
	msgs := 0
	switch c.name {
	case "dockwire":
		pr, err := c.dw.ImagePull(ctx, ref, dockwire.ImagePullOptions{RegistryAuth: auth})
		if err != nil {
			return 0, err
		}
		defer pr.Close()
		for _, err := range pr.Messages() {
			if err != nil {
				return msgs, err
			}
			msgs++
		}
	case "moby":
		pr, err := c.moby.ImagePull(ctx, ref, client.ImagePullOptions{RegistryAuth: auth})
		if err != nil {
			return 0, err
		}
		defer pr.Close()
		for m, err := range pr.JSONMessages(ctx) {
			if err != nil {
				return msgs, err
			}
			if m.Error != nil {
				return msgs, m.Error
			}
			msgs++
		}
	}
	if msgs == 0 {
		return 0, errors.New("no progress messages")
	}
	return msgs, nil
}

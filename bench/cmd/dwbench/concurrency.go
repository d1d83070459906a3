package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/moby/moby/client"
)

// ConcResult is what concurrency prints.
type ConcResult struct {
	Client          string
	Host            string
	Goroutines      int
	Calls           int // per goroutine
	Seconds         float64
	PerSecond       float64
	P50, P99, Max   float64 // milliseconds
	Errors          int64
	FirstError      string `json:",omitempty"`
	PeakConns       int    // sockets open at once, sampled every 5ms
	ConnsAtEnd      int    // sockets open when every call has returned
	ConnsAfterClose int    // after the client's Close
}

// openSockets counts this process's socket descriptors: the client's
// connections, as the process opens no other.
func openSockets() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && strings.HasPrefix(l, "socket:") {
			n++
		}
	}
	return n
}

// concurrency runs goroutines x calls container inspects on one client.
func concurrency(args []string) error {
	fs := flag.NewFlagSet("concurrency", flag.ExitOnError)
	host := fs.String("host", "", "daemon")
	container := fs.String("container", "dwbench-target", "container to inspect")
	cl := fs.String("client", "dockwire", "dockwire or moby")
	goroutines := fs.Int("goroutines", 64, "concurrent callers")
	calls := fs.Int("calls", 1000, "calls per goroutine")
	fs.Parse(args)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	base := openSockets()
	var inspect func() error
	var closeClient func()
	switch *cl {
	case "dockwire":
		c, err := dockwire.New(*host)
		if err != nil {
			return err
		}
		inspect = func() error {
			_, err := c.ContainerInspect(ctx, *container, dockwire.ContainerInspectOptions{})
			return err
		}
		closeClient = func() { c.Close() }
	case "moby":
		c, err := client.New(client.WithHost(*host))
		if err != nil {
			return err
		}
		inspect = func() error {
			_, err := c.ContainerInspect(ctx, *container, client.ContainerInspectOptions{})
			return err
		}
		closeClient = func() { c.Close() }
	default:
		return fmt.Errorf("unknown client %q", *cl)
	}
	if err := inspect(); err != nil {
		return err
	}
	res := ConcResult{Client: *cl, Host: *host, Goroutines: *goroutines, Calls: *calls}
	var peak atomic.Int64
	stopSampling := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Add(1)
	go func() {
		defer sampler.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if n := int64(openSockets() - base); n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-stopSampling:
				return
			case <-t.C:
			}
		}
	}()
	lat := make([][]time.Duration, *goroutines)
	var errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range *goroutines {
		lat[g] = make([]time.Duration, 0, *calls)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range *calls {
				t0 := time.Now()
				err := inspect()
				lat[g] = append(lat[g], time.Since(t0))
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(t0)
	close(stopSampling)
	sampler.Wait()
	res.ConnsAtEnd = openSockets() - base
	closeClient()
	res.ConnsAfterClose = openSockets() - base
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	res.Seconds = elapsed.Seconds()
	res.PerSecond = float64(len(all)) / elapsed.Seconds()
	res.P50 = ms(all[len(all)/2])
	res.P99 = ms(all[len(all)*99/100])
	res.Max = ms(all[len(all)-1])
	res.Errors = errs.Load()
	if e, ok := firstErr.Load().(string); ok {
		res.FirstError = e
	}
	res.PeakConns = int(peak.Load())
	return printJSON(res)
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
)

var statsCmd = &command{
	name:     "stats",
	synopsis: "[--no-stream] [NAME...]",
	summary:  "Show containers' resource usage, refreshed every second (default: every running container)",
	setup: func(fs *flag.FlagSet) runFunc {
		noStream := fs.Bool("no-stream", false, "show one sample and exit")
		return func(c *cli, names []string) error {
			if len(names) == 0 {
				running, err := c.client.ContainerList(c.ctx, dockwire.ContainerListOptions{})
				if err != nil {
					return err
				}
				for _, ct := range running {
					names = append(names, ct.ID)
				}
			}
			samples := &statsTable{order: names, rows: map[string]engine.StatsResponse{}}
			if *noStream {
				if err := c.sampleOnce(samples); err != nil {
					return err
				}
				return samples.print(c.stdout)
			}
			return c.streamStats(samples)
		}
	},
}

// statsTable holds the latest sample of each container.
type statsTable struct {
	mu    sync.Mutex
	order []string // the containers, as named
	rows  map[string]engine.StatsResponse
}

func (t *statsTable) set(name string, s engine.StatsResponse) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rows[name] = s
}

// sampleOnce takes one sample of every container at once, as each takes
// the daemon about a second.
func (c *cli) sampleOnce(t *statsTable) error {
	errs := make([]error, len(t.order))
	var wg sync.WaitGroup
	for i, name := range t.order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := c.client.ContainerStats(c.ctx, name)
			if err != nil {
				errs[i] = err
				return
			}
			t.set(name, s)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// streamStats follows every container's stats and redraws the table each
// second until they have all stopped, one fails, or Ctrl-C.
func (c *cli) streamStats(t *statsTable) error {
	ctx, cancel := context.WithCancel(c.ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	ended := make(chan error, len(t.order))
	for _, name := range t.order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s, err := range c.client.ContainerStatsStream(ctx, name) {
				if err != nil {
					ended <- err
					return
				}
				t.set(name, s)
			}
			ended <- nil // the container stopped
		}()
	}
	tty := isTerminal(c.stdout)
	draw := func() error {
		if tty {
			fmt.Fprint(c.stdout, "\x1b[2J\x1b[H") // clear the screen, cursor home
		}
		return t.print(c.stdout)
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for running := len(t.order); running > 0; {
		select {
		case err := <-ended:
			if err != nil {
				return err
			}
			running--
		case <-tick.C:
			if err := draw(); err != nil {
				return err
			}
		}
	}
	return draw()
}

// print writes the table as docker stats does.
func (t *statsTable) print(w io.Writer) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "CONTAINER ID\tNAME\tCPU %\tMEM USAGE / LIMIT\tMEM %\tNET I/O\tBLOCK I/O\tPIDS")
	for _, name := range t.order {
		s, ok := t.rows[name]
		if !ok {
			fmt.Fprintf(tw, "%s\t%s\t--\t-- / --\t--\t--\t--\t--\n", shortID(name), name)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f%%\t%s / %s\t%.2f%%\t%s / %s\t%s / %s\t%d\n",
			shortID(s.ID), strings.TrimPrefix(s.Name, "/"), s.CPUPercent,
			binarySize(s.MemoryUsage), binarySize(s.MemoryLimit), s.MemoryPercent,
			humanSize(int64(s.NetworkRx)), humanSize(int64(s.NetworkTx)),
			humanSize(int64(s.BlockRead)), humanSize(int64(s.BlockWrite)), s.PIDs)
	}
	return tw.Flush()
}

// binarySize is docker's rendering of memory sizes: binary units, four
// significant digits ("220KiB", "15.62GiB").
func binarySize(n uint64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	size, i := float64(n), 0
	for size >= 1024 && i < len(units)-1 {
		size /= 1024
		i++
	}
	return fmt.Sprintf("%.4g%s", size, units[i])
}

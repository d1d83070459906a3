package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dockwire/dockwire/enginetest"
)

// replayTour runs the tour against each engine recorded under dir, for
// when no engine answers. Every line it prints says it is a replay.
func (c *cli) replayTour(dir string, unreachable error) error {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	var recorded []string
	for _, entry := range entries {
		if _, err := os.Stat(filepath.Join(dir, entry.Name(), "engine.json")); entry.IsDir() && err == nil {
			recorded = append(recorded, entry.Name())
		}
	}
	if len(recorded) == 0 {
		return fmt.Errorf("%w; and there are no recorded engines in %s to replay instead (run the tour from the repository root, or pass --fixtures)", unreachable, dir)
	}
	fmt.Fprintf(c.stdout, "No Docker engine answers (%s); replaying the recordings in %s instead.\n", oneLine(unreachable.Error()), dir)
	for _, name := range recorded {
		prefix := "replay " + name + "| "
		if err := c.replayOne(filepath.Join(dir, name), prefixLines(c.stdout, prefix)); err != nil {
			return fmt.Errorf("%s%w", prefix, err)
		}
	}
	return nil
}

func (c *cli) replayOne(dir string, out io.Writer) (err error) {
	defer func() {
		// enginetest.New without a test panics on a bad recording.
		if r := recover(); r != nil {
			err = fmt.Errorf("demo: cannot replay %s: %v", dir, r)
		}
	}()
	e := enginetest.New(nil, enginetest.WithFixtures(dir))
	defer e.Close()
	c.host = e.Host()
	client, err := c.newClient()
	if err != nil {
		return err
	}
	defer client.Close()
	return runTour(c.ctx, client, out, true)
}

// prefixWriter starts every line written through it with a prefix.
type prefixWriter struct {
	w       io.Writer
	prefix  []byte
	midLine bool // the last write did not end a line
}

// prefixLines returns a writer that prefixes each line written to w.
func prefixLines(w io.Writer, prefix string) io.Writer {
	return &prefixWriter{w: w, prefix: []byte(prefix)}
}

// indent is for output nested in a tour step.
func indent(w io.Writer) io.Writer { return prefixLines(w, "    ") }

func (p *prefixWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		if !p.midLine {
			if _, err := p.w.Write(p.prefix); err != nil {
				return n, err
			}
			p.midLine = true
		}
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line = b[:i+1]
			p.midLine = false
		}
		m, err := p.w.Write(line)
		n += m
		if err != nil {
			return n, err
		}
		b = b[len(line):]
	}
	return n, nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/tour"
)

// replayTour runs the tour against each engine whose tour is recorded
// under dir (dir/ENGINE/tour), for when no engine answers. Every line it
// prints says it is a replay.
func (c *cli) replayTour(dir string, unreachable error) error {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	var recorded []string
	for _, entry := range entries {
		if _, err := os.Stat(filepath.Join(dir, entry.Name(), "tour", "engine.json")); entry.IsDir() && err == nil {
			recorded = append(recorded, entry.Name())
		}
	}
	if len(recorded) == 0 {
		return fmt.Errorf("%w; and there are no recorded tours in %s to replay instead (run the tour from the repository root, or pass --fixtures)", unreachable, dir)
	}
	fmt.Fprintf(c.stdout, "No Docker engine answers (%s); replaying the tour recorded from %s instead.\n", oneLine(unreachable.Error()), englishList(recorded))
	for _, name := range recorded {
		prefix := "replay " + name + "| "
		if err := replayOne(c.ctx, filepath.Join(dir, name, "tour"), tour.PrefixLines(c.stdout, prefix)); err != nil {
			return fmt.Errorf("%s%w", prefix, err)
		}
	}
	return nil
}

// replayOne runs the tour against the recording in dir, which it must use
// up: a recording the tour no longer matches is an error.
func replayOne(ctx context.Context, dir string, out io.Writer) error {
	e, err := enginetest.Start(enginetest.WithFixtures(dir))
	if err != nil {
		return fmt.Errorf("demo: cannot replay %s: %w", dir, err)
	}
	defer e.Close()
	client, err := dockwire.New(e.Host())
	if err != nil {
		return err
	}
	defer client.Close()
	if err := tour.Run(ctx, client, out, tour.Options{Replay: true}); err != nil {
		return err
	}
	if unused := e.UnusedExchanges(); len(unused) > 0 {
		x := unused[0]
		return fmt.Errorf("demo: the tour did not replay %d of the exchanges recorded in %s, the first of step %s (%s %s); re-record with scripts/record-fixtures.sh",
			len(unused), dir, x.Name, x.Request.Method, x.Request.Path)
	}
	return nil
}

// englishList joins names as a sentence does: "a", "a and b", "a, b and c".
func englishList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

package main

import (
	"errors"
	"flag"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/internal/tour"
)

var tourCmd = &command{
	name:    "tour",
	summary: "A guided run of the library against the engine: build, run, list, inspect, logs, exec, errors, lifecycle, stats, events",
	details: "\nWhen no engine answers, it says so and replays the tour recorded from each engine\n" +
		"in --fixtures (ENGINE/tour, written by scripts/record-fixtures.sh) instead, every\n" +
		"line marked as replay.\n",
	noClient: true,
	setup: func(fs *flag.FlagSet) runFunc {
		fixtures := fs.String("fixtures", "testdata", "`directory` of recorded engines, the tour of each in ENGINE/tour, to replay when no engine answers")
		busybox := fs.String("busybox", "/bin/busybox", "the static busybox `binary` the tour builds its image from")
		var ulimits ulimitFlag
		fs.Var(&ulimits, "build-ulimit", "a resource `limit` for the build's RUN step, NAME=SOFT[:HARD] as in nofile=1024:4096 (repeatable): for an engine whose default limits the machine refuses (Podman 5 where the hard limits are low)")
		return func(c *cli, args []string) error {
			if len(args) > 0 {
				return usagef("tour takes no arguments")
			}
			client, err := c.newClient()
			if err != nil {
				return err
			}
			defer client.Close()
			_, err = client.Ping(c.ctx)
			if errors.Is(err, dockwire.ErrDaemonUnreachable) {
				return c.replayTour(*fixtures, err)
			}
			if err != nil {
				return err
			}
			return tour.Run(c.ctx, client, c.stdout, tour.Options{Busybox: *busybox, BuildUlimits: ulimits})
		}
	},
}

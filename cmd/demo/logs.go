package main

import (
	"flag"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dockwire/dockwire"
)

var logsCmd = &command{
	name:     "logs",
	synopsis: "NAME [--tail N] [-f] [-t] [--since T] [--until T]",
	summary:  "Show a container's logs: its stdout on stdout, its stderr on stderr",
	setup: func(fs *flag.FlagSet) runFunc {
		var opts dockwire.ContainerLogsOptions
		tail := fs.String("tail", "all", "number of lines to show from the end of the log, or \"all\"")
		fs.BoolVar(&opts.Follow, "f", false, "follow the log until the container stops or Ctrl-C")
		fs.BoolVar(&opts.Follow, "follow", false, "follow the log until the container stops or Ctrl-C")
		fs.BoolVar(&opts.Timestamps, "t", false, "show the time of each line")
		fs.BoolVar(&opts.Timestamps, "timestamps", false, "show the time of each line")
		since := fs.String("since", "", "show lines since a `time`: RFC 3339 (2024-01-02T15:04:05Z), UNIX seconds, or a duration before now (10m)")
		until := fs.String("until", "", "show lines before a `time`, in the forms --since takes")
		return func(c *cli, args []string) error {
			if len(args) != 1 {
				return usagef("logs takes one container name or ID")
			}
			var err error
			if opts.Tail, err = parseTail(*tail); err != nil {
				return err
			}
			now := time.Now()
			if opts.Since, err = parseTime("since", *since, now); err != nil {
				return err
			}
			if opts.Until, err = parseTime("until", *until, now); err != nil {
				return err
			}
			logs, err := c.client.ContainerLogs(c.ctx, args[0], opts)
			if err != nil {
				return err
			}
			defer logs.Close()
			_, err = logs.CopyTo(c.stdout, c.stderr)
			return err
		}
	},
}

// parseTail reads --tail: "all", or how many lines; docker's --tail 0
// shows none of the past log.
func parseTail(s string) (int, error) {
	if s == "all" || s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil || n < 0:
		return 0, usagef("--tail wants a number of lines or \"all\", got %q", s)
	case n == 0:
		return dockwire.TailNone, nil
	}
	return n, nil
}

// parseTime reads a --since or --until value as docker does: an RFC 3339
// time (a date, or a time without a zone, is local), UNIX seconds with an
// optional fraction, or a duration that far before now.
func parseTime(flagName, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, usagef("--%s %q: a duration counts back from now and cannot be negative", flagName, s)
		}
		return now.Add(-d), nil
	}
	if strings.Contains(s, "-") {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, nil
		}
		for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
			if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
				return t, nil
			}
		}
	} else if secs, err := strconv.ParseFloat(s, 64); err == nil && secs >= 0 && !math.IsInf(secs, 0) {
		whole, frac := math.Modf(secs)
		return time.Unix(int64(whole), int64(math.Round(frac*1e9))), nil
	}
	return time.Time{}, usagef("--%s %q: want an RFC 3339 time, UNIX seconds or a duration such as 10m", flagName, s)
}

package dockwire

import (
	"context"
	"iter"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/dockwire/dockwire/engine"
)

// ContainerStats returns one sample of a container's resource usage, with
// CPUPercent, MemoryUsage and the rest computed as `docker stats
// --no-stream` shows them.
//
// Like `docker stats --no-stream`, it asks for stream=false without
// one-shot: the daemon takes two samples about a second apart, so the
// answer takes that long but carries the CPU delta that CPUPercent needs.
// (one-shot=true would answer at once with an empty precpu_stats, and
// CPUPercent would always be 0.) WithTimeout is extended by two seconds
// for it. A container that is not running yields a sample of zeros.
func (c *Client) ContainerStats(ctx context.Context, id string) (engine.StatsResponse, error) {
	var q query
	q.add("stream", "0")
	r, err := containerCall(http.MethodGet, id, "stats", q)
	if err != nil {
		return engine.StatsResponse{}, err
	}
	r.slow = 2 * time.Second
	s, err := getJSON[engine.StatsResponse](ctx, c, r)
	if err != nil {
		return s, err
	}
	return s, c.podmanStats(ctx, id, &s, "")
}

// ContainerStatsStream yields a sample of a container's resource usage
// about every second, as `docker stats` shows them. The first sample has no
// earlier one to compare with, so its CPUPercent is 0.
//
// The daemon does not end the stream when the container stops: it goes on
// sending samples of zeros, with a zero Read. The sequence ends after the
// first error, when the daemon ends the stream (the container was
// removed), or when ctx ends, with ctx's error. Breaking out of the loop
// closes the connection.
//
// Ranging over the sequence sends the request. Like every stream of the
// package it is read once: a second range yields a single error matching
// ErrInvalidArgument; call ContainerStatsStream again for a new stream.
func (c *Client) ContainerStatsStream(ctx context.Context, id string) iter.Seq2[engine.StatsResponse, error] {
	var ranged atomic.Bool
	return readOnce(&ranged, "stats of container "+id, "call ContainerStatsStream again for a new stream", func(yield func(engine.StatsResponse, error) bool) {
		var q query
		q.add("stream", "1")
		r, err := containerCall(http.MethodGet, id, "stats", q)
		if err != nil {
			yield(engine.StatsResponse{}, err)
			return
		}
		resp, err := c.send(ctx, r)
		if err != nil {
			yield(engine.StatsResponse{}, err)
			return
		}
		defer resp.Body.Close()
		var fullID string // Podman's samples lack the ID: looked up once
		err = decodeMessages(ctx, resp.Body, func(s engine.StatsResponse) error {
			if err := c.podmanStats(ctx, id, &s, fullID); err != nil {
				return err
			}
			fullID = s.ID
			if !yield(s, nil) {
				return errStopped
			}
			return nil
		})
		if err != nil && err != errStopped {
			yield(engine.StatsResponse{}, c.bodyError(r, err))
		}
	})
}

package main

import (
	"context"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/dockwire/dockwire"
)

// signals routes the signals the demo receives. SIGINT and SIGTERM cancel
// the command's context, and a second one ends the demo as the default
// action does. While a command proxies signals (attach and run, unless
// --sig-proxy=false or the container has a TTY, as with the docker CLI),
// every signal it may forward goes to the container instead, and none
// cancels: the container decides what a Ctrl-C means.
type signals struct {
	proxied atomic.Bool
}

// listenSignals starts the routing of SIGINT and SIGTERM to cancel, until
// unlisten.
func listenSignals(cancel context.CancelFunc) (s *signals, unlisten func()) {
	s = &signals{}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		defer signal.Stop(ch) // the next one takes the default action
		for {
			select {
			case <-ch:
				if !s.proxied.Load() {
					cancel()
					return
				}
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return s, func() { once.Do(func() { close(done) }) }
}

// proxy calls to with each signal the demo receives, except those that
// forwardable leaves out, until stop is called. With s nil (a test's run)
// it does nothing.
func (s *signals) proxy(to func(os.Signal)) (stop func()) {
	if s == nil {
		return func() {}
	}
	s.proxied.Store(true)           // first, so that no signal both cancels and is forwarded
	all := make(chan os.Signal, 64) // roomy: the runtime's SIGURGs arrive here too
	signal.Notify(all)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for sig := range all {
			if forwardable(sig) {
				to(sig)
			}
		}
	}()
	return func() {
		signal.Stop(all) // no delivery to all after this returns
		close(all)
		<-finished
		s.proxied.Store(false)
	}
}

// proxySignals forwards the signals the demo receives to the container id
// until stop is called, as docker attach and docker run do.
func (c *cli) proxySignals(id string) (stop func()) {
	return c.signals.proxy(func(sig os.Signal) { forwardSignal(c.ctx, c.client, id, sig) })
}

// forwardSignal sends sig to the container id by its number, which the
// daemon takes as it takes a name. A failure is not the command's: the
// container may have just exited.
func forwardSignal(ctx context.Context, client *dockwire.Client, id string, sig os.Signal) {
	if n, ok := sig.(syscall.Signal); ok {
		client.ContainerKill(ctx, id, strconv.Itoa(int(n)))
	}
}

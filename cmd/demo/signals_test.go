//go:build unix

package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/await"
)

// The router, with real signals sent to this process: while proxied, each
// forwardable signal reaches the proxy and none cancels; SIGCHLD is not
// forwarded; once the proxy stops, SIGINT cancels again.
func TestSignalsProxyThenCancel(t *testing.T) {
	var once sync.Once
	cancelled := make(chan struct{})
	s, unlisten := listenSignals(func() { once.Do(func() { close(cancelled) }) })
	defer unlisten()
	var mu sync.Mutex
	var got []os.Signal
	stop := s.proxy(func(sig os.Signal) {
		mu.Lock()
		got = append(got, sig)
		mu.Unlock()
	})
	for _, sig := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGCHLD, syscall.SIGINT, syscall.SIGTERM} {
		if err := syscall.Kill(os.Getpid(), sig); err != nil {
			t.Fatal(err)
		}
	}
	await.Until(t, "SIGUSR1, SIGINT and SIGTERM to reach the proxy", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(got, os.Signal(syscall.SIGUSR1)) && slices.Contains(got, os.Signal(syscall.SIGINT)) && slices.Contains(got, os.Signal(syscall.SIGTERM))
	})
	stop()
	mu.Lock()
	if slices.Contains(got, os.Signal(syscall.SIGCHLD)) {
		t.Errorf("forwarded %v; want SIGCHLD left out", got)
	}
	mu.Unlock()
	select {
	case <-cancelled:
		t.Fatal("a proxied SIGINT or SIGTERM cancelled the command")
	default:
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-cancelled:
	case <-time.After(30 * time.Second):
		t.Fatal("SIGINT after the proxy stopped did not cancel")
	}
}

// attach forwards a signal the demo receives to the container by number
// (the fake records the kill), and --sig-proxy=false does not.
func TestAttachSigProxy(t *testing.T) {
	// SIGUSR1 ends a process that does not catch it: catch it here too, in
	// case one is sent before attach starts its proxy.
	guard := make(chan os.Signal, 64)
	signal.Notify(guard, syscall.SIGUSR1)
	defer signal.Stop(guard)
	for _, proxy := range []bool{true, false} {
		e := enginetest.New(t)
		id := e.AddContainer(enginetest.Container{Name: "cat", OpenStdin: true, StdinOnce: true})
		var mu sync.Mutex
		var kills []string
		e.Handle("POST", "/containers/{id}/kill", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			kills = append(kills, r.PathValue("id")+" "+r.URL.Query().Get("signal"))
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		sigs, unlisten := listenSignals(cancel)
		defer unlisten()
		stdin, typed := io.Pipe()
		done := make(chan int, 1)
		args := []string{"--host", e.Host(), "attach", "cat"}
		if !proxy {
			args = []string{"--host", e.Host(), "attach", "--sig-proxy=false", "cat"}
		}
		go func() { done <- runWith(ctx, sigs, args, stdin, io.Discard, io.Discard) }()
		// Attached once the fake has the attach request.
		await.Until(t, "the attach", func() bool {
			for _, r := range e.Requests() {
				if r.Method == "POST" && strings.HasSuffix(r.Route, "/attach") {
					return true
				}
			}
			return false
		})
		if proxy {
			// The proxy may start just after the attach request: send until
			// the kill arrives.
			await.Until(t, "the kill of SIGUSR1", func() bool {
				syscall.Kill(os.Getpid(), syscall.SIGUSR1)
				mu.Lock()
				defer mu.Unlock()
				return slices.Contains(kills, id+" 10")
			})
		}
		typed.Close() // cat's input ends, and so does the attach
		if code := <-done; code != 0 {
			t.Errorf("proxy %v: attach exited %d", proxy, code)
		}
		mu.Lock()
		if !proxy && len(kills) != 0 {
			t.Errorf("--sig-proxy=false sent kills %q", kills)
		}
		mu.Unlock()
		cancel()
	}
}

// run forwards a signal to the container it started: the fake's kill
// handler stops the container on SIGUSR1, and the run ends with it.
func TestRunSigProxy(t *testing.T) {
	guard := make(chan os.Signal, 64)
	signal.Notify(guard, syscall.SIGUSR1)
	defer signal.Stop(guard)
	e := enginetest.New(t)
	e.Handle("POST", "/containers/create", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := e.AddContainer(enginetest.Container{State: "created"})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"Id":"`+id+`","Warnings":[]}`)
	}))
	killed := make(chan string, 16)
	e.Handle("POST", "/containers/{id}/kill", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		killed <- r.URL.Query().Get("signal")
		e.StopContainer(r.PathValue("id"), 0)
		w.WriteHeader(http.StatusNoContent)
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sigs, unlisten := listenSignals(cancel)
	defer unlisten()
	done := make(chan int, 1)
	go func() {
		done <- runWith(ctx, sigs, []string{"--host", e.Host(), "run", "busybox", "cat"}, nil, io.Discard, io.Discard)
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case sig := <-killed:
			if sig != "10" {
				t.Errorf("kill with signal %q; want 10 (SIGUSR1)", sig)
			}
			if code := <-done; code != 0 {
				t.Errorf("run exited %d; want the container's 0", code)
			}
			return
		case code := <-done:
			t.Fatalf("run exited %d before any signal was forwarded", code)
		case <-tick.C:
			syscall.Kill(os.Getpid(), syscall.SIGUSR1)
		case <-ctx.Done():
			t.Fatal("no kill reached the fake")
		}
	}
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
)

// curvesSetup makes what the curves need on a real engine: 1000 created
// containers whose labels select 1, 10, 100 or 1000 of them, 50 running
// ones for stats, one for exec, one per log size and kind whose log holds
// that many bytes of 100-byte lines, and the pull images in the registry.
// Everything it makes is labelled dwcurve=1; curves-cleanup removes it.
func curvesSetup(args []string) error {
	fs := flag.NewFlagSet("curves-setup", flag.ExitOnError)
	host := fs.String("host", "", "daemon")
	image := fs.String("image", "dockwire-bench/busybox:latest", "a busybox image on the daemon")
	registry := fs.String("registry", "127.0.0.1:5000", "registry for the pull images")
	auth := fs.String("auth", "dockwire:dockwire-pass", "user:password of the registry")
	only := fs.String("only", "", "comma-separated curve names; empty for all")
	maxSize := fs.Int("max-size", 1<<62, "skip sizes above this (a quick run)")
	fs.Parse(args)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	c, err := negotiated(ctx, *host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := removeCurveContainers(ctx, c); err != nil {
		return err
	}
	want := func(name string) bool { return *only == "" || strings.Contains(","+*only+",", ","+name+",") }
	create := func(name string, labels map[string]string, tty bool, start bool, cmd ...string) error {
		labels[curveLabel] = "1"
		_, err := c.ContainerCreate(ctx, dockwire.ContainerCreateOptions{Name: name, Config: engine.ContainerConfig{
			Image: *image, Cmd: cmd, Labels: labels, Tty: tty,
		}})
		if err == nil && start {
			err = c.ContainerStart(ctx, name)
		}
		return err
	}
	if want("list") {
		log := time.Now()
		err := parallel(8, 1000, func(i int) error {
			labels := map[string]string{}
			for _, n := range []int{1, 10, 100, 1000} {
				if i < n {
					labels[fmt.Sprintf("dwcurve.n%d", n)] = ""
				}
			}
			return create(fmt.Sprintf("dwcurve-list-%d", i), labels, false, false, "true")
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "curves-setup: 1000 containers created in %.1fs\n", time.Since(log).Seconds())
	}
	if want("stats") {
		if err := parallel(8, 50, func(i int) error {
			return create(curveStatsContainer(i), map[string]string{}, false, true, "sleep", "3600")
		}); err != nil {
			return err
		}
	}
	if want("exec") {
		if err := create(curveExecTarget, map[string]string{}, false, true, "sleep", "3600"); err != nil {
			return err
		}
	}
	for _, kind := range []string{"framed", "tty"} {
		if !want("logs-" + kind) {
			continue
		}
		for _, size := range curveLogSizesReal {
			if size > *maxSize {
				continue
			}
			t0 := time.Now()
			// 99 bytes and "\n" a line; on a TTY, 98 and "\r\n".
			text := strings.Repeat("x", curveLineBytes-1)
			if kind == "tty" {
				text = text[1:]
			}
			name := curveLogsContainer(kind, size)
			script := fmt.Sprintf("yes %s | head -n %d", text, size/curveLineBytes)
			if err := create(name, map[string]string{}, kind == "tty", true, "sh", "-c", script); err != nil {
				return err
			}
			res, err := c.ContainerWait(ctx, name, dockwire.WaitNotRunning)
			if err != nil {
				return err
			}
			if res.StatusCode != 0 {
				return fmt.Errorf("%s exited with %d", name, res.StatusCode)
			}
			fmt.Fprintf(os.Stderr, "curves-setup: %s written in %.1fs\n", name, time.Since(t0).Seconds())
		}
	}
	if want("pull") {
		for _, mb := range []int{25, 50, 100, 200} {
			if mb > *maxSize {
				continue
			}
			if err := pushPullImage(ctx, c, *registry, *auth, mb); err != nil {
				return fmt.Errorf("pull image of %d MiB: %w", mb, err)
			}
		}
	}
	return nil
}

// pushPullImage builds an image of four layers of random bytes, mb MiB in
// all, pushes it to the registry and removes it from the daemon.
func pushPullImage(ctx context.Context, c *dockwire.Client, registry, userPass string, mb int) error {
	dir, err := os.MkdirTemp("", "dwcurve-pull-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	df := "FROM scratch\nLABEL dwcurve=1\n"
	rng := rand.NewChaCha8([32]byte{byte(mb)})
	for i := range 4 {
		name := fmt.Sprintf("blob%d", i)
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		_, err = io.CopyN(f, rng, int64(mb)<<20/4)
		f.Close()
		if err != nil {
			return err
		}
		df += fmt.Sprintf("COPY %s /%s\n", name, name)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		return err
	}
	tar, err := dockwire.BuildContext(dir)
	if err != nil {
		return err
	}
	defer tar.Close()
	ref := fmt.Sprintf("%s/%s:%d", registry, curvePullRepo, mb)
	b, err := c.ImageBuild(ctx, tar, dockwire.ImageBuildOptions{Tags: []string{ref}, Quiet: true})
	if err != nil {
		return err
	}
	if err := b.Wait(); err != nil {
		return err
	}
	push, err := c.ImagePush(ctx, ref, dockwire.ImagePushOptions{RegistryAuth: registryAuth(registry, userPass)})
	if err != nil {
		return err
	}
	if err := push.Wait(); err != nil {
		return err
	}
	_, err = c.ImageRemove(ctx, ref, dockwire.ImageRemoveOptions{Force: true})
	return err
}

// curvesCleanup removes every container labelled dwcurve=1 and the pull
// images.
func curvesCleanup(args []string) error {
	fs := flag.NewFlagSet("curves-cleanup", flag.ExitOnError)
	host := fs.String("host", "", "daemon")
	registry := fs.String("registry", "127.0.0.1:5000", "registry of the pull images")
	fs.Parse(args)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := negotiated(ctx, *host)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, mb := range []int{25, 50, 100, 200} {
		ref := fmt.Sprintf("%s/%s:%d", *registry, curvePullRepo, mb)
		if _, err := c.ImageRemove(ctx, ref, dockwire.ImageRemoveOptions{Force: true}); err != nil && !errors.Is(err, dockwire.ErrNotFound) {
			return err
		}
	}
	return removeCurveContainers(ctx, c)
}

func removeCurveContainers(ctx context.Context, c *dockwire.Client) error {
	list, err := c.ContainerList(ctx, dockwire.ContainerListOptions{All: true, Filters: dockwire.Filters{"label": {curveLabel + "=1"}}})
	if err != nil {
		return err
	}
	return parallel(8, len(list), func(i int) error {
		err := c.ContainerRemove(ctx, list[i].ID, dockwire.ContainerRemoveOptions{Force: true})
		if errors.Is(err, dockwire.ErrNotFound) {
			return nil
		}
		return err
	})
}

// parallel runs f(0..n-1) on workers goroutines and returns the first
// error.
func parallel(workers, n int, f func(i int) error) error {
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					once.Do(func() { first = err })
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/stdcopy"
)

// The tour's image and the label on everything it creates. Its requests
// depend only on what the daemon answered (IDs, times), never on the clock
// or on random names, so that a recording of it replays.
const (
	tourImage = "dockwire-demo/tour:latest"
	tourLabel = "dockwire.demo"
	busybox   = "/bin/busybox"
)

var tourCmd = &command{
	name:     "tour",
	summary:  "A guided run of the library against the engine: build, run, list, inspect, logs, exec, errors, lifecycle, stats, events",
	noClient: true,
	setup: func(fs *flag.FlagSet) runFunc {
		fixtures := fs.String("fixtures", "testdata", "`directory` of recorded engines (one subdirectory each) to replay when no engine answers")
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
			return runTour(c.ctx, client, c.stdout, false)
		}
	},
}

// tour is one run of the guided tour.
type tour struct {
	ctx    context.Context
	c      *dockwire.Client
	out    io.Writer
	replay bool // against recorded fixtures: no busybox needed
	step   int
	id     string // the tour's container
}

// tourSteps is the number of steps, for "[3/14]".
const tourSteps = 14

// runTour runs every step in order and cleans up whatever happens,
// Ctrl-C included.
func runTour(ctx context.Context, c *dockwire.Client, out io.Writer, replay bool) (err error) {
	t := &tour{ctx: ctx, c: c, out: out, replay: replay}
	start := time.Now()
	defer func() {
		t.step = tourSteps - 1 // numbered last, wherever the tour stopped
		cleanupErr := t.do("Clean up: remove the container and the image", t.cleanup)
		if err == nil {
			err = cleanupErr
		}
		if err == nil {
			fmt.Fprintf(out, "\nTour complete in %s.\n", since(start))
		}
	}()
	for _, s := range []struct {
		title string
		run   func() error
	}{
		{"Connect: ping, negotiate the API version, ask the version", t.connect},
		{"Build " + tourImage + " through the build API (FROM scratch + static busybox)", t.build},
		{"Create and start a container that writes to stdout and stderr", t.start},
		{"List it (ContainerList, filtered by ID)", t.list},
		{"Inspect it: typed fields and gjson paths into the raw document", t.inspect},
		{"Tail its log (ContainerLogs, Tail 3, line by line)", t.tail},
		{"Follow its log for 2.5 seconds (Follow, ended by the context)", t.follow},
		{"Exec as another user, in another directory, with extra environment", t.execAs},
		{"Exec with stdin: the command reads to end of file", t.execStdin},
		{"A typed error: inspect a container that does not exist", t.notFound},
		{"Lifecycle: stop (1s grace), start, restart", t.lifecycle},
		{"Stats: one sample, as docker stats --no-stream shows it", t.stats},
	} {
		if err := t.do(s.title, s.run); err != nil {
			return err
		}
	}
	return t.do("Events: what the daemon reported about the container since it was created", t.events)
}

// do runs one step, saying what it is and how long it took.
func (t *tour) do(title string, run func() error) error {
	t.step++
	fmt.Fprintf(t.out, "\n==> [%d/%d] %s\n", t.step, tourSteps, title)
	start := time.Now()
	if err := run(); err != nil {
		fmt.Fprintf(t.out, "    failed after %s\n", since(start))
		return err
	}
	fmt.Fprintf(t.out, "    done in %s\n", since(start))
	return nil
}

func (t *tour) say(format string, args ...any) {
	fmt.Fprintf(t.out, "    "+format+"\n", args...)
}

func since(start time.Time) time.Duration {
	return time.Since(start).Round(time.Millisecond)
}

func (t *tour) connect() error {
	api, err := t.c.APIVersion(t.ctx)
	if err != nil {
		return err
	}
	v, err := t.c.ServerVersion(t.ctx)
	if err != nil {
		return err
	}
	t.say("%s: Docker %s (%s/%s), API %s negotiated (daemon supports %s to %s)", t.c.Host(), v.Version, v.Os, v.Arch, api, v.MinAPIVersion, v.APIVersion)
	return nil
}

func (t *tour) build() error {
	dir, err := os.MkdirTemp("", "dockwire-tour-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := os.ReadFile(busybox)
	if err != nil && !t.replay {
		return fmt.Errorf("demo: the tour builds its image from a static busybox at %s (apt-get install busybox-static): %w", busybox, err)
	}
	dockerfile := "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n" +
		"RUN mkdir -p /tmp /work && chmod 1777 /tmp /work\nLABEL " + tourLabel + "=tour\nCMD [\"sh\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "busybox"), bin, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		return err
	}
	tar, err := dockwire.BuildContext(dir)
	if err != nil {
		return err
	}
	build := t.c.ImageBuild(t.ctx, tar, dockwire.ImageBuildOptions{Tags: []string{tourImage}})
	for m, err := range build.Messages() {
		if err != nil {
			return err
		}
		if s := strings.TrimRight(m.Stream, "\n"); s != "" {
			t.say("| %s", s)
		}
	}
	t.say("image %s", build.ImageID())
	return nil
}

func (t *tour) start() error {
	created, err := t.c.ContainerCreate(t.ctx, dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{
		Image:  tourImage,
		Env:    []string{"GREETING=hello from the tour"},
		Labels: map[string]string{tourLabel: "tour"},
		Cmd: []string{"sh", "-c", `echo "$GREETING"; echo "a line on stderr" >&2; i=0; ` +
			`while true; do i=$((i+1)); echo "tick $i"; sleep 1; done`},
	}})
	if err != nil {
		return err
	}
	t.id = created.ID
	t.say("created %s", shortID(t.id))
	if _, err := t.c.ContainerStart(t.ctx, t.id); err != nil {
		return err
	}
	t.say("started")
	return nil
}

func (t *tour) list() error {
	list, err := t.c.ContainerList(t.ctx, dockwire.ContainerListOptions{Filters: dockwire.Filters{"id": {t.id}}})
	if err != nil {
		return err
	}
	return printContainers(indent(t.out), list, time.Now(), true)
}

func (t *tour) inspect() error {
	info, err := t.c.ContainerInspect(t.ctx, t.id)
	if err != nil {
		return err
	}
	t.say("typed:  Name=%s State.Status=%s State.Pid=%d Config.Image=%s", info.Name, info.State.Status, info.State.Pid, info.Config.Image)
	for _, path := range []string{"HostConfig.NetworkMode", "Config.Labels." + escapePath(tourLabel), "Config.Env.0", "GraphDriver.Name"} {
		t.say("gjson:  %-28s = %s", path, info.Get(path).String())
	}
	return nil
}

// escapePath escapes a key for a gjson path, as label names need.
func escapePath(key string) string {
	return strings.NewReplacer(".", `\.`, "*", `\*`, "?", `\?`).Replace(key)
}

func (t *tour) tail() error {
	time.Sleep(1500 * time.Millisecond) // let a few ticks reach the log
	logs, err := t.c.ContainerLogs(t.ctx, t.id, dockwire.LogsOptions{Tail: 3})
	if err != nil {
		return err
	}
	defer logs.Close()
	for line, err := range logs.Lines() {
		if err != nil {
			return err
		}
		t.say("%s | %s", streamName(line.Stream), line.Text)
	}
	return nil
}

func streamName(s stdcopy.StreamType) string {
	if s == stdcopy.Stderr {
		return "stderr"
	}
	return "stdout"
}

func (t *tour) follow() error {
	ctx, cancel := context.WithTimeout(t.ctx, 2500*time.Millisecond)
	defer cancel()
	logs, err := t.c.ContainerLogs(ctx, t.id, dockwire.LogsOptions{Follow: true, Tail: dockwire.TailNone, Timestamps: true})
	if err != nil {
		return err
	}
	defer logs.Close()
	n := 0
	for line, err := range logs.Lines() {
		if err != nil {
			if t.ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || t.replay) {
				break // our own deadline, or the end of a recording
			}
			return err
		}
		n++
		t.say("%s %s | %s", line.Time.Local().Format("15:04:05.000"), streamName(line.Stream), line.Text)
	}
	t.say("%d new lines while following; the context's deadline ended the stream", n)
	return nil
}

func (t *tour) execAs() error {
	res, err := t.c.ExecCapture(t.ctx, t.id, dockwire.ExecOptions{
		Cmd:  []string{"sh", "-c", `echo "uid=$(id -u) gid=$(id -g) pwd=$(pwd) TOUR_VAR=$TOUR_VAR"; echo "and one line on stderr" >&2; exit 3`},
		User: "1000:1000", WorkingDir: "/work", Env: []string{"TOUR_VAR=set by exec"},
	})
	if err != nil {
		return err
	}
	t.say("stdout: %s", strings.TrimSpace(res.Stdout))
	t.say("stderr: %s", strings.TrimSpace(res.Stderr))
	t.say("exit code: %d (a non-zero exit is a result, not an error)", res.ExitCode)
	return nil
}

func (t *tour) execStdin() error {
	input := "first line\nsecond line\nthird line\n"
	code, err := t.c.Exec(t.ctx, t.id, dockwire.ExecOptions{
		Cmd:    []string{"sh", "-c", "tr a-z A-Z; echo \"(read to EOF)\""},
		Stdin:  strings.NewReader(input),
		Stdout: indent(t.out), Stderr: indent(t.out),
	})
	if err != nil {
		return err
	}
	t.say("sent %d bytes, half-closed stdin; exit code %d", len(input), code)
	return nil
}

func (t *tour) notFound() error {
	_, err := t.c.ContainerInspect(t.ctx, "dockwire-tour-no-such-container")
	var apiErr *dockwire.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("demo: wanted a not-found *dockwire.APIError, got %v", err)
	}
	t.say("err.Error(): %s", err)
	t.say("errors.As(err, *dockwire.APIError): StatusCode=%d Kind=%q ID=%q", apiErr.StatusCode, apiErr.Kind, apiErr.ID)
	for _, s := range []struct {
		name   string
		target error
	}{
		{"ErrNotFound", dockwire.ErrNotFound},
		{"ErrContainerNotFound", dockwire.ErrContainerNotFound},
		{"ErrImageNotFound", dockwire.ErrImageNotFound},
		{"ErrConflict", dockwire.ErrConflict},
		{"ErrDaemonUnreachable", dockwire.ErrDaemonUnreachable},
	} {
		t.say("%-45s = %v", "errors.Is(err, dockwire."+s.name+")", errors.Is(err, s.target))
	}
	return nil
}

func (t *tour) lifecycle() error {
	state := func(what string, start time.Time) error {
		info, err := t.c.ContainerInspect(t.ctx, t.id)
		if err != nil {
			return err
		}
		t.say("%-8s in %-8s -> %s (exit code %d)", what, since(start), info.State.Status, info.State.ExitCode)
		return nil
	}
	start := time.Now()
	if _, err := t.c.ContainerStop(t.ctx, t.id, dockwire.StopOptions{Timeout: time.Second}); err != nil {
		return err
	}
	if err := state("stop", start); err != nil {
		return err
	}
	t.say("         (sh as PID 1 ignores SIGTERM, so the daemon sent SIGKILL after the grace period)")
	start = time.Now()
	if _, err := t.c.ContainerStart(t.ctx, t.id); err != nil {
		return err
	}
	if err := state("start", start); err != nil {
		return err
	}
	start = time.Now()
	if err := t.c.ContainerRestart(t.ctx, t.id, dockwire.StopOptions{Timeout: time.Second}); err != nil {
		return err
	}
	return state("restart", start)
}

func (t *tour) stats() error {
	s, err := t.c.ContainerStats(t.ctx, t.id)
	if err != nil {
		return err
	}
	table := &statsTable{order: []string{t.id}, rows: map[string]engine.StatsResponse{t.id: s}}
	return table.print(indent(t.out))
}

func (t *tour) events() error {
	info, err := t.c.ContainerInspect(t.ctx, t.id)
	if err != nil {
		return err
	}
	// The daemon replays its recent events since a time, then streams new
	// ones: stop at the restart, the last thing the tour did.
	ctx, cancel := context.WithTimeout(t.ctx, 5*time.Second)
	defer cancel()
	opts := dockwire.EventsOptions{Since: info.Created, Filters: dockwire.Filters{"container": {t.id}}}
	for ev, err := range t.c.Events(ctx, opts) {
		if errors.Is(err, context.DeadlineExceeded) && t.ctx.Err() == nil {
			t.say("(no restart event within 5s: the daemon keeps only its last 256 events)")
			return nil
		}
		if err != nil {
			return err
		}
		detail := ""
		for _, k := range []string{"signal", "exitCode"} {
			if v, ok := ev.Actor.Attributes[k]; ok {
				detail += " " + k + "=" + v
			}
		}
		t.say("%s %s %s%s", ev.Time.Local().Format("15:04:05.000"), ev.Type, ellipsis(ev.Action, 50), detail)
		if ev.Action == "restart" {
			break
		}
	}
	return nil
}

// cleanup removes what the tour created, with a context of its own so
// that it also runs after Ctrl-C.
func (t *tour) cleanup() error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), 30*time.Second)
	defer cancel()
	if t.id != "" {
		if err := t.c.ContainerRemove(ctx, t.id, dockwire.RemoveOptions{Force: true}); err != nil && !errors.Is(err, dockwire.ErrNotFound) {
			return err
		}
		t.say("removed container %s", shortID(t.id))
	}
	removed, err := t.c.ImageRemove(ctx, tourImage, dockwire.ImageRemoveOptions{})
	if errors.Is(err, dockwire.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	t.say("removed image %s (%d layers untagged or deleted)", tourImage, len(removed))
	return nil
}

package tour

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/stdcopy"
)

func (t *tour) connect() error {
	api, err := t.c.APIVersion(t.ctx)
	if err != nil {
		return err
	}
	v, err := t.c.ServerVersion(t.ctx)
	if err != nil {
		return err
	}
	where := t.c.Host()
	if t.opts.Replay {
		where = "a recording"
	}
	t.say("%s: Docker %s (%s/%s), API %s negotiated (daemon supports %s to %s)", where, v.Version, v.Os, v.Arch, api, v.MinAPIVersion, v.APIVersion)
	return nil
}

// dockerfile builds the tour's image from a static busybox alone: no
// registry is needed.
const dockerfile = "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n" +
	"RUN mkdir -p /tmp /work && chmod 1777 /tmp /work\nLABEL " + Label + "=tour\nCMD [\"sh\"]\n"

func (t *tour) build() error {
	bin := []byte("a stand-in for busybox: a recording keeps no build context\n")
	if !t.opts.Replay {
		var err error
		if bin, err = os.ReadFile(t.opts.Busybox); err != nil {
			return fmt.Errorf("tour: the image is built from a static busybox at %s (apt-get install busybox-static): %w", t.opts.Busybox, err)
		}
	}
	dir, err := os.MkdirTemp("", "dockwire-tour-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
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
	// Without the cache, as other images from the same busybox (the
	// recorder's) share its layers: the build says the same every time.
	build, err := t.c.ImageBuild(t.ctx, tar, dockwire.ImageBuildOptions{Tags: []string{Image}, NoCache: true, Ulimits: t.opts.BuildUlimits})
	if err != nil {
		return err
	}
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
		Image:  Image,
		Env:    []string{"GREETING=hello from the tour"},
		Labels: map[string]string{Label: "tour"},
		Cmd: []string{"sh", "-c", `echo "$GREETING"; echo "a line on stderr" >&2; i=0; ` +
			`while true; do i=$((i+1)); echo "tick $i"; sleep 1; done`},
	}})
	if err != nil {
		return err
	}
	t.id = created.ID
	t.say("created %s", shortID(t.id))
	if err := t.c.ContainerStart(t.ctx, t.id); err != nil {
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
	tw := tabwriter.NewWriter(indent(t.out), 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "CONTAINER ID\tIMAGE\tCOMMAND\tSTATUS\tNAMES")
	for _, ct := range list {
		fmt.Fprintf(tw, "%s\t%s\t%q\t%s\t%s\n", shortID(ct.ID), ct.Image, Ellipsis(ct.Command, 20), ct.Status, ct.Name())
	}
	return tw.Flush()
}

func (t *tour) inspect() error {
	info, err := t.c.ContainerInspect(t.ctx, t.id, dockwire.ContainerInspectOptions{})
	if err != nil {
		return err
	}
	t.say("typed:  Name=%s State.Status=%s State.Pid=%d Config.Image=%s", info.Name, info.State.Status, info.State.Pid, info.Config.Image)
	for _, path := range []string{"HostConfig.NetworkMode", "Config.Labels." + escapePath(Label), "Config.Env.0", "GraphDriver.Name"} {
		t.say("gjson:  %-28s = %s", path, info.Get(path).String())
	}
	return nil
}

// escapePath escapes a key for a gjson path, as label names need.
func escapePath(key string) string {
	return strings.NewReplacer(".", `\.`, "*", `\*`, "?", `\?`).Replace(key)
}

func (t *tour) tail() error {
	t.sleep(1500 * time.Millisecond) // let a few ticks reach the log
	logs, err := t.c.ContainerLogs(t.ctx, t.id, dockwire.ContainerLogsOptions{Tail: 3})
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
	logs, err := t.c.ContainerLogs(ctx, t.id, dockwire.ContainerLogsOptions{Follow: true, Tail: dockwire.TailNone, Timestamps: true})
	if err != nil {
		return err
	}
	defer logs.Close()
	n := 0
	for line, err := range logs.Lines() {
		if errors.Is(err, context.DeadlineExceeded) && t.ctx.Err() == nil {
			break // our own deadline
		}
		if err != nil {
			return err
		}
		n++
		t.say("%s %s | %s", line.Time.Local().Format("15:04:05.000"), streamName(line.Stream), line.Text)
	}
	how := "the context's deadline ended the stream"
	if t.opts.Replay {
		how = "the recording of the stream ends there"
	}
	t.say("%d new lines while following; %s", n, how)
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
	out := indent(t.out)
	code, err := t.c.Exec(t.ctx, t.id, dockwire.ExecOptions{
		Cmd:    []string{"sh", "-c", "tr a-z A-Z; echo \"(read to EOF)\""},
		Stdin:  strings.NewReader(input),
		Stdout: out, Stderr: out,
	})
	if err != nil {
		return err
	}
	t.say("sent %d bytes, half-closed stdin; exit code %d", len(input), code)
	return nil
}

func (t *tour) notFound() error {
	_, err := t.c.ContainerInspect(t.ctx, "dockwire-tour-no-such-container", dockwire.ContainerInspectOptions{})
	var apiErr *dockwire.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("tour: wanted a not-found *dockwire.APIError, got %v", err)
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
		info, err := t.c.ContainerInspect(t.ctx, t.id, dockwire.ContainerInspectOptions{})
		if err != nil {
			return err
		}
		t.say("%-8s in %-8s -> %s (exit code %d)", what, since(start), info.State.Status, info.State.ExitCode)
		return nil
	}
	start := time.Now()
	if err := t.c.ContainerStop(t.ctx, t.id, dockwire.ContainerStopOptions{Timeout: time.Second}); err != nil {
		return err
	}
	if err := state("stop", start); err != nil {
		return err
	}
	t.say("         (sh as PID 1 ignores SIGTERM, so the daemon sent SIGKILL after the grace period)")
	start = time.Now()
	if err := t.c.ContainerStart(t.ctx, t.id); err != nil {
		return err
	}
	if err := state("start", start); err != nil {
		return err
	}
	start = time.Now()
	if err := t.c.ContainerRestart(t.ctx, t.id, dockwire.ContainerRestartOptions{Timeout: time.Second}); err != nil {
		return err
	}
	return state("restart", start)
}

func (t *tour) stats() error {
	s, err := t.c.ContainerStats(t.ctx, t.id)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(indent(t.out), 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "CONTAINER ID\tNAME\tCPU %\tMEM USAGE / LIMIT\tMEM %\tNET I/O\tBLOCK I/O\tPIDS")
	fmt.Fprintf(tw, "%s\t%s\t%.2f%%\t%s / %s\t%.2f%%\t%s / %s\t%s / %s\t%d\n",
		shortID(s.ID), strings.TrimPrefix(s.Name, "/"), s.CPUPercent,
		size(s.MemoryUsage, 1024), size(s.MemoryLimit, 1024), s.MemoryPercent,
		size(s.NetworkRx, 1000), size(s.NetworkTx, 1000), size(s.BlockRead, 1000), size(s.BlockWrite, 1000), s.PIDs)
	return tw.Flush()
}

// size renders a number of bytes as docker stats does: memory in binary
// units ("220KiB"), traffic in decimal ones ("1.2kB").
func size(n uint64, base float64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	if base == 1024 {
		units = []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	}
	v, i := float64(n), 0
	for v >= base && i < len(units)-1 {
		v /= base
		i++
	}
	return fmt.Sprintf("%.4g%s", v, units[i])
}

// events asks for the container's events from its creation until the
// daemon's clock now: both ends are the daemon's times, so the request is
// the same when a recording replays, and the stream ends by itself.
func (t *tour) events() error {
	info, err := t.c.ContainerInspect(t.ctx, t.id, dockwire.ContainerInspectOptions{})
	if err != nil {
		return err
	}
	sys, err := t.c.Info(t.ctx)
	if err != nil {
		return err
	}
	opts := dockwire.EventsOptions{Since: info.Created, Until: sys.SystemTime,
		Filters: dockwire.Filters{"type": {"container"}, "container": {t.id}}}
	n := 0
	for ev, err := range t.c.Events(t.ctx, opts) {
		if err != nil {
			return err
		}
		n++
		detail := ""
		for _, k := range []string{"signal", "exitCode"} {
			if v, ok := ev.Actor.Attributes[k]; ok {
				detail += " " + k + "=" + v
			}
		}
		t.say("%s %s %s%s", ev.Time.Local().Format("15:04:05.000"), ev.Type, Ellipsis(ev.Action, 50), detail)
	}
	t.say("%d events, read back from the last 256 the daemon keeps", n)
	return nil
}

// Ellipsis shortens s to max runes, the last one "…".
func Ellipsis(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// cleanup removes what the tour created, with a context of its own so
// that it also runs after Ctrl-C.
func (t *tour) cleanup() error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), 30*time.Second)
	defer cancel()
	if t.id != "" {
		if err := t.c.ContainerRemove(ctx, t.id, dockwire.ContainerRemoveOptions{Force: true}); err != nil && !errors.Is(err, dockwire.ErrNotFound) {
			return err
		}
		t.say("removed container %s", shortID(t.id))
	}
	removed, err := t.c.ImageRemove(ctx, Image, dockwire.ImageRemoveOptions{})
	switch {
	case errors.Is(err, dockwire.ErrNotFound):
		return nil
	case errors.Is(err, dockwire.ErrConflict):
		// Another tour, running at the same time, still uses it; the
		// last one to finish removes it.
		t.say("left image %s: another container still uses it", Image)
		return nil
	case err != nil:
		return err
	}
	t.say("removed image %s (%d layers untagged or deleted)", Image, len(removed))
	return nil
}

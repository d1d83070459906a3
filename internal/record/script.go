package record

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
)

// Names of what the script creates. They are fixed, so that fixtures are
// the same on every run; Cleanup removes whatever a failed run left.
const (
	Label        = "dockwire.record" // on every container, network, volume and image the script makes
	ImageRef     = "dwrec/busybox:latest"
	imageRepo    = "dwrec/busybox"
	imageTag2    = "v2"
	tinyImageRef = "dwrec/tiny:latest"
	webName      = "dwrec-web"
	ttyName      = "dwrec-tty"
	ttyRenamed   = "dwrec-tty-renamed"
	runName      = "dwrec-run"
	stdinRunName = "dwrec-run-stdin"
	ttyRunName   = "dwrec-run-tty"
	netName      = "dwrec-net"
	net2Name     = "dwrec-net2"
	volName      = "dwrec-data"
	missingName  = "dwrec-missing"
	// The subnets are fixed so that addresses, and the MACs derived from
	// them, are the same on every run.
	netSubnet  = "10.213.7.0/24"
	net2Subnet = "10.213.8.0/24"
)

// webScript is the command of the main container: a few lines on stdout
// and stderr, then idle until stopped, ending at once on SIGTERM (a
// trapped signal interrupts wait). The pauses keep the lines in order in
// the log: the daemon copies stdout and stderr from two pipes, in two
// goroutines. Once idle its processes are always the same two, for top.
const webScript = `trap 'exit 0' TERM; echo hello from dwrec-web; sleep 0.1; echo a warning >&2; sleep 0.1; echo third line; sleep 3600 & wait`

// Options configures Script.
type Options struct {
	// Step, if set, is called with each step's name before the step sends
	// anything; Recorder.Step names the recorded exchanges with it.
	Step func(name string)
	// Busybox is the static busybox binary the test image is built from;
	// default /bin/busybox. When replaying, any small file will do.
	Busybox string
}

// Result is what one step got back from the client: a value of the
// client's own types, or for a step that expects an error, a Failure.
type Result struct {
	Step  string
	Value any
}

// Script runs the scripted session against c: every endpoint the client
// has, each in a named step, on the test image it builds, and removes what
// it created. Run against a real engine through a Recorder it records the
// fixtures; run against enginetest replaying them it must send exactly the
// same requests. On failure it returns the results so far and an error
// naming the step, after removing what it made (see Cleanup).
func Script(ctx context.Context, c *dockwire.Client, opts Options) ([]Result, error) {
	if opts.Busybox == "" {
		opts.Busybox = "/bin/busybox"
	}
	s := &session{ctx: ctx, c: c, opts: opts}
	s.system()
	s.images()
	s.networksAndVolumes()
	s.containers()
	s.execs()
	s.copies()
	s.filesystems()
	s.logsAndWait()
	s.lifecycle()
	s.teardown()
	s.events()
	s.run("disk-usage", func() (any, error) { return c.DiskUsage(ctx, dockwire.DiskUsageOptions{}) })
	if s.err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		Cleanup(cctx, c)
	}
	return s.results, s.err
}

// session is one run of the script.
type session struct {
	ctx     context.Context
	c       *dockwire.Client
	opts    Options
	results []Result
	err     error

	since time.Time // the daemon's clock when the script began
}

// run runs step f unless an earlier step failed, and keeps its value.
func (s *session) run(name string, f func() (any, error)) {
	if s.err != nil {
		return
	}
	if s.opts.Step != nil {
		s.opts.Step(name)
	}
	v, err := f()
	if err != nil {
		s.err = fmt.Errorf("step %s: %w", name, err)
		return
	}
	s.results = append(s.results, Result{Step: name, Value: v})
}

// Done is the value of a step whose call returns nothing but an error.
type Done struct{}

// Failure is the value of a step that expects the call to fail: what the
// error says, as the client typed it.
type Failure struct {
	Status      int    // the HTTP status of an *APIError
	Message     string // the daemon's message
	NotFound    bool   // errors.Is(err, dockwire.ErrNotFound)
	PathMissing bool   // errors.Is(err, fs.ErrNotExist)
	InStream    bool   // a *StreamError: the failure came inside a 200 stream
}

// expectFailure runs f, which must fail with an *APIError or a
// *StreamError, and describes the failure.
func expectFailure(err error) (any, error) {
	var ae *dockwire.APIError
	var se *dockwire.StreamError
	f := Failure{NotFound: errors.Is(err, dockwire.ErrNotFound), PathMissing: errors.Is(err, fs.ErrNotExist)}
	switch {
	case err == nil:
		return nil, errors.New("the call succeeded, but this step expects it to fail")
	case errors.As(err, &ae):
		f.Status, f.Message = ae.StatusCode, ae.Message
	case errors.As(err, &se):
		f.InStream, f.Message = true, se.Message
	default:
		return nil, fmt.Errorf("want an API or stream error, got %w", err)
	}
	return f, nil
}

func (s *session) system() {
	ctx, c := s.ctx, s.c
	s.run("ping", func() (any, error) { return c.Ping(ctx) })
	s.run("version", func() (any, error) { return c.ServerVersion(ctx) })
	s.run("info", func() (any, error) {
		info, err := c.Info(ctx)
		s.since = info.SystemTime
		return info, err
	})
}

// events replays the events of the script's containers, bounded by the
// daemon's clock at the start (the info step) and now. Build steps run in
// containers too, with generated names: the name filter leaves them out.
func (s *session) events() {
	ctx, c := s.ctx, s.c
	s.run("events-until", func() (any, error) {
		info, err := c.Info(ctx)
		if err != nil {
			return nil, err
		}
		var evs []engine.Event
		opts := dockwire.EventsOptions{Since: s.since, Until: info.SystemTime,
			Filters: dockwire.Filters{"type": {"container"}, "container": {webName, ttyName, ttyRenamed}, "event": stableEvents}}
		for ev, err := range c.Events(ctx, opts) {
			if err != nil {
				return evs, err
			}
			evs = append(evs, ev)
		}
		return evs, nil
	})
}

// stableEvents are the events the script looks for: the daemon sends some
// others (pause, unpause) once or twice, as its own event and containerd's
// race.
var stableEvents = []string{"create", "start", "exec_start", "exec_die", "die", "kill", "stop", "restart", "rename", "destroy"}

// Cleanup removes, ignoring errors, everything Script creates: what a
// failed run left behind. Run it with a client that does not record.
func Cleanup(ctx context.Context, c *dockwire.Client) {
	for _, name := range []string{webName, ttyName, ttyRenamed, runName, stdinRunName, ttyRunName} {
		c.ContainerRemove(ctx, name, dockwire.ContainerRemoveOptions{Force: true, Volumes: true})
	}
	for _, name := range []string{netName, net2Name} {
		c.NetworkRemove(ctx, name)
	}
	c.VolumeRemove(ctx, volName, dockwire.VolumeRemoveOptions{Force: true})
	for _, ref := range []string{imageRepo + ":" + imageTag2, ImageRef, tinyImageRef, committedRef, importedRef} {
		c.ImageRemove(ctx, ref, dockwire.ImageRemoveOptions{Force: true})
	}
}

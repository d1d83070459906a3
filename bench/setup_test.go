package bench

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dockwire/dockwire/bench/internal/replay"
)

// The environment run.sh sets; the defaults are this machine's.
var (
	// DWBENCH_ENGINES: name=host pairs of the live engines.
	enginesEnv = getenv("DWBENCH_ENGINES", "d20=unix:///var/run/docker.sock,d28=unix:///tmp/d28/docker.sock")
	// DWBENCH_TARGET: the running container that is inspected, tailed and
	// exec'd into; it has at least 100 lines of log.
	target = getenv("DWBENCH_TARGET", "dwbench-target")
	// DWBENCH_LABEL: the label of the benchmark's containers, which the list
	// filters on so that other containers on the engine do not change it.
	label = getenv("DWBENCH_LABEL", "dwbench=1")
)

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// listQuery is the container list query, as the raw floor sends it.
func listQuery() string {
	return "filters=" + url.QueryEscape(`{"label":["`+label+`"]}`)
}

type engine struct {
	name, host string
}

func engines() []engine {
	var es []engine
	for _, kv := range strings.Split(enginesEnv, ",") {
		name, host, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if ok {
			es = append(es, engine{name, host})
		}
	}
	return es
}

// The fake engines run in child processes (this test binary, re-executed),
// so that the benchmarks' allocs/op count the client and nothing else.
const (
	serveRecordingEnv = "DWBENCH_REPLAY_RECORDING"
	serveSocketEnv    = "DWBENCH_REPLAY_SOCKET"
)

func TestMain(m *testing.M) {
	if rec := os.Getenv(serveRecordingEnv); rec != "" {
		os.Exit(serveReplay(rec, os.Getenv(serveSocketEnv)))
	}
	code := m.Run()
	fakes.stop()
	os.Exit(code)
}

func serveReplay(recPath, socket string) int {
	rec, err := replay.Load(recPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		return 1
	}
	ln, err := net.Listen("unix", socket)
	if err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		return 1
	}
	replay.Serve(ln, rec)
	return 0
}

type fakeSet struct {
	mu    sync.Mutex
	dir   string
	hosts map[string]string // engine name -> fake host
	errs  map[string]error
	procs []*exec.Cmd
}

var fakes = &fakeSet{hosts: map[string]string{}, errs: map[string]error{}}

// fakeHost records e's answers once and returns the host of a fake engine
// that replays them.
func (f *fakeSet) host(e engine) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if h, ok := f.hosts[e.name]; ok {
		return h, f.errs[e.name]
	}
	h, err := f.start(e)
	f.hosts[e.name], f.errs[e.name] = h, err
	return h, err
}

func (f *fakeSet) start(e engine) (string, error) {
	if f.dir == "" {
		dir, err := os.MkdirTemp("", "dwbench-fake-")
		if err != nil {
			return "", err
		}
		f.dir = dir
	}
	rec, err := replay.Record(e.host, target, listQuery())
	if err != nil {
		return "", fmt.Errorf("recording %s: %w", e.name, err)
	}
	recPath := filepath.Join(f.dir, e.name+".json")
	if err := rec.Save(recPath); err != nil {
		return "", err
	}
	if out := os.Getenv("DWBENCH_RECORDINGS"); out != "" {
		rec.Save(filepath.Join(out, e.name+".json"))
	}
	socket := filepath.Join(f.dir, e.name+".sock")
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), serveRecordingEnv+"="+recPath, serveSocketEnv+"="+socket)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	f.procs = append(f.procs, cmd)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if c, err := net.Dial("unix", socket); err == nil {
			c.Close()
			return "unix://" + socket, nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("the fake engine for %s did not start", e.name)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (f *fakeSet) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.procs {
		p.Process.Kill()
		p.Wait()
	}
	if f.dir != "" {
		os.RemoveAll(f.dir)
	}
}

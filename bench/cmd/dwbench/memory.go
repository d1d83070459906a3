package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dockwire/dockwire"
	mobystdcopy "github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// procStatus returns a field of /proc/self/status in bytes ("VmHWM").
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && k == field {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return -1
}

// memWatch measures a process's memory from a baseline on: the peak RSS
// (VmHWM, reset at the baseline through /proc/self/clear_refs) and the peak
// of live heap objects, sampled every 20ms.
type memWatch struct {
	baselineRSS  int64
	baseAlloc    uint64
	peakHeap     atomic.Uint64
	stop         chan struct{}
	done         sync.WaitGroup
	hwmResetOK   bool
	baselineHeap uint64
}

func heapMetrics() (live, allocated uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

func startWatch() *memWatch {
	runtime.GC()
	debug.FreeOSMemory()
	w := &memWatch{stop: make(chan struct{})}
	w.hwmResetOK = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	w.baselineRSS = procStatus("VmRSS")
	w.baselineHeap, w.baseAlloc = heapMetrics()
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			live, _ := heapMetrics()
			if live > w.peakHeap.Load() {
				w.peakHeap.Store(live)
			}
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// MemResult is what follow and build print.
type MemResult struct {
	Test           string
	Client         string
	Host           string
	Bytes          int64 // streamed
	Seconds        float64
	BaselineRSS    int64
	PeakRSS        int64 // VmHWM since the baseline
	PeakRSSAbove   int64 // PeakRSS - BaselineRSS
	PeakRSSAt128M  int64 // PeakRSS above baseline once 128 MiB had passed
	BaselineHeap   uint64
	PeakHeap       uint64 // live heap objects, sampled
	AllocatedBytes uint64 // allocated during the run
	GCs            uint32
	HWMReset       bool
}

func (w *memWatch) finish(r *MemResult) {
	close(w.stop)
	w.done.Wait()
	r.BaselineRSS = w.baselineRSS
	r.PeakRSS = procStatus("VmHWM")
	r.PeakRSSAbove = r.PeakRSS - w.baselineRSS
	r.BaselineHeap = w.baselineHeap
	r.PeakHeap = w.peakHeap.Load()
	_, alloc := heapMetrics()
	r.AllocatedBytes = alloc - w.baseAlloc
	r.HWMReset = w.hwmResetOK
}

// countingDiscard counts what it is given and notes the peak RSS once the
// count passes mark.
type countingDiscard struct {
	n        *atomic.Int64
	mark     int64
	markOnce *sync.Once
	atMark   *int64
	baseline int64
}

func (c countingDiscard) Write(p []byte) (int, error) {
	if c.n.Add(int64(len(p))) >= c.mark {
		c.markOnce.Do(func() { *c.atMark = procStatus("VmHWM") - c.baseline })
	}
	return len(p), nil
}

// follow follows a container's log to io.Discard until it ends.
func follow(args []string) error {
	fs := flag.NewFlagSet("follow", flag.ExitOnError)
	host := fs.String("host", "", "daemon")
	container := fs.String("container", "", "container to follow")
	cl := fs.String("client", "dockwire", "dockwire or moby")
	start := fs.Bool("start", false, "start the container (created, not started) just before following")
	test := fs.String("test", "follow", "name of the test in the result")
	fs.Parse(args)
	ctx := context.Background()
	dw, err := dockwire.New(*host)
	if err != nil {
		return err
	}
	defer dw.Close()
	var mc *client.Client
	if *cl == "moby" {
		if mc, err = client.New(client.WithHost(*host)); err != nil {
			return err
		}
		defer mc.Close()
		if _, err := mc.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
			return err
		}
	} else if _, err := dw.APIVersion(ctx); err != nil {
		return err
	}
	if *start {
		if err := dw.ContainerStart(ctx, *container); err != nil {
			return err
		}
	}
	res := MemResult{Test: *test, Client: *cl, Host: *host}
	var n atomic.Int64
	w := startWatch()
	sink := countingDiscard{n: &n, mark: 128 << 20, markOnce: new(sync.Once), atMark: &res.PeakRSSAt128M, baseline: w.baselineRSS}
	var gcBefore runtime.MemStats
	runtime.ReadMemStats(&gcBefore)
	t0 := time.Now()
	switch *cl {
	case "dockwire":
		s, err := dw.ContainerLogs(ctx, *container, dockwire.ContainerLogsOptions{Follow: true})
		if err != nil {
			return err
		}
		_, err = s.CopyTo(sink, sink)
		s.Close()
		if err != nil {
			return err
		}
	case "moby":
		r, err := mc.ContainerLogs(ctx, *container, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true})
		if err != nil {
			return err
		}
		_, err = mobystdcopy.StdCopy(sink, sink, r)
		r.Close()
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown client %q", *cl)
	}
	res.Seconds = time.Since(t0).Seconds()
	w.finish(&res)
	var gcAfter runtime.MemStats
	runtime.ReadMemStats(&gcAfter)
	res.GCs = gcAfter.NumGC - gcBefore.NumGC
	res.Bytes = n.Load()
	return printJSON(res)
}

// negotiated returns a dockwire client that has negotiated its API version,
// so that a measurement starts after the ping.
func negotiated(ctx context.Context, host string) (*dockwire.Client, error) {
	c, err := dockwire.New(host)
	if err != nil {
		return nil, err
	}
	if _, err := c.APIVersion(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// capture runs a command in a container that writes -bytes bytes to
// stdout, and keeps them with ExecCapture, or with -discard streams them to
// io.Discard with Exec, for comparison.
func capture(args []string) error {
	fs := flag.NewFlagSet("capture", flag.ExitOnError)
	host := fs.String("host", "", "daemon")
	container := fs.String("container", "", "running container with sh, head and tr")
	size := fs.Int64("bytes", 50_000_000, "output of the command")
	discard := fs.Bool("discard", false, "stream the output to io.Discard with Exec instead")
	test := fs.String("test", "capture", "name of the test in the result")
	fs.Parse(args)
	ctx := context.Background()
	c, err := negotiated(ctx, *host)
	if err != nil {
		return err
	}
	defer c.Close()
	opts := dockwire.ExecOptions{Cmd: []string{"sh", "-c", fmt.Sprintf("head -c %d /dev/zero | tr '\\0' x", *size)}, MaxOutput: *size}
	res := MemResult{Test: *test, Client: "dockwire", Host: *host}
	var gcBefore, gcAfter runtime.MemStats
	runtime.ReadMemStats(&gcBefore)
	w := startWatch()
	t0 := time.Now()
	var out string
	var code int
	if *discard {
		var n atomic.Int64
		opts.Stdout = countingDiscard{n: &n, mark: math.MaxInt64}
		code, err = c.Exec(ctx, *container, opts)
		res.Bytes = n.Load()
	} else {
		var r dockwire.ExecResult
		r, err = c.ExecCapture(ctx, *container, opts)
		out, code, res.Bytes = r.Stdout, r.ExitCode, int64(len(r.Stdout))
	}
	res.Seconds = time.Since(t0).Seconds()
	w.finish(&res)
	runtime.KeepAlive(out)
	runtime.ReadMemStats(&gcAfter)
	res.GCs = gcAfter.NumGC - gcBefore.NumGC
	if err != nil {
		return err
	}
	if code != 0 || res.Bytes != *size {
		return fmt.Errorf("exit code %d, %d bytes of output, want 0 and %d", code, res.Bytes, *size)
	}
	return printJSON(res)
}

// build builds an image from a context of about size bytes (one file of
// zeros and a Dockerfile that does not use it), through dockwire.
func build(args []string) error {
	fs := flag.NewFlagSet("build", flag.ExitOnError)
	host := fs.String("host", "", "daemon")
	size := fs.Int64("size", 512<<20, "context size in bytes")
	tag := fs.String("tag", "dwbench/context:latest", "tag of the image built, removed afterwards")
	test := fs.String("test", "build", "name of the test in the result")
	fs.Parse(args)
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "dwbench-context-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nLABEL dwbench=1\n"), 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "blob"))
	if err != nil {
		return err
	}
	// A sparse file: reading it costs no disk, and the tar still carries
	// every byte.
	if err := f.Truncate(*size); err != nil {
		return err
	}
	f.Close()
	c, err := negotiated(ctx, *host)
	if err != nil {
		return err
	}
	defer c.Close()
	res := MemResult{Test: *test, Client: "dockwire", Host: *host}
	w := startWatch()
	t0 := time.Now()
	tar, err := dockwire.BuildContext(dir)
	if err != nil {
		return err
	}
	counted := &countingReader{r: tar}
	build, err := c.ImageBuild(ctx, counted, dockwire.ImageBuildOptions{Tags: []string{*tag}, Quiet: true})
	if err == nil {
		err = build.Wait()
	}
	tar.Close()
	res.Seconds = time.Since(t0).Seconds()
	w.finish(&res)
	res.Bytes = counted.n
	if err != nil {
		return err
	}
	c.ImageRemove(ctx, *tag, dockwire.ImageRemoveOptions{Force: true})
	return printJSON(res)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// serveLogs is a fake daemon for the follow test: it answers ping, inspect
// and one container's log, which streams -bytes bytes of frames of mixed
// sizes as fast as the client reads them, then ends as a stopped
// container's would. It runs in its own process so that the client's
// process holds nothing but the client.
func serveLogs(args []string) error {
	fs := flag.NewFlagSet("serve-logs", flag.ExitOnError)
	socket := fs.String("socket", "", "Unix socket to listen on")
	total := fs.Int64("bytes", 1<<30, "log bytes to stream per request")
	fs.Parse(args)
	block := logBlock()
	*total = (*total + int64(len(block)) - 1) / int64(len(block)) * int64(len(block))
	mux := http.NewServeMux()
	mux.HandleFunc("/_ping", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.51")
		w.Header().Set("Ostype", "linux")
		w.Write([]byte("OK"))
	})
	mux.HandleFunc("GET /{version}/containers/{id}/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"Id":"%064x","Name":"/%s","State":{"Status":"running","Running":true},"Config":{"Tty":false}}`, 1, r.PathValue("id"))
	})
	mux.HandleFunc("GET /{version}/containers/{id}/logs", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.docker.multiplexed-stream")
		w.WriteHeader(http.StatusOK)
		flusher := w.(http.Flusher)
		var sent int64
		for sent < *total {
			n, err := w.Write(block)
			sent += int64(n)
			if err != nil {
				return
			}
			flusher.Flush()
		}
	})
	ln, err := net.Listen("unix", *socket)
	if err != nil {
		return err
	}
	return http.Serve(ln, mux)
}

// logBlock is 1 MiB of whole frames: log lines of 40-200 bytes, a tenth on
// stderr, with a 16 KiB frame (a long line, split by the daemon) now and
// then.
func logBlock() []byte {
	var b bytes.Buffer
	line := bytes.Repeat([]byte("INFO request served in 1.2ms path=/api/v1/items status=200 "), 300)
	i := 0
	for b.Len() < 1<<20-(16<<10+8) {
		n := 40 + (i*37)%161
		stream := byte(1)
		if i%10 == 9 {
			stream = 2
		}
		if i%500 == 499 {
			n = 16 << 10
		}
		var h [8]byte
		h[0] = stream
		binary.BigEndian.PutUint32(h[4:], uint32(n))
		b.Write(h[:])
		b.Write(line[:n-1])
		b.WriteByte('\n')
		i++
	}
	// Pad to exactly 1 MiB with one last frame, so that every block ends on
	// a frame boundary and the stream can stop at any multiple of 1 MiB.
	pad := 1<<20 - b.Len() - 8
	var h [8]byte
	h[0] = 1
	binary.BigEndian.PutUint32(h[4:], uint32(pad))
	b.Write(h[:])
	b.Write(bytes.Repeat([]byte{'.'}, pad))
	return b.Bytes()
}

package dockwire_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
)

func TestFault_A1_SocketMissing(t *testing.T) {
	host := "unix://" + t.TempDir() + "/missing.sock"
	c, err := dockwire.New(host)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.ContainerList(testContext(t), dockwire.ContainerListOptions{})
	if !errors.Is(err, dockwire.ErrDaemonUnreachable) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v; want ErrDaemonUnreachable wrapping os.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), host) || !strings.Contains(err.Error(), "is the daemon running") {
		t.Errorf("message %q should name the host and say what to try", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v; a missing socket is not worth retrying", d)
	}
}

// countingDialer dials socket and counts attempts, failing with fail when set.
func countingDialer(socket string, fail error, n *atomic.Int64) dockwire.Option {
	return dockwire.WithDialer(func(ctx context.Context) (net.Conn, error) {
		n.Add(1)
		if fail != nil {
			return nil, &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", fail)}
		}
		var d net.Dialer
		return d.DialContext(ctx, "unix", socket)
	})
}

func TestFault_A2_PermissionDeniedNotRetried(t *testing.T) {
	var dials atomic.Int64
	c, err := dockwire.New("unix:///var/run/docker.sock", countingDialer("", syscall.EACCES, &dials), dockwire.WithAPIVersion("1.41"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ContainerList(testContext(t), dockwire.ContainerListOptions{})
	if !errors.Is(err, os.ErrPermission) || !errors.Is(err, dockwire.ErrDaemonUnreachable) {
		t.Fatalf("err = %v; want a permission error", err)
	}
	if !strings.Contains(err.Error(), "docker group") {
		t.Errorf("message %q should say what to try", err)
	}
	if got := dials.Load(); got != 1 {
		t.Errorf("dialed %d times; a permission error is not retried", got)
	}
}

func TestFault_A3_RefusedRetriesGETNotPOST(t *testing.T) {
	socket := t.TempDir() + "/stale.sock"
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close() // the file stays: a stale socket nobody listens on

	var dials atomic.Int64
	c, err := dockwire.New("unix://"+socket, countingDialer(socket, nil, &dials), dockwire.WithAPIVersion("1.41"), dockwire.WithRetry(3, 10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ContainerList(testContext(t), dockwire.ContainerListOptions{})
	if !errors.Is(err, syscall.ECONNREFUSED) || !errors.Is(err, dockwire.ErrDaemonUnreachable) {
		t.Fatalf("GET err = %v; want ECONNREFUSED", err)
	}
	if got := dials.Load(); got != 3 {
		t.Errorf("GET dialed %d times, want 3 (retried)", got)
	}
	dials.Store(0)
	err = c.ContainerStart(testContext(t), "web")
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("POST err = %v; want ECONNREFUSED", err)
	}
	if got := dials.Load(); got != 1 {
		t.Errorf("POST dialed %d times, want 1 (never retried)", got)
	}
}

func TestFault_A4_DaemonRestartsBetweenRequests(t *testing.T) {
	var posts atomic.Int64
	handler := func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		jsonReply(w, 200, `[]`)
	}
	d := newDaemon(t, "1.41", handler)
	c := d.client(t)
	ctx := testContext(t)
	if _, err := c.ContainerList(ctx, dockwire.ContainerListOptions{}); err != nil {
		t.Fatal(err)
	}
	// Restart: the pooled connection dies with the old daemon.
	d.Close()
	os.Remove(d.socket)
	d2 := newDaemonAt(t, d.socket, "1.41", handler)
	if _, err := c.ContainerList(ctx, dockwire.ContainerListOptions{}); err != nil {
		t.Fatalf("GET after restart: %v", err)
	}
	if err := c.ContainerStart(ctx, "web"); err != nil {
		t.Fatalf("POST after restart: %v", err)
	}
	d2.Close()
	os.Remove(d.socket)
	newDaemonAt(t, d.socket, "1.41", handler)
	if err := c.ContainerStart(ctx, "web"); err != nil && !errors.Is(err, dockwire.ErrConnectionLost) {
		t.Fatalf("POST after second restart: %v; want success or ErrConnectionLost", err)
	}
	if got := posts.Load(); got != 2 {
		t.Errorf("daemons saw %d POSTs, want exactly 2 (one per call)", got)
	}
}

func TestFault_A5_ClosedMidBody(t *testing.T) {
	host := rawDaemon(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"Id\":\"abc\",")
	})
	c, _ := dockwire.New(host, dockwire.WithAPIVersion("1.41"))
	info, err := c.ContainerInspect(testContext(t), "abc", dockwire.ContainerInspectOptions{})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v; want io.ErrUnexpectedEOF", err)
	}
	if info.ID != "" {
		t.Errorf("half-filled result %+v returned with the error", info)
	}
}

func TestFault_A7_NoHeadersHonoursDeadline(t *testing.T) {
	host := rawDaemon(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	c, _ := dockwire.New(host, dockwire.WithAPIVersion("1.41"))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ContainerInspect(ctx, "abc", dockwire.ContainerInspectOptions{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %v", d)
	}

	c, _ = dockwire.New(host, dockwire.WithAPIVersion("1.41"), dockwire.WithTimeout(100*time.Millisecond))
	_, err = c.ContainerInspect(testContext(t), "abc", dockwire.ContainerInspectOptions{})
	if !errors.Is(err, os.ErrDeadlineExceeded) || !strings.Contains(err.Error(), "did not answer in time") {
		t.Fatalf("err = %v; want a response timeout", err)
	}
}

func TestFault_A8_HostHeader(t *testing.T) {
	var host atomic.Value
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		host.Store(r.Host)
		jsonReply(w, 200, `[]`)
	})
	if _, err := d.client(t).ContainerList(testContext(t), dockwire.ContainerListOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := host.Load(); got != "api.moby.localhost" {
		t.Errorf("Host = %q, want api.moby.localhost", got)
	}
}

func TestFault_A9_ManyNotFoundsKeepResourcesFlat(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 404, `{"message":"No such container: x"}`)
	})
	c := d.client(t)
	ctx := testContext(t)
	fds := openFDs(t)
	for i := 0; i < 1000; i++ {
		if _, err := c.ContainerInspect(ctx, "x", dockwire.ContainerInspectOptions{}); !errors.Is(err, dockwire.ErrContainerNotFound) {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if got := d.accepts.Load(); got > 2 {
		t.Errorf("1000 sequential requests opened %d connections, want 1 (plus the ping's)", got)
	}
	if after := openFDs(t); after > fds+2 {
		t.Errorf("open descriptors grew from %d to %d", fds, after)
	}
	c.Close()
	if _, err := c.ContainerInspect(ctx, "x", dockwire.ContainerInspectOptions{}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("call after Close: %v; want a closed-client error", err)
	}
}

func TestFault_A10_NonHTTPAnswer(t *testing.T) {
	host := rawDaemon(t, func(c net.Conn) {
		http.ReadRequest(bufio.NewReader(c))
		c.Write([]byte("\x15\x03\x01\x00\x02\x02\x50 not http at all\r\n\r\n"))
	})
	c, _ := dockwire.New(host, dockwire.WithAPIVersion("1.41"))
	_, err := c.ContainerInspect(testContext(t), "abc", dockwire.ContainerInspectOptions{})
	var ce *dockwire.ConnectError
	if !errors.As(err, &ce) || !strings.Contains(ce.Hint, "does not speak HTTP") {
		t.Fatalf("err = %v; want a ConnectError saying the peer does not speak HTTP", err)
	}
	if n := strings.Count(err.Error(), "malformed HTTP response"); n != 1 {
		t.Errorf("err = %q says \"malformed HTTP response\" %d times, want once", err, n)
	}
}

func TestFault_H1_NonIdempotentSentOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply func(c net.Conn)
	}{
		{"reset", func(c net.Conn) {}},
		{"500", func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"message\":\"boom!\"}\n")
		}},
		{"503", func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var posts atomic.Int64
			host := rawDaemon(t, func(c net.Conn) {
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				posts.Add(1)
				tc.reply(c)
			})
			c, _ := dockwire.New(host, dockwire.WithAPIVersion("1.41"), dockwire.WithRetry(4, time.Millisecond))
			err := c.ContainerStart(testContext(t), "web")
			if err == nil {
				t.Fatal("no error")
			}
			if got := posts.Load(); got != 1 {
				t.Errorf("daemon saw %d POSTs, want exactly 1 (%v)", got, err)
			}
		})
	}
}

func TestFault_H2_RetryPolicy(t *testing.T) {
	for _, tc := range []struct {
		name      string
		statuses  []int
		header    string
		wantCalls int64
		wantErr   error
	}{
		{"503 then 200", []int{503, 200}, "", 2, nil},
		{"429 with Retry-After", []int{429, 200}, "0", 2, nil},
		{"500 not retried", []int{500, 200}, "", 1, dockwire.ErrServer},
		{"Retry-After beyond budget not waited for", []int{429, 200}, "3600", 1, dockwire.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int64
			d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
				n := calls.Add(1)
				status := tc.statuses[min(int(n), len(tc.statuses))-1]
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				jsonReply(w, status, `[]`)
			})
			_, err := d.client(t, dockwire.WithRetry(4, 50*time.Millisecond)).ContainerList(testContext(t), dockwire.ContainerListOptions{})
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if got := calls.Load(); got != tc.wantCalls {
				t.Errorf("daemon saw %d requests, want %d", got, tc.wantCalls)
			}
		})
	}
}

func TestFault_H3_LastDaemonMessageSurvives(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 503, `{"message":"daemon is shutting down"}`)
	})
	_, err := d.client(t, dockwire.WithRetry(3, time.Millisecond)).ContainerList(testContext(t), dockwire.ContainerListOptions{})
	var apiErr *dockwire.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Message != "daemon is shutting down" {
		t.Fatalf("err = %#v; want the daemon's 503 and message", err)
	}
	if got := d.requests.Load(); got != 3 {
		t.Errorf("tried %d times, want 3", got)
	}
}

func TestFault_H5_CancelDuringBackoff(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		jsonReply(w, 503, `{"message":"busy"}`)
	})
	c := d.client(t, dockwire.WithRetry(4, 2*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ContainerList(ctx, dockwire.ContainerListOptions{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want the context's error", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("returned after %v, want right after the deadline", d)
	}
}

func TestFault_H1_EarlyAnswerDuringUpload(t *testing.T) {
	host := rawDaemon(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		if req.URL.Path == "/_ping" {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 0\r\n\r\n")
			return
		}
		body := `{"message":"No such container: web"}`
		io.WriteString(c, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
	})
	c, _ := dockwire.New(host)
	upload := io.LimitReader(zeros{}, 64<<20)
	err := c.CopyToContainer(testContext(t), "web", "/tmp", upload, dockwire.CopyToContainerOptions{})
	if !errors.Is(err, dockwire.ErrContainerNotFound) {
		t.Fatalf("err = %v; want the daemon's 404 rather than a broken pipe", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestFault_A7_StalledBodyBoundedByTimeout(t *testing.T) {
	host := rawDaemon(t, func(c net.Conn) {
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"Id\":")
		io.Copy(io.Discard, c) // and never more
	})
	c, _ := dockwire.New(host, dockwire.WithAPIVersion("1.41"), dockwire.WithTimeout(200*time.Millisecond))
	start := time.Now()
	_, err := c.ContainerInspect(testContext(t), "abc", dockwire.ContainerInspectOptions{})
	if !errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "WithTimeout") {
		t.Fatalf("err = %v; want the client's answer timeout, not a context error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %v", d)
	}
}

func TestFault_A7_StopGetsItsGracePeriod(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond) // the container takes its time to stop
		w.WriteHeader(http.StatusNoContent)
	})
	c := d.client(t, dockwire.WithTimeout(100*time.Millisecond))
	if err := c.ContainerStop(testContext(t), "x", dockwire.ContainerStopOptions{Timeout: time.Second}); err != nil {
		t.Errorf("stop with a 1s grace period under a 100ms timeout: %v; want the grace period added", err)
	}
	if err := c.ContainerKill(testContext(t), "x", ""); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("kill answered after 300ms under a 100ms timeout: %v; want a timeout", err)
	}
}

package dockwire_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/await"
	"github.com/dockwire/dockwire/stdcopy"
	"github.com/google/go-cmp/cmp"
)

// collectLines reads all lines of s as "stream:text".
func collectLines(t *testing.T, s *dockwire.LogStream) ([]string, error) {
	t.Helper()
	var got []string
	for l, err := range s.Lines() {
		if err != nil {
			return got, err
		}
		got = append(got, l.Stream.String()+":"+l.Text)
	}
	return got, nil
}

// consumeInBackground reads s to its end in a goroutine, the way named
// (Read, CopyTo, Lines, or Multiplexed and then Read, which returns the
// error met while sniffing), and sends the error it ends with on done.
// first is closed once the consumer has got the first bytes, or line.
func consumeInBackground(t *testing.T, s *dockwire.LogStream, how string) (done <-chan error, first <-chan struct{}) {
	ended := make(chan error, 1)
	got := newFirstWrite()
	go func() {
		var err error
		switch how {
		case "Read":
			_, err = io.Copy(got, s)
		case "CopyTo":
			_, err = s.CopyTo(got, got)
		case "Lines":
			for _, lerr := range s.Lines() {
				if err = lerr; err != nil {
					break
				}
				got.Write(nil)
			}
		case "Multiplexed":
			s.Multiplexed()
			_, err = io.Copy(got, s)
		default:
			err = fmt.Errorf("no way to consume called %q", how)
		}
		ended <- err
	}()
	return ended, got.written
}

// allLines reads every line of s, failing the test on an error.
func allLines(t *testing.T, s *dockwire.LogStream) []dockwire.LogLine {
	t.Helper()
	var got []dockwire.LogLine
	for l, err := range s.Lines() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, l)
	}
	return got
}

func TestContainerLogsQuery(t *testing.T) {
	since := time.Unix(1700000000, 5)
	until := time.Unix(1700000100, 0)
	tests := []struct {
		name string
		opts dockwire.ContainerLogsOptions
		want string
	}{
		{"zero value: both streams, all", dockwire.ContainerLogsOptions{}, "stderr=1&stdout=1"},
		{"stdout only", dockwire.ContainerLogsOptions{Stdout: true}, "stdout=1"},
		{"stderr only", dockwire.ContainerLogsOptions{Stderr: true}, "stderr=1"},
		{"tail", dockwire.ContainerLogsOptions{Tail: 5}, "stderr=1&stdout=1&tail=5"},
		{"tail none", dockwire.ContainerLogsOptions{Tail: dockwire.TailNone, Follow: true}, "follow=1&stderr=1&stdout=1&tail=0"},
		{"window", dockwire.ContainerLogsOptions{Since: since, Until: until}, "since=1700000000.000000005&stderr=1&stdout=1&until=1700000100.000000000"},
		{"flags", dockwire.ContainerLogsOptions{Timestamps: true, Details: true}, "details=1&stderr=1&stdout=1&timestamps=1"},
	}
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box", State: "exited"})
	c := engineClient(t, e)
	ctx := testContext(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := c.ContainerLogs(ctx, "box", tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			reqs := e.Requests()
			last := reqs[len(reqs)-1]
			if last.Route != "/containers/box/logs" {
				t.Fatalf("last request %s %s", last.Method, last.Route)
			}
			if got := last.Query.Encode(); got != tt.want {
				t.Errorf("query %q, want %q", got, tt.want)
			}
		})
	}
}

func TestContainerLogsInvalidOptions(t *testing.T) {
	e := enginetest.New(t)
	c := engineClient(t, e)
	ctx := testContext(t)
	for _, opts := range []dockwire.ContainerLogsOptions{
		{Tail: -2},
		{Since: time.Unix(200, 0), Until: time.Unix(100, 0)},
	} {
		if _, err := c.ContainerLogs(ctx, "box", opts); !errors.Is(err, dockwire.ErrInvalidArgument) {
			t.Errorf("%+v: %v, want ErrInvalidArgument", opts, err)
		}
	}
	if _, err := c.ContainerLogTail(ctx, "box", 0); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("tail 0: %v, want ErrInvalidArgument", err)
	}
	if n := e.Count("GET", "/containers/{id}/logs"); n != 0 {
		t.Errorf("%d logs requests for invalid options", n)
	}
	if _, err := c.ContainerLogs(ctx, "nope", dockwire.ContainerLogsOptions{}); !errors.Is(err, dockwire.ErrContainerNotFound) {
		t.Errorf("missing container: %v", err)
	}
}

// Framing comes from the Content-Type from API 1.42, and from the start of
// the stream below, where the daemon labels every log stream raw (Engine
// 20.10 sends no Content-Type): never from an inspect of Config.Tty.
func TestContainerLogsFraming(t *testing.T) {
	for _, api := range []string{"1.41", "1.51"} {
		for _, tty := range []bool{false, true} {
			e := enginetest.New(t, enginetest.WithAPIVersion(api))
			e.AddContainer(enginetest.Container{Name: "box", Tty: tty, State: "exited", Logs: []enginetest.LogEntry{
				{Text: "out\r\n"}, {Stream: stdcopy.Stderr, Text: "err\r\n"},
			}})
			c := engineClient(t, e)
			s, err := c.ContainerLogs(testContext(t), "box", dockwire.ContainerLogsOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if s.Multiplexed() == tty {
				t.Errorf("API %s tty=%v: Multiplexed() = %v", api, tty, s.Multiplexed())
			}
			var out, errb bytes.Buffer
			if _, err := s.CopyTo(&out, &errb); err != nil {
				t.Fatal(err)
			}
			s.Close()
			wantOut, wantErr := "out\r\n", "err\r\n"
			if tty {
				wantOut, wantErr = "out\r\nerr\r\n", ""
			}
			if out.String() != wantOut || errb.String() != wantErr {
				t.Errorf("API %s tty=%v: stdout %q stderr %q", api, tty, out.String(), errb.String())
			}
			if n := e.Count("GET", "/containers/{id}/json"); n != 0 {
				t.Errorf("API %s: %d inspects, want none", api, n)
			}
		}
	}
}

// A proxy that drops the Content-Type on API >= 1.42 costs no inspect
// either: the start of the stream decides.
func TestContainerLogsMissingContentType(t *testing.T) {
	for _, tc := range []struct {
		body string
		mux  bool
	}{
		{"\x01raw tty bytes\n", false},
		{string(frame(stdcopy.Stdout, "framed\n")), true},
	} {
		e := enginetest.New(t, enginetest.WithAPIVersion("1.51"))
		e.AddContainer(enginetest.Container{Name: "box", Tty: !tc.mux, State: "exited"})
		e.Handle("GET", "/containers/{id}/logs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			io.WriteString(w, tc.body)
		}))
		c := engineClient(t, e)
		s, err := c.ContainerLogs(testContext(t), "box", dockwire.ContainerLogsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Multiplexed() != tc.mux {
			t.Errorf("%q: Multiplexed() = %v", tc.body, !tc.mux)
		}
		s.Close()
		if n := e.Count("GET", "/containers/{id}/json"); n != 0 {
			t.Errorf("%d inspects without a Content-Type, want none", n)
		}
	}
}

// rawLogsEngine is an API 1.41 engine whose logs endpoint sends chunks,
// each flushed, with no Content-Type, as Engine 20.10 does.
func rawLogsEngine(t *testing.T, chunks ...[]byte) *enginetest.Engine {
	t.Helper()
	e := enginetest.New(t, enginetest.WithAPIVersion("1.41"))
	e.AddContainer(enginetest.Container{Name: "box", State: "exited"})
	e.Handle("GET", "/containers/{id}/logs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		for i, c := range chunks {
			if i > 0 {
				time.Sleep(10 * time.Millisecond)
			}
			w.Write(c)
			rc.Flush()
		}
	}))
	return e
}

// Below API 1.42 the stream's first bytes decide its framing, whichever
// way it is read, and those bytes are still delivered.
func TestContainerLogsSniff(t *testing.T) {
	mux := append(frame(stdcopy.Stdout, "out\n"), frame(stdcopy.Stderr, "err\n")...)
	tests := []struct {
		name        string
		chunks      [][]byte
		mux         bool
		out, errOut string   // what CopyTo writes
		lines       []string // what Lines yields
	}{
		{"tty text", [][]byte{[]byte("hello\r\nworld\r\n")}, false,
			"hello\r\nworld\r\n", "", []string{"stdout:hello", "stdout:world"}},
		{"multiplexed", [][]byte{mux}, true,
			"out\n", "err\n", []string{"stdout:out", "stderr:err"}},
		{"empty", nil, false, "", "", nil},
		{"tty starting with byte 1", [][]byte{[]byte("\x01\x02 ctrl-a ctrl-b\r\n")}, false,
			"\x01\x02 ctrl-a ctrl-b\r\n", "", []string{"stdout:\x01\x02 ctrl-a ctrl-b"}},
		{"tty starting with byte 1, text in a later write", [][]byte{{1}, []byte("ab\n")}, false,
			"\x01ab\n", "", []string{"stdout:\x01ab"}},
		{"shorter than a header", [][]byte{{2, 0}}, false, "\x02\x00", "", []string{"stdout:\x02\x00"}},
		{"header split over writes", [][]byte{mux[:1], mux[1:3], mux[3:]}, true,
			"out\n", "err\n", []string{"stdout:out", "stderr:err"}},
		{"NUL bytes from a tty", [][]byte{make([]byte, 12)}, false,
			string(make([]byte, 12)), "", []string{"stdout:" + string(make([]byte, 12))}},
	}
	for _, tt := range tests {
		body := bytes.Join(tt.chunks, nil)
		for _, consume := range []string{"Read", "CopyTo", "Lines", "Multiplexed then Read"} {
			t.Run(tt.name+"/"+consume, func(t *testing.T) {
				e := rawLogsEngine(t, tt.chunks...)
				c := engineClient(t, e)
				s, err := c.ContainerLogs(testContext(t), "box", dockwire.ContainerLogsOptions{})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				switch consume {
				case "Multiplexed then Read":
					if s.Multiplexed() != tt.mux {
						t.Errorf("Multiplexed() = %v before reading", !tt.mux)
					}
					fallthrough
				case "Read":
					got, err := io.ReadAll(s)
					if err != nil || !bytes.Equal(got, body) {
						t.Errorf("Read: %q, %v; want %q", got, err, body)
					}
				case "CopyTo":
					var out, errb bytes.Buffer
					if _, err := s.CopyTo(&out, &errb); err != nil || out.String() != tt.out || errb.String() != tt.errOut {
						t.Errorf("CopyTo: stdout %q, stderr %q, %v; want %q, %q", out.String(), errb.String(), err, tt.out, tt.errOut)
					}
				case "Lines":
					lines, err := collectLines(t, s)
					if err != nil {
						t.Error(err)
					}
					if diff := cmp.Diff(tt.lines, lines); diff != "" {
						t.Errorf("lines (-want +got):\n%s", diff)
					}
				}
				if s.Multiplexed() != tt.mux {
					t.Errorf("Multiplexed() = %v", !tt.mux)
				}
				if n := e.Count("GET", "/containers/{id}/json"); n != 0 {
					t.Errorf("%d inspects, want none", n)
				}
			})
		}
	}
}

// A first byte that cannot start a frame header decides at once: the
// stream is not held up waiting for more.
func TestContainerLogsSniffNoWaitForRaw(t *testing.T) {
	e := enginetest.New(t, enginetest.WithAPIVersion("1.41"))
	e.AddContainer(enginetest.Container{Name: "box"})
	e.Handle("GET", "/containers/{id}/logs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil
		io.WriteString(w, "$")
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	}))
	c := engineClient(t, e)
	s, err := c.ContainerLogs(testContext(t), "box", dockwire.ContainerLogsOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	done := make(chan bool, 1)
	go func() { done <- s.Multiplexed() }()
	// The fake sends nothing more: waiting for more than the first byte would hang.
	if await.Recv(t, "Multiplexed() to decide on the first byte", done) {
		t.Error("Multiplexed() = true for a stream starting with '$'")
	}
	buf := make([]byte, 8)
	if n, err := s.Read(buf); n != 1 || buf[0] != '$' || err != nil {
		t.Errorf("Read: %q, %v", buf[:n], err)
	}
}

// A following stream of a silent container on API 1.41: ContainerLogs
// returns at once (the framing is decided at the first read, not there),
// and cancelling ends a read that waits for the first bytes, also when a
// first byte 1-3 has come and the rest of a possible header has not.
func TestFault_F1_FollowCancelBeforeFirstBytes(t *testing.T) {
	for _, start := range []string{"", "\x01"} {
		e := enginetest.New(t, enginetest.WithAPIVersion("1.41"))
		e.AddContainer(enginetest.Container{Name: "box"})
		e.Handle("GET", "/containers/{id}/logs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			io.WriteString(w, start)
			http.NewResponseController(w).Flush()
			<-r.Context().Done()
		}))
		c := engineClient(t, e)
		if _, err := c.Ping(testContext(t)); err != nil {
			t.Fatal(err)
		}
		base := runtime.NumGoroutine()
		for _, consume := range []string{"Read", "CopyTo", "Lines", "Multiplexed"} {
			t.Run(fmt.Sprintf("start=%q/%s", start, consume), func(t *testing.T) {
				ctx, cancel := context.WithCancel(testContext(t))
				defer cancel()
				begin := time.Now()
				s, err := c.ContainerLogs(ctx, "box", dockwire.ContainerLogsOptions{Follow: true})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if d := time.Since(begin); d > time.Second {
					t.Errorf("ContainerLogs took %v for a silent container", d)
				}
				done, _ := consumeInBackground(t, s, consume)
				select {
				case err := <-done:
					t.Fatalf("returned before the container wrote anything: %v", err)
				case <-time.After(50 * time.Millisecond):
				}
				endsOnCancel(t, cancel, done)
			})
		}
		if n := e.Count("GET", "/containers/{id}/json"); n != 0 {
			t.Errorf("%d inspects, want none", n)
		}
		await.Goroutines(t, base)
	}
}

// A silent follow on API 1.41 that starts writing later is framed as the
// container's TTY says.
// readWatch is a connection that, once armed, reports the first Read
// made on it: the client waits for bytes the daemon has not sent yet.
type readWatch struct {
	net.Conn
	armed   *atomic.Bool
	reading chan struct{}
	once    *sync.Once
}

func (r readWatch) Read(p []byte) (int, error) {
	if r.armed.Load() {
		r.once.Do(func() { close(r.reading) })
	}
	return r.Conn.Read(p)
}

// The first log bytes come only once the client is reading: the framing
// is decided at the first read, which waits for them, rather than in
// ContainerLogs (which returned on the headers alone) or on an empty read.
func TestContainerLogsSniffLateFirstWrite(t *testing.T) {
	for _, tty := range []bool{false, true} {
		e := enginetest.New(t, enginetest.WithAPIVersion("1.41"))
		id := e.AddContainer(enginetest.Container{Name: "box", Tty: tty})
		var armed atomic.Bool
		reading, once := make(chan struct{}), new(sync.Once)
		c := engineClient(t, e, dockwire.WithDialer(func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			conn, err := d.DialContext(ctx, "unix", e.SocketPath())
			if err != nil {
				return nil, err
			}
			return readWatch{conn, &armed, reading, once}, nil
		}))
		s, err := c.ContainerLogs(testContext(t), "box", dockwire.ContainerLogsOptions{Follow: true})
		if err != nil {
			t.Fatal(err)
		}
		armed.Store(true)
		written := make(chan struct{})
		go func() {
			defer close(written)
			select {
			case <-reading:
			case <-time.After(await.Timeout):
				return // the test fails on the log it did not get
			}
			e.AppendLog(id, enginetest.LogEntry{Text: "late\r\n"}, enginetest.LogEntry{Stream: stdcopy.Stderr, Text: "later\r\n"})
			e.StopContainer(id, 0)
		}()
		var out, errb bytes.Buffer
		if _, err := s.CopyTo(&out, &errb); err != nil {
			t.Fatal(err)
		}
		s.Close()
		<-written
		wantOut, wantErr := "late\r\n", "later\r\n"
		if tty {
			wantOut, wantErr = "late\r\nlater\r\n", ""
		}
		if out.String() != wantOut || errb.String() != wantErr || s.Multiplexed() == tty {
			t.Errorf("tty=%v: stdout %q, stderr %q, Multiplexed() = %v", tty, out.String(), errb.String(), s.Multiplexed())
		}
	}
}

func TestFault_D13_RawLogsPassedThrough(t *testing.T) {
	// Bytes that would parse as a frame header stay as they are.
	raw := "\x01\x00\x00\x00\x00\x00\x00\x05hello\r\n\x1b[31mred\x1b[0m\r\n"
	e := enginetest.New(t, enginetest.WithAPIVersion("1.51"))
	e.AddContainer(enginetest.Container{Name: "box", Tty: true, State: "exited", Logs: []enginetest.LogEntry{{Text: raw}}})
	c := engineClient(t, e)
	s, err := c.ContainerLogs(testContext(t), "box", dockwire.ContainerLogsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out bytes.Buffer
	n, err := s.CopyTo(&out, nil)
	if err != nil || out.String() != raw || n != int64(len(raw)) {
		t.Errorf("CopyTo: %d, %v, %q; want the raw bytes unchanged", n, err, out.String())
	}
}

func TestLogLines(t *testing.T) {
	t0 := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box", State: "exited", Logs: []enginetest.LogEntry{
		{Text: "one\n", Time: t0},
		{Text: "two, first part ", Time: t0.Add(time.Second)},                    // the daemon splits long lines
		{Stream: stdcopy.Stderr, Text: "err\r\n", Time: t0.Add(2 * time.Second)}, // interleaved
		{Text: "second part\n", Time: t0.Add(3 * time.Second)},
		{Text: "\n", Time: t0.Add(4 * time.Second)},
		{Text: "no newline at the end", Time: t0.Add(5 * time.Second)},
	}})
	c := engineClient(t, e)
	ctx := testContext(t)

	s, err := c.ContainerLogs(ctx, "box", dockwire.ContainerLogsOptions{Timestamps: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := allLines(t, s)
	want := []dockwire.LogLine{
		{Stream: stdcopy.Stdout, Time: t0, Text: "one"},
		{Stream: stdcopy.Stderr, Time: t0.Add(2 * time.Second), Text: "err"},
		{Stream: stdcopy.Stdout, Time: t0.Add(time.Second), Text: "two, first part second part"},
		{Stream: stdcopy.Stdout, Time: t0.Add(4 * time.Second), Text: ""},
		{Stream: stdcopy.Stdout, Time: t0.Add(5 * time.Second), Text: "no newline at the end"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}

	// Without timestamps, Time is zero and the text is the same.
	s2, err := c.ContainerLogs(ctx, "box", dockwire.ContainerLogsOptions{Stdout: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	lines, err := collectLines(t, s2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"stdout:one", "stdout:two, first part second part", "stdout:", "stdout:no newline at the end"}, lines); diff != "" {
		t.Errorf("stdout lines (-want +got):\n%s", diff)
	}

	// Breaking out of the loop early is fine.
	s3, err := c.ContainerLogs(ctx, "box", dockwire.ContainerLogsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	for range s3.Lines() {
		break
	}
}

func TestLogLinesRawTimestamps(t *testing.T) {
	t0 := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box", Tty: true, State: "exited", Logs: []enginetest.LogEntry{
		{Text: "a\r\n", Time: t0}, {Text: "b\r\n", Time: t0.Add(time.Millisecond)},
	}})
	c := engineClient(t, e)
	s, err := c.ContainerLogs(testContext(t), "box", dockwire.ContainerLogsOptions{Timestamps: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := allLines(t, s)
	want := []dockwire.LogLine{
		{Stream: stdcopy.Stdout, Time: t0, Text: "a"},
		{Stream: stdcopy.Stdout, Time: t0.Add(time.Millisecond), Text: "b"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

// The details prefix ("k=v,k2=v2 ", query-escaped, after the timestamp)
// is decoded into LogLine.Details.
func TestLogLinesDetails(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box", State: "exited"})
	e.Handle("GET", "/containers/{id}/logs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("details") != "1" || r.URL.Query().Get("timestamps") != "1" {
			t.Errorf("query %q", r.URL.RawQuery)
		}
		w.Header().Set("Content-Type", "application/vnd.docker.multiplexed-stream")
		w.Write(frame(stdcopy.Stdout, "2024-01-02T03:04:05.000000006Z app=web,env=a%3Db hello\n"))
		w.Write(frame(stdcopy.Stdout, "2024-01-02T03:04:06.000000000Z  bare\n"))
	}))
	c := engineClient(t, e)
	s, err := c.ContainerLogs(testContext(t), "box", dockwire.ContainerLogsOptions{Details: true, Timestamps: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := allLines(t, s)
	want := []dockwire.LogLine{
		{Stream: stdcopy.Stdout, Time: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC), Details: map[string]string{"app": "web", "env": "a=b"}, Text: "hello"},
		{Stream: stdcopy.Stdout, Time: time.Date(2024, 1, 2, 3, 4, 6, 0, time.UTC), Text: "bare"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestLogLinesErrors(t *testing.T) {
	tests := []struct {
		name  string
		body  []byte
		lines []string
		check func(error) bool
	}{
		{"daemon error in-band", append(frame(stdcopy.Stdout, "partial"), frame(stdcopy.Systemerr, "log driver failed")...),
			[]string{"stdout:partial"}, func(err error) bool {
				var de *stdcopy.DaemonError
				return errors.As(err, &de) && de.Message == "log driver failed"
			}},
		{"truncated header", append(frame(stdcopy.Stdout, "a\n"), 1, 0, 0),
			[]string{"stdout:a"}, func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }},
		{"truncated payload", frame(stdcopy.Stdout, "abcdef")[:10],
			[]string{"stdout:ab"}, func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }},
		{"empty frames start no line", append(append(frame(stdcopy.Stdout, ""), frame(stdcopy.Stdout, "x\n")...), frame(stdcopy.Stderr, "")...),
			[]string{"stdout:x"}, func(err error) bool { return err == nil }},
		{"not multiplexed", []byte("2024 this is raw\n"),
			nil, func(err error) bool {
				var ie *stdcopy.InvalidStreamError
				return errors.As(err, &ie) && ie.Offset == 0
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := enginetest.New(t)
			e.AddContainer(enginetest.Container{Name: "box", State: "exited"})
			e.Handle("GET", "/containers/{id}/logs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/vnd.docker.multiplexed-stream")
				w.Write(tt.body)
			}))
			c := engineClient(t, e)
			s, err := c.ContainerLogs(testContext(t), "box", dockwire.ContainerLogsOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			lines, err := collectLines(t, s)
			if !tt.check(err) {
				t.Errorf("error %v (%T)", err, err)
			}
			if diff := cmp.Diff(tt.lines, lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestContainerLogTail(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box", State: "exited", Logs: []enginetest.LogEntry{
		{Text: "1\n"}, {Stream: stdcopy.Stderr, Text: "2\n"}, {Text: "3\n"}, {Stream: stdcopy.Stderr, Text: "4\n"},
	}})
	c := engineClient(t, e)
	got, err := c.ContainerLogTail(testContext(t), "box", 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []dockwire.LogLine{{Stream: stdcopy.Stderr, Text: "2"}, {Stream: stdcopy.Stdout, Text: "3"}, {Stream: stdcopy.Stderr, Text: "4"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tail (-want +got):\n%s", diff)
	}
	if q := e.Requests()[len(e.Requests())-1].Query.Get("tail"); q != "3" {
		t.Errorf("tail=%q", q)
	}
}

func TestFault_F1_FollowCancel(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box", Logs: []enginetest.LogEntry{{Text: "first\n"}}})
	c := engineClient(t, e)
	if _, err := c.Ping(testContext(t)); err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()
	for _, consume := range []string{"Read", "CopyTo", "Lines"} {
		t.Run(consume, func(t *testing.T) {
			ctx, cancel := context.WithCancel(testContext(t))
			defer cancel()
			s, err := c.ContainerLogs(ctx, "box", dockwire.ContainerLogsOptions{Follow: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			done, first := consumeInBackground(t, s, consume)
			await.Recv(t, "the consumer to get the first line", first) // then it waits for more
			endsOnCancel(t, cancel, done)
		})
	}
	await.Goroutines(t, base)
}

func TestFault_F2_CloseWithoutCancel(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box", Logs: []enginetest.LogEntry{{Text: "x\n"}}})
	// Each answer is bounded by the client's timeout; the context, never
	// cancelled, bounds nothing, so that only Close can release a stream.
	// (The 10000 streams can take minutes on a loaded machine.)
	c := engineClient(t, e, dockwire.WithTimeout(await.Timeout))
	ctx := context.Background()
	if _, err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	n := 10000
	if testing.Short() {
		n = 1000
	}
	base := runtime.NumGoroutine()
	fds := openFDs(t)
	for i := 0; i < n; i++ {
		s, err := c.ContainerLogs(ctx, "box", dockwire.ContainerLogsOptions{Follow: true})
		if err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s.Close() // twice is fine
	}
	await.Goroutines(t, base)
	if after := openFDs(t); after > fds+4 {
		t.Errorf("open descriptors grew from %d to %d over %d streams", fds, after, n)
	}
}

func TestFault_F3_FollowEndsWhenContainerStops(t *testing.T) {
	e := enginetest.New(t)
	id := e.AddContainer(enginetest.Container{Name: "box", Logs: []enginetest.LogEntry{{Text: "before\n"}}})
	c := engineClient(t, e)
	s, err := c.ContainerLogs(testContext(t), "box", dockwire.ContainerLogsOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var lines []string
	for l, err := range s.Lines() {
		if err != nil {
			t.Fatalf("clean stop: %v, want nil", err)
		}
		lines = append(lines, l.Stream.String()+":"+l.Text)
		if len(lines) == 1 { // the follow is live: more comes, then the stop
			e.AppendLog(id, enginetest.LogEntry{Text: "during\n"}, enginetest.LogEntry{Stream: stdcopy.Stderr, Text: "last words"})
			e.StopContainer(id, 0)
		}
	}
	if diff := cmp.Diff([]string{"stdout:before", "stdout:during", "stderr:last words"}, lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestFault_F4_FollowCreatedContainer(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box", State: "created"})
	c := engineClient(t, e)
	s, err := c.ContainerLogs(testContext(t), "box", dockwire.ContainerLogsOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	if n, err := s.CopyTo(io.Discard, io.Discard); n != 0 || err != nil {
		t.Errorf("CopyTo: %d, %v", n, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v, want at once", d)
	}
}

// No timeout ends an idle follow, not even the client's header timeout.
func TestFault_F5_IdleFollowStaysOpen(t *testing.T) {
	e := enginetest.New(t)
	id := e.AddContainer(enginetest.Container{Name: "box"})
	c := engineClient(t, e, dockwire.WithTimeout(50*time.Millisecond))
	s, err := c.ContainerLogs(testContext(t), "box", dockwire.ContainerLogsOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	go func() {
		time.Sleep(500 * time.Millisecond) // ten times the timeout
		e.AppendLog(id, enginetest.LogEntry{Text: "late\n"})
		e.StopContainer(id, 0)
	}()
	lines, err := collectLines(t, s)
	if err != nil || len(lines) != 1 || lines[0] != "stdout:late" {
		t.Errorf("lines %q, err %v", lines, err)
	}
}

func TestFault_F6_SlowReader(t *testing.T) {
	e := enginetest.New(t)
	id := e.AddContainer(enginetest.Container{Name: "box"})
	c := engineClient(t, e)
	s, err := c.ContainerLogs(testContext(t), "box", dockwire.ContainerLogsOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const total = 150 << 10
	go func() {
		line := strings.Repeat("x", 99) + "\n"
		for i := 0; i < total/len(line); i++ {
			e.AppendLog(id, enginetest.LogEntry{Text: line})
		}
		e.StopContainer(id, 0)
	}()
	var got int64
	buf := make([]byte, 10)
	for {
		n, err := s.Read(buf)
		got += int64(n)
		if got%(16<<10) < 10 {
			time.Sleep(50 * time.Millisecond)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// Each 100-byte message arrives as a frame with an 8-byte header.
	if want := int64(total / 100 * 108); got != want {
		t.Errorf("read %d bytes, want %d", got, want)
	}
}

func TestFault_F7_LongLineBounded(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box", State: "exited"})
	chunk := frame(stdcopy.Stdout, strings.Repeat("y", 32<<10))
	e.Handle("GET", "/containers/{id}/logs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.docker.multiplexed-stream")
		for i := 0; i < (100<<20)/(32<<10); i++ { // one 100 MB line
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	c := engineClient(t, e)
	s, err := c.ContainerLogs(testContext(t), "box", dockwire.ContainerLogsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var lerr error
	for _, err := range s.Lines() {
		lerr = err
	}
	runtime.ReadMemStats(&after)
	if !errors.Is(lerr, bufio.ErrTooLong) {
		t.Errorf("Lines: %v, want bufio.ErrTooLong", lerr)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("allocated %d bytes for a line capped at %d", alloc, dockwire.MaxLogLine)
	}
}

func TestFault_F8_DaemonDiesMidFollow(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "box"})
	e.Handle("GET", "/containers/{id}/logs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.docker.multiplexed-stream")
		w.Write(frame(stdcopy.Stdout, "alive\n"))
		http.NewResponseController(w).Flush()
		time.Sleep(20 * time.Millisecond)
		// Cut the connection without the final chunk, as a dying daemon does.
		panic(http.ErrAbortHandler)
	}))
	c := engineClient(t, e)
	ctx := testContext(t)
	for _, consume := range []string{"Read", "CopyTo", "Lines"} {
		t.Run(consume, func(t *testing.T) {
			s, err := c.ContainerLogs(ctx, "box", dockwire.ContainerLogsOptions{Follow: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var out []byte
			switch consume {
			case "Read":
				out, err = io.ReadAll(s)
			case "CopyTo":
				var b bytes.Buffer
				_, err = s.CopyTo(&b, nil)
				out = b.Bytes()
			case "Lines":
				var lines []string
				lines, err = collectLines(t, s)
				out = []byte(strings.Join(lines, ""))
			}
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("daemon died: %v, want io.ErrUnexpectedEOF", err)
			}
			if !bytes.Contains(out, []byte("alive")) {
				t.Errorf("output before the cut lost: %q", out)
			}
		})
	}
}

// Closing a log from another goroutine while Lines, CopyTo or Read waits
// for more ends that read as the end of the log does: no error, and no
// partial line from Lines.
func TestLogStreamCloseWhileReading(t *testing.T) {
	for _, tty := range []bool{false, true} {
		e := enginetest.New(t)
		e.AddContainer(enginetest.Container{Name: "box", Tty: tty, Logs: []enginetest.LogEntry{{Text: "first\npartial"}}})
		c := engineClient(t, e)
		for _, consume := range []string{"Read", "CopyTo", "Lines"} {
			t.Run(fmt.Sprintf("tty=%v/%s", tty, consume), func(t *testing.T) {
				s, err := c.ContainerLogs(testContext(t), "box", dockwire.ContainerLogsOptions{Follow: true})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				started := make(chan struct{})
				var once sync.Once
				signal := func() { once.Do(func() { close(started) }) }
				done := make(chan error, 1)
				var lines []string
				go func() {
					var err error
					switch consume {
					case "Read":
						buf := make([]byte, 64)
						for err == nil {
							var n int
							n, err = s.Read(buf)
							if n > 0 {
								signal()
							}
						}
						if err == io.EOF {
							err = nil
						}
					case "CopyTo":
						_, err = s.CopyTo(writerFunc(func(p []byte) (int, error) { signal(); return len(p), nil }), io.Discard)
					case "Lines":
						for l, lerr := range s.Lines() {
							if err = lerr; err != nil {
								break
							}
							lines = append(lines, l.Text)
							signal()
						}
					}
					done <- err
				}()
				select {
				case <-started:
				case <-time.After(await.Timeout):
					t.Fatal("no output from the log")
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				select {
				case err := <-done:
					if err != nil {
						t.Errorf("after Close: %v, want a clean end", err)
					}
				case <-time.After(await.Timeout):
					t.Fatal("the read did not end after Close")
				}
				if consume == "Lines" && !cmp.Equal(lines, []string{"first"}) {
					t.Errorf("lines %q, want [first]", lines)
				}
			})
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

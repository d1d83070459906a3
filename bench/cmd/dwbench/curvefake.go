package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// serveCurves is the fake engine of the scale curves (section 8): Docker
// 28.5's own documents, from the repository's recorded fixtures, served as
// fast as the client reads them, in a process of its own so that the
// client's process holds nothing but the client. What it serves is chosen
// by the request:
//
//	GET /containers/json  filters={"label":["dwcurve.nN"]}: N containers
//	GET /events           filters={"label":["dwcurve.nN"]}: N events, then the end
//	GET /containers/logs-framed-N/logs, logs-tty-N/logs: N bytes of 100-byte lines
//	GET /containers/ID/stats?stream=1: a sample every -stats-interval until the client goes
//	POST /containers/ID/exec, POST /exec/ID/start, GET /exec/ID/json: "hello\n", exit 0
func serveCurves(args []string) error {
	fs := flag.NewFlagSet("serve-curves", flag.ExitOnError)
	socket := fs.String("socket", "", "Unix socket to listen on")
	testdata := fs.String("testdata", "../testdata/docker-28.5", "the recorded Docker 28.5 fixtures")
	statsInterval := fs.Duration("stats-interval", 10*time.Millisecond, "time between two stats samples of one container")
	fs.Parse(args)
	docs, err := loadCurveDocs(*testdata)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	ping := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.51")
		w.Header().Set("Ostype", "linux")
		w.Header().Set("Server", "Docker/28.5.2 (linux)")
		w.Write([]byte("OK"))
	}
	mux.HandleFunc("/_ping", ping)
	mux.HandleFunc("/{version}/_ping", ping)
	mux.HandleFunc("GET /{version}/version", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"Platform":{"Name":"Docker Engine - fake"},"Components":[{"Name":"Engine","Version":"28.5.2","Details":{"ApiVersion":"1.51","MinAPIVersion":"1.24","Os":"linux"}}],"Version":"28.5.2","ApiVersion":"1.51","MinAPIVersion":"1.24","Os":"linux","Arch":"amd64"}`))
	})
	// Lists are made once per size and kept; handlers run concurrently.
	var listsMu sync.Mutex
	lists := map[int][]byte{}
	mux.HandleFunc("GET /{version}/containers/json", func(w http.ResponseWriter, r *http.Request) {
		n, err := curveSize(r)
		if err != nil {
			http.Error(w, `{"message":"`+err.Error()+`"}`, http.StatusBadRequest)
			return
		}
		listsMu.Lock()
		body, ok := lists[n]
		if !ok {
			body = docs.list(n)
			lists[n] = body
		}
		listsMu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	mux.HandleFunc("GET /{version}/events", func(w http.ResponseWriter, r *http.Request) {
		n, err := curveSize(r)
		if err != nil {
			http.Error(w, `{"message":"`+err.Error()+`"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		writeRepeated(w, docs.events, docs.eventEnds, n)
	})
	mux.HandleFunc("GET /{version}/containers/{id}/logs", func(w http.ResponseWriter, r *http.Request) {
		kind, size, ok := strings.Cut(strings.TrimPrefix(r.PathValue("id"), "logs-"), "-")
		n, err := strconv.Atoi(size)
		if !ok || err != nil || (kind != "framed" && kind != "tty") {
			http.Error(w, `{"message":"no such container"}`, http.StatusNotFound)
			return
		}
		block, ends := docs.framed, docs.framedEnds
		w.Header().Set("Content-Type", "application/vnd.docker.multiplexed-stream")
		if kind == "tty" {
			block, ends = docs.tty, docs.ttyEnds
			w.Header().Set("Content-Type", "application/vnd.docker.raw-stream")
		}
		w.WriteHeader(http.StatusOK)
		writeRepeated(w, block, ends, n/curveLineBytes)
	})
	mux.HandleFunc("GET /{version}/containers/{id}/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		tty := strings.HasPrefix(r.PathValue("id"), "logs-tty-")
		fmt.Fprintf(w, `{"Id":"%064x","Name":"/%s","State":{"Status":"running","Running":true},"Config":{"Tty":%v}}`, 1, r.PathValue("id"), tty)
	})
	mux.HandleFunc("GET /{version}/containers/{id}/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		f := w.(http.Flusher)
		t := time.NewTicker(*statsInterval)
		defer t.Stop()
		for {
			if _, err := w.Write(docs.stats); err != nil {
				return
			}
			f.Flush()
			if r.URL.Query().Get("stream") == "0" || r.URL.Query().Get("stream") == "false" {
				return
			}
			select {
			case <-r.Context().Done():
				return
			case <-t.C:
			}
		}
	})
	var execs atomic.Int64
	mux.HandleFunc("POST /{version}/containers/{id}/exec", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"Id":"%064x"}`, execs.Add(1))
	})
	mux.HandleFunc("POST /{version}/exec/{id}/start", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // all of it, or closing the connection cuts the client's write
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		status := "HTTP/1.1 200 OK\r\n"
		if r.Header.Get("Upgrade") != "" {
			status = "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
		}
		buf.WriteString(status + "Content-Type: application/vnd.docker.multiplexed-stream\r\n\r\n")
		buf.Write([]byte{1, 0, 0, 0, 0, 0, 0, 6})
		buf.WriteString("hello\n")
		buf.Flush()
	})
	mux.HandleFunc("GET /{version}/exec/{id}/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ID":%q,"Running":false,"ExitCode":0,"ProcessConfig":{"entrypoint":"echo","arguments":["hello"]},"OpenStdin":false,"OpenStderr":true,"OpenStdout":true,"CanRemove":false,"ContainerID":"%064x","Pid":4242}`, r.PathValue("id"), 1)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"message":"the curves' fake engine does not serve `+r.Method+" "+r.URL.Path+`"}`, http.StatusNotFound)
	})
	os.Remove(*socket)
	ln, err := net.Listen("unix", *socket)
	if err != nil {
		return err
	}
	return http.Serve(ln, mux)
}

// curveLineBytes is the length of a log line of the curves, its newline
// included.
const curveLineBytes = 100

// curveSize reads N from a filters={"label":["dwcurve.nN"]} query.
func curveSize(r *http.Request) (int, error) {
	// The list form, or the map form the moby client sends ({"label":{"x":true}}).
	var f map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.URL.Query().Get("filters")), &f); err != nil {
		return 0, fmt.Errorf("want filters={\"label\":[\"dwcurve.nN\"]}: %v", err)
	}
	var labels []string
	if json.Unmarshal(f["label"], &labels) != nil {
		var m map[string]bool
		json.Unmarshal(f["label"], &m)
		for l := range m {
			labels = append(labels, l)
		}
	}
	for _, l := range labels {
		if s, ok := strings.CutPrefix(l, "dwcurve.n"); ok {
			if n, err := strconv.Atoi(strings.TrimSuffix(s, "=1")); err == nil && n >= 0 {
				return n, nil
			}
		}
	}
	return 0, fmt.Errorf("want filters={\"label\":[\"dwcurve.nN\"]}")
}

// writeRepeated writes n units of block, whose units end at the offsets
// ends, block after block, flushing each.
func writeRepeated(w http.ResponseWriter, block []byte, ends []int, n int) {
	f := w.(http.Flusher)
	per := len(ends)
	for n > 0 {
		k := min(n, per)
		if _, err := w.Write(block[:ends[k-1]]); err != nil {
			return
		}
		f.Flush()
		n -= k
	}
}

// curveDocs are the documents the fake serves, made from the fixtures.
type curveDocs struct {
	summary             map[string]any // one container of a list
	events              []byte         // 1000 events, one a line
	eventEnds           []int
	framed, tty         []byte // 10000 log lines each
	framedEnds, ttyEnds []int
	stats               []byte
}

func fixtureBody(dir, name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return "", err
	}
	var x struct{ Response struct{ Body string } }
	if err := json.Unmarshal(b, &x); err != nil {
		return "", fmt.Errorf("%s: %v", name, err)
	}
	return x.Response.Body, nil
}

func loadCurveDocs(dir string) (*curveDocs, error) {
	d := &curveDocs{}
	list, err := fixtureBody(dir, "0023-container-list.json")
	if err != nil {
		return nil, err
	}
	var items []map[string]any
	if err := json.Unmarshal([]byte(list), &items); err != nil || len(items) == 0 {
		return nil, fmt.Errorf("0023-container-list.json: want a list of containers (%v)", err)
	}
	d.summary = items[0]

	events, err := fixtureBody(dir, "0115-events-until.json")
	if err != nil {
		return nil, err
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(events))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			lines = append(lines, sc.Text())
		}
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("0115-events-until.json: no events")
	}
	var eb bytes.Buffer
	for i := range 1000 {
		var ev map[string]any
		json.Unmarshal([]byte(lines[i%len(lines)]), &ev)
		ev["timeNano"] = int64(1704067200000000000) + int64(i)
		b, _ := json.Marshal(ev)
		eb.Write(b)
		eb.WriteByte('\n')
		d.eventEnds = append(d.eventEnds, eb.Len())
	}
	d.events = eb.Bytes()

	// 100-byte lines: 99 bytes and "\n" framed; 98 and "\r\n" from a TTY.
	text := []byte(strings.Repeat("INFO 2026-12-02T10:00:00Z request served in 1.2ms path=/api/v1/items status=200 bytes=5120 ", 2))
	var fb, tb bytes.Buffer
	for i := range 10000 {
		line := fmt.Appendf(nil, "%06d ", i)
		line = append(line, text...)
		var h [8]byte
		h[0] = 1
		binary.BigEndian.PutUint32(h[4:], curveLineBytes)
		fb.Write(h[:])
		fb.Write(line[:curveLineBytes-1])
		fb.WriteByte('\n')
		d.framedEnds = append(d.framedEnds, fb.Len())
		tb.Write(line[:curveLineBytes-2])
		tb.WriteString("\r\n")
		d.ttyEnds = append(d.ttyEnds, tb.Len())
	}
	d.framed, d.tty = fb.Bytes(), tb.Bytes()

	stats, err := fixtureBody(dir, "0029-container-stats-stream.json")
	if err != nil {
		return nil, err
	}
	first, _, _ := strings.Cut(strings.TrimSpace(stats), "\n")
	d.stats = []byte(first + "\n")
	return d, nil
}

// list is a container list of n entries, each the fixture's container
// with its own ID and name.
func (d *curveDocs) list(n int) []byte {
	items := make([]map[string]any, n)
	for i := range items {
		c := make(map[string]any, len(d.summary))
		for k, v := range d.summary {
			c[k] = v
		}
		c["Id"] = fmt.Sprintf("%064x", i+1)
		c["Names"] = []string{fmt.Sprintf("/dwcurve-%d", i)}
		items[i] = c
	}
	b, _ := json.Marshal(items)
	return b
}

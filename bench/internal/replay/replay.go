// Package replay records a real daemon's answers to the benchmarked calls,
// byte for byte, and serves them back on a Unix socket: a fake engine whose
// cost is a lookup and a write, so that a benchmark against it measures the
// client.
package replay

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/dockwire/dockwire/bench/internal/rawhttp"
)

// Recording holds the raw responses (status line, headers and body, as the
// daemon framed them) by the name of the call.
type Recording struct {
	Host       string            // where it was recorded
	APIVersion string            // the daemon's, from /_ping
	Responses  map[string][]byte // see the keys in Record
}

// ExecBody is the exec the benchmarks run: `true`, stdout and stderr
// attached, as dockwire.Exec creates it.
const ExecBody = `{"AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"Cmd":["true"]}`

// Record asks the daemon at host each benchmarked call once and keeps its
// answers. listQuery is the query of the container list; target the
// container inspected, tailed and exec'd into.
func Record(host, target, listQuery string) (*Recording, error) {
	c, err := rawhttp.DialRecording(host)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	rec := &Recording{Host: host, Responses: map[string][]byte{}}
	do := func(name string, req []byte, head bool) ([]byte, error) {
		resp, err := c.Do(req, head)
		if err != nil {
			return nil, fmt.Errorf("recording %s: %w", name, err)
		}
		if resp.Status/100 != 2 {
			return nil, fmt.Errorf("recording %s: status %d: %s", name, resp.Status, resp.Body)
		}
		body := append([]byte(nil), resp.Body...)
		rec.Responses[name] = c.Recorded()
		return body, nil
	}
	if _, err := do("ping-head", rawhttp.Get(nil, "HEAD", "/_ping"), true); err != nil {
		return nil, err
	}
	if _, err := do("ping-get", rawhttp.Get(nil, "GET", "/_ping"), false); err != nil {
		return nil, err
	}
	rec.APIVersion = headerValue(rec.Responses["ping-head"], "Api-Version")
	v := "/v" + rec.APIVersion
	if _, err := do("list", rawhttp.Get(nil, "GET", v+"/containers/json?"+listQuery), false); err != nil {
		return nil, err
	}
	if _, err := do("inspect", rawhttp.Get(nil, "GET", v+"/containers/"+target+"/json"), false); err != nil {
		return nil, err
	}
	if _, err := do("logs", rawhttp.Get(nil, "GET", v+"/containers/"+target+"/logs?stdout=1&stderr=1&tail=100"), false); err != nil {
		return nil, err
	}
	for _, upgrade := range []bool{false, true} {
		doc, err := do("exec-create", rawhttp.Post(nil, v+"/containers/"+target+"/exec", []byte(ExecBody), false), false)
		if err != nil {
			return nil, err
		}
		id := string(rawhttp.JSONString(doc, "Id"))
		// exec start hands the connection over: it needs one of its own.
		sc, err := rawhttp.DialRecording(host)
		if err != nil {
			return nil, err
		}
		_, err = sc.Do(rawhttp.Post(nil, v+"/exec/"+id+"/start", []byte(`{"Detach":false,"Tty":false}`), upgrade), false)
		sc.Close()
		if err != nil {
			return nil, fmt.Errorf("recording exec start: %w", err)
		}
		name := "exec-start"
		if upgrade {
			name = "exec-start-upgrade"
		}
		rec.Responses[name] = sc.Recorded()
		for deadline := time.Now().Add(10 * time.Second); ; {
			doc, err := do("exec-inspect", rawhttp.Get(nil, "GET", v+"/exec/"+id+"/json"), false)
			if err != nil {
				return nil, err
			}
			if strings.Contains(string(doc), `"Running":false`) {
				break
			}
			if time.Now().After(deadline) {
				return nil, errors.New("recording exec inspect: still running after 10s")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return rec, nil
}

func headerValue(resp []byte, name string) string {
	head, _, _ := strings.Cut(string(resp), "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n")[1:] {
		k, v, _ := strings.Cut(line, ":")
		if strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Save writes rec to path as JSON.
func (rec *Recording) Save(path string) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// Load reads a recording that Save wrote.
func Load(path string) (*Recording, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rec := new(Recording)
	return rec, json.Unmarshal(b, rec)
}

var (
	versionPrefix = regexp.MustCompile(`^/v1\.[0-9]+/`)
	notFound      = []byte("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 29\r\n\r\n{\"message\":\"page not found\"}\n")
)

// route names the recorded answer to r, and whether the connection is
// handed over (and closed after the answer).
func route(r *http.Request) (name string, hijack bool) {
	path := r.URL.Path
	if loc := versionPrefix.FindStringIndex(path); loc != nil {
		path = path[loc[1]-1:]
	}
	seg := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case path == "/_ping" && r.Method == http.MethodHead:
		return "ping-head", false
	case path == "/_ping":
		return "ping-get", false
	case r.Method == http.MethodGet && path == "/containers/json":
		return "list", false
	case r.Method == http.MethodGet && len(seg) == 3 && seg[0] == "containers" && seg[2] == "json":
		return "inspect", false
	case r.Method == http.MethodGet && len(seg) == 3 && seg[0] == "containers" && seg[2] == "logs":
		return "logs", false
	case r.Method == http.MethodPost && len(seg) == 3 && seg[0] == "containers" && seg[2] == "exec":
		return "exec-create", false
	case r.Method == http.MethodPost && len(seg) == 3 && seg[0] == "exec" && seg[2] == "start":
		if r.Header.Get("Upgrade") != "" {
			return "exec-start-upgrade", true
		}
		return "exec-start", true
	case r.Method == http.MethodGet && len(seg) == 3 && seg[0] == "exec" && seg[2] == "json":
		return "exec-inspect", false
	}
	return "", false
}

// Serve answers connections on ln with rec until ln is closed.
func Serve(ln net.Listener, rec *Recording) error {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return err
		}
		go serveConn(conn, rec)
	}
}

func serveConn(conn net.Conn, rec *Recording) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
		name, hijack := route(req)
		resp := rec.Responses[name]
		if resp == nil {
			resp = notFound
		}
		if _, err := conn.Write(resp); err != nil || hijack {
			return
		}
	}
}

// PingVersion returns the API version the daemon at host reports.
func PingVersion(host string) (string, error) {
	c, err := rawhttp.DialRecording(host)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if _, err := c.Do(rawhttp.Get(nil, "HEAD", "/_ping"), true); err != nil {
		return "", err
	}
	return headerValue(c.Recorded(), "Api-Version"), nil
}

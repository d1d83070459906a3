package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/stdcopy"
	"github.com/google/go-cmp/cmp"
)

// The swarm commands against the fake engine's one-node swarm, shaped like
// the docker CLI's output.
func TestSwarmCommands(t *testing.T) {
	e := enginetest.New(t, enginetest.WithSwarm())
	h := e.Host()

	r := demo(t, "", "--host", h, "service", "create", "-d", "--name", "web", "--replicas", "2", "nginx:1.27", "nginx", "-g", "daemon off;")
	if r.code != 0 || !regexp.MustCompile(`^\w{25}\n$`).MatchString(r.stdout) {
		t.Fatalf("service create: %+v", r)
	}
	r = demo(t, "", "--host", h, "service", "ls")
	if r.code != 0 || !regexp.MustCompile(`(?m)^ID +NAME +MODE +REPLICAS +IMAGE +PORTS\n\w{12} +web +replicated +2/2 +nginx:1.27 *$`).MatchString(r.stdout) {
		t.Errorf("service ls:\n%s", r.stdout)
	}
	if r = demo(t, "", "--host", h, "service", "scale", "web=3"); r.code != 0 || !strings.Contains(r.stdout, "verify: Service converged") {
		t.Errorf("service scale: %+v", r)
	}
	r = demo(t, "", "--host", h, "service", "ps", "web")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 4 || !regexp.MustCompile(`(?m)^\w{12} +web\.3 +nginx:1.27 +enginetest +Running +Running`).MatchString(r.stdout) {
		t.Errorf("service ps:\n%s", r.stdout)
	}
	if r = demo(t, "", "--host", h, "service", "update", "-d", "--image", "nginx:1.28", "web"); r.code != 0 {
		t.Errorf("service update: %+v", r)
	}
	if r = demo(t, "", "--host", h, "service", "ls"); !strings.Contains(r.stdout, "3/3") || !strings.Contains(r.stdout, "nginx:1.28") {
		t.Errorf("service ls after the update:\n%s", r.stdout)
	}
	// service logs: each line prefixed with its task and node, stderr on stderr.
	c, err := dockwire.New(h)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tasks, err := c.TaskList(context.Background(), dockwire.TaskListOptions{Filters: dockwire.Filters{"service": {"web"}, "desired-state": {"running"}}})
	if err != nil || len(tasks) != 3 {
		t.Fatalf("tasks: %v %d", err, len(tasks))
	}
	e.AppendTaskLog(tasks[0].ID, enginetest.LogEntry{Text: "hello\n"}, enginetest.LogEntry{Stream: stdcopy.Stderr, Text: "oops\n"})
	r = demo(t, "", "--host", h, "service", "logs", "web")
	prefix := tasks[0].DisplayName("web") + "." + tasks[0].ID + "@enginetest    | "
	if r.code != 0 || r.stdout != prefix+"hello\n" || r.stderr != prefix+"oops\n" {
		t.Errorf("service logs: %+v; want lines prefixed %q", r, prefix)
	}
	r = demo(t, "", "--host", h, "node", "ls")
	if r.code != 0 || !regexp.MustCompile(`(?m)^\w{25} \* +enginetest +Ready +Active +Leader +\S+$`).MatchString(r.stdout) {
		t.Errorf("node ls:\n%s", r.stdout)
	}
	if r = demo(t, "", "--host", h, "service", "rm", "web"); r.code != 0 || r.stdout != "web\n" {
		t.Errorf("service rm: %+v", r)
	}

	plain := enginetest.New(t)
	r = demo(t, "", "--host", plain.Host(), "service", "ls")
	if line := r.oneLineErr(t); !strings.Contains(line, "SwarmInit") {
		t.Errorf("service ls outside a swarm: %s", line)
	}
}

// swarm init, join-token, join and leave against the fake engine, whose
// init, join and leave the test answers; their output as the docker CLI's.
func TestSwarmInitJoinLeave(t *testing.T) {
	e := enginetest.New(t, enginetest.WithSwarm())
	h := e.Host()
	answer(e, "POST", "/swarm/init", http.StatusOK, `"enginetestnode0000000000a"`)
	answer(e, "POST", "/swarm/join", http.StatusOK, ``)
	answer(e, "POST", "/swarm/leave", http.StatusOK, ``)

	r := demo(t, "", "--host", h, "swarm", "init", "--advertise-addr", "10.0.0.1")
	want := "Swarm initialized: current node (enginetestnode0000000000a) is now a manager.\n\n" +
		"To add a worker to this swarm, run the following command:\n\n    demo swarm join --token SWMTKN-1-enginetest-worker 127.0.0.1:2377\n\n" +
		"To add a manager to this swarm, run 'demo swarm join-token manager' and follow the instructions.\n\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("swarm init: exit %d, stderr %q, stdout\n%s\nwant\n%s", r.code, r.stderr, r.stdout, want)
	}
	if r = demo(t, "", "--host", h, "swarm", "join-token", "-q", "manager"); r.code != 0 || r.stdout != "SWMTKN-1-enginetest-manager\n" {
		t.Errorf("swarm join-token -q manager: %+v", r)
	}
	if r = demo(t, "", "--host", h, "swarm", "join-token", "manager"); r.code != 0 || !strings.Contains(r.stdout, "To add a manager to this swarm, run the following command:\n\n    demo swarm join --token SWMTKN-1-enginetest-manager 127.0.0.1:2377\n") {
		t.Errorf("swarm join-token manager: %+v", r)
	}
	// The fake's /info says the node is a manager.
	if r = demo(t, "", "--host", h, "swarm", "join", "--token", "SWMTKN-1-x", "10.0.0.1:2377"); r.code != 0 || r.stdout != "This node joined a swarm as a manager.\n" {
		t.Errorf("swarm join: %+v", r)
	}
	if r = demo(t, "", "--host", h, "swarm", "leave", "-f"); r.code != 0 || r.stdout != "Node left the swarm.\n" {
		t.Errorf("swarm leave: %+v", r)
	}
	if r = demo(t, "", "--host", h, "swarm", "join", "10.0.0.1:2377"); r.code != exitUsage {
		t.Errorf("swarm join without --token: %+v", r)
	}

	type body struct {
		ListenAddr, AdvertiseAddr, JoinToken string
		RemoteAddrs                          []string
	}
	got := map[string]any{}
	for _, req := range e.Requests() {
		switch req.Route {
		case "/swarm/init", "/swarm/join":
			var b body
			if err := json.Unmarshal(req.Body, &b); err != nil {
				t.Errorf("%s body: %v", req.Route, err)
			}
			got[req.Route] = b
		case "/swarm/leave":
			got[req.Route] = req.Query.Get("force")
		}
	}
	wantReqs := map[string]any{
		"/swarm/init":  body{ListenAddr: "0.0.0.0:2377", AdvertiseAddr: "10.0.0.1"},
		"/swarm/join":  body{ListenAddr: "0.0.0.0:2377", JoinToken: "SWMTKN-1-x", RemoteAddrs: []string{"10.0.0.1:2377"}},
		"/swarm/leave": "1",
	}
	if diff := cmp.Diff(wantReqs, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}

	plain := enginetest.New(t)
	r = demo(t, "", "--host", plain.Host(), "swarm", "join-token", "worker")
	if line := r.oneLineErr(t); !strings.Contains(line, "SwarmInit") {
		t.Errorf("swarm join-token outside a swarm: %s", line)
	}
}

func TestNodeInspect(t *testing.T) {
	e := enginetest.New(t, enginetest.WithSwarm())
	h := e.Host()
	r := demo(t, "", "--host", h, "node", "inspect", "self", "enginetest")
	var nodes []struct{ ID string }
	if err := json.Unmarshal([]byte(r.stdout), &nodes); r.code != 0 || err != nil || len(nodes) != 2 || nodes[0].ID != "enginetestnode0000000000a" || nodes[1].ID != nodes[0].ID {
		t.Errorf("node inspect self enginetest: %v, %+v", err, r)
	}
	if !strings.HasPrefix(r.stdout, "[\n    {\n        \"") {
		t.Errorf("node inspect is not indented as docker's:\n%s", r.stdout)
	}
	if r = demo(t, "", "--host", h, "node", "inspect", "--get", "Status.State", "self"); r.code != 0 || r.stdout != "ready\n" {
		t.Errorf("node inspect --get Status.State: %+v", r)
	}
	r = demo(t, "", "--host", h, "node", "inspect", "nope")
	if line := r.oneLineErr(t); !strings.Contains(line, "nope") || !strings.Contains(line, "404") {
		t.Errorf("node inspect of a missing node: %s", line)
	}
	r = demo(t, "", "--host", enginetest.New(t).Host(), "node", "inspect", "self")
	if line := r.oneLineErr(t); !strings.Contains(line, "in no swarm") {
		t.Errorf("node inspect self outside a swarm: %s", line)
	}
}

// secretStore makes e serve /KIND (secrets or configs) create, list and
// remove from a map, and fails the test if a create's data differs from
// data.
func secretStore(t *testing.T, e *enginetest.Engine, kind string, data []byte) {
	var mu sync.Mutex
	type object struct {
		ID        string
		Version   struct{ Index int }
		CreatedAt time.Time
		UpdatedAt time.Time
		Spec      map[string]any
	}
	store := map[string]object{}
	e.Handle("POST", "/"+kind+"/create", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var spec struct {
			Name   string
			Labels map[string]string
			Data   []byte
		}
		if err := json.NewDecoder(r.Body).Decode(&spec); err != nil || !bytes.Equal(spec.Data, data) {
			t.Errorf("%s create: %v, data %q; want %q", kind, err, spec.Data, data)
		}
		mu.Lock()
		defer mu.Unlock()
		id := fmt.Sprintf("%s%023d", kind[:2], len(store))
		now := time.Now().Add(-3 * time.Minute)
		store[spec.Name] = object{ID: id, CreatedAt: now, UpdatedAt: now, Spec: map[string]any{"Name": spec.Name, "Labels": spec.Labels}}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"ID":%q}`, id)
	}))
	e.Handle("GET", "/"+kind, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		list := []object{}
		for _, o := range store {
			list = append(list, o)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(list)
	}))
	e.Handle("DELETE", "/"+kind+"/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := store[r.PathValue("id")]; !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"message":"%s %s not found"}`, kind[:len(kind)-1], r.PathValue("id"))
			return
		}
		delete(store, r.PathValue("id"))
		w.WriteHeader(http.StatusNoContent)
	}))
}

// secret and config create (from stdin and from a file), ls and rm; the
// content is sent, and never printed.
func TestSecretConfigCommands(t *testing.T) {
	e := enginetest.New(t, enginetest.WithSwarm())
	h := e.Host()
	const content = "s3cr3t-content"
	secretStore(t, e, "secrets", []byte(content))
	secretStore(t, e, "configs", []byte(content))
	file := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}

	var out strings.Builder
	check := func(r result, what, pattern string) {
		t.Helper()
		out.WriteString(r.stdout + r.stderr)
		if r.code != 0 || !regexp.MustCompile(pattern).MatchString(r.stdout) {
			t.Errorf("%s: exit %d, stderr %q, stdout\n%s\nwant it to match %s", what, r.code, r.stderr, r.stdout, pattern)
		}
	}
	check(demo(t, content, "--host", h, "secret", "create", "--label", "a=b", "db-pass", "-"), "secret create -", `^se0{23}\n$`)
	check(demo(t, "", "--host", h, "secret", "create", "api-key", file), "secret create FILE", `^se0{22}1\n$`)
	check(demo(t, "", "--host", h, "config", "create", "-l", "a=b", "nginx.conf", file), "config create FILE", `^co0{23}\n$`)
	check(demo(t, "", "--host", h, "secret", "ls"), "secret ls",
		`^ID +NAME +DRIVER +CREATED +UPDATED\nse0{22}1 +api-key +3 minutes ago +3 minutes ago\nse0{23} +db-pass +3 minutes ago +3 minutes ago\n$`)
	check(demo(t, "", "--host", h, "config", "ls"), "config ls",
		`^ID +NAME +CREATED +UPDATED\nco0{23} +nginx.conf +3 minutes ago +3 minutes ago\n$`)
	check(demo(t, "", "--host", h, "secret", "rm", "db-pass", "api-key"), "secret rm", `^db-pass\napi-key\n$`)
	check(demo(t, "", "--host", h, "config", "rm", "nginx.conf"), "config rm", `^nginx.conf\n$`)
	if strings.Contains(out.String(), content) {
		t.Errorf("the content appears in the output:\n%s", out.String())
	}

	r := demo(t, "", "--host", h, "config", "rm", "nope")
	if line := r.oneLineErr(t); !strings.Contains(line, "config nope not found") {
		t.Errorf("config rm of a missing config: %s", line)
	}
	r = demo(t, "", "--host", h, "secret", "create", "x", filepath.Join(t.TempDir(), "missing"))
	if line := r.oneLineErr(t); !strings.Contains(line, "secret's content") || !strings.Contains(line, "no such file") {
		t.Errorf("secret create from a missing file: %s", line)
	}
	if r = demo(t, "", "--host", h, "secret", "create", "x"); r.code != exitUsage {
		t.Errorf("secret create without a file: %+v", r)
	}
}

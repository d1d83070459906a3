package enginetest

import (
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// names returns the first name of each container in a list response.
func names(t *testing.T, v any) []string {
	t.Helper()
	var out []string
	for _, c := range v.([]any) {
		out = append(out, c.(map[string]any)["Names"].([]any)[0].(string))
	}
	return out
}

func listPath(query string) string { return "/v1.55/containers/json?" + query }

func TestContainerList(t *testing.T) {
	e := New(t)
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	e.AddContainer(Container{Name: "web", State: "running", Created: t0.Add(3 * time.Minute), Labels: map[string]string{"com.docker.compose.project": "shop", "tier": "front"}})
	e.AddContainer(Container{Name: "db", State: "exited", ExitCode: 2, Created: t0.Add(2 * time.Minute), Labels: map[string]string{"com.docker.compose.project": "shop"}})
	e.AddContainer(Container{Name: "cache", State: "paused", Created: t0.Add(1 * time.Minute)})
	e.AddContainer(Container{Name: "new", State: "created", Created: t0})
	c := newClient(e)
	f := func(s string) string { return "filters=" + url.QueryEscape(s) }
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"/web", "/cache"}}, // running and paused, newest first
		{"all=1", []string{"/web", "/db", "/cache", "/new"}},
		{"all=true&limit=2", []string{"/web", "/db"}},
		{"limit=3", []string{"/web", "/db", "/cache"}}, // limit implies all
		{f(`{"status":["exited"]}`), []string{"/db"}},  // status implies all
		{f(`{"status":{"created":true,"paused":true}}`), []string{"/cache", "/new"}},
		{"all=1&" + f(`{"label":["com.docker.compose.project=shop"]}`), []string{"/web", "/db"}},
		{"all=1&" + f(`{"label":["tier"]}`), []string{"/web"}},
		{"all=1&" + f(`{"label":["tier=back"]}`), nil},
		{"all=1&" + f(`{"label":["com.docker.compose.project=shop","tier"]}`), []string{"/web"}},
		{"all=1&" + f(`{"name":["^/c"]}`), []string{"/cache"}},
		{"all=1&" + f(`{"name":["e"]}`), []string{"/web", "/cache", "/new"}},
		{"all=1&" + f(`{"exited":["2"]}`), []string{"/db"}},
		{"all=1&" + f(`{"status":["exited","created"],"label":["com.docker.compose.project"]}`), []string{"/db"}},
	}
	for _, tt := range tests {
		got := names(t, getJSON(t, c, listPath(tt.query), 200))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("list ?%s (-want +got):\n%s", tt.query, diff)
		}
	}
	web, _ := e.Container("web")
	got := names(t, getJSON(t, c, listPath(f(`{"id":["`+web.ID[:10]+`"]}`)), 200))
	if !cmp.Equal(got, []string{"/web"}) {
		t.Errorf("id filter: %v", got)
	}

	for _, q := range []string{f(`{"status":["sleeping"]}`), f(`{"colour":["red"]}`), f(`{"label":`), "limit=x"} {
		resp, body := do(t, c, "GET", listPath(q), "")
		if resp.StatusCode != 400 {
			t.Errorf("list ?%s: %d %s", q, resp.StatusCode, body)
		}
	}
}

func TestContainerSummaryShape(t *testing.T) {
	e := New(t)
	created := time.Unix(1700000000, 0)
	id := e.AddContainer(Container{Name: "web", Image: "nginx:1", Cmd: []string{"nginx", "-g", "daemon off;"}, Created: created, StartedAt: time.Now().Add(-5 * time.Minute), SizeRw: 12})
	e.AddContainer(Container{Name: "old", State: "exited", ExitCode: 1, FinishedAt: time.Now().Add(-3 * time.Hour)})
	c := newClient(e)
	list := getJSON(t, c, listPath("size=1&all=1"), 200).([]any)
	sort.Slice(list, func(i, j int) bool { return path(list[i], "Id").(string) == id })
	s := list[0].(map[string]any)
	want := map[string]any{
		"Id": id, "Names": []any{"/web"}, "Image": "nginx:1", "ImageID": s["ImageID"],
		"Command": "nginx -g 'daemon off;'", "Created": 1700000000.0, "Ports": []any{}, "Labels": map[string]any{},
		"State": "running", "Status": "Up 5 minutes", "SizeRw": 12.0, "SizeRootFs": s["SizeRootFs"],
		"HostConfig": map[string]any{"NetworkMode": "bridge"}, "NetworkSettings": s["NetworkSettings"], "Mounts": []any{},
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if ip := path(s, "NetworkSettings", "Networks", "bridge", "IPAddress"); ip == "" {
		t.Errorf("no IP on the bridge network")
	}
	if !strings.HasPrefix(s["ImageID"].(string), "sha256:") {
		t.Errorf("ImageID %v", s["ImageID"])
	}
	if got := path(list[1], "Status"); got != "Exited (1) 3 hours ago" {
		t.Errorf("exited status %q", got)
	}
	if _, ok := list[0].(map[string]any)["SizeRw"]; !ok {
		t.Errorf("size=1 without SizeRw")
	}
	if _, ok := getJSON(t, c, listPath(""), 200).([]any)[0].(map[string]any)["SizeRw"]; ok {
		t.Errorf("SizeRw without size=1")
	}
}

func TestContainerInspectResolution(t *testing.T) {
	e := New(t)
	id := e.AddContainer(Container{ID: strings.Repeat("ab", 32), Name: "web"})
	e.AddContainer(Container{ID: "abcd" + strings.Repeat("0", 60), Name: "other"})
	c := newClient(e)
	for _, ref := range []string{id, "abab", "web", url.PathEscape("/web")} {
		v := getJSON(t, c, "/v1.55/containers/"+ref+"/json", 200)
		if path(v, "Id") != id || path(v, "Name") != "/web" {
			t.Errorf("inspect %s: Id %v Name %v", ref, path(v, "Id"), path(v, "Name"))
		}
	}
	resp, body := do(t, c, "GET", "/v1.55/containers/nope/json", "")
	if resp.StatusCode != 404 || message(t, body) != "No such container: nope" {
		t.Errorf("missing: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, c, "GET", "/v1.55/containers/ab/json", "")
	if resp.StatusCode != 500 || message(t, body) != "Multiple IDs found with provided prefix: ab" {
		t.Errorf("ambiguous: %d %s", resp.StatusCode, body)
	}
}

func TestContainerInspectShape(t *testing.T) {
	e := New(t)
	created := time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)
	id := e.AddContainer(Container{
		Name: "web", Image: "nginx:1", Cmd: []string{"nginx", "-g", "daemon off;"}, Env: []string{"A=1"},
		User: "www", WorkingDir: "/srv", Tty: true, Labels: map[string]string{"a.b": "c"}, Created: created,
	})
	e.AddContainer(Container{Name: "fresh", State: "created"})
	c := newClient(e)
	v := getJSON(t, c, "/v1.55/containers/web/json", 200)
	state := map[string]any{
		"Status": "running", "Running": true, "Paused": false, "Restarting": false, "OOMKilled": false, "Dead": false,
		"Pid": path(v, "State", "Pid"), "ExitCode": 0.0, "Error": "",
		"StartedAt": "2024-05-01T12:00:00.123456789Z", "FinishedAt": "0001-01-01T00:00:00Z",
	}
	if diff := cmp.Diff(state, path(v, "State")); diff != "" {
		t.Errorf("State (-want +got):\n%s", diff)
	}
	for k, want := range map[string]any{
		"Id": id, "Name": "/web", "Created": "2024-05-01T12:00:00.123456789Z", "Path": "nginx",
		"Args": []any{"-g", "daemon off;"}, "ExecIDs": nil,
	} {
		if got := path(v, k); !cmp.Equal(got, want) {
			t.Errorf("%s = %#v, want %#v", k, got, want)
		}
	}
	cfg := path(v, "Config").(map[string]any)
	for k, want := range map[string]any{
		"Tty": true, "Env": []any{"A=1"}, "Cmd": []any{"nginx", "-g", "daemon off;"}, "Image": "nginx:1",
		"User": "www", "WorkingDir": "/srv", "Labels": map[string]any{"a.b": "c"},
	} {
		if !cmp.Equal(cfg[k], want) {
			t.Errorf("Config.%s = %#v, want %#v", k, cfg[k], want)
		}
	}
	if path(v, "NetworkSettings", "Networks", "bridge", "IPAddress") == "" {
		t.Errorf("no bridge IPAddress")
	}
	if pid := path(getJSON(t, c, "/v1.55/containers/fresh/json", 200), "State", "Pid"); pid != 0.0 {
		t.Errorf("never-started container has Pid %v", pid)
	}
}

func TestInspectNetworkSettingsByVersion(t *testing.T) {
	e := New(t, WithAPIVersion("1.52"))
	e.AddContainer(Container{Name: "web"})
	c := newClient(e)
	for _, tt := range []struct {
		version string
		legacy  bool
	}{{"1.44", true}, {"1.51", true}, {"1.52", false}} {
		ns := path(getJSON(t, c, "/v"+tt.version+"/containers/web/json", 200), "NetworkSettings").(map[string]any)
		_, hasIP := ns["IPAddress"]
		if hasIP != tt.legacy {
			t.Errorf("API %s: top-level IPAddress present %v, want %v", tt.version, hasIP, tt.legacy)
		}
		if tt.legacy && ns["IPAddress"] != path(ns, "Networks", "bridge", "IPAddress") {
			t.Errorf("API %s: legacy IPAddress %v differs from the bridge's", tt.version, ns["IPAddress"])
		}
	}
}

func TestContainerHelpers(t *testing.T) {
	e := New(t)
	id := e.AddContainer(Container{Name: "/web", Labels: map[string]string{"a": "b"}})
	got, ok := e.Container(id[:6])
	if !ok || got.Name != "web" || got.State != "running" || got.Image != "busybox:latest" || got.Created.IsZero() {
		t.Fatalf("Container: %+v %v", got, ok)
	}
	got.Labels["a"] = "changed"
	if again, _ := e.Container("web"); again.Labels["a"] != "b" {
		t.Errorf("Container returned shared state")
	}
	e.StopContainer("web", 3)
	if got, _ := e.Container("web"); got.State != "exited" || got.ExitCode != 3 || got.FinishedAt.IsZero() {
		t.Errorf("after stop: %+v", got)
	}
	e.RemoveContainer("web")
	if _, ok := e.Container("web"); ok {
		t.Errorf("still there after remove")
	}
	// Generated IDs do not depend on the run, so examples can print them.
	e2 := New(t)
	if id2 := e2.AddContainer(Container{}); id2 != id {
		t.Errorf("generated IDs differ between engines: %s, %s", id, id2)
	}
}

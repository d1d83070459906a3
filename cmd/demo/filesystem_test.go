package main

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockwire/dockwire/enginetest"
	"github.com/google/go-cmp/cmp"
)

// lastQuery is the query of the last request to method and route.
func lastQuery(t *testing.T, e *enginetest.Engine, method, route string) url.Values {
	t.Helper()
	reqs := e.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && reqs[i].Route == route {
			return reqs[i].Query
		}
	}
	t.Fatalf("no %s %s was sent", method, route)
	return nil
}

func TestCommit(t *testing.T) {
	e := enginetest.New(t)
	id := "sha256:" + hexID("1")
	answer(e, "POST", "/commit", http.StatusCreated, `{"Id":"`+id+`"}`)
	r := demo(t, "", "--host", e.Host(), "commit", "-a", "Jane", "-c", "ENV A=1", "--change", "EXPOSE 80", "-m", "msg", "-p=false", "web", "localhost:5000/app:v1")
	if r.code != 0 || r.stdout != id+"\n" {
		t.Fatalf("commit: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	want := url.Values{"container": {"web"}, "repo": {"localhost:5000/app"}, "tag": {"v1"}, "author": {"Jane"}, "comment": {"msg"},
		"pause": {"0"}, "changes": {"ENV A=1", "EXPOSE 80"}}
	if diff := cmp.Diff(want, lastQuery(t, e, "POST", "/commit")); diff != "" {
		t.Errorf("commit query (-want +got):\n%s", diff)
	}
	if r := demo(t, "", "--host", e.Host(), "commit", "web", "localhost:5000/app"); r.code != 0 {
		t.Fatalf("commit without a tag: %q", r.stderr)
	}
	if diff := cmp.Diff(url.Values{"container": {"web"}, "repo": {"localhost:5000/app"}}, lastQuery(t, e, "POST", "/commit")); diff != "" {
		t.Errorf("commit without a tag, query (-want +got):\n%s", diff)
	}
	if r := demo(t, "", "--host", e.Host(), "commit"); r.code != 2 || !strings.Contains(r.stderr, "commit takes a container") {
		t.Errorf("commit without a container: exit %d, %q", r.code, r.stderr)
	}
}

func TestDiff(t *testing.T) {
	e := enginetest.New(t)
	answer(e, "GET", "/containers/{id}/changes", 200, `[{"Path":"/bin","Kind":0},{"Path":"/bin/yes","Kind":2},{"Path":"/added.txt","Kind":1}]`)
	r := demo(t, "", "--host", e.Host(), "diff", "web")
	if want := "C /bin\nD /bin/yes\nA /added.txt\n"; r.code != 0 || r.stdout != want {
		t.Errorf("diff: exit %d, stdout %q, want %q; stderr %q", r.code, r.stdout, want, r.stderr)
	}
}

func TestExport(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("GET", "/containers/{id}/export", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "web" {
			answer404(w, "No such container: "+r.PathValue("id"))
			return
		}
		w.Header().Set("Content-Type", "application/x-tar")
		io.WriteString(w, "the archive")
	}))
	r := demo(t, "", "--host", e.Host(), "export", "web")
	if r.code != 0 || r.stdout != "the archive" {
		t.Errorf("export to stdout: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	out := filepath.Join(t.TempDir(), "web.tar")
	if r := demo(t, "", "--host", e.Host(), "export", "-o", out, "web"); r.code != 0 || r.stdout != "" {
		t.Fatalf("export -o: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != "the archive" {
		t.Errorf("export -o wrote %q, %v", b, err)
	}
	missing := filepath.Join(t.TempDir(), "missing.tar")
	if msg := demo(t, "", "--host", e.Host(), "export", "--output", missing, "nope").oneLineErr(t); !strings.Contains(msg, "No such container: nope") {
		t.Errorf("export of a missing container: %q", msg)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("a failed export left its file behind")
	}
}

func answer404(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	io.WriteString(w, `{"message":"`+msg+`"}`)
}

func TestImport(t *testing.T) {
	e := enginetest.New(t)
	id := "sha256:" + hexID("2")
	var got []string
	e.Handle("POST", "/images/create", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, string(b))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"`+id+`"}`+"\n")
	}))
	r := demo(t, "a tar from stdin", "--host", e.Host(), "import", "-c", "ENV A=1", "-m", "msg", "--platform", "linux/arm64", "-", "example/imported:v1")
	if r.code != 0 || r.stdout != id+"\n" {
		t.Fatalf("import -: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	want := url.Values{"fromSrc": {"-"}, "repo": {"example/imported:v1"}, "message": {"msg"}, "changes": {"ENV A=1"}, "platform": {"linux/arm64"}}
	if diff := cmp.Diff(want, lastQuery(t, e, "POST", "/images/create")); diff != "" {
		t.Errorf("import query (-want +got):\n%s", diff)
	}
	file := filepath.Join(t.TempDir(), "fs.tar")
	if err := os.WriteFile(file, []byte("a tar from a file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := demo(t, "", "--host", e.Host(), "import", file); r.code != 0 || r.stdout != id+"\n" {
		t.Fatalf("import FILE: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if diff := cmp.Diff([]string{"a tar from stdin", "a tar from a file"}, got); diff != "" {
		t.Errorf("archives sent (-want +got):\n%s", diff)
	}
	if r := demo(t, "", "--host", e.Host(), "import", "http://example.com/fs.tar"); r.code != 2 || !strings.Contains(r.stderr, "URL is not supported") {
		t.Errorf("import of a URL: exit %d, %q", r.code, r.stderr)
	}
}

func TestBuilderPrune(t *testing.T) {
	e := enginetest.New(t, enginetest.WithAPIVersion("1.41"))
	answer(e, "POST", "/build/prune", 200, `{"CachesDeleted":["abc123","def456"],"SpaceReclaimed":1234567}`)
	r := demo(t, "", "--host", e.Host(), "builder", "prune", "-a", "-f", "--filter", "until=24h", "--keep-storage", "1g")
	want := "Deleted build cache objects:\nabc123\ndef456\n\nTotal reclaimed space: 1.235MB\n"
	if r.code != 0 || r.stdout != want {
		t.Fatalf("builder prune -a -f: exit %d, stdout %q, want %q; stderr %q", r.code, r.stdout, want, r.stderr)
	}
	if diff := cmp.Diff(url.Values{"all": {"1"}, "filters": {`{"until":["24h"]}`}, "keep-storage": {"1073741824"}},
		lastQuery(t, e, "POST", "/build/prune")); diff != "" {
		t.Errorf("builder prune query (-want +got):\n%s", diff)
	}

	// Without -f it asks, and only "y" goes on.
	before := e.Count("POST", "/build/prune")
	r = demo(t, "n\n", "--host", e.Host(), "builder", "prune")
	if r.code == 0 || !strings.HasPrefix(r.stdout, "WARNING! This will remove all dangling build cache. Are you sure you want to continue? [y/N] ") ||
		!strings.Contains(r.stderr, "cancelled") || e.Count("POST", "/build/prune") != before {
		t.Errorf("builder prune answered n: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	answer(e, "POST", "/build/prune", 200, `{"CachesDeleted":null,"SpaceReclaimed":0}`)
	r = demo(t, "y\n", "--host", e.Host(), "builder", "prune", "--all")
	if want := "WARNING! This will remove all build cache. Are you sure you want to continue? [y/N] Total reclaimed space: 0B\n"; r.code != 0 || r.stdout != want {
		t.Errorf("builder prune --all answered y: exit %d, stdout %q, want %q", r.code, r.stdout, want)
	}
	if msg := demo(t, "", "--host", e.Host(), "builder", "prune", "-f", "--max-used-space", "1g").oneLineErr(t); !strings.Contains(msg, "requires API >= 1.48") {
		t.Errorf("--max-used-space on API 1.41: %q", msg)
	}
	if r := demo(t, "", "--host", e.Host(), "builder", "prune", "-f", "--reserved-space", "lots"); r.code != 2 || !strings.Contains(r.stderr, "invalid size") {
		t.Errorf("a bad size: exit %d, %q", r.code, r.stderr)
	}
}

// An export cut short leaves the file -o named as it was, as docker export
// does (it writes aside and renames): an earlier export is not lost.
func TestExportCutShortKeepsTheFile(t *testing.T) {
	e := enginetest.New(t)
	e.Handle("GET", "/containers/{id}/export", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-tar")
		w.Header().Set("Content-Length", "1000")
		io.WriteString(w, "the start of an archive") // and the connection ends
	}))
	dir := t.TempDir()
	out := filepath.Join(dir, "web.tar")
	if err := os.WriteFile(out, []byte("yesterday's export"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := demo(t, "", "--host", e.Host(), "export", "-o", out, "web"); r.code == 0 {
		t.Fatalf("export cut short: exit 0, stderr %q", r.stderr)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != "yesterday's export" {
		t.Errorf("after a failed export the file holds %q, %v; want it as it was", b, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left in the directory: %v", entries)
	}
}

// Sizes are read as docker reads them (units.RAMInBytes): a decimal
// number, a binary unit, an optional "i" and "b", a space allowed before
// the unit; nothing else.
func TestByteSize(t *testing.T) {
	for in, want := range map[string]int64{
		"512": 512, "10k": 10 << 10, "1.5m": 3 << 19, "1g": 1 << 30, "1GB": 1 << 30, "1GiB": 1 << 30, "2 TB": 2 << 40, "3b": 3,
	} {
		var s byteSize
		if err := s.Set(in); err != nil || int64(s) != want {
			t.Errorf("Set(%q) = %d, %v; want %d", in, s, err, want)
		}
	}
	for _, in := range []string{"", "lots", "-1", "1e3", "0x10", "nan", "inf", "1gg", "1bb", "1.2.3m", "9999999p"} {
		var s byteSize
		if err := s.Set(in); err == nil {
			t.Errorf("Set(%q) = %d, want an error", in, s)
		}
	}
}

//go:build unix

package dockwire

import (
	"archive/tar"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/dockwire/dockwire/internal/await"
	"github.com/google/go-cmp/cmp"
)

func TestDockerignoreMatch(t *testing.T) {
	for _, tc := range []struct {
		patterns string
		path     string
		excluded bool
	}{
		{"*.log", "a.log", true},
		{"*.log", "dir/a.log", false}, // * stays within one segment
		{"*.log", "a.logs", false},
		{"**/*.log", "a.log", true},
		{"**/*.log", "d/e/a.log", true},
		{"dir", "dir", true},
		{"dir", "dir/x/y", true}, // a parent matches
		{"dir", "dir2", false},
		{"dir/", "dir/x", true},
		{"/abs/path", "abs/path", true},
		{"./rel", "rel", true},
		{"dir/*", "dir/x", true},
		{"dir/*", "dir", false},
		{"dir/*", "dir/x/y", true},
		{"a?c", "abc", true},
		{"a?c", "a/c", false},
		{"[ab].txt", "a.txt", true},
		{"[ab].txt", "c.txt", false},
		{"[^ab].txt", "c.txt", true},
		{"[a-c]x", "bx", true},
		{"a.b", "axb", false}, // '.' is literal
		{"a+b", "a+b", true},
		{`\*.txt`, "*.txt", true},
		{`\*.txt`, "a.txt", false},
		{"**", "any/thing", true},
		{"foo/**", "foo/x/y", true},
		{"foo/**", "foo", false},
		{"foo/**/bar", "foo/bar", true},
		{"foo/**/bar", "foo/a/b/bar", true},
		{"**/foo", "foo", true},
		{"**/foo", "a/b/foo/c", true},
		{"*.md\n!README.md", "x.md", true},
		{"*.md\n!README.md", "README.md", false},
		{"!README.md\n*.md", "README.md", true}, // the last match decides
		{"docs\n!docs/keep.md", "docs/keep.md", false},
		{"docs\n!docs/keep.md", "docs/other.md", true},
		{"*\n!src\nsrc/*.tmp", "src/a.go", false},
		{"*\n!src\nsrc/*.tmp", "src/a.tmp", true},
		{"# comment\n", "# comment", false},
		{"  spaced.txt  ", "spaced.txt", true},
		{"", "anything", false},
	} {
		patterns, err := readDockerignore(strings.NewReader(tc.patterns))
		if err != nil {
			t.Fatal(err)
		}
		m, err := newIgnoreMatcher(patterns)
		if err != nil {
			t.Errorf("%q: %v", tc.patterns, err)
			continue
		}
		if got := m.excluded(tc.path); got != tc.excluded {
			t.Errorf("patterns %q, path %q: excluded = %v, want %v", tc.patterns, tc.path, got, tc.excluded)
		}
	}
}

func TestReadDockerignore(t *testing.T) {
	got, err := readDockerignore(strings.NewReader("\xef\xbb\xbf*.log\r\n# comment\n  \n ! keep \n/abs/\n./rel/../x\n # not a comment\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"*.log", "!keep", "abs", "x", "# not a comment"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("patterns (-want +got):\n%s", diff)
	}
}

func TestDockerignoreBadPattern(t *testing.T) {
	for _, p := range []string{"[", "!", "a[b"} {
		if _, err := newIgnoreMatcher([]string{p}); err == nil {
			t.Errorf("pattern %q accepted, want an error", p)
		}
	}
}

func TestDockerignoreMayInclude(t *testing.T) {
	m, err := newIgnoreMatcher([]string{"docs", "!docs/api/keep.md", "build"})
	if err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]bool{"docs": true, "docs/api": true, "build": false, "docs/other": false} {
		if got := m.mayInclude(dir); got != want {
			t.Errorf("mayInclude(%q) = %v, want %v", dir, got, want)
		}
	}
}

// writeTree creates files (a trailing "/" makes a directory) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readTar lists a tar archive: name -> content, "->target" for a symlink,
// "dir" for a directory. It fails on entries not owned by root.
func readTar(t *testing.T, r io.Reader) map[string]string {
	t.Helper()
	out := map[string]string{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s owned by %d:%d (%s:%s), want root", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			out[h.Name] = "dir"
		case tar.TypeSymlink:
			out[h.Name] = "->" + h.Linkname
		case tar.TypeReg:
			b, _ := io.ReadAll(tr)
			out[h.Name] = string(b)
		default:
			t.Errorf("unexpected entry %s of type %c", h.Name, h.Typeflag)
		}
	}
}

func TestBuildContextArchive(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"Dockerfile":            "FROM scratch",
		".dockerignore":         "Dockerfile\n.dockerignore\n*.tmp\nnode_modules\ndocs\n!docs/keep.md\n**/secret*\n",
		"main.go":               "package main",
		"x.tmp":                 "tmp",
		"node_modules/a/b.js":   "js",
		"docs/keep.md":          "keep",
		"docs/drop.md":          "drop",
		"pkg/util.go":           "package pkg",
		"pkg/deep/secret.key":   "key",
		"pkg/deep/nonsecret.go": "ok",
		"empty/":                "",
	})
	if err := os.Symlink("main.go", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	rc, err := BuildContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got := readTar(t, rc)
	want := map[string]string{
		"Dockerfile":            "FROM scratch", // kept although ignored, like the CLI
		".dockerignore":         "Dockerfile\n.dockerignore\n*.tmp\nnode_modules\ndocs\n!docs/keep.md\n**/secret*\n",
		"main.go":               "package main",
		"docs/keep.md":          "keep", // re-included; docs/ itself is not sent
		"pkg/":                  "dir",
		"pkg/util.go":           "package pkg",
		"pkg/deep/":             "dir",
		"pkg/deep/nonsecret.go": "ok",
		"empty/":                "dir",
		"link":                  "->main.go",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("archive (-want +got):\n%s", diff)
	}
}

func TestBuildContextOrderIsStable(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"b": "", "a/z": "", "a/y": "", "c/": ""})
	rc, err := BuildContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var names []string
	tr := tar.NewReader(rc)
	for h, err := tr.Next(); err == nil; h, err = tr.Next() {
		names = append(names, h.Name)
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("entries %v are not in walk order", names)
	}
}

func TestBuildContextErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := BuildContext(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing dir: %v, want fs.ErrNotExist", err)
	}
	file := filepath.Join(dir, "file")
	writeTree(t, dir, map[string]string{"file": "x"})
	if _, err := BuildContext(file); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("a file: %v, want ErrInvalidArgument", err)
	}
	bad := t.TempDir()
	writeTree(t, bad, map[string]string{".dockerignore": "[\n"})
	if _, err := BuildContext(bad); err == nil {
		t.Error("a malformed .dockerignore was accepted")
	}
}

func TestBuildContextStreamsLargeFile(t *testing.T) {
	const size = 512 << 20
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "big"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rc, err := BuildContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if n < size {
		t.Errorf("archive of %d bytes, want more than %d", n, size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("allocated %d MiB to archive a %d MiB file", alloc>>20, size>>20)
	}
}

func TestBuildContextCloseStopsWalk(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "big"))
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(64 << 20)
	f.Close()
	base := runtime.NumGoroutine()
	rc, err := BuildContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(rc, make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	await.Goroutines(t, base) // else the walk goes on after Close
}

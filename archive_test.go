package dockwire_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/google/go-cmp/cmp"
)

// tarEntry is one entry of a tar built by makeTar.
type tarEntry struct {
	name string
	typ  byte // tar.TypeReg if zero
	link string
	body string
	mode int64 // 0644 (0755 for directories) if zero
}

func makeTar(t testing.TB, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: e.mode, Size: int64(len(e.body)), ModTime: time.Unix(1700000000, 0)}
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		if hdr.Typeflag != tar.TypeReg {
			hdr.Size = 0
		}
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
			if hdr.Typeflag == tar.TypeDir {
				hdr.Mode = 0o755
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if hdr.Size > 0 {
			if _, err := io.WriteString(tw, e.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// extractJail makes an empty destination inside a parent directory, and
// returns a function that lists everything under the parent but outside
// the destination: what an escape would have written.
func extractJail(t *testing.T) (dest string, outside func() []string) {
	t.Helper()
	parent := t.TempDir()
	dest = filepath.Join(parent, "dest")
	if err := os.Mkdir(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	return dest, func() []string {
		var out []string
		filepath.WalkDir(parent, func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				out = append(out, "walk error: "+err.Error())
			case p == dest:
				return fs.SkipDir
			case p != parent:
				out = append(out, p)
			}
			return nil
		})
		return out
	}
}

// treeOf lists a directory: "name mode [-> target | = contents]".
func treeOf(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		line := filepath.ToSlash(rel) + " " + info.Mode().String()
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case info.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			line += " = " + string(b)
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func wantUnsafe(t *testing.T, archive []byte) (dest string) {
	t.Helper()
	dest, outside := extractJail(t)
	err := dockwire.ExtractTar(bytes.NewReader(archive), dest)
	if !errors.Is(err, dockwire.ErrUnsafeArchive) {
		t.Errorf("ExtractTar = %v, want ErrUnsafeArchive", err)
	}
	if out := outside(); len(out) > 0 {
		t.Errorf("written outside the destination: %q", out)
	}
	return dest
}

func TestFault_J5_DotDotEntry(t *testing.T) {
	for _, name := range []string{"../x", "a/../../x", "a/../x", "./../x", ".."} {
		t.Run(name, func(t *testing.T) {
			wantUnsafe(t, makeTar(t, tarEntry{name: "a/", typ: tar.TypeDir}, tarEntry{name: name, body: "pwned"}))
		})
	}
}

func TestFault_J5_AbsoluteEntry(t *testing.T) {
	// An absolute name aimed at a place the test can check: the jail's parent.
	dest, outside := extractJail(t)
	target := filepath.Join(filepath.Dir(dest), "x")
	for _, name := range []string{"/etc/dockwire-j5-x", target, "//" + target} {
		err := dockwire.ExtractTar(bytes.NewReader(makeTar(t, tarEntry{name: name, body: "pwned"})), dest)
		if !errors.Is(err, dockwire.ErrUnsafeArchive) {
			t.Errorf("%s: ExtractTar = %v, want ErrUnsafeArchive", name, err)
		}
	}
	if _, err := os.Lstat("/etc/dockwire-j5-x"); err == nil {
		t.Error("/etc/dockwire-j5-x was written")
	}
	if out := outside(); len(out) > 0 {
		t.Errorf("written outside the destination: %q", out)
	}
}

func TestFault_J5_SymlinkThenFileUnderIt(t *testing.T) {
	for _, tt := range []struct {
		name  string
		links []tarEntry
	}{
		{"to-root", []tarEntry{{name: "l", typ: tar.TypeSymlink, link: "/"}}},
		{"to-parent", []tarEntry{{name: "l", typ: tar.TypeSymlink, link: ".."}}},
		{"deep-up", []tarEntry{{name: "a/", typ: tar.TypeDir}, {name: "a/l", typ: tar.TypeSymlink, link: "../../"}}},
		// Each link stays inside on its own, but l/.. is the parent of the
		// destination when l points at the destination itself.
		{"dotdot-after-link", []tarEntry{{name: "d", typ: tar.TypeSymlink, link: "."}, {name: "l", typ: tar.TypeSymlink, link: "d/.."}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			entries := append(tt.links, tarEntry{name: "l/x", body: "pwned"})
			dest := wantUnsafe(t, makeTar(t, entries...))
			if _, err := os.Lstat(filepath.Join(dest, "l")); err == nil {
				t.Error("the escaping link was created")
			}
		})
	}
	// A link that stays inside is fine, but nothing is written through it.
	t.Run("inside", func(t *testing.T) {
		dest := wantUnsafe(t, makeTar(t,
			tarEntry{name: "sub/", typ: tar.TypeDir},
			tarEntry{name: "l", typ: tar.TypeSymlink, link: "sub"},
			tarEntry{name: "l/x", body: "through"}))
		if _, err := os.Lstat(filepath.Join(dest, "sub", "x")); err == nil {
			t.Error("a file was written through a symbolic link")
		}
	})
	// A file entry at a link's own name replaces the link, not its target.
	t.Run("replace-link", func(t *testing.T) {
		dest, outside := extractJail(t)
		victim := filepath.Join(dest, "victim")
		os.WriteFile(victim, []byte("safe"), 0o644)
		archive := makeTar(t, tarEntry{name: "l", typ: tar.TypeSymlink, link: "victim"}, tarEntry{name: "l", body: "new"})
		if err := dockwire.ExtractTar(bytes.NewReader(archive), dest); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(victim); string(b) != "safe" {
			t.Errorf("the link's target was overwritten: %q", b)
		}
		if fi, err := os.Lstat(filepath.Join(dest, "l")); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("l is %v, %v; want a regular file", fi, err)
		}
		if out := outside(); len(out) > 0 {
			t.Errorf("written outside the destination: %q", out)
		}
	})
}

func TestFault_J5_HardlinkEscape(t *testing.T) {
	dest, _ := extractJail(t)
	secret := filepath.Join(filepath.Dir(dest), "secret")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		entries []tarEntry
	}{
		{"dotdot", []tarEntry{{name: "h", typ: tar.TypeLink, link: "../secret"}}},
		{"absolute", []tarEntry{{name: "h", typ: tar.TypeLink, link: secret}}},
		{"via-symlink", []tarEntry{{name: "s", typ: tar.TypeSymlink, link: "."}, {name: "h", typ: tar.TypeLink, link: "s/../secret"}}},
		{"to-symlink", []tarEntry{{name: "f", body: "x"}, {name: "s", typ: tar.TypeSymlink, link: "f"}, {name: "h", typ: tar.TypeLink, link: "s"}}},
		{"missing", []tarEntry{{name: "h", typ: tar.TypeLink, link: "nothing"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dest := wantUnsafe(t, makeTar(t, tt.entries...))
			if _, err := os.Lstat(filepath.Join(dest, "h")); err == nil {
				t.Error("the hard link was created")
			}
			if b, _ := os.ReadFile(secret); string(b) != "secret" {
				t.Errorf("secret changed: %q", b)
			}
		})
	}
}

func TestExtractTarKeepsWhatIsSafe(t *testing.T) {
	dest, outside := extractJail(t)
	archive := makeTar(t,
		tarEntry{name: "./", typ: tar.TypeDir},
		tarEntry{name: "dir/", typ: tar.TypeDir, mode: 0o750},
		tarEntry{name: "dir/f", body: "hello", mode: 0o640},
		tarEntry{name: "implicit/parent/f", body: "x"},
		tarEntry{name: "ro/", typ: tar.TypeDir, mode: 0o555},
		tarEntry{name: "ro/f", body: "in a read-only dir", mode: 0o4755}, // setuid dropped
		tarEntry{name: "up", typ: tar.TypeSymlink, link: "dir/f"},
		tarEntry{name: "dir/back", typ: tar.TypeSymlink, link: "../up"},
		tarEntry{name: "dir/dot", typ: tar.TypeSymlink, link: "./f"},
		tarEntry{name: "hard", typ: tar.TypeLink, link: "dir/f"},
		tarEntry{name: "fifo", typ: tar.TypeFifo},
	)
	t.Cleanup(func() { os.Chmod(filepath.Join(dest, "ro"), 0o755) }) // so that a non-root TempDir cleanup can remove ro/f
	if err := dockwire.ExtractTar(bytes.NewReader(archive), dest); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"dir drwxr-x---", "dir/back Lrwxrwxrwx -> ../up", "dir/dot Lrwxrwxrwx -> ./f", "dir/f -rw-r----- = hello",
		"hard -rw-r----- = hello", "implicit drwxr-xr-x", "implicit/parent drwxr-xr-x", "implicit/parent/f -rw-r--r-- = x",
		"ro dr-xr-xr-x", "ro/f -rwxr-xr-x = in a read-only dir", "up Lrwxrwxrwx -> dir/f",
	}
	if diff := cmp.Diff(want, treeOf(t, dest)); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
	a, _ := os.Stat(filepath.Join(dest, "dir/f"))
	b, _ := os.Stat(filepath.Join(dest, "hard"))
	if !os.SameFile(a, b) {
		t.Error("hard is not a hard link to dir/f")
	}
	if !a.ModTime().Equal(time.Unix(1700000000, 0)) {
		t.Errorf("mtime = %v", a.ModTime())
	}
	if out := outside(); len(out) > 0 {
		t.Errorf("written outside the destination: %q", out)
	}
}

func TestTarPathRoundTrip(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(src, "sub", "empty"), 0o755))
	must(os.WriteFile(filepath.Join(src, "a.txt"), []byte("alpha"), 0o600))
	must(os.WriteFile(filepath.Join(src, "sub", "run.sh"), []byte("#!/bin/sh\n"), 0o755))
	must(os.Symlink("../a.txt", filepath.Join(src, "sub", "link")))
	must(os.Chmod(filepath.Join(src, "sub"), 0o750))

	rc, err := dockwire.TarPath(src)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	dest, _ := extractJail(t)
	if err := dockwire.ExtractTar(rc, dest); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(treeOf(t, filepath.Dir(src)), treeOf(t, dest)); diff != "" {
		t.Errorf("extracted tree differs from the source (-src +got):\n%s", diff)
	}

	// A single file is archived under its base name.
	rc, err = dockwire.TarPath(filepath.Join(src, "a.txt"))
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := tar.NewReader(rc).Next()
	rc.Close()
	if err != nil || hdr.Name != "a.txt" || hdr.Size != 5 {
		t.Errorf("first header = %+v, %v", hdr, err)
	}
	if _, err := dockwire.TarPath(filepath.Join(src, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("TarPath(missing) = %v, want fs.ErrNotExist", err)
	}
}

// Closing the stream early stops the walk instead of leaking it.
func TestTarPathCloseEarly(t *testing.T) {
	src := t.TempDir()
	big := bytes.Repeat([]byte("x"), 1<<20)
	for i := 0; i < 4; i++ {
		if err := os.WriteFile(filepath.Join(src, strings.Repeat("f", i+1)), big, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rc, err := dockwire.TarPath(src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(rc, make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Read(make([]byte, 1)); err == nil {
		t.Error("Read after Close succeeded")
	}
}

// FuzzExtractTar checks that no archive, however built, writes outside
// its destination. Each line of the input is "type name [link]" with type
// one of f, d, s (symlink), h (hard link).
func FuzzExtractTar(f *testing.F) {
	for _, seed := range []string{
		"f ../x", "f /etc/x", "s l /\nf l/x", "s l ..\nf l/x", "h h ../secret", "d a\ns a/l ../..\nf a/l/x",
		"s d .\ns l d/..\nf l/x", "f a\nh b a\ns c b", "d a/\nf a/b\ns a/c ./b",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		var entries []tarEntry
		for _, line := range strings.Split(spec, "\n") {
			parts := strings.Fields(line)
			if len(parts) < 2 {
				continue
			}
			e := tarEntry{name: parts[1], body: "fuzz"}
			if len(parts) > 2 {
				e.link = parts[2]
			}
			switch parts[0] {
			case "d":
				e.typ = tar.TypeDir
			case "s":
				e.typ = tar.TypeSymlink
			case "h":
				e.typ = tar.TypeLink
			}
			entries = append(entries, e)
		}
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, e := range entries {
			hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: 0o755}
			if e.typ == 0 {
				hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(e.body))
			}
			if tw.WriteHeader(hdr) != nil {
				return
			}
			if hdr.Size > 0 {
				io.WriteString(tw, e.body)
			}
		}
		tw.Close()
		dest, outside := extractJail(t)
		dockwire.ExtractTar(&buf, dest)
		if out := outside(); len(out) > 0 {
			t.Fatalf("written outside the destination: %q", out)
		}
		// Every link left in dest must resolve inside it.
		filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.Type()&fs.ModeSymlink == 0 {
				return nil
			}
			resolved, err := filepath.EvalSymlinks(p)
			if err != nil {
				return nil // dangling: it points nowhere yet, checked by its text below
			}
			if rel, _ := filepath.Rel(dest, resolved); rel == ".." || strings.HasPrefix(rel, "../") {
				t.Fatalf("link %s resolves outside the destination, to %s", p, resolved)
			}
			return nil
		})
	})
}

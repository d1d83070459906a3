package dockwire_test

import (
	"archive/tar"
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/internal/livetest"
	"github.com/google/go-cmp/cmp"
)

// liveCopySource makes a small tree to copy: a file, a directory, a
// relative symbolic link.
func liveCopySource(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	for _, err := range []error{
		os.MkdirAll(filepath.Join(src, "sub"), 0o755),
		os.WriteFile(filepath.Join(src, "a.txt"), []byte("alpha"), 0o640),
		os.WriteFile(filepath.Join(src, "sub", "b.txt"), []byte("beta\n"), 0o644),
		os.Symlink("../a.txt", filepath.Join(src, "sub", "link")),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return src
}

// liveBox starts a container from the test image, which is FROM scratch
// and has no /tmp: it gets one, through the archive endpoint.
func liveBox(t *testing.T, e *livetest.Engine) string {
	t.Helper()
	box := e.Container(t, dockwire.ContainerCreateOptions{})
	tmp := makeTar(t, tarEntry{name: "tmp/", typ: tar.TypeDir, mode: 0o1777})
	if err := e.Client.CopyToContainer(livetest.Context(t), box, "/", bytes.NewReader(tmp), dockwire.CopyToContainerOptions{}); err != nil {
		t.Fatalf("making /tmp: %v", err)
	}
	return box
}

func TestLiveCopy(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		c, ctx := e.Client, livetest.Context(t)
		box := liveBox(t, e)
		src := liveCopySource(t)

		// docker cp src box:/tmp (an existing directory): /tmp/src.
		if err := c.CopyPathToContainer(ctx, box, src, "/tmp"); err != nil {
			t.Fatalf("CopyPathToContainer: %v", err)
		}
		res, err := c.ExecCapture(ctx, box, dockwire.ExecOptions{Cmd: []string{"sh", "-c", "cat /tmp/src/sub/b.txt /tmp/src/sub/link; stat -c '%a %s' /tmp/src/a.txt"}})
		if err != nil || res.Stdout != "beta\nalpha640 5\n" {
			t.Errorf("in the container: %+v, %v", res, err)
		}

		// The path-stat header, on HEAD and GET.
		start := time.Now().Add(-time.Hour)
		st, err := c.ContainerStatPath(ctx, box, "/tmp/src/a.txt")
		if err != nil || st.Name != "a.txt" || st.Size != 5 || st.Mode != 0o640 || st.Mtime.Before(start) || st.LinkTarget != "" {
			t.Errorf("ContainerStatPath(a.txt) = %+v, %v", st, err)
		}
		st, err = c.ContainerStatPath(ctx, box, "/tmp/src/sub/link")
		if err != nil || st.Mode&fs.ModeSymlink == 0 || st.LinkTarget != "/tmp/src/a.txt" {
			t.Errorf("ContainerStatPath(link) = %+v, %v", st, err)
		}
		rc, st, err := c.CopyFromContainer(ctx, box, "/tmp/src")
		if err != nil {
			t.Fatal(err)
		}
		if st.Name != "src" || !st.Mode.IsDir() {
			t.Errorf("CopyFromContainer stat = %+v", st)
		}
		dest := t.TempDir()
		err = dockwire.ExtractTar(rc, dest)
		rc.Close()
		if err != nil {
			t.Fatalf("ExtractTar: %v", err)
		}
		wantTree := treeOf(t, filepath.Dir(src))
		if diff := cmp.Diff(wantTree, treeOf(t, dest)); diff != "" {
			t.Errorf("round trip (-sent +got back):\n%s", diff)
		}

		// docker cp box:/tmp/src NEW, and box:/tmp/src/. EXISTING.
		back := t.TempDir()
		if err := c.CopyPathFromContainer(ctx, box, "/tmp/src", filepath.Join(back, "renamed")); err != nil {
			t.Fatal(err)
		}
		if err := c.CopyPathFromContainer(ctx, box, "/tmp/src/.", back); err != nil {
			t.Fatal(err)
		}
		want := []string{
			"a.txt -rw-r----- = alpha", "renamed drwxr-xr-x", "renamed/a.txt -rw-r----- = alpha", "renamed/sub drwxr-xr-x",
			"renamed/sub/b.txt -rw-r--r-- = beta\n", "renamed/sub/link Lrwxrwxrwx -> ../a.txt",
			"sub drwxr-xr-x", "sub/b.txt -rw-r--r-- = beta\n", "sub/link Lrwxrwxrwx -> ../a.txt",
		}
		if diff := cmp.Diff(want, treeOf(t, back)); diff != "" {
			t.Errorf("docker cp from the container (-want +got):\n%s", diff)
		}

		// A file to a new name, then over an existing file.
		file := filepath.Join(t.TempDir(), "one.txt")
		os.WriteFile(file, []byte("one"), 0o600)
		for _, dst := range []string{"/tmp/renamed.txt", "/tmp/renamed.txt"} {
			if err := c.CopyPathToContainer(ctx, box, file, dst); err != nil {
				t.Fatal(err)
			}
		}
		if st, err := c.ContainerStatPath(ctx, box, "/tmp/renamed.txt"); err != nil || st.Size != 3 || !st.Mode.IsRegular() {
			t.Errorf("/tmp/renamed.txt: %+v, %v", st, err)
		}
		if err := c.CopyPathToContainer(ctx, box, src, "/tmp/renamed.txt"); !errors.Is(err, dockwire.ErrInvalidArgument) {
			t.Errorf("directory onto a file: %v, want ErrInvalidArgument", err)
		}
	})
}

// A large archive streams both ways and comes back byte for byte.
func TestLiveCopyLarge(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		c, ctx := e.Client, livetest.Context(t)
		box := liveBox(t, e)
		data := make([]byte, 8<<20)
		rand.Read(data)
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "big.bin"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		tr, err := dockwire.TarPath(filepath.Join(dir, "big.bin"))
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		if err := c.CopyToContainer(ctx, box, "/tmp", tr, dockwire.CopyToContainerOptions{}); err != nil {
			t.Fatal(err)
		}
		rc, st, err := c.CopyFromContainer(ctx, box, "/tmp/big.bin")
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if st.Size != int64(len(data)) {
			t.Errorf("stat size = %d, want %d", st.Size, len(data))
		}
		r := tar.NewReader(rc)
		hdr, err := r.Next()
		if err != nil || hdr.Name != "big.bin" {
			t.Fatalf("first entry: %+v, %v", hdr, err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("content back: %d bytes, %v; want the %d sent", len(got), err, len(data))
		}
	})
}

func TestLiveCopyErrors(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		c, ctx := e.Client, livetest.Context(t)
		box := liveBox(t, e)
		oneFile := func() io.Reader { return bytes.NewReader(makeTar(t, tarEntry{name: "x", body: "x"})) }

		if _, err := c.ContainerStatPath(ctx, box, "/nope"); !errors.Is(err, fs.ErrNotExist) || errors.Is(err, dockwire.ErrContainerNotFound) {
			t.Errorf("stat of a missing path: %v, want fs.ErrNotExist", err)
		}
		if _, _, err := c.CopyFromContainer(ctx, box, "/nope"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("copy of a missing path: %v, want fs.ErrNotExist", err)
		}
		t.Run("into a missing directory", func(t *testing.T) {
			e.SkipOnPodman(t, "PUT archive into a missing directory creates it instead of answering 404")
			if err := c.CopyToContainer(ctx, box, "/nope", oneFile(), dockwire.CopyToContainerOptions{}); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("copy into a missing directory: %v, want fs.ErrNotExist", err)
			}
		})
		// Docker 20.10 answers 500, later engines 400.
		if err := c.CopyToContainer(ctx, box, "/bin/busybox", oneFile(), dockwire.CopyToContainerOptions{}); !errors.Is(err, dockwire.ErrBadRequest) && !errors.Is(err, dockwire.ErrServer) {
			t.Errorf("copy into a file: %v, want ErrBadRequest", err)
		}
		// A large source into a missing directory: the daemon's 404, not a
		// connection broken under the stream.
		big := filepath.Join(t.TempDir(), "big")
		if err := os.WriteFile(big, make([]byte, 4<<20), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := c.CopyPathToContainer(ctx, box, big, "/no/such/dir/big"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("docker cp into a missing directory: %v, want fs.ErrNotExist", err)
		}
		for _, call := range []func() error{
			func() error { _, err := c.ContainerStatPath(ctx, "dwtest-no-such-box", "/"); return err },
			func() error { _, _, err := c.CopyFromContainer(ctx, "dwtest-no-such-box", "/"); return err },
			func() error {
				return c.CopyToContainer(ctx, "dwtest-no-such-box", "/", oneFile(), dockwire.CopyToContainerOptions{})
			},
		} {
			if err := call(); !errors.Is(err, dockwire.ErrContainerNotFound) || errors.Is(err, fs.ErrNotExist) {
				t.Errorf("missing container: %v, want ErrContainerNotFound", err)
			}
		}
	})
}

// Archives from a real container are extracted as hostile: a link to "/"
// planted in the container, or busybox's absolute links in /bin, are
// refused, and nothing lands outside the destination.
func TestFault_J5_LiveContainerArchive(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		c, ctx := e.Client, livetest.Context(t)
		box := liveBox(t, e)
		planted := makeTar(t, tarEntry{name: "hostile/", typ: tar.TypeDir}, tarEntry{name: "hostile/evil", typ: tar.TypeSymlink, link: "/"})
		if err := c.CopyToContainer(ctx, box, "/tmp", bytes.NewReader(planted), dockwire.CopyToContainerOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, src := range []string{"/tmp/hostile", "/bin"} {
			dest, outside := extractJail(t)
			if err := c.CopyPathFromContainer(ctx, box, src, dest); !errors.Is(err, dockwire.ErrUnsafeArchive) {
				t.Errorf("copying %s: %v, want ErrUnsafeArchive", src, err)
			}
			if out := outside(); len(out) > 0 {
				t.Errorf("copying %s wrote outside the destination: %q", src, out)
			}
		}
	})
}

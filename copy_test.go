package dockwire_test

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/await"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// copyStat encodes a path stat as the daemon sends it.
func copyStat(name string, size int64, mode fs.FileMode, link string) string {
	js := fmt.Sprintf(`{"name":%q,"size":%d,"mode":%d,"mtime":"2026-11-27T04:52:21Z","linkTarget":%q}`, name, size, uint32(mode), link)
	return base64.StdEncoding.EncodeToString([]byte(js))
}

func TestCopyToContainerRequest(t *testing.T) {
	e, c := nvFake(t, enginetest.WithAPIVersion("1.41"))
	id := e.AddContainer(enginetest.Container{Name: "web"})
	e.Handle("PUT", "/containers/{id}/archive", nvReply(200, ""))
	archive := makeTar(t, tarEntry{name: "a.txt", body: "alpha"})
	ctx := testContext(t)

	for _, tt := range []struct {
		opts dockwire.CopyToContainerOptions
		want url.Values
	}{
		{dockwire.CopyToContainerOptions{}, url.Values{"path": {"/tmp/x y&z"}, "noOverwriteDirNonDir": {"1"}}},
		{dockwire.CopyToContainerOptions{AllowOverwriteDirWithFile: true, CopyUIDGID: true}, url.Values{"path": {"/tmp/x y&z"}, "copyUIDGID": {"1"}}},
	} {
		if err := c.CopyToContainer(ctx, "web", "/tmp/x y&z", bytes.NewReader(archive), tt.opts); err != nil {
			t.Fatal(err)
		}
		reqs := e.Requests()
		r := reqs[len(reqs)-1]
		if r.Method != "PUT" || r.Path != "/v1.41/containers/web/archive" {
			t.Errorf("request = %s %s", r.Method, r.Path)
		}
		if diff := cmp.Diff(tt.want, r.Query); diff != "" {
			t.Errorf("query (-want +got):\n%s", diff)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-tar" {
			t.Errorf("Content-Type = %q", ct)
		}
		if !bytes.Equal(r.Body, archive) {
			t.Errorf("body differs from the archive: %d bytes, want %d", len(r.Body), len(archive))
		}
	}
	_ = id
	if err := c.CopyToContainer(ctx, "web", "/tmp", nil, dockwire.CopyToContainerOptions{}); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("nil tar: %v", err)
	}
	if err := c.CopyToContainer(ctx, "web", "", bytes.NewReader(archive), dockwire.CopyToContainerOptions{}); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("empty path: %v", err)
	}
}

// stagedReader hands out first, then blocks until release is closed before
// reporting EOF: a client that buffers the body before sending it never
// gets to send anything.
type stagedReader struct {
	first    *bytes.Reader
	release  <-chan struct{}
	buffered atomic.Bool // set when release never came
}

func (r *stagedReader) Read(p []byte) (int, error) {
	if r.first.Len() > 0 {
		return r.first.Read(p)
	}
	select {
	case <-r.release:
		return 0, io.EOF
	case <-time.After(await.Timeout):
		r.buffered.Store(true)
		return 0, errors.New("the daemon never received the first part: the body was buffered")
	}
}

func TestCopyToContainerStreams(t *testing.T) {
	e, c := nvFake(t)
	e.AddContainer(enginetest.Container{Name: "web"})
	const first = 256 << 10 // beyond what the fake engine reads ahead to record
	release := make(chan struct{})
	var once sync.Once
	e.Handle("PUT", "/containers/{id}/archive", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadFull(r.Body, make([]byte, first)); err != nil {
			jsonReply(w, 500, `{"message":"short body"}`)
			return
		}
		once.Do(func() { close(release) })
		io.Copy(io.Discard, r.Body)
	}))
	body := &stagedReader{first: bytes.NewReader(make([]byte, first)), release: release}
	if err := c.CopyToContainer(testContext(t), "web", "/", body, dockwire.CopyToContainerOptions{}); err != nil {
		t.Fatal(err)
	}
	if body.buffered.Load() {
		t.Error("the body was read to its end before the daemon received any of it")
	}
}

// A PUT is never retried: the stream is gone once sent.
func TestCopyToContainerNotRetried(t *testing.T) {
	e := enginetest.New(t)
	e.AddContainer(enginetest.Container{Name: "web"})
	e.Fault("PUT", "/containers/{id}/archive", enginetest.Status(503, "busy"))
	c, err := dockwire.New(e.Host(), dockwire.WithRetry(4, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.CopyToContainer(testContext(t), "web", "/", bytes.NewReader(makeTar(t, tarEntry{name: "a"})), dockwire.CopyToContainerOptions{})
	if !errors.Is(err, dockwire.ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
	if n := e.Count("PUT", "/containers/{id}/archive"); n != 1 {
		t.Errorf("the daemon saw %d PUTs, want 1", n)
	}
}

func TestCopyFromContainerAndStat(t *testing.T) {
	e, c := nvFake(t)
	e.AddContainer(enginetest.Container{Name: "web"})
	archive := makeTar(t, tarEntry{name: "hostname", body: "web\n"})
	handler := func(withHeader bool) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if withHeader {
				w.Header().Set("X-Docker-Container-Path-Stat", copyStat("hostname", 4, 0o644, ""))
			}
			w.Header().Set("Content-Type", "application/x-tar")
			if r.Method == "GET" {
				w.Write(archive)
			}
		})
	}
	e.Handle("", "/containers/{id}/archive", handler(true))
	ctx := testContext(t)

	rc, stat, err := c.CopyFromContainer(ctx, "web", "/etc/hostname")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, archive) {
		t.Errorf("archive = %d bytes, %v; want %d bytes", len(got), err, len(archive))
	}
	want := engine.PathStat{Name: "hostname", Size: 4, Mode: 0o644, Mtime: time.Date(2026, 11, 27, 4, 52, 21, 0, time.UTC)}
	if diff := cmp.Diff(want, stat, cmpopts.IgnoreTypes(engine.Raw(""))); diff != "" {
		t.Errorf("stat (-want +got):\n%s", diff)
	}
	if r := nvLast(t, e); r.Method != "GET" || r.Path != "/v1.55/containers/web/archive" || r.Query.Get("path") != "/etc/hostname" {
		t.Errorf("request = %+v", r)
	}

	stat, err = c.ContainerStatPath(ctx, "web", "/etc/hostname")
	if err != nil || stat.Name != "hostname" || stat.Mode != 0o644 {
		t.Errorf("ContainerStatPath = %+v, %v", stat, err)
	}
	if r := nvLast(t, e); r.Method != "HEAD" {
		t.Errorf("ContainerStatPath sent %s, want HEAD", r.Method)
	}

	e.Handle("", "/containers/{id}/archive", handler(false))
	if _, err := c.ContainerStatPath(ctx, "web", "/etc/hostname"); !errors.Is(err, dockwire.ErrDecode) {
		t.Errorf("no stat header: err = %v, want ErrDecode", err)
	}
}

// A 404 on the archive endpoints is about the path when the container
// exists, and about the container otherwise.
func TestCopyNotFound(t *testing.T) {
	e, c := nvFake(t)
	e.AddContainer(enginetest.Container{Name: "web"})
	e.Handle("", "/containers/{id}/archive", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "web" {
			jsonReply(w, 404, `{"message":"Could not find the file /nope in container web"}`)
			return
		}
		jsonReply(w, 404, `{"message":"No such container: gone"}`)
	}))
	ctx := testContext(t)
	calls := map[string]func(container string) error{
		"stat": func(ct string) error { _, err := c.ContainerStatPath(ctx, ct, "/nope"); return err },
		"from": func(ct string) error { _, _, err := c.CopyFromContainer(ctx, ct, "/nope"); return err },
		"to": func(ct string) error {
			return c.CopyToContainer(ctx, ct, "/nope", bytes.NewReader(makeTar(t, tarEntry{name: "a"})), dockwire.CopyToContainerOptions{})
		},
	}
	for name, call := range calls {
		err := call("web")
		if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, dockwire.ErrNotFound) || errors.Is(err, dockwire.ErrContainerNotFound) {
			t.Errorf("%s, missing path: err = %v; want fs.ErrNotExist and ErrNotFound, not ErrContainerNotFound", name, err)
		}
		var ae *dockwire.APIError
		if !errors.As(err, &ae) || ae.Message == "" {
			t.Errorf("%s, missing path: no *APIError with a message in %v", name, err)
		}
		err = call("gone")
		if !errors.Is(err, dockwire.ErrContainerNotFound) || errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s, missing container: err = %v; want ErrContainerNotFound only", name, err)
		}
	}
}

// copyFake is a container filesystem for the docker cp tests: HEAD answers
// from stats, PUT records what it got.
type copyFake struct {
	mu    sync.Mutex
	stats map[string]string // path -> encoded stat
	puts  []copyPut
}

type copyPut struct {
	Dir   string
	Names []string
}

func (f *copyFake) install(e *enginetest.Engine) {
	e.Handle("HEAD", "/containers/{id}/archive", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		s, ok := f.stats[r.URL.Query().Get("path")]
		f.mu.Unlock()
		if !ok {
			w.WriteHeader(404)
			return
		}
		w.Header().Set("X-Docker-Container-Path-Stat", s)
	}))
	e.Handle("PUT", "/containers/{id}/archive", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		put := copyPut{Dir: r.URL.Query().Get("path")}
		tr := tar.NewReader(r.Body)
		for {
			hdr, err := tr.Next()
			if err != nil {
				break
			}
			put.Names = append(put.Names, hdr.Name)
		}
		f.mu.Lock()
		f.puts = append(f.puts, put)
		f.mu.Unlock()
	}))
}

func TestCopyPathToContainerLikeDockerCp(t *testing.T) {
	e, c := nvFake(t)
	e.AddContainer(enginetest.Container{Name: "web"})
	f := &copyFake{stats: map[string]string{
		"/dir":       copyStat("dir", 4096, fs.ModeDir|0o755, ""),
		"/file":      copyStat("file", 3, 0o644, ""),
		"/link":      copyStat("link", 4, fs.ModeSymlink|0o777, "/dir"),
		"/dir/inner": copyStat("inner", 4096, fs.ModeDir|0o755, ""),
		"/":          copyStat("/", 4096, fs.ModeDir|0o755, ""),
	}}
	f.install(e)
	src := filepath.Join(t.TempDir(), "src")
	os.MkdirAll(filepath.Join(src, "sub"), 0o755)
	os.WriteFile(filepath.Join(src, "sub", "f"), []byte("x"), 0o644)
	file := filepath.Join(t.TempDir(), "one.txt")
	os.WriteFile(file, []byte("one"), 0o644)
	ctx := testContext(t)

	for _, tt := range []struct {
		src, dst string
		want     copyPut
		wantErr  error
	}{
		{src, "/dir", copyPut{"/dir", []string{"src/", "src/sub/", "src/sub/f"}}, nil},
		{src + "/.", "/dir", copyPut{"/dir", []string{"sub/", "sub/f"}}, nil},
		{src, "/new", copyPut{"/", []string{"new/", "new/sub/", "new/sub/f"}}, nil},
		{src + "/.", "/dir/newdir", copyPut{"/dir", []string{"newdir/", "newdir/sub/", "newdir/sub/f"}}, nil},
		{src, "/link", copyPut{"/dir", []string{"src/", "src/sub/", "src/sub/f"}}, nil},
		{file, "/dir", copyPut{"/dir", []string{"one.txt"}}, nil},
		{file, "/file", copyPut{"/", []string{"file"}}, nil},
		{file, "/dir/renamed.txt", copyPut{"/dir", []string{"renamed.txt"}}, nil},
		{src, "/file", copyPut{}, dockwire.ErrInvalidArgument},
		{file, "/missing/", copyPut{}, fs.ErrNotExist},
		{file, "/missing/x", copyPut{}, fs.ErrNotExist},
		{file, "/file/x", copyPut{}, dockwire.ErrInvalidArgument},
		{filepath.Join(t.TempDir(), "nothing"), "/dir", copyPut{}, fs.ErrNotExist},
	} {
		f.puts = nil
		err := c.CopyPathToContainer(ctx, "web", tt.src, tt.dst)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) || len(f.puts) > 0 {
				t.Errorf("cp %s web:%s = %v (puts %v), want %v and no PUT", tt.src, tt.dst, err, f.puts, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("cp %s web:%s: %v", tt.src, tt.dst, err)
			continue
		}
		if diff := cmp.Diff([]copyPut{tt.want}, f.puts); diff != "" {
			t.Errorf("cp %s web:%s (-want +got):\n%s", tt.src, tt.dst, diff)
		}
	}
}

func TestCopyPathFromContainerLikeDockerCp(t *testing.T) {
	e, c := nvFake(t)
	e.AddContainer(enginetest.Container{Name: "web"})
	archives := map[string][]byte{
		"/etc": makeTar(t, tarEntry{name: "etc/", typ: tar.TypeDir}, tarEntry{name: "etc/passwd", body: "root"},
			tarEntry{name: "etc/hosts", typ: tar.TypeLink, link: "etc/passwd"}),
		"/etc/.":        makeTar(t, tarEntry{name: "./", typ: tar.TypeDir}, tarEntry{name: "./passwd", body: "root"}),
		"/etc/hostname": makeTar(t, tarEntry{name: "hostname", body: "web"}),
		// Podman's contents-only archive has no entry for the root.
		"/podman/.": makeTar(t, tarEntry{name: "passwd", body: "root"}, tarEntry{name: "sub/", typ: tar.TypeDir}, tarEntry{name: "sub/group", body: "wheel"}),
	}
	e.Handle("GET", "/containers/{id}/archive", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Query().Get("path")
		mode := fs.ModeDir | 0o755
		if p == "/etc/hostname" {
			mode = 0o644
		}
		w.Header().Set("X-Docker-Container-Path-Stat", copyStat(filepath.Base(p), 0, mode, ""))
		w.Write(archives[p])
	}))
	ctx := testContext(t)

	for _, tt := range []struct {
		name, src, dst string // dst relative to a fresh directory holding "existing/" and "file"
		want           []string
		wantErr        error
	}{
		{"into-dir", "/etc", "existing", []string{"existing/etc drwxr-xr-x", "existing/etc/hosts -rw-r--r-- = root", "existing/etc/passwd -rw-r--r-- = root"}, nil},
		{"as-new", "/etc", "conf", []string{"conf drwxr-xr-x", "conf/hosts -rw-r--r-- = root", "conf/passwd -rw-r--r-- = root"}, nil},
		{"contents", "/etc/.", "existing", []string{"existing/passwd -rw-r--r-- = root"}, nil},
		{"contents-podman", "/podman/.", "existing", []string{"existing/passwd -rw-r--r-- = root", "existing/sub drwxr-xr-x", "existing/sub/group -rw-r--r-- = wheel"}, nil},
		{"contents-podman-as-new", "/podman/.", "conf", []string{"conf drwxr-xr-x", "conf/passwd -rw-r--r-- = root", "conf/sub drwxr-xr-x", "conf/sub/group -rw-r--r-- = wheel"}, nil},
		{"file-into-dir", "/etc/hostname", "existing", []string{"existing/hostname -rw-r--r-- = web"}, nil},
		{"file-renamed", "/etc/hostname", "hn", []string{"hn -rw-r--r-- = web"}, nil},
		{"file-over-file", "/etc/hostname", "file", []string{"file -rw-r--r-- = web"}, nil},
		{"dir-over-file", "/etc", "file", nil, dockwire.ErrInvalidArgument},
		{"missing-parent", "/etc", "no/such", nil, fs.ErrNotExist},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.Mkdir(filepath.Join(dir, "existing"), 0o755)
			os.WriteFile(filepath.Join(dir, "file"), []byte("old"), 0o644)
			err := c.CopyPathFromContainer(ctx, "web", tt.src, filepath.Join(dir, tt.dst))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, line := range treeOf(t, dir) {
				if line != "existing drwxr-xr-x" && line != "file -rw-r--r-- = old" {
					got = append(got, line)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("tree (-want +got):\n%s", diff)
			}
		})
	}
}

// A hostile archive from the daemon is refused by CopyPathFromContainer.
func TestFault_J5_CopyPathFromContainer(t *testing.T) {
	e, c := nvFake(t)
	e.AddContainer(enginetest.Container{Name: "web"})
	e.Handle("GET", "/containers/{id}/archive", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Docker-Container-Path-Stat", copyStat("etc", 0, fs.ModeDir|0o755, ""))
		w.Write(makeTar(t, tarEntry{name: "etc/", typ: tar.TypeDir}, tarEntry{name: "etc/l", typ: tar.TypeSymlink, link: "/"},
			tarEntry{name: "etc/l/tmp/pwned", body: "x"}, tarEntry{name: "other/x", body: "outside the root"}))
	}))
	dest, outside := extractJail(t)
	for _, dst := range []string{dest, filepath.Join(dest, "renamed")} {
		err := c.CopyPathFromContainer(testContext(t), "web", "/etc", dst)
		if !errors.Is(err, dockwire.ErrUnsafeArchive) {
			t.Errorf("to %s: err = %v, want ErrUnsafeArchive", dst, err)
		}
	}
	if out := outside(); len(out) > 0 {
		t.Errorf("written outside the destination: %q", out)
	}
}

package record

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"github.com/dockwire/dockwire"
)

func (s *session) execs() {
	ctx, c := s.ctx, s.c
	var id string
	s.run("exec-create", func() (any, error) {
		var err error
		id, err = c.ExecCreate(ctx, webName, dockwire.ExecCreateOptions{Cmd: []string{"sh", "-c", "echo out; sleep 0.1; echo err >&2"}, AttachStdout: true, AttachStderr: true})
		return id, err
	})
	s.run("exec-start", func() (any, error) {
		st, err := c.ExecStart(ctx, id, dockwire.ExecStartOptions{})
		if err != nil {
			return nil, err
		}
		defer st.Close()
		var stdout, stderr strings.Builder
		if _, err := st.CopyTo(&stdout, &stderr); err != nil {
			return nil, err
		}
		return StreamOutput{Multiplexed: st.Multiplexed(), Stdout: stdout.String(), Stderr: stderr.String()}, nil
	})
	s.run("exec-wait", func() (any, error) { return c.ExecWait(ctx, id) })
	s.run("exec-inspect", func() (any, error) { return c.ExecInspect(ctx, id) })
	s.run("exec-stdin", func() (any, error) {
		return c.ExecCapture(ctx, webName, dockwire.ExecOptions{Cmd: []string{"cat"}, Stdin: strings.NewReader("typed input\n")})
	})
	s.run("exec-tty", func() (any, error) {
		return c.ExecCapture(ctx, webName, dockwire.ExecOptions{Cmd: []string{"sh", "-c", "echo tty out; echo tty err >&2"}, Tty: true})
	})
	s.run("exec-exit-code", func() (any, error) {
		return c.ExecCapture(ctx, webName, dockwire.ExecOptions{Cmd: []string{"sh", "-c", "echo failing >&2; exit 3"}})
	})
	s.run("exec-resize", func() (any, error) {
		// The command reads its terminal's size after the resize arrived.
		id, err := c.ExecCreate(ctx, webName, dockwire.ExecCreateOptions{Cmd: []string{"sh", "-c", "sleep 0.5; stty size"}, Tty: true, AttachStdout: true, AttachStderr: true})
		if err != nil {
			return nil, err
		}
		st, err := c.ExecStart(ctx, id, dockwire.ExecStartOptions{})
		if err != nil {
			return nil, err
		}
		defer st.Close()
		if err := c.ExecResize(ctx, id, dockwire.ExecResizeOptions{Height: 40, Width: 100}); err != nil {
			return nil, err
		}
		var out strings.Builder
		if _, err := st.CopyTo(&out, &out); err != nil {
			return nil, err
		}
		code, err := c.ExecWait(ctx, id)
		return dockwire.ExecResult{ExitCode: code, Stdout: out.String()}, err
	})
	s.run("exec-detached", func() (any, error) {
		id, err := c.ExecCreate(ctx, webName, dockwire.ExecCreateOptions{Cmd: []string{"sh", "-c", "exit 4"}})
		if err != nil {
			return nil, err
		}
		if err := c.ExecStartDetached(ctx, id); err != nil {
			return nil, err
		}
		return c.ExecWait(ctx, id)
	})
}

func (s *session) copies() {
	ctx, c := s.ctx, s.c
	s.run("copy-to", func() (any, error) {
		return Done{}, c.CopyToContainer(ctx, webName, "/data", bytes.NewReader(tarOf(tarFile{"dwrec.txt", "copied in\n"})), dockwire.CopyToContainerOptions{})
	})
	s.run("copy-stat", func() (any, error) { return c.ContainerStatPath(ctx, webName, "/data/dwrec.txt") })
	s.run("copy-from", func() (any, error) {
		rc, stat, err := c.CopyFromContainer(ctx, webName, "/data/dwrec.txt")
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		entries, err := readTar(rc)
		return CopyResult{Stat: stat, Entries: entries}, err
	})
	s.run("copy-stat-missing", func() (any, error) {
		_, err := c.ContainerStatPath(ctx, webName, "/data/missing.txt")
		return expectFailure(err)
	})
	dir, err := os.MkdirTemp("", "dwrec-")
	if err != nil {
		s.err = err
		return
	}
	defer os.RemoveAll(dir)
	s.run("copy-path-to", func() (any, error) {
		src := filepath.Join(dir, "dwrec-host.txt")
		if err := os.WriteFile(src, []byte("from the host\n"), 0o644); err != nil {
			return nil, err
		}
		// A fixed mtime, which the container keeps and sends back.
		if err := os.Chtimes(src, FixedTime, FixedTime); err != nil {
			return nil, err
		}
		return Done{}, c.CopyPathToContainer(ctx, webName, src, "/data/")
	})
	s.run("copy-path-from", func() (any, error) {
		dst := filepath.Join(dir, "back.txt")
		if err := c.CopyPathFromContainer(ctx, webName, "/data/dwrec-host.txt", dst); err != nil {
			return nil, err
		}
		b, err := os.ReadFile(dst)
		return string(b), err
	})
}

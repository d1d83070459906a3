//go:build unix

package dockwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// sshDialer returns a dial function that starts one ssh process per
// connection. The process's standard input and output are one end of a
// Unix socket pair, so the client's end is a real socket: deadlines, the
// idle-connection check and CloseWrite (which ssh passes on as EOF to the
// remote process's stdin) work as they do on the daemon's own socket.
func sshDialer(t sshTarget, flags []string, timeout time.Duration) func(ctx context.Context) (net.Conn, error) {
	secs := int((timeout + time.Second - 1) / time.Second)
	args := t.args(flags, secs)
	return func(ctx context.Context) (net.Conn, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return startSSH(args)
	}
}

func startSSH(args []string) (net.Conn, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		return nil, fmt.Errorf("ssh: socket pair: %w", err)
	}
	syscall.CloseOnExec(fds[0])
	syscall.CloseOnExec(fds[1])
	ours, theirs := os.NewFile(uintptr(fds[0]), "ssh-client"), os.NewFile(uintptr(fds[1]), "ssh-stdio")
	defer theirs.Close()

	stderr := &tailBuffer{max: 4 << 10}
	cmd := exec.Command("ssh", args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = theirs, theirs, stderr
	// A process group of its own: a Ctrl-C meant for the program does not
	// kill the connection under a call that is cleaning up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		ours.Close()
		if errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("ssh:// needs the ssh client on PATH: %w", err)
		}
		return nil, fmt.Errorf("starting ssh: %w", err)
	}
	fc, err := net.FileConn(ours)
	ours.Close()
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("ssh: %w", err)
	}
	c := &sshConn{UnixConn: fc.(*net.UnixConn), cmd: cmd, stderr: stderr, exited: make(chan struct{})}
	go c.reap()
	return c, nil
}

// sshConn is the client's end of the socket pair, tied to its ssh process:
// closing it ends the process, and an end of the stream caused by ssh
// failing reads as an *SSHError with what ssh printed.
type sshConn struct {
	*net.UnixConn
	cmd    *exec.Cmd
	stderr *tailBuffer
	exited chan struct{}
	state  *os.ProcessState // set before exited closes

	closeOnce sync.Once
}

// reap waits for the process, so that none is left a zombie.
func (c *sshConn) reap() {
	c.cmd.Wait()
	c.state = c.cmd.ProcessState
	close(c.exited)
}

// sshExitWait bounds the wait, after the stream ended, for ssh to exit and
// say why.
const sshExitWait = 5 * time.Second

func (c *sshConn) Read(p []byte) (int, error) {
	n, err := c.UnixConn.Read(p)
	// ssh closing its end with our request unread in it resets the pair.
	if err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
		return n, err
	}
	select {
	case <-c.exited:
	case <-time.After(sshExitWait):
		return n, err
	}
	if code := c.state.ExitCode(); code != 0 {
		return n, &SSHError{ExitCode: code, Stderr: c.stderr.String()}
	}
	return n, err
}

// Close closes the socket and ends the ssh process.
func (c *sshConn) Close() error {
	err := c.UnixConn.Close()
	c.closeOnce.Do(func() {
		select {
		case <-c.exited:
		default:
			c.cmd.Process.Kill()
		}
	})
	return err
}

// tailBuffer keeps the last max bytes written to it: the end of ssh's
// stderr is where it says why it failed.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

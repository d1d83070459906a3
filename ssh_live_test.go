//go:build linux

package dockwire_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/internal/await"
	"github.com/dockwire/dockwire/internal/livetest"
)

// sshd is a real OpenSSH server on loopback, made for one test: its own
// host key, one client key, and an authorized_keys entry whose
// environment (DOCKER_HOST, PATH) the test chooses.
type sshd struct {
	port       string
	user       string
	key        string // the client's private key
	knownHosts string // a known_hosts that holds the server's key
}

// startSSHD starts sshd with the given environment for the remote
// command. It needs Debian's openssh-server (scripts/engines.sh installs it).
func startSSHD(t *testing.T, env ...string) *sshd {
	t.Helper()
	sshdBin, err := exec.LookPath("/usr/sbin/sshd")
	if err == nil {
		_, err = exec.LookPath("ssh")
	}
	if err != nil {
		if livetest.Required() {
			t.Fatalf("DOCKWIRE_LIVE=1 but the ssh tests need openssh-server and openssh-client (scripts/engines.sh start installs them): %v", err)
		}
		t.Skipf("no sshd here: %v", err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keygen := func(name string) string {
		path := filepath.Join(dir, name)
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v: %s", err, out)
		}
		return path
	}
	hostKey, clientKey := keygen("host_key"), keygen("client_key")
	read := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	var opts []string
	for _, kv := range env {
		opts = append(opts, fmt.Sprintf("environment=%q", kv))
	}
	authorized := filepath.Join(dir, "authorized_keys")
	line := read(clientKey + ".pub")
	if len(opts) > 0 {
		line = strings.Join(opts, ",") + " " + line
	}
	sshWriteFile(t, authorized, line+"\n")

	port := freeLoopbackPort(t)
	config := filepath.Join(dir, "sshd_config")
	sshWriteFile(t, config, strings.Join([]string{
		"Port " + port,
		"ListenAddress 127.0.0.1",
		"HostKey " + hostKey,
		"PidFile " + filepath.Join(dir, "sshd.pid"),
		"AuthorizedKeysFile " + authorized,
		"PermitRootLogin prohibit-password",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"PermitUserEnvironment yes",
		"StrictModes no",
		"UsePAM no",
		"LogLevel ERROR",
	}, "\n")+"\n")
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil && os.Geteuid() == 0 {
		t.Fatal(err)
	}
	cmd := exec.Command(sshdBin, "-D", "-e", "-f", config)
	cmd.Stderr = &testLogWriter{t: t, prefix: "sshd: "}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting sshd: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	await.Until(t, "sshd to listen on 127.0.0.1:"+port, func() bool {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	knownHosts := filepath.Join(dir, "known_hosts")
	sshWriteFile(t, knownHosts, "[127.0.0.1]:"+port+" "+read(hostKey+".pub")+"\n")
	return &sshd{port: port, user: me.Username, key: clientKey, knownHosts: knownHosts}
}

func (s *sshd) host() string { return "ssh://" + s.user + "@127.0.0.1:" + s.port }

// flags makes ssh use only the test's key and known_hosts, whatever the
// machine's own ssh configuration says.
func (s *sshd) flags(knownHosts string) []string {
	return []string{"-F", "/dev/null", "-i", s.key, "-o", "IdentitiesOnly=yes", "-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null"}
}

func (s *sshd) client(t *testing.T, opts ...dockwire.Option) *dockwire.Client {
	t.Helper()
	c, err := dockwire.New(s.host(), append([]dockwire.Option{dockwire.WithSSHFlags(s.flags(s.knownHosts)...), dockwire.WithTimeout(await.Timeout)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func freeLoopbackPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func sshWriteFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

type testLogWriter struct {
	t      *testing.T
	prefix string
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(w.prefix + strings.TrimSpace(string(p)))
	return len(p), nil
}

// sshChildren lists this process's live (not yet reaped) ssh children.
func sshChildren(t *testing.T) (live, zombies []int) {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	self := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(stat)
		rp := strings.LastIndexByte(s, ')')
		lp := strings.IndexByte(s, '(')
		if lp < 0 || rp < lp {
			continue
		}
		fields := strings.Fields(s[rp+1:])
		if len(fields) < 2 || fields[1] != self || s[lp+1:rp] != "ssh" {
			continue
		}
		if fields[0] == "Z" {
			zombies = append(zombies, pid)
		} else {
			live = append(live, pid)
		}
	}
	return live, zombies
}

func TestSSHLive(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		s := startSSHD(t, "DOCKER_HOST="+e.Host)
		c := s.client(t)
		ctx := livetest.Context(t)

		v, err := c.ServerVersion(ctx)
		if err != nil {
			t.Fatalf("version over ssh: %v", err)
		}
		if v.Version != e.Version.Version {
			t.Fatalf("over ssh the daemon says version %q, directly %q: not the same daemon", v.Version, e.Version.Version)
		}

		id := e.Container(t, dockwire.ContainerCreateOptions{})
		list, err := c.ContainerList(ctx, dockwire.ContainerListOptions{})
		if err != nil {
			t.Fatalf("list over ssh: %v", err)
		}
		found := false
		for _, ctr := range list {
			found = found || ctr.ID == id
		}
		if !found {
			t.Fatalf("list over ssh lacks container %s", id)
		}

		t.Run("stdin EOF reaches the process", func(t *testing.T) {
			res, err := c.ExecCapture(ctx, id, dockwire.ExecOptions{Cmd: []string{"cat"}, Stdin: strings.NewReader("through ssh\n")})
			if err != nil {
				t.Fatalf("exec cat over ssh: %v", err)
			}
			if res.ExitCode != 0 || res.Stdout != "through ssh\n" {
				t.Fatalf("cat over ssh: exit %d, stdout %q; want 0 and the input back", res.ExitCode, res.Stdout)
			}
		})

		t.Run("through a docker context", func(t *testing.T) {
			dir := t.TempDir()
			writeContext(t, dir, "over-ssh", s.host())
			t.Setenv("DOCKER_CONFIG", dir)
			t.Setenv("DOCKER_CONTEXT", "over-ssh")
			for _, k := range []string{"DOCKER_HOST", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "DOCKER_API_VERSION"} {
				t.Setenv(k, "")
			}
			cc, err := dockwire.FromEnv(dockwire.WithSSHFlags(s.flags(s.knownHosts)...))
			if err != nil {
				t.Fatal(err)
			}
			defer cc.Close()
			if cc.Host() != s.host() {
				t.Fatalf("FromEnv chose %s; want the context's %s", cc.Host(), s.host())
			}
			if _, err := cc.ContainerInspect(ctx, id, dockwire.ContainerInspectOptions{}); err != nil {
				t.Fatalf("inspect through the ssh context: %v", err)
			}
		})

		t.Run("connections are pooled", func(t *testing.T) {
			for range 5 {
				if _, err := c.ContainerInspect(ctx, id, dockwire.ContainerInspectOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			if live, _ := sshChildren(t); len(live) != 1 {
				t.Fatalf("after 5 calls in a row, %d ssh processes run; want the one pooled connection", len(live))
			}
		})

		t.Run("a killed ssh is noticed on the next call", func(t *testing.T) {
			live, _ := sshChildren(t)
			for _, pid := range live {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			await.Until(t, "the killed ssh to exit", func() bool {
				now, _ := sshChildren(t)
				for _, pid := range now {
					for _, old := range live {
						if pid == old {
							return false
						}
					}
				}
				return true
			})
			if _, err := c.ContainerInspect(ctx, id, dockwire.ContainerInspectOptions{}); err != nil {
				t.Fatalf("the call after ssh was killed: %v", err)
			}
		})

		t.Run("no process is left behind", func(t *testing.T) {
			c.Close()
			await.Until(t, "every ssh child to exit and be reaped", func() bool {
				live, zombies := sshChildren(t)
				return len(live) == 0 && len(zombies) == 0
			})
		})
	})
}

func TestFault_SSH1_UnknownHostKey(t *testing.T) {
	s := startSSHD(t)
	empty := filepath.Join(t.TempDir(), "known_hosts")
	sshWriteFile(t, empty, "")
	c, err := dockwire.New(s.host(), dockwire.WithSSHFlags(s.flags(empty)...), dockwire.WithTimeout(await.Timeout))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Ping(testContext(t))
	var se *dockwire.SSHError
	if !errors.As(err, &se) || !errors.Is(err, dockwire.ErrDaemonUnreachable) {
		t.Fatalf("unknown host key: got %v; want a ConnectError wrapping an *SSHError", err)
	}
	t.Log(err)
	for _, want := range []string{"Host key verification failed", "known_hosts", s.host()} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestFault_SSH2_NoDockerOnRemote(t *testing.T) {
	s := startSSHD(t, "PATH=/nonexistent")
	c := s.client(t)
	_, err := c.Ping(testContext(t))
	var se *dockwire.SSHError
	if !errors.As(err, &se) {
		t.Fatalf("no docker on the remote: got %v; want an *SSHError", err)
	}
	t.Log(err)
	if se.ExitCode != 127 || !strings.Contains(err.Error(), "no docker CLI") {
		t.Fatalf("no docker on the remote: exit %d, %q; want exit 127 and a hint about the docker CLI", se.ExitCode, err)
	}
}

func TestFault_SSH3_HangingHandshakeIsBounded(t *testing.T) {
	if _, err := exec.LookPath("ssh"); err != nil {
		if livetest.Required() {
			t.Fatalf("DOCKWIRE_LIVE=1 but there is no ssh client (scripts/engines.sh start installs it): %v", err)
		}
		t.Skipf("no ssh client: %v", err)
	}
	// A server that accepts and then says nothing: ssh waits for its banner.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	held := make(chan net.Conn, 4)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			held <- conn
		}
	}()
	defer func() {
		for {
			select {
			case conn := <-held:
				conn.Close()
			default:
				return
			}
		}
	}()
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	c, err := dockwire.New("ssh://127.0.0.1:"+port, dockwire.WithTimeout(2*time.Second),
		dockwire.WithSSHFlags("-F", "/dev/null", "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = c.Ping(ctx)
	took := time.Since(start)
	if err == nil || ctx.Err() != nil {
		t.Fatalf("a server that never speaks: err %v after %v; want the client's own timeout to end it", err, took)
	}
	c.Close()
	await.Until(t, "the ssh child to be ended and reaped", func() bool {
		live, zombies := sshChildren(t)
		return len(live) == 0 && len(zombies) == 0
	})
}

func TestSSHHostParsing(t *testing.T) {
	for _, host := range []string{"ssh://", "ssh://host/path", "ssh://u:pw@host", "ssh://-oProxyCommand=x", "ssh://host?x=1"} {
		if _, err := dockwire.New(host); !errors.Is(err, dockwire.ErrInvalidHost) {
			t.Errorf("New(%q) = %v; want ErrInvalidHost", host, err)
		}
	}
	for _, host := range []string{"ssh://host", "ssh://me@host:2222", "ssh://[::1]:22"} {
		if _, err := dockwire.New(host); err != nil {
			t.Errorf("New(%q) = %v; want a client", host, err)
		}
	}
	if _, err := dockwire.New("ssh://host", dockwire.WithSSHFlags("--", "evil")); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("WithSSHFlags(\"--\"): %v; want ErrInvalidArgument", err)
	}
}

package dockwire

import (
	"fmt"
	"net/url"
	"strings"
)

// An ssh:// host reaches a remote daemon the way the docker CLI does: each
// connection is an ssh process that runs `docker system dial-stdio` on the
// remote machine, and its standard input and output carry the HTTP
// exchange. ssh runs with BatchMode=yes, so it never prompts: the key must
// be in the agent or where ssh looks for keys, and the remote's host key
// must already be in known_hosts (an unknown key is refused, not accepted).
// Everything else comes from the user's ssh configuration, as with the
// docker CLI, plus the flags given to WithSSHFlags.

// sshTarget is a parsed ssh://[user@]host[:port].
type sshTarget struct {
	user, host, port string
}

// parseSSHHost parses the part of an ssh:// host after the scheme.
func parseSSHHost(rest string) (sshTarget, error) {
	u, err := url.Parse("ssh://" + rest)
	if err != nil || u.Hostname() == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return sshTarget{}, fmt.Errorf("want ssh://[user@]host[:port] with no path or query")
	}
	if _, hasPassword := u.User.Password(); hasPassword {
		return sshTarget{}, fmt.Errorf("a password in the address is not supported; ssh authenticates with keys (BatchMode)")
	}
	t := sshTarget{user: u.User.Username(), host: u.Hostname(), port: u.Port()}
	// ssh would read a host or user that starts with "-" as an option.
	if strings.HasPrefix(t.host, "-") || strings.HasPrefix(t.user, "-") {
		return sshTarget{}, fmt.Errorf("a host or user may not start with '-'")
	}
	return t, nil
}

// args returns ssh's arguments: the fixed options, the caller's flags, the
// target and the remote command.
func (t sshTarget) args(flags []string, connectTimeoutSeconds int) []string {
	args := []string{"-o", "BatchMode=yes"}
	if connectTimeoutSeconds > 0 {
		args = append(args, "-o", fmt.Sprintf("ConnectTimeout=%d", connectTimeoutSeconds))
	}
	if t.user != "" {
		args = append(args, "-l", t.user)
	}
	if t.port != "" {
		args = append(args, "-p", t.port)
	}
	args = append(args, flags...)
	return append(args, "--", t.host, "docker", "system", "dial-stdio")
}

// SSHError means the ssh process that carries a connection to the daemon
// ended before the daemon answered: ssh could not connect or authenticate,
// the host key was unknown, or the remote has no docker CLI. Stderr is
// what ssh (and the remote command) printed, cut to its last few KiB.
type SSHError struct {
	ExitCode int
	Stderr   string
}

func (e *SSHError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = "no message"
	}
	return fmt.Sprintf("ssh exited with status %d: %s", e.ExitCode, msg)
}

// hint says what to try next, from what ssh printed.
func (e *SSHError) hint() string {
	switch s := e.Stderr; {
	case strings.Contains(s, "Host key verification failed"), strings.Contains(s, "No ED25519 host key is known"), strings.Contains(s, "host key is known"):
		return "the remote's host key is not in known_hosts, and dockwire never accepts an unknown key: check the key out of band and add it (ssh-keyscan HOST >> ~/.ssh/known_hosts), or connect once with ssh by hand"
	case strings.Contains(s, "REMOTE HOST IDENTIFICATION HAS CHANGED"):
		return "the remote's host key changed since it was recorded in known_hosts: find out why before you trust it"
	case strings.Contains(s, "Permission denied"):
		return "ssh found no key the remote accepts (it never prompts for a password): load one with ssh-add, or name it with WithSSHFlags(\"-i\", path)"
	case e.ExitCode == 127 || strings.Contains(s, "command not found") || strings.Contains(s, "dockwire: not found"):
		return "the remote has no docker CLI on the PATH of a non-interactive ssh session; dockwire runs `docker system dial-stdio` there"
	case strings.Contains(s, "Connection refused"), strings.Contains(s, "Connection timed out"), strings.Contains(s, "Could not resolve hostname"), strings.Contains(s, "No route to host"):
		return "ssh could not reach the host: check the address and port, and that sshd runs there"
	case strings.Contains(s, "Cannot connect to the Docker daemon"), strings.Contains(s, "permission denied while trying to connect"):
		return "ssh worked, but the docker CLI on the remote could not reach its daemon: is dockerd running there, and may this user use it?"
	}
	return "run the same ssh command by hand to see why it fails"
}

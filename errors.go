package dockwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dockwire/dockwire/engine"
)

// Sentinels matched with errors.Is. An *APIError matches the one that fits
// its status code; the resource-specific not-found sentinels also match
// ErrNotFound.
var (
	ErrNotFound       = errors.New("not found")
	ErrConflict       = errors.New("conflict")
	ErrBadRequest     = errors.New("bad request")
	ErrUnauthorized   = errors.New("unauthorized")
	ErrForbidden      = errors.New("forbidden")
	ErrNotImplemented = errors.New("not implemented")
	ErrUnavailable    = errors.New("unavailable")
	ErrServer         = errors.New("daemon error")

	ErrContainerNotFound = errors.New("no such container")
	ErrImageNotFound     = errors.New("no such image")
	ErrExecNotFound      = errors.New("no such exec instance")
	ErrNetworkNotFound   = errors.New("no such network")
	ErrVolumeNotFound    = errors.New("no such volume")

	// ErrNotSwarmManager is matched by the daemon's 503 for a swarm call
	// to a node that is not a swarm manager: a worker, or a daemon in no
	// swarm at all (which also matches ErrNotInSwarm).
	ErrNotSwarmManager = errors.New("not a swarm manager")
	// ErrNotInSwarm is matched by the daemon's 503 for a swarm call to a
	// daemon that is in no swarm: SwarmInit starts one, SwarmJoin joins one.
	ErrNotInSwarm = errors.New("not in a swarm")
	// ErrAlreadyInSwarm is matched by the daemon's 503 for a SwarmInit or
	// SwarmJoin on a daemon that is already in a swarm.
	ErrAlreadyInSwarm = errors.New("already in a swarm")

	// ErrUnexpectedRedirect is matched by an *APIError for a 3xx answer.
	// Redirects are never followed: one could send credentials anywhere.
	ErrUnexpectedRedirect = errors.New("unexpected redirect")

	// ErrInvalidArgument is returned, before any I/O, for input the daemon
	// must never see, such as an empty ID or one containing "/".
	ErrInvalidArgument = errors.New("invalid argument")

	// ErrInvalidHost is returned by New and FromEnv for a host they cannot use.
	ErrInvalidHost = errors.New("invalid docker host")

	// ErrDaemonUnreachable is matched by every *ConnectError.
	ErrDaemonUnreachable = errors.New("docker daemon unreachable")

	// ErrConnectionLost means the connection broke after a non-idempotent
	// request was written: the daemon may or may not have acted on it.
	ErrConnectionLost = errors.New("connection to the daemon lost")

	// ErrAPIVersion is matched by every *VersionError.
	ErrAPIVersion = errors.New("unsupported API version")

	// ErrDecode means a response body was not the JSON the API promises.
	ErrDecode = engine.ErrDecode

	// ErrEmptyResponse means a 2xx answer had no body where JSON was due.
	ErrEmptyResponse = errors.New("empty response from daemon")

	// ErrResponseTooLarge means a JSON body exceeded the client's limit
	// (see WithMaxResponseSize).
	ErrResponseTooLarge = errors.New("response too large")

	// ErrOutputTooLarge means a command's output exceeded what ExecCapture
	// keeps (see ExecOptions.MaxOutput).
	ErrOutputTooLarge = errors.New("command output too large")

	// ErrExecNotStarted is matched by every *ExecStartError.
	ErrExecNotStarted = errors.New("exec command could not start")
)

// Resource kinds carried by APIError.Kind.
const (
	KindContainer = "container"
	KindImage     = "image"
	KindExec      = "exec"
	KindNetwork   = "network"
	KindVolume    = "volume"
	KindService   = "service"
	KindTask      = "task"
	KindNode      = "node"
	KindSecret    = "secret"
	KindConfig    = "config"
	KindSwarm     = "swarm"
)

// APIError is a non-2xx answer from the daemon.
type APIError struct {
	StatusCode int    // HTTP status; Docker's for a Podman 500 whose cause says more (podman.go)
	Message    string // the daemon's message, cleaned of control characters and capped
	Method     string // request method
	Path       string // request path, version prefix included
	Host       string // the daemon's address
	Kind       string // the resource the call was about (KindContainer, ...), if any
	ID         string // that resource's ID or name, if any

	streamMessage bool // the body was a progress stream's error message (see podmanPushError)
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("dockwire: ")
	if e.Kind != "" && e.ID != "" {
		fmt.Fprintf(&b, "%s %q: ", e.Kind, e.ID)
	}
	msg := e.Message
	if msg == "" {
		msg = fmt.Sprintf("status %d, no error message", e.StatusCode)
	} else {
		msg = fmt.Sprintf("%s (status %d)", msg, e.StatusCode)
	}
	b.WriteString(msg)
	fmt.Fprintf(&b, " [%s %s on %s]", e.Method, e.Path, e.Host)
	if h := e.hint(); h != "" {
		b.WriteString("; ")
		b.WriteString(h)
	}
	return b.String()
}

func (e *APIError) hint() string {
	registry := e.registryCall()
	switch {
	case e.StatusCode == http.StatusNotFound && e.Kind == KindImage && registry:
		return "check the image's name and tag, and that the registry holds it"
	case e.StatusCode == http.StatusNotFound && e.Kind == KindImage:
		return "build, load or pull the image first"
	case e.StatusCode == http.StatusBadRequest && strings.Contains(e.Message, "HTTP request to an HTTPS server"):
		return "the daemon speaks TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (or use WithTLSConfig)"
	case e.StatusCode >= 300 && e.StatusCode < 400:
		return "redirects are never followed; is DOCKER_HOST pointing at a proxy?"
	case e.StatusCode == http.StatusUnauthorized, registry && registryStatus(e.Message) == http.StatusUnauthorized:
		return "check the registry credentials (docker login, or the options' Auth)"
	case registry && registryStatus(e.Message) == http.StatusForbidden:
		return "the registry refuses these credentials this repository: check its name and your access to it"
	case e.notInSwarm():
		return "this daemon is in no swarm: start one with SwarmInit (docker swarm init) or join one with SwarmJoin (docker swarm join)"
	case e.notManager():
		return "this daemon is a swarm worker: send swarm calls to a manager, or promote this node (NodeUpdate with Role \"manager\" on a manager)"
	case e.alreadyInSwarm():
		return "leave it first with SwarmLeave (docker swarm leave), or use the swarm it is in"
	case e.outOfSequence():
		return "the object changed since it was read: inspect it again for its current version and retry (ServiceModify does this once)"
	}
	return ""
}

// Is maps the status code onto the package's sentinels, the way
// syscall.Errno.Is maps error numbers onto fs errors. An answer to a call
// that reached a registry (a pull, push, login or distribution inspect)
// also matches the sentinel of the registry's error code in its message:
// Docker 20.10 reports refused credentials as a 500 whose message is the
// registry's "unauthorized: authentication required", which thus matches
// both ErrServer and ErrUnauthorized. Such an answer saying that the
// daemon's connection to the registry was cut matches io.ErrUnexpectedEOF.
func (e *APIError) Is(target error) bool {
	if e.registryCall() && registryIs(registryStatus(e.Message), e.Kind, target) {
		return true
	}
	if target == io.ErrUnexpectedEOF {
		return e.registryCall() && registryCut(e.Message)
	}
	switch target {
	case ErrNotFound:
		return e.notFound()
	case ErrContainerNotFound:
		return e.notFound() && e.Kind == KindContainer
	case ErrImageNotFound:
		return e.notFound() && e.Kind == KindImage
	case ErrExecNotFound:
		return e.notFound() && e.Kind == KindExec
	case ErrNetworkNotFound:
		return e.notFound() && e.Kind == KindNetwork
	case ErrVolumeNotFound:
		return e.notFound() && e.Kind == KindVolume
	case ErrConflict:
		return e.StatusCode == http.StatusConflict || e.outOfSequence()
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest || e.invalidArgument()
	case ErrNotSwarmManager:
		return e.notManager()
	case ErrNotInSwarm:
		return e.notInSwarm()
	case ErrAlreadyInSwarm:
		return e.alreadyInSwarm()
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotImplemented:
		return e.StatusCode == http.StatusNotImplemented
	case ErrUnavailable:
		return e.StatusCode == http.StatusServiceUnavailable || e.StatusCode == http.StatusTooManyRequests ||
			e.StatusCode == http.StatusBadGateway || e.StatusCode == http.StatusGatewayTimeout
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode != http.StatusNotImplemented && e.StatusCode != http.StatusServiceUnavailable &&
			!e.outOfSequence() && !e.invalidArgument() && !e.notFound()
	case ErrUnexpectedRedirect:
		return e.StatusCode >= 300 && e.StatusCode < 400
	}
	return false
}

// The swarm's refusals have no status of their own: the daemon passes
// swarmkit's gRPC errors on as text, and answers 503 for every kind of "not
// in a swarm". These read the daemon's fixed wording, on those statuses only.

// notManager: "This node is not a swarm manager. ..." (a worker, or no swarm).
func (e *APIError) notManager() bool {
	return e.StatusCode == http.StatusServiceUnavailable && strings.Contains(e.Message, "not a swarm manager")
}

// notInSwarm: "... Use "docker swarm init" or "docker swarm join" ...", or
// "This node is not part of a swarm" (leave, unlock).
func (e *APIError) notInSwarm() bool {
	return e.StatusCode == http.StatusServiceUnavailable &&
		(strings.Contains(e.Message, "not part of a swarm") || e.notManager() && strings.Contains(e.Message, "swarm init"))
}

// alreadyInSwarm: "This node is already part of a swarm. ..." (init, join).
func (e *APIError) alreadyInSwarm() bool {
	return e.StatusCode == http.StatusServiceUnavailable && strings.Contains(e.Message, "already part of a swarm")
}

// notFound: a 404, or swarmkit's NotFound passed on as a 500 by a daemon
// in a swarm ("Could not attach to network x: rpc error: code = NotFound
// desc = network x not found", Docker 28.5 on network connect).
func (e *APIError) notFound() bool {
	return e.StatusCode == http.StatusNotFound ||
		e.StatusCode == http.StatusInternalServerError && strings.Contains(e.Message, "rpc error: code = NotFound")
}

// outOfSequence: an update that carried a stale version index, a 500
// "rpc error: code = Unknown desc = update out of sequence".
func (e *APIError) outOfSequence() bool {
	return e.StatusCode == http.StatusInternalServerError && strings.Contains(e.Message, "update out of sequence")
}

// invalidArgument: a spec swarmkit refused, passed on as a 500 by daemons
// that do not map gRPC codes ("rpc error: code = InvalidArgument desc =
// ..."), a placement constraint it could not parse, which Docker 20.10
// reports with code Unknown ("constraint expected one operator from ==,
// !="), or a service spec naming a network the daemon lacks ("network x
// not found", Docker 20.10 and 28.5 alike).
func (e *APIError) invalidArgument() bool {
	if e.StatusCode != http.StatusInternalServerError {
		return false
	}
	return strings.Contains(e.Message, "code = InvalidArgument") || strings.Contains(e.Message, "desc = constraint expected") ||
		e.Kind == KindService && strings.HasPrefix(e.Message, "network ") && strings.HasSuffix(e.Message, " not found")
}

// registryCall reports whether the request made the daemon talk to a
// registry, whose failures the daemon passes on in its message: a pull,
// push, login or distribution inspect.
func (e *APIError) registryCall() bool {
	return strings.HasSuffix(e.Path, "/images/create") || strings.HasSuffix(e.Path, "/push") && strings.Contains(e.Path, "/images/") ||
		strings.HasSuffix(e.Path, "/auth") || strings.Contains(e.Path, "/distribution/")
}

// registryIs reports whether a registry's failure with the HTTP status
// its error code has (see registryStatus; 0 for none), in a call about a
// resource of kind, means target.
func registryIs(status int, kind string, target error) bool {
	switch target {
	case ErrNotFound:
		return status == http.StatusNotFound
	case ErrImageNotFound:
		return status == http.StatusNotFound && kind == KindImage
	case ErrUnauthorized:
		return status == http.StatusUnauthorized
	case ErrForbidden:
		return status == http.StatusForbidden
	case ErrUnavailable:
		return status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests ||
			status == http.StatusBadGateway || status == http.StatusGatewayTimeout
	}
	return false
}

// registryErrors are the registry API's error codes that have a sentinel,
// with the HTTP status the distribution spec gives each, as the text that
// stands for them in a message. The daemon passes a registry's failure on
// as text only (its error body and a stream's errorDetail have no field
// for the registry's code), and that text is fixed: the registry's Go
// library (distribution's errcode) prints every error as its code in lower
// case, underscores as spaces, then ": " and the message, e.g.
// "manifest unknown: manifest unknown", and the daemon prefixes its own
// context with ": " ("Head \"https://…\": unauthorized: …", "manifest for
// x not found: manifest unknown: …"). Matching a code only at the start of
// the message or right after ": ", and only in answers to calls that reach
// a registry, cannot mistake other text for one. "no basic auth
// credentials" is the daemon's own registry client refusing to go on
// without credentials the registry demanded.
var registryErrors = []struct {
	text   string
	status int
}{
	{"unauthorized: ", http.StatusUnauthorized},
	{"no basic auth credentials", http.StatusUnauthorized},
	{"authentication required", http.StatusUnauthorized}, // the code's words alone (Podman 5's push)
	{"denied: ", http.StatusForbidden},
	{"manifest unknown: ", http.StatusNotFound},
	{"name unknown: ", http.StatusNotFound},
	{"blob unknown: ", http.StatusNotFound},
	{"toomanyrequests: ", http.StatusTooManyRequests},
}

// registryStatus returns the status of the first registry error code in
// msg (see registryErrors), or 0.
func registryStatus(msg string) int {
	// A refused login is the daemon's own fixed words with the registry's
	// status: "login attempt to http://…/v2/ failed with status: 401
	// Unauthorized".
	if _, status, ok := strings.Cut(msg, " failed with status: "); ok && strings.HasPrefix(msg, "login attempt to ") {
		if n, err := strconv.Atoi(strings.TrimSpace(status[:min(3, len(status))])); err == nil && n >= 400 && n < 600 {
			return n
		}
	}
	for {
		for _, re := range registryErrors {
			if strings.HasPrefix(msg, re.text) {
				return re.status
			}
		}
		_, rest, ok := strings.Cut(msg, ": ")
		if !ok {
			return 0
		}
		msg = rest
	}
}

// registryCut reports whether msg, a daemon's report of a registry call,
// ends with the error of a connection to the registry that was cut: Go's
// io.ErrUnexpectedEOF ("unexpected EOF") or a reset ("read tcp
// 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer"). The daemon
// ends its message with the error it gave up on, after its own retries:
// "error pulling image configuration: download failed after attempts=6:
// unexpected EOF".
func registryCut(msg string) bool {
	msg = strings.TrimSpace(msg)
	return msg == "unexpected EOF" || strings.HasSuffix(msg, ": unexpected EOF") || strings.HasSuffix(msg, ": connection reset by peer")
}

// ConnectError means no HTTP answer came back from the daemon: the socket is
// missing, access is denied, nobody listens, TLS failed, or what answered
// does not speak HTTP.
type ConnectError struct {
	Host string // the daemon's address
	Err  error  // the underlying cause, e.g. an *os.SyscallError
	Hint string // what to try next
}

func (e *ConnectError) Error() string {
	s := fmt.Sprintf("dockwire: cannot reach the daemon at %s: %v", e.Host, e.Err)
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

func (e *ConnectError) Unwrap() error { return e.Err }

// Is reports that every ConnectError means ErrDaemonUnreachable.
func (e *ConnectError) Is(target error) bool { return target == ErrDaemonUnreachable }

// CommandError is returned by calls that require a command to succeed,
// such as ExecCheck, when it exited non-zero.
type CommandError struct {
	Container string   // container ID or name
	Cmd       []string // the command that ran
	ExitCode  int
	Stderr    string // the last bytes of its standard error (see ExecResult)
}

func (e *CommandError) Error() string {
	s := fmt.Sprintf("dockwire: command %q in container %q exited with code %d", strings.Join(e.Cmd, " "), e.Container, e.ExitCode)
	if tail := strings.TrimSpace(cleanText(e.Stderr, maxMessageLen)); tail != "" {
		s += ": " + tail
	}
	return s
}

// ExecStartError means the daemon created an exec instance but the runtime
// could not start its command: the executable does not exist or cannot be
// run, the working directory does not exist, or (Docker 20.10) the user is
// unknown. The command never ran, so it has no exit code and no output of
// its own.
//
// The daemon reports such a failure only in-band: the exec's output is the
// runtime's message ("OCI runtime exec failed: …") followed by "\r\n", and
// ExecInspect shows the instance ended with an exit code (126 on Docker
// 20.10; 127 on Docker 28 for a missing executable or directory) and no process
// (Pid 0). A command that ran has a process ID, even when it exits with 126
// or 127 itself (sh -c 'exit 127'); that is how the two are told apart, not
// by the message's text.
type ExecStartError struct {
	Host      string   // the daemon's address
	Container string   // container ID or name
	ExecID    string   // the exec instance
	Cmd       []string // the command that could not start
	// ExitCode is the code the daemon recorded for the instance (126 or
	// 127), which a shell would report for the same failure.
	ExitCode int
	// Message is the runtime's explanation, cleaned of control characters
	// and capped; empty from ExecWait, whose caller got it from the start
	// (ExecStart's output, or ExecStartDetached's error).
	Message string
}

func (e *ExecStartError) Error() string {
	msg := strings.TrimSpace(cleanText(e.Message, maxMessageLen))
	if msg == "" {
		msg = "the daemon gave its reason to the start (as the output of ExecStart, as the error of ExecStartDetached)"
	}
	return fmt.Sprintf("dockwire: command %q could not start in container %q on %s (exit code %d, no process): %s; check that the program exists in the container (or on its PATH) and is executable, and that the working directory and user exist",
		strings.Join(e.Cmd, " "), e.Container, e.Host, e.ExitCode, msg)
}

// Is reports that every ExecStartError means ErrExecNotStarted.
func (e *ExecStartError) Is(target error) bool { return target == ErrExecNotStarted }

// VersionError means the client and daemon do not share an API version the
// call can use.
type VersionError struct {
	Host       string // the daemon's address
	Client     string // the version the client asked for
	DaemonMin  string // the daemon's minimum, when known
	DaemonMax  string // the daemon's maximum, when known
	Required   string // set when a feature needs a newer version than negotiated
	Feature    string // what needed it
	Message    string // the daemon's message, when the daemon refused
	StatusCode int    // the daemon's status, when it refused
}

func (e *VersionError) Error() string {
	switch {
	case e.Required != "":
		return fmt.Sprintf("dockwire: %s requires API >= %s, but the daemon at %s speaks %s; upgrade the daemon", e.Feature, e.Required, e.Host, e.Client)
	case e.Message != "":
		return fmt.Sprintf("dockwire: the daemon at %s refused API %s: %s; pin a supported version with DOCKER_API_VERSION or WithAPIVersion, or leave it unset to negotiate", e.Host, e.Client, e.Message)
	default:
		return fmt.Sprintf("dockwire: the daemon at %s speaks API %s at most, below this client's minimum %s; upgrade the daemon", e.Host, e.DaemonMax, MinAPIVersion)
	}
}

// Is reports that every VersionError means ErrAPIVersion.
func (e *VersionError) Is(target error) bool { return target == ErrAPIVersion }

// invalidArg builds an ErrInvalidArgument error naming what was wrong.
func invalidArg(format string, args ...any) error {
	return fmt.Errorf("dockwire: %w: %s", ErrInvalidArgument, fmt.Sprintf(format, args...))
}

const maxMessageLen = 4 << 10

// cleanText makes daemon-supplied text safe to print on a terminal: invalid
// UTF-8 becomes U+FFFD, control characters (ANSI escapes among them) are
// dropped except tab and newline, and the result is capped at max bytes.
func cleanText(s string, max int) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\n' && c != '\t' || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean && len(s) <= max {
		return s
	}
	var b strings.Builder
	for len(s) > 0 && b.Len() < max {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case r == '\x1b':
			s = skipEscape(s)
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	if len(s) > 0 {
		b.WriteString("…")
	}
	return b.String()
}

// skipEscape drops the rest of an ANSI CSI sequence ("[31m") after ESC so
// that no stray parameters are left behind.
func skipEscape(s string) string {
	if len(s) == 0 || s[0] != '[' {
		return s
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; c >= 0x40 && c <= 0x7e {
			return s[i+1:]
		}
	}
	return ""
}

// ctxErr returns ctx's own error once ctx has ended, in place of what the
// ending did to the I/O under way (a dial's "operation was canceled", a
// read's "i/o timeout", a closed connection), and err otherwise.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctxDone(ctx); cerr != nil {
		return cerr
	}
	return err
}

// ctxDone is ctx.Err(), also for a deadline that has just passed: a dial
// or read bounded by ctx's deadline can fail a moment before ctx's own
// timer marks it done, and that failure is still ctx's doing.
func ctxDone(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// isContextErr reports whether err is, or wraps, a context's error.
func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

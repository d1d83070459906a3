package dockwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/dockwire/dockwire/engine"
	"github.com/tidwall/gjson"
)

// Podman's Docker-compatible API deviates from Docker's in places. Where
// dockwire bridges a deviation, so that a caller gets on Podman what it
// gets on Docker, it decides by what the daemon says it is, never by
// guessing from a failure: Podman names itself on every response with a
// Libpod-Api-Version header (its /version report also lists a "Podman
// Engine" component, but that call takes about 7 s on Podman 4.3, so the
// header of the negotiation's ping, or of any answer, is what is read).
const libpodHeader = "Libpod-Api-Version"

// Engine kinds in Client.engine.
const (
	engineUnknown int32 = iota
	engineDocker
	enginePodman
)

// noteEngine records what kind of daemon sent h.
func (c *Client) noteEngine(h http.Header) {
	kind := engineDocker
	if h.Get(libpodHeader) != "" {
		kind = enginePodman
	}
	c.engine.Store(kind)
}

// isPodman reports whether the daemon is Podman, pinging it if no answer
// has said so yet (only with WithAPIVersion, which skips the negotiation's
// ping). A daemon that cannot be reached counts as Docker: the call that
// asked will report the failure itself.
func (c *Client) isPodman(ctx context.Context) bool {
	if c.engine.Load() == engineUnknown {
		_, _ = c.Ping(ctx)
	}
	return c.engine.Load() == enginePodman
}

// podmanStatuses maps the causes Podman gives, in the "cause" field of its
// error body, for answers it sends as 500 where Docker sends a status that
// says what went wrong, onto Docker's status: a request that conflicts
// with a container's or an exec instance's state (removing a running
// container without force, killing a stopped one, starting an exec
// twice), a network in use, a missing image (GET /images/get).
var podmanStatuses = map[string]int{
	"container state improper":    http.StatusConflict,
	"exec session state improper": http.StatusConflict,
	"network is being used":       http.StatusForbidden,
	"network already exists":      http.StatusConflict,
	"image not known":             http.StatusNotFound,
}

// podmanStatus is resp's status, with Podman's 500s of podmanStatuses
// turned into Docker's status, so that the error matches the same
// sentinel (ErrConflict, ...) on both.
func podmanStatus(resp *http.Response, body []byte) int {
	if resp.StatusCode == http.StatusInternalServerError && resp.Header.Get(libpodHeader) != "" {
		cause := gjson.GetBytes(body, "cause").String()
		if status, ok := podmanStatuses[cause]; ok {
			return status
		}
		// Errors without a cause of their own, whose text is fixed but
		// for the names in it.
		if strings.Contains(cause, " by ID with more than one tag (") && strings.HasSuffix(cause, "): please force removal") {
			return http.StatusConflict // Docker: "conflict: unable to delete … (must be forced)"
		}
		// A commit's or import's Changes with an instruction it does not
		// know; Docker: 400 "… is not a valid change command". Podman 4.3
		// says `invalid change "…"`, Podman 5 `did not understand change
		// instruction "…"`.
		if strings.HasPrefix(cause, `invalid change "`) || strings.HasPrefix(cause, `did not understand change instruction "`) {
			return http.StatusBadRequest
		}
	}
	return resp.StatusCode
}

// podmanStats gives a Podman stats sample what Docker's carry: the
// container's full ID (Podman sends none; fullID, if known, saves an
// inspect) and its name with the leading "/" (Podman's has none). Raw stays
// as the daemon sent it.
func (c *Client) podmanStats(ctx context.Context, id string, s *engine.StatsResponse, fullID string) error {
	if c.engine.Load() != enginePodman {
		return nil
	}
	if s.Name != "" && !strings.HasPrefix(s.Name, "/") {
		s.Name = "/" + s.Name
	}
	if s.ID == "" {
		if fullID == "" {
			info, err := c.inspectContainer(ctx, id, false)
			if err != nil {
				return err
			}
			fullID = info.ID
		}
		s.ID = fullID
	}
	return nil
}

// podmanImageID gives an image ID from Podman the "sha256:" Docker's carry:
// Podman prints bare digests (a quiet build, a prune report).
func (c *Client) podmanImageID(id string) string {
	if len(id) == 64 && isHexID(id) && c.engine.Load() == enginePodman {
		return "sha256:" + id
	}
	return id
}

// podmanUlimits encodes build ulimits as Podman's /build takes them, a
// JSON list of "name=soft:hard" strings (Docker's is a list of objects,
// which Podman refuses).
func podmanUlimits(limits []engine.Ulimit) string {
	s := make([]string, len(limits))
	for i, u := range limits {
		s[i] = fmt.Sprintf("%s=%d:%d", u.Name, u.Soft, u.Hard)
	}
	return encodeJSON(s)
}

// podmanFollowLogs opens a following container log on Podman, which sends
// no response headers until the container writes to the log: waiting for
// them, as on Docker, would block ContainerLogs for as long as the
// container is silent. It inspects the container first, so that a missing
// one is ErrContainerNotFound from the call as on Docker, and so that its
// TTY says how the stream is framed; then it sends the logs request in the
// background, and the stream's first read waits for the answer (an error
// status, unlikely after the inspect, is that read's error).
func (c *Client) podmanFollowLogs(ctx context.Context, r *call, opts ContainerLogsOptions) (*LogStream, error) {
	info, err := c.inspectContainer(ctx, r.id, false)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	body := &pendingBody{done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(body.done)
		resp, err := c.send(ctx, r)
		if err != nil {
			body.err = err
			return
		}
		body.rc = resp.Body
	}()
	s := &LogStream{body: body, framing: framingMultiplexed, timestamps: opts.Timestamps, details: opts.Details, host: c.host, kind: r.kind, id: r.id}
	if info.Config.Tty {
		s.framing = framingRaw
	}
	return s, nil
}

// pendingBody is the body of a response still on its way: reads wait for
// it, Close cancels the request if it has not been answered yet.
type pendingBody struct {
	done   chan struct{} // closed when rc or err is set
	rc     io.ReadCloser
	err    error
	cancel context.CancelFunc
	closed atomic.Bool
}

func (b *pendingBody) Read(p []byte) (int, error) {
	<-b.done
	if b.err != nil {
		if b.closed.Load() {
			return 0, io.EOF // Close cancelled the request
		}
		return 0, b.err
	}
	return b.rc.Read(p)
}

func (b *pendingBody) Close() error {
	b.closed.Store(true)
	b.cancel()
	<-b.done
	if b.rc != nil {
		return b.rc.Close()
	}
	return nil
}

// podmanFamiliar turns the image references Podman gives in full
// ("docker.io/library/busybox:1", "docker.io/team/app:2") into the short
// form Docker gives for the same names ("busybox:1", "team/app:2"), in
// place. Names of other registries, localhost/ included, stay whole, as
// on Docker.
func podmanFamiliar(refs []string) {
	for i, ref := range refs {
		if rest, ok := strings.CutPrefix(ref, "docker.io/"); ok {
			if short, ok := strings.CutPrefix(rest, "library/"); ok && !strings.Contains(short, "/") {
				rest = short
			}
			refs[i] = rest
		}
	}
}

// podmanFamiliarRef is ref in Docker's short form when the daemon is
// Podman (see podmanFamiliar), and ref otherwise.
func (c *Client) podmanFamiliarRef(ref string) string {
	if c.engine.Load() == enginePodman {
		refs := []string{ref}
		podmanFamiliar(refs)
		return refs[0]
	}
	return ref
}

// podmanDeleted gives what an image removal or prune reports on Podman the
// form Docker's has: "sha256:" IDs and short names (see podmanFamiliar).
func (c *Client) podmanDeleted(items []engine.ImageDeleteResponseItem) {
	if c.engine.Load() != enginePodman {
		return
	}
	for i := range items {
		items[i].Deleted = c.podmanImageID(items[i].Deleted)
		items[i].Untagged = c.podmanFamiliarRef(items[i].Untagged)
	}
}

// podmanNetworkIDs gives a container's endpoints the ID of their network
// where Podman 4.3 puts the network's name in NetworkID (Podman 5 sends
// the ID, as Docker does), with one network list.
func (c *Client) podmanNetworkIDs(ctx context.Context, eps map[string]engine.EndpointSettings) error {
	named := false
	for name, ep := range eps {
		named = named || ep.NetworkID == name
	}
	if !named || c.engine.Load() != enginePodman {
		return nil
	}
	nets, err := c.NetworkList(ctx, NetworkListOptions{})
	if err != nil {
		return err
	}
	for _, n := range nets {
		if ep, ok := eps[n.Name]; ok && ep.NetworkID == n.Name {
			ep.NetworkID = n.ID
			eps[n.Name] = ep
		}
	}
	return nil
}

// dockerMTUOption is the bridge driver's MTU option as Docker names it;
// Podman takes it under that name but reports it as "mtu".
const dockerMTUOption = "com.docker.network.driver.mtu"

// podmanNetworkOptions adds to a network's Options on Podman the MTU under
// Docker's name, which Podman reports as "mtu" (kept as well).
func (c *Client) podmanNetworkOptions(n *engine.Network) {
	if mtu, ok := n.Options["mtu"]; ok && n.Options[dockerMTUOption] == "" && c.engine.Load() == enginePodman {
		n.Options[dockerMTUOption] = mtu
	}
}

// podmanInsecureRegistry reports whether a push to host goes out with
// Podman's tlsVerify=false: whether Docker treats host as an insecure
// registry without being told, as it does every registry on the loopback
// network (its default insecure-registries, 127.0.0.0/8, which "localhost"
// resolves into), trying HTTPS without verification, then plain HTTP.
// Podman verifies TLS for every registry its registries.conf does not list
// as insecure, unless the request says otherwise. Its pull (POST
// /images/create) and login take no such parameter.
func podmanInsecureRegistry(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.To4() != nil && ip.IsLoopback()
}

// podmanPushError turns the 500 with which Podman 5 answers a push that
// failed at the registry (refused credentials, say), its body a progress
// stream's error message ({"errorDetail":{"message":…},"error":…}), into
// the *StreamError of the push that Docker, and Podman 4.3, report in the
// stream of a 200. Any other error is returned as it is.
func (c *Client) podmanPushError(op, ref string, err error) error {
	var ae *APIError
	if op != "push" || c.engine.Load() != enginePodman || !errors.As(err, &ae) || ae.StatusCode != http.StatusInternalServerError || !ae.streamMessage {
		return err
	}
	return &StreamError{Op: op, Ref: ref, Host: ae.Host, Message: ae.Message}
}

// podmanKillBeforeRemove sends SIGKILL to a container about to be removed
// by force. Docker kills a running container at once for a forced removal
// (Podman 4.3 too); Podman 5 stops it first, SIGTERM and then SIGKILL
// after the container's stop timeout, 10 s by default, whatever timeout
// the request gives. Killing it first makes the removal as quick as on
// Docker. The kill's error is not the caller's: it fails for a container
// that is not running, and the removal reports a missing one itself.
func (c *Client) podmanKillBeforeRemove(ctx context.Context, id string) {
	_ = c.ContainerKill(ctx, id, "KILL")
}

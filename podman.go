package dockwire

import (
	"context"
	"fmt"
	"io"
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
		if status, ok := podmanStatuses[gjson.GetBytes(body, "cause").String()]; ok {
			return status
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
			info, err := c.ContainerInspect(ctx, id)
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
	info, err := c.ContainerInspect(ctx, r.id)
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

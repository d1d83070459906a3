package dockwire

import (
	"context"
	"net/http"
	"strings"

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

//go:build unix

package dockwire

import (
	"net"
	"path/filepath"
	"testing"

	"github.com/dockwire/dockwire/internal/await"
)

// TestConnAliveSeesPeerClose: an idle connection is alive until stray
// bytes arrive on it, or until the peer closes it; each case on a
// connection of its own, so that one cannot mask the other.
func TestConnAliveSeesPeerClose(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "s.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for name, poke := range map[string]func(peer net.Conn){
		"stray bytes": func(peer net.Conn) { peer.Write([]byte("x")) },
		"peer closed": func(peer net.Conn) { peer.Close() },
	} {
		t.Run(name, func(t *testing.T) {
			accepted := make(chan net.Conn, 1)
			go func() {
				c, _ := l.Accept()
				accepted <- c
			}()
			c, err := net.Dial("unix", socket)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			peer := await.Recv(t, "the listener to accept", accepted)
			defer peer.Close()
			alive := aliveChecker(c)
			if !alive() {
				t.Fatal("an open idle connection reported dead")
			}
			poke(peer)
			// The kernel delivers at once on a Unix socket; poll rather than
			// trust one sleep.
			await.Until(t, name+": the connection to report dead", func() bool { return !alive() })
		})
	}
}

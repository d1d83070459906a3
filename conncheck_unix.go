//go:build unix

package dockwire

import (
	"crypto/tls"
	"net"
	"syscall"
)

// aliveChecker returns a check of whether c, idle, is still usable: one
// non-blocking peek that finds neither EOF nor stray bytes. It catches a
// daemon that restarted while the connection sat in the pool, before a
// request is written into the void. The check is made once per
// connection, so that each use of it allocates nothing.
func aliveChecker(c net.Conn) func() bool {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return func() bool { return true }
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return func() bool { return false }
	}
	var alive bool
	buf := make([]byte, 1)
	peek := func(fd uintptr) bool {
		alive = peekWouldBlock(fd, buf)
		return true
	}
	return func() bool {
		alive = false
		return raw.Read(peek) == nil && alive
	}
}

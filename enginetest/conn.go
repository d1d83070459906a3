package enginetest

import (
	"bufio"
	"io"
	"net"
	"sync"
)

// connKey carries the accepted *serverConn in a request's context, so faults
// can cut the connection under net/http's own response writer.
type connKey struct{}

// trackingListener wraps every accepted connection so Close can reach the
// hijacked ones that http.Server forgets.
type trackingListener struct {
	net.Listener
	e *Engine
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	sc := &serverConn{Conn: c, e: l.e, limit: -1}
	l.e.mu.Lock()
	if l.e.closed {
		l.e.mu.Unlock()
		c.Close()
		return nil, net.ErrClosed
	}
	l.e.conns[sc] = struct{}{}
	l.e.mu.Unlock()
	return sc, nil
}

// serverConn is an accepted connection that can be told to die after a
// number of written bytes (CloseAfter) and that still half-closes.
type serverConn struct {
	net.Conn
	e *Engine

	mu    sync.Mutex
	limit int64 // bytes still allowed before the cut; -1 for no limit
}

func (c *serverConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	limit := c.limit
	c.mu.Unlock()
	if limit < 0 || int64(len(p)) <= limit {
		n, err := c.Conn.Write(p)
		if limit >= 0 {
			c.mu.Lock()
			c.limit -= int64(n)
			c.mu.Unlock()
		}
		return n, err
	}
	n, _ := c.Conn.Write(p[:limit])
	c.mu.Lock()
	c.limit = 0
	c.mu.Unlock()
	c.Close()
	return n, net.ErrClosed
}

func (c *serverConn) cutAfter(n int) {
	c.mu.Lock()
	c.limit = int64(n)
	c.mu.Unlock()
}

// CloseWrite half-closes the connection, which ends a close-delimited body
// while the client may still be sending stdin.
func (c *serverConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

func (c *serverConn) Close() error {
	c.e.mu.Lock()
	delete(c.e.conns, c)
	c.e.mu.Unlock()
	return c.Conn.Close()
}

// endHijacked half-closes the stream, so the client reads EOF after the
// last byte even while it is still writing stdin, then waits for the client
// to close its side (or Close) before closing the connection: closing with
// unread stdin would make the client's reads fail with ECONNRESET.
func endHijacked(c *serverConn, r *bufio.Reader) {
	c.CloseWrite()
	io.Copy(io.Discard, r)
	c.Close()
}

// OpenConns returns the number of client connections open now, hijacked
// ones included, so a test can check that a client closes what it opens.
func (e *Engine) OpenConns() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.conns)
}

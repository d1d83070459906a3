package record

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/internal/fixture"
)

// Recorder opens the client's connections to a daemon and keeps a copy of
// every byte written and read on each. Use Dial as the client's dialer
// (Client does that), name the steps with Step, and turn the bytes into
// exchanges with Exchanges once the client is done.
type Recorder struct {
	host          string
	network, addr string
	dialer        net.Dialer

	seq atomic.Int64 // orders writes across connections

	mu    sync.Mutex
	step  string
	conns []*teeConn
}

// New returns a recorder for the daemon at host, unix:///path or
// tcp://host:port (plain HTTP; the recorder reads the bytes on the wire,
// so TLS is not supported).
func New(host string) (*Recorder, error) {
	scheme, rest, ok := strings.Cut(host, "://")
	switch {
	case ok && scheme == "unix" && strings.HasPrefix(rest, "/"):
		return &Recorder{host: host, network: "unix", addr: rest}, nil
	case ok && scheme == "tcp" && rest != "":
		return &Recorder{host: host, network: "tcp", addr: rest}, nil
	}
	return nil, fmt.Errorf("record: host %q: want unix:///path/to/docker.sock or tcp://host:port", host)
}

// Client returns a client for the recorder's daemon that dials through
// Dial. opts are applied after the dialer.
func (r *Recorder) Client(opts ...dockwire.Option) (*dockwire.Client, error) {
	return dockwire.New(r.host, append([]dockwire.Option{dockwire.WithDialer(r.Dial)}, opts...)...)
}

// Dial connects to the daemon and records the connection.
func (r *Recorder) Dial(ctx context.Context) (net.Conn, error) {
	c, err := r.dialer.DialContext(ctx, r.network, r.addr)
	if err != nil {
		return nil, err
	}
	tc := &teeConn{Conn: c, rec: r}
	r.mu.Lock()
	tc.id = len(r.conns)
	r.conns = append(r.conns, tc)
	r.mu.Unlock()
	return tc, nil
}

// Step names the requests written from now on, until the next Step.
func (r *Recorder) Step(name string) {
	r.mu.Lock()
	r.step = name
	r.mu.Unlock()
}

func (r *Recorder) currentStep() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.step
}

// Exchanges parses what every connection carried into exchanges, ordered
// by when each request was first written, and normalises them (see the
// package documentation). Call it once the client is done: a request
// whose response never arrived is left out and reported in the error,
// which is then joined with the exchanges that could be parsed.
func (r *Recorder) Exchanges() ([]fixture.Exchange, error) {
	r.mu.Lock()
	conns := append([]*teeConn(nil), r.conns...)
	r.mu.Unlock()
	var all []wireExchange
	var errs []error
	for _, c := range conns {
		xs, err := c.exchanges()
		all = append(all, xs...)
		if err != nil {
			errs = append(errs, fmt.Errorf("connection %d: %w", c.id, err))
		}
	}
	return normalizeAll(collapsePolls(sortExchanges(all))), errors.Join(errs...)
}

// teeConn copies what passes through a connection. It keeps CloseWrite
// (exec stdin needs a half-close) and SyscallConn (the client peeks at idle
// connections) of the connection it wraps.
type teeConn struct {
	net.Conn
	rec *Recorder
	id  int

	mu     sync.Mutex
	wrote  []byte
	writes []writeMark
	read   []byte
}

// writeMark says which step a run of written bytes starting at off
// belongs to, and when it was written: seq orders the writes of all
// connections.
type writeMark struct {
	off  int
	seq  int64
	step string
}

func (c *teeConn) Write(p []byte) (int, error) {
	step := c.rec.currentStep()
	seq := c.rec.seq.Add(1)
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.mu.Lock()
		c.writes = append(c.writes, writeMark{off: len(c.wrote), seq: seq, step: step})
		c.wrote = append(c.wrote, p[:n]...)
		c.mu.Unlock()
	}
	return n, err
}

func (c *teeConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.read = append(c.read, p[:n]...)
		c.mu.Unlock()
	}
	return n, err
}

func (c *teeConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return fmt.Errorf("record: %T cannot half-close: %w", c.Conn, errors.ErrUnsupported)
}

func (c *teeConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}

func (c *teeConn) exchanges() ([]wireExchange, error) {
	c.mu.Lock()
	wrote := append([]byte(nil), c.wrote...)
	read := append([]byte(nil), c.read...)
	writes := append([]writeMark(nil), c.writes...)
	c.mu.Unlock()
	// mark returns the write that holds byte off of the written stream.
	mark := func(off int) writeMark {
		m := writeMark{}
		for _, w := range writes {
			if w.off > off {
				break
			}
			m = w
		}
		return m
	}
	return parseConn(wrote, read, mark)
}

// Package rawhttp is the floor of the per-call benchmarks: hand-written
// HTTP/1.1 requests on a kept-alive Unix socket connection, no client
// library, no JSON decoding. It reads a response's framing (Content-Length,
// chunked, or until the connection closes) and nothing else, and allocates
// nothing per request once its buffers have grown.
package rawhttp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
)

// Conn is one connection to a daemon.
type Conn struct {
	nc   net.Conn
	br   *bufio.Reader
	body []byte
	tee  *teeConn // nil unless recording
}

// Dial connects to the Unix socket of host ("unix:///path").
func Dial(host string) (*Conn, error) {
	path, ok := strings.CutPrefix(host, "unix://")
	if !ok {
		return nil, fmt.Errorf("rawhttp: %q is not unix://PATH", host)
	}
	nc, err := net.Dial("unix", path)
	if err != nil {
		return nil, err
	}
	return &Conn{nc: nc, br: bufio.NewReaderSize(nc, 16<<10), body: make([]byte, 0, 64<<10)}, nil
}

// DialRecording is Dial, and Recorded then returns every byte the daemon
// sent on the connection.
func DialRecording(host string) (*Conn, error) {
	c, err := Dial(host)
	if err != nil {
		return nil, err
	}
	c.tee = &teeConn{Conn: c.nc}
	c.br = bufio.NewReaderSize(c.tee, 16<<10)
	return c, nil
}

// Recorded returns the bytes read since the last call and forgets them.
func (c *Conn) Recorded() []byte {
	b := c.tee.buf
	c.tee.buf = nil
	return b
}

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

// Response is a response as far as the floor looks at it. Body is valid
// until the next request on the connection.
type Response struct {
	Status int
	Body   []byte
	Closed bool // the daemon closed the connection after it
}

// Do writes req, a complete request, and reads the response to its end.
// head is true for a HEAD request, whose response has no body.
func (c *Conn) Do(req []byte, head bool) (Response, error) {
	if _, err := c.nc.Write(req); err != nil {
		return Response{}, err
	}
	return c.read(head)
}

func (c *Conn) read(head bool) (Response, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return Response{}, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return Response{}, fmt.Errorf("rawhttp: bad status line %q", line)
	}
	status := int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
	contentLength, chunked, closeConn := -1, false, false
	for {
		line, err = c.br.ReadSlice('\n')
		if err != nil {
			return Response{}, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case asciiEqualFold(name, "Content-Length"):
			contentLength = atoi(value)
		case asciiEqualFold(name, "Transfer-Encoding"):
			chunked = asciiEqualFold(value, "chunked")
		case asciiEqualFold(name, "Connection"):
			closeConn = asciiEqualFold(value, "close")
		}
	}
	r := Response{Status: status, Closed: closeConn}
	c.body = c.body[:0]
	switch {
	case head || status == 204 || status == 304:
	case chunked:
		err = c.readChunked()
	case contentLength >= 0:
		err = c.readN(contentLength)
	default: // close-delimited, as exec start without an upgrade, or a 101
		err = c.readToEOF()
		r.Closed = true
	}
	r.Body = c.body
	return r, err
}

func (c *Conn) readN(n int) error {
	if cap(c.body)-len(c.body) < n {
		c.body = append(make([]byte, 0, len(c.body)+n), c.body...)
	}
	start := len(c.body)
	c.body = c.body[:start+n]
	_, err := io.ReadFull(c.br, c.body[start:])
	return err
}

func (c *Conn) readChunked() error {
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		n := 0
		for _, b := range bytes.TrimRight(line, "\r\n") {
			switch {
			case b >= '0' && b <= '9':
				n = n*16 + int(b-'0')
			case b >= 'a' && b <= 'f':
				n = n*16 + int(b-'a'+10)
			case b >= 'A' && b <= 'F':
				n = n*16 + int(b-'A'+10)
			default:
				return fmt.Errorf("rawhttp: bad chunk size %q", line)
			}
		}
		if n == 0 {
			for { // trailers, then the empty line
				line, err := c.br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if err := c.readN(n); err != nil {
			return err
		}
		if _, err := c.br.Discard(2); err != nil {
			return err
		}
	}
}

func (c *Conn) readToEOF() error {
	for {
		if len(c.body) == cap(c.body) {
			c.body = append(c.body, 0)[:len(c.body)]
		}
		n, err := c.br.Read(c.body[len(c.body):cap(c.body)])
		c.body = c.body[:len(c.body)+n]
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func atoi(b []byte) int {
	n := 0
	for _, d := range b {
		if d < '0' || d > '9' {
			return -1
		}
		n = n*10 + int(d-'0')
	}
	return n
}

type teeConn struct {
	net.Conn
	buf []byte
}

func (t *teeConn) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// Get appends a GET (or HEAD) request for path to dst.
func Get(dst []byte, method, path string) []byte {
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, path...)
	return append(dst, " HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: rawhttp\r\n\r\n"...)
}

// Post appends a POST request for path with a JSON body to dst.
func Post(dst []byte, path string, body []byte, upgrade bool) []byte {
	dst = append(dst, "POST "...)
	dst = append(dst, path...)
	dst = append(dst, " HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: rawhttp\r\nContent-Type: application/json\r\n"...)
	if upgrade {
		dst = append(dst, "Connection: Upgrade\r\nUpgrade: tcp\r\n"...)
	}
	dst = append(dst, "Content-Length: "...)
	dst = appendInt(dst, len(body))
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...)
}

func appendInt(dst []byte, n int) []byte {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(dst, b[i:]...)
}

// JSONString returns the string value of the first "key":"value" in doc,
// without unescaping: enough for IDs.
func JSONString(doc []byte, key string) []byte {
	var pat [64]byte
	p := append(append(append(pat[:0], '"'), key...), `":"`...)
	i := bytes.Index(doc, p)
	if i < 0 {
		return nil
	}
	rest := doc[i+len(p):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return nil
	}
	return rest[:j]
}

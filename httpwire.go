package dockwire

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// This file is the client's HTTP/1.1 codec: the request head and body
// written into a connection's buffer, and the response head parsed from
// it. It speaks the subset a Docker daemon uses (origin-form targets,
// Content-Length or chunked bodies both ways, 1xx and 101 answers), with
// a handful of allocations per exchange where net/http's Request.Write and
// ReadResponse took about 27 (allocation profile of an exec round trip).

// writeRequest writes req to w: its head, then its body framed by
// Content-Length when req.ContentLength is above 0, chunked when it is -1
// (unknown); a ContentLength of 0 sends no body. It closes req.Body, as a
// RoundTripper must. A failure to read the body is returned as the body's
// own error; a request that cannot be written as HTTP/1.1 (a line break
// in a header, say) as a *requestError, before anything is written.
func writeRequest(w *bufio.Writer, req *http.Request) (err error) {
	body := req.Body
	if body == http.NoBody {
		body = nil
	}
	if body != nil {
		defer func() {
			if cerr := body.Close(); err == nil {
				err = cerr
			}
		}()
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	switch {
	case !validToken(req.Method):
		return &requestError{fmt.Errorf("invalid method %q", req.Method)}
	case host == "" || !validHeaderValue(host) || strings.ContainsAny(host, " \t"):
		return &requestError{fmt.Errorf("invalid Host %q", host)}
	case body == nil && req.ContentLength > 0:
		return &requestError{fmt.Errorf("Content-Length %d without a body", req.ContentLength)}
	}
	if err := checkHeader(req.Header); err != nil {
		return err
	}
	w.WriteString(req.Method)
	w.WriteByte(' ')
	w.WriteString(req.URL.EscapedPath())
	if req.URL.RawQuery != "" {
		w.WriteByte('?')
		w.WriteString(req.URL.RawQuery)
	}
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(host)
	w.WriteString("\r\n")
	writeHeader(w, req.Header)
	chunked := body != nil && req.ContentLength < 0
	switch {
	case chunked:
		w.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	case req.ContentLength > 0 || sendsBody(req.Method):
		w.WriteString("Content-Length: ")
		w.Write(strconv.AppendInt(w.AvailableBuffer(), max(req.ContentLength, 0), 10))
		w.WriteString("\r\n\r\n")
	default:
		w.WriteString("\r\n")
	}
	switch {
	case body == nil:
		return nil
	case chunked:
		return writeChunked(w, body)
	}
	n, err := io.Copy(w, io.LimitReader(body, req.ContentLength))
	if err == nil && n < req.ContentLength {
		err = fmt.Errorf("request body is %d bytes, shorter than its Content-Length of %d", n, req.ContentLength)
	}
	return err
}

// sendsBody reports whether a request with this method says
// "Content-Length: 0" when it has no body, as net/http does: a POST
// without a length is refused by some proxies.
func sendsBody(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

// requestError means a request could not be written as HTTP/1.1: a bug in
// the caller's input or the client's, not a connection problem.
type requestError struct{ err error }

func (e *requestError) Error() string { return "cannot write the request: " + e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

// framingHeader reports whether k is a header writeRequest sets itself.
func framingHeader(k string) bool {
	return strings.EqualFold(k, "Host") || strings.EqualFold(k, "Content-Length") || strings.EqualFold(k, "Transfer-Encoding")
}

// checkHeader refuses, rather than rewrites, a header name or value that
// would break the request's framing.
func checkHeader(h http.Header) error {
	for k, vs := range h {
		if !validToken(k) {
			return &requestError{fmt.Errorf("invalid header name %q", k)}
		}
		for _, v := range vs {
			if !validHeaderValue(v) {
				return &requestError{fmt.Errorf("invalid value for header %s: it holds a control character (a line break?)", k)}
			}
		}
	}
	return nil
}

// writeHeader writes h, checked by checkHeader, sorted by key, leaving out
// the framing headers writeRequest sets itself.
func writeHeader(w *bufio.Writer, h http.Header) {
	var spare [8]string
	keys := spare[:0]
	for k := range h {
		if !framingHeader(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			w.WriteString(k)
			w.WriteString(": ")
			w.WriteString(v)
			w.WriteString("\r\n")
		}
	}
}

// writeChunked copies body to w in chunked transfer coding, a chunk per
// read, flushed as it goes so that the daemon sees a slow producer's data
// as it comes.
func writeChunked(w *bufio.Writer, body io.Reader) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			w.Write(strconv.AppendUint(w.AvailableBuffer(), uint64(n), 16))
			w.WriteString("\r\n")
			w.Write(buf[:n])
			w.WriteString("\r\n")
			if ferr := w.Flush(); ferr != nil {
				return ferr
			}
		}
		switch {
		case err == io.EOF:
			_, err = w.WriteString("0\r\n\r\n")
			return err
		case err != nil:
			return err
		}
	}
}

func malformed(format string, args ...any) error {
	return &protocolError{fmt.Errorf(format, args...)}
}

// readHead reads one response head from br, which must hold it whole:
// a head is at most br.Size() bytes. Every string in the result (status,
// header names and values) is a substring of one allocation. The body is
// left unset.
func readHead(br *bufio.Reader) (*http.Response, error) {
	for {
		buf, _ := br.Peek(br.Buffered())
		if end, lines := headEnd(buf); end > 0 {
			head := string(buf[:end])
			br.Discard(end)
			return parseHead(head, lines-1)
		}
		if len(buf) == br.Size() {
			return nil, malformed("response head longer than %d bytes", br.Size())
		}
		if _, err := br.Peek(len(buf) + 1); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// headEnd returns the length of the head at the start of buf, through the
// empty line that ends it, and the number of lines before that line; 0 if
// buf does not hold a whole head. Lines end in CRLF or a bare LF.
func headEnd(buf []byte) (end, lines int) {
	for i := 0; ; lines++ {
		switch rest := buf[i:]; {
		case len(rest) >= 1 && rest[0] == '\n':
			return i + 1, lines
		case len(rest) >= 2 && rest[0] == '\r' && rest[1] == '\n':
			return i + 2, lines
		}
		j := bytes.IndexByte(buf[i:], '\n')
		if j < 0 {
			return 0, 0
		}
		i += j + 1
	}
}

// parseHead parses a status line and n header lines, each ending in LF or
// CRLF, followed by the empty line.
func parseHead(s string, n int) (*http.Response, error) {
	line, s := cutLine(s)
	proto, status, ok := strings.Cut(line, " ")
	major, minor, pok := http.ParseHTTPVersion(proto)
	if !ok || !pok || major != 1 {
		return nil, malformed("status line %q is not HTTP/1.x", clip(line))
	}
	code, _, _ := strings.Cut(status, " ")
	statusCode, err := strconv.Atoi(code)
	if err != nil || len(code) != 3 || statusCode < 100 {
		return nil, malformed("invalid status code in %q", clip(line))
	}
	resp := &http.Response{
		Status:     status,
		StatusCode: statusCode,
		Proto:      proto,
		ProtoMajor: major,
		ProtoMinor: minor,
		Header:     make(http.Header, n),
	}
	values := make([]string, max(n, 0))
	for line, s = cutLine(s); line != ""; line, s = cutLine(s) {
		name, value, ok := strings.Cut(line, ":")
		if !ok || !validToken(name) || !validHeaderValue(value) {
			return nil, malformed("header line %q", clip(line))
		}
		name = http.CanonicalHeaderKey(name) // no allocation when already canonical
		value = strings.Trim(value, " \t")
		if vs, dup := resp.Header[name]; dup {
			resp.Header[name] = append(vs, value)
			continue
		}
		if len(values) == 0 { // cannot happen with readHead's count; cheap to be sure
			values = make([]string, 1)
		}
		values[0] = value
		resp.Header[name] = values[:1:1]
		values = values[1:]
	}
	return resp, nil
}

// cutLine returns s's first line without its line ending, and the rest.
func cutLine(s string) (line, rest string) {
	line, rest, _ = strings.Cut(s, "\n")
	return strings.TrimSuffix(line, "\r"), rest
}

// clip shortens a malformed line for an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// validHeaderValue reports whether s holds no control character but HTAB
// (RFC 9110 5.5).
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// validToken reports whether s is an HTTP token (RFC 9110 5.6.2): a
// method or a header name.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// frameBody sets resp's body and its framing fields from its headers, as
// RFC 9112 section 6.3 orders them, reading from br.
func frameBody(resp *http.Response, req *http.Request, br *bufio.Reader) error {
	h := resp.Header
	resp.Request = req
	resp.Close = resp.ProtoMinor == 0 && !headerHasToken(h["Connection"], "keep-alive") || headerHasToken(h["Connection"], "close")
	resp.ContentLength = -1
	if te, ok := h["Transfer-Encoding"]; ok {
		// RFC 9112 6.1: in HTTP/1.0 a Transfer-Encoding means faulty framing.
		if len(te) != 1 || !strings.EqualFold(te[0], "chunked") || resp.ProtoMinor == 0 {
			return malformed("unsupported Transfer-Encoding %q", strings.Join(te, ", "))
		}
		delete(h, "Transfer-Encoding")
		resp.TransferEncoding = []string{"chunked"}
		if _, both := h["Content-Length"]; both {
			// RFC 9112 6.3: chunked wins, and the connection is not to be
			// trusted with another exchange (a sign of response splitting).
			resp.Close = true
		}
	} else if cl, ok := h["Content-Length"]; ok {
		n, err := strconv.ParseUint(cl[0], 10, 63) // digits only, no sign
		if err != nil || slices.ContainsFunc(cl[1:], func(v string) bool { return v != cl[0] }) {
			return malformed("invalid Content-Length %q", strings.Join(cl, ", "))
		}
		resp.ContentLength = int64(n)
	}
	switch {
	case req.Method == http.MethodHead, resp.StatusCode < 200, resp.StatusCode == http.StatusNoContent, resp.StatusCode == http.StatusNotModified:
		resp.Body = http.NoBody
		if req.Method != http.MethodHead {
			resp.ContentLength = 0
		}
	case resp.TransferEncoding != nil:
		resp.Body = &chunkedBody{br: br}
	case resp.ContentLength == 0:
		resp.Body = http.NoBody
	case resp.ContentLength > 0:
		resp.Body = &sizedBody{br: br, left: resp.ContentLength}
	default:
		// Neither length nor chunks: the body ends when the daemon closes.
		resp.Close = true
		resp.Body = io.NopCloser(br)
	}
	return nil
}

// headerHasToken reports whether a comma-separated header holds token.
func headerHasToken(values []string, token string) bool {
	for _, v := range values {
		for v != "" {
			var f string
			f, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(f), token) {
				return true
			}
		}
	}
	return false
}

// sizedBody is a body of Content-Length bytes. It ends with io.EOF exactly
// at its length, and with io.ErrUnexpectedEOF if the connection ends first.
type sizedBody struct {
	br   *bufio.Reader
	left int64
}

func (b *sizedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.br.Read(p)
	b.left -= int64(n)
	switch {
	case err == io.EOF:
		return n, io.ErrUnexpectedEOF
	case err == nil && b.left == 0:
		return n, io.EOF
	}
	return n, err
}

func (b *sizedBody) Close() error { return nil }

// chunkedBody decodes a chunked body (RFC 9112 section 7.1), skipping
// chunk extensions and trailers. Its framing lines must end in CRLF: a
// bare LF there is how a proxy and a client come to split a stream
// differently.
type chunkedBody struct {
	br   *bufio.Reader
	left uint64 // data bytes of the current chunk still to read
	next chunkStep
	err  error // sticky: io.EOF after the trailer section
}

// chunkStep is the framing line a chunked body expects next.
type chunkStep uint8

const (
	stepSize    chunkStep = iota // a chunk-size line
	stepCRLF                     // the CRLF after a chunk's data
	stepTrailer                  // a trailer line, or the empty line that ends the body
)

func (b *chunkedBody) Read(p []byte) (n int, err error) {
	for n < len(p) && b.err == nil {
		if b.left == 0 {
			// With data in hand, read framing only if its line is here
			// already: a stream's reader wants what came, now.
			if n > 0 && !b.lineBuffered() {
				break
			}
			b.err = b.step()
			continue
		}
		if n > 0 && b.br.Buffered() == 0 {
			break
		}
		m, err := b.br.Read(p[n:min(uint64(len(p)), uint64(n)+b.left)])
		n += m
		b.left -= uint64(m)
		switch {
		case err == io.EOF:
			b.err = io.ErrUnexpectedEOF
		case err != nil:
			b.err = err
		case b.left == 0:
			b.next = stepCRLF
		}
	}
	if n > 0 {
		return n, nil // an error comes with the next Read
	}
	return 0, b.err
}

// lineBuffered reports whether a whole line is buffered.
func (b *chunkedBody) lineBuffered() bool {
	buf, _ := b.br.Peek(b.br.Buffered())
	return bytes.IndexByte(buf, '\n') >= 0
}

// step reads one framing line; it returns io.EOF at the end of the body.
func (b *chunkedBody) step() error {
	line, err := b.readLine()
	if err != nil {
		return err
	}
	switch b.next {
	case stepCRLF:
		if len(line) != 0 {
			return malformed("chunk data longer than its size")
		}
		b.next = stepSize
	case stepTrailer:
		if len(line) == 0 {
			return io.EOF
		}
		if bytes.IndexByte(line, ':') <= 0 {
			return malformed("invalid trailer line %q", clip(string(line)))
		}
	default:
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		size, ok := parseHex(bytes.TrimRight(line, " \t"))
		if !ok {
			return malformed("invalid chunk size line %q", clip(string(line)))
		}
		b.left = size
		if size == 0 {
			b.next = stepTrailer
		}
	}
	return nil
}

// parseHex parses a chunk size: 1 to 15 hex digits.
func parseHex(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		n = n<<4 | uint64(c)
	}
	return n, true
}

// readLine reads one line of chunk framing, which must end in CRLF, and
// returns it without the CRLF.
func (b *chunkedBody) readLine() ([]byte, error) {
	line, err := b.br.ReadSlice('\n')
	switch {
	case err == io.EOF:
		return nil, io.ErrUnexpectedEOF
	case err == bufio.ErrBufferFull:
		return nil, malformed("chunk framing line longer than %d bytes", b.br.Size())
	case err != nil:
		return nil, err
	case len(line) < 2 || line[len(line)-2] != '\r':
		return nil, malformed("chunk framing line %q does not end in CRLF", clip(string(line)))
	}
	return line[:len(line)-2], nil
}

func (b *chunkedBody) Close() error { return nil }

package dockwire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

func wireRequest(t *testing.T, req *http.Request) string {
	t.Helper()
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	if err := writeRequest(w, req); err != nil {
		t.Fatalf("writeRequest: %v", err)
	}
	w.Flush()
	return out.String()
}

func newWireRequest(method, path, query string, body io.Reader, length int64) *http.Request {
	req := &http.Request{
		Method: method,
		URL:    &url.URL{Scheme: "http", Host: hostHeader, Path: path, RawQuery: query},
		Header: http.Header{"User-Agent": {userAgent}},
		Host:   hostHeader,
	}
	if body != nil {
		req.Body = io.NopCloser(body)
		req.ContentLength = length
	}
	return req
}

func TestWriteRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  *http.Request
		want string
	}{
		{"GET without body", newWireRequest("GET", "/v1.41/containers/json", "all=1", nil, 0),
			"GET /v1.41/containers/json?all=1 HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: dockwire\r\n\r\n"},
		{"POST without body says Content-Length 0", newWireRequest("POST", "/v1.41/containers/x/start", "", nil, 0),
			"POST /v1.41/containers/x/start HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: dockwire\r\nContent-Length: 0\r\n\r\n"},
		{"sized body", newWireRequest("POST", "/v1.41/exec/x/start", "", strings.NewReader(`{"Detach":false}`), 16),
			"POST /v1.41/exec/x/start HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: dockwire\r\nContent-Length: 16\r\n\r\n{\"Detach\":false}"},
		{"body of unknown length is chunked", newWireRequest("PUT", "/v1.41/containers/x/archive", "path=%2Ftmp", io.MultiReader(strings.NewReader("abc"), strings.NewReader("def")), -1),
			"PUT /v1.41/containers/x/archive?path=%2Ftmp HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: dockwire\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n"},
		{"path is escaped", newWireRequest("GET", "/v1.41/images/a b/json", "", nil, 0),
			"GET /v1.41/images/a%20b/json HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: dockwire\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := wireRequest(t, tc.req)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("wire (-want +got):\n%s", diff)
			}
			// What net/http's server reads back is the same request.
			back, err := http.ReadRequest(bufio.NewReader(strings.NewReader(got)))
			if err != nil {
				t.Fatalf("net/http cannot read it back: %v", err)
			}
			if back.Method != tc.req.Method || back.URL.Path != tc.req.URL.Path || back.URL.RawQuery != tc.req.URL.RawQuery || back.Host != hostHeader {
				t.Errorf("read back %s %s ? %s host %s", back.Method, back.URL.Path, back.URL.RawQuery, back.Host)
			}
		})
	}
}

func TestWriteRequestHeadersSortedWithoutFraming(t *testing.T) {
	req := newWireRequest("POST", "/build", "", strings.NewReader("x"), 1)
	req.Header.Set("X-Registry-Config", "e30=")
	req.Header.Set("Content-Type", "application/x-tar")
	req.Header.Set("Content-Length", "999") // framing is writeRequest's own
	got := wireRequest(t, req)
	want := "POST /build HTTP/1.1\r\nHost: api.moby.localhost\r\nContent-Type: application/x-tar\r\nUser-Agent: dockwire\r\nX-Registry-Config: e30=\r\nContent-Length: 1\r\n\r\nx"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestWriteRequestRefusesInjection(t *testing.T) {
	for name, edit := range map[string]func(*http.Request){
		"CRLF in a value":       func(r *http.Request) { r.Header.Set("X-Registry-Auth", "abc\r\nX-Evil: 1") },
		"LF in a value":         func(r *http.Request) { r.Header.Set("X-Registry-Auth", "abc\nX-Evil: 1") },
		"NUL in a value":        func(r *http.Request) { r.Header.Set("X-Registry-Auth", "abc\x00") },
		"space in a name":       func(r *http.Request) { r.Header["Bad Name"] = []string{"v"} },
		"empty name":            func(r *http.Request) { r.Header[""] = []string{"v"} },
		"CRLF in the method":    func(r *http.Request) { r.Method = "GET /x HTTP/1.1\r\nX-Evil: 1\r\n" },
		"CRLF in the host":      func(r *http.Request) { r.Host = "h\r\nX-Evil: 1" },
		"length without a body": func(r *http.Request) { r.ContentLength = 5 },
	} {
		req := newWireRequest("GET", "/x", "", nil, 0)
		edit(req)
		var out bytes.Buffer
		w := bufio.NewWriter(&out)
		err := writeRequest(w, req)
		w.Flush()
		var re *requestError
		if !errors.As(err, &re) || out.Len() != 0 {
			t.Errorf("%s: error %v, wrote %q; want a *requestError and nothing written", name, err, out.String())
		}
	}
}

// TestWriteRequestFramingIsItsOwn: framing headers in req.Header, in any
// case, are never sent; writeRequest frames the body itself.
func TestWriteRequestFramingIsItsOwn(t *testing.T) {
	req := newWireRequest("POST", "/x", "", strings.NewReader("ab"), 2)
	req.Header["content-length"] = []string{"99"}
	req.Header["TRANSFER-ENCODING"] = []string{"gzip"}
	req.Header["host"] = []string{"evil"}
	got := wireRequest(t, req)
	want := "POST /x HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: dockwire\r\nContent-Length: 2\r\n\r\nab"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestWriteRequestBodyFailures(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name   string
		body   io.Reader
		length int64
		want   string
	}{
		{"sized body fails", iotest.ErrReader(boom), 10, "boom"},
		{"chunked body fails", io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom)), -1, "boom"},
		{"sized body ends early", strings.NewReader("abc"), 10, "shorter than its Content-Length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := newWireRequest("POST", "/x", "", nil, 0)
			body := &closeRecorder{Reader: tc.body}
			req.Body, req.ContentLength = body, tc.length
			err := writeRequest(bufio.NewWriter(io.Discard), req)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
			if !body.closed {
				t.Error("the request body was not closed")
			}
		})
	}
}

// readWire parses one response the way connPool does.
func readWire(raw string, method string) (*http.Response, []byte, error) {
	br := bufio.NewReaderSize(strings.NewReader(raw), 16<<10)
	req := newWireRequest(method, "/x", "", nil, 0)
	resp, err := readHead(br)
	if err == nil {
		err = frameBody(resp, req, br)
	}
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

func TestReadResponse(t *testing.T) {
	for _, tc := range []struct {
		name, raw, method string
		status            int
		body              string
		length            int64
		close             bool
		header            http.Header
	}{
		{name: "sized", raw: "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
			status: 200, body: "{}", length: 2,
			header: http.Header{"Api-Version": {"1.41"}, "Content-Type": {"application/json"}, "Content-Length": {"2"}}},
		{name: "chunked with extension and trailer", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n",
			status: 200, body: "abc0123456789", length: -1, header: http.Header{}},
		{name: "until close", raw: "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\nrest of stream",
			status: 200, body: "rest of stream", length: -1, close: true,
			header: http.Header{"Content-Type": {"application/vnd.docker.raw-stream"}}},
		{name: "HEAD keeps its length and has no body", raw: "HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n", method: "HEAD",
			status: 200, length: 42, header: http.Header{"Content-Length": {"42"}}},
		{name: "204", raw: "HTTP/1.1 204 No Content\r\n\r\n", status: 204, header: http.Header{}},
		{name: "304", raw: "HTTP/1.1 304 Not Modified\r\n\r\n", status: 304, header: http.Header{}},
		{name: "bare LF and a lower-case name", raw: "HTTP/1.1 404 Not Found\ncontent-length: 3\n\nabc",
			status: 404, body: "abc", length: 3, header: http.Header{"Content-Length": {"3"}}},
		{name: "repeated header", raw: "HTTP/1.1 200 OK\r\nX-A: 1\r\nX-A: 2\r\nContent-Length: 0\r\n\r\n",
			status: 200, header: http.Header{"X-A": {"1", "2"}, "Content-Length": {"0"}}},
		{name: "Connection: close", raw: "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n",
			status: 200, close: true, header: http.Header{"Connection": {"keep-alive, close"}, "Content-Length": {"0"}}},
		{name: "HTTP/1.0 closes", raw: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
			status: 200, body: "x", length: 1, close: true, header: http.Header{"Content-Length": {"1"}}},
		{name: "HTTP/1.0 keep-alive", raw: "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx",
			status: 200, body: "x", length: 1, header: http.Header{"Connection": {"Keep-Alive"}, "Content-Length": {"1"}}},
		{name: "chunked and a Content-Length: chunked wins, the connection closes",
			raw:    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
			status: 200, body: "abc", length: -1, close: true, header: http.Header{"Content-Length": {"2"}}},
		{name: "101", raw: "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
			status: 101, header: http.Header{"Connection": {"Upgrade"}, "Upgrade": {"tcp"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = "GET"
			}
			resp, body, err := readWire(tc.raw, method)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || string(body) != tc.body || resp.ContentLength != tc.length || resp.Close != tc.close {
				t.Errorf("status %d body %q length %d close %v; want %d %q %d %v",
					resp.StatusCode, body, resp.ContentLength, resp.Close, tc.status, tc.body, tc.length, tc.close)
			}
			if diff := cmp.Diff(tc.header, resp.Header); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFault_A10_MalformedHeads: each is refused as a protocol error, never
// a panic or a response.
func TestFault_A10_MalformedHeads(t *testing.T) {
	for _, raw := range []string{
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n\n", // a TLS hello
		"SSH-2.0-OpenSSH_9.2\r\n\r\n",
		"HTTP/2 200\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 abc OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 17<<10) + "\r\n\r\n",
	} {
		_, _, err := readWire(raw, "GET")
		var pe *protocolError
		if !errors.As(err, &pe) {
			t.Errorf("%.40q: error %v, want a protocol error", raw, err)
		}
	}
}

// TestFault_A5_TruncatedBodies: a body cut short is io.ErrUnexpectedEOF,
// never a clean end; so is a head cut short.
func TestFault_A5_TruncatedBodies(t *testing.T) {
	for _, raw := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
		"HTTP/1.1 200 OK\r\nContent-Le",
	} {
		_, _, err := readWire(raw, "GET")
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%q: error %v, want io.ErrUnexpectedEOF", raw, err)
		}
	}
}

func TestChunkedBodyMalformed(t *testing.T) {
	for _, raw := range []string{
		"zz\r\nab\r\n0\r\n\r\n",
		"\r\n",
		"2\r\nabc\r\n0\r\n\r\n",
		"10000000000000000\r\n",
		"3\nabc\n0\n\n",                     // bare LF framing
		"3\r\nac\r\n0\r\n\r\n",              // data one byte short: "ac\r", then no CRLF
		"3\r\nabc\r\n0\r\nno colon\r\n\r\n", // a trailer that is not a field
	} {
		_, err := io.ReadAll(&chunkedBody{br: bufio.NewReader(strings.NewReader(raw))})
		var pe *protocolError
		if !errors.As(err, &pe) {
			t.Errorf("%q: error %v, want a protocol error", raw, err)
		}
	}
}

// TestChunkedBodyDoesNotWaitWithDataInHand: a following stream's reader
// gets each chunk as it arrives, not when the next one does.
func TestChunkedBodyDoesNotWaitWithDataInHand(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	body := &chunkedBody{br: bufio.NewReader(pr)}
	go pw.Write([]byte("5\r\nhello\r\n")) // and then silence
	buf := make([]byte, 64)
	n, err := body.Read(buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("Read = %q, %v; want hello", buf[:n], err)
	}
	// The last chunk and part of the trailer section, then silence.
	go pw.Write([]byte("6\r\n world\r\n0\r\nX-Trailer: 1\r\n"))
	n, err = body.Read(buf)
	if err != nil || string(buf[:n]) != " world" {
		t.Fatalf("Read = %q, %v; want \" world\"", buf[:n], err)
	}
	go pw.Write([]byte("\r\n"))
	if n, err := body.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("Read at the end = %d, %v; want 0, EOF", n, err)
	}
}

func TestChunkedBodyExtensions(t *testing.T) {
	b, err := io.ReadAll(&chunkedBody{br: bufio.NewReader(strings.NewReader("3 ; name=value\r\nabc\r\n0;last\r\n\r\n"))})
	if err != nil || string(b) != "abc" {
		t.Errorf("ReadAll = %q, %v; want abc", b, err)
	}
}

// FuzzReadResponse checks the codec against net/http's parser: it accepts
// nothing net/http refuses, whatever both accept comes out the same, and
// nothing panics.
func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n{\"message\":\"x\"}",
		"HTTP/1.0 204 No Content\r\nConnection: close\r\n\r\n",
		"HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\n\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		resp, body, err := readWire(raw, "GET")
		ref, rerr := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), nil)
		var refBody []byte
		if rerr == nil {
			refBody, rerr = io.ReadAll(ref.Body)
		}
		if err == nil && rerr != nil {
			t.Fatalf("accepted %q, which net/http refuses: %v", raw, rerr)
		}
		if err != nil || rerr != nil {
			return // stricter than net/http is fine (folded lines, bare LF in chunk framing)
		}
		if resp.StatusCode != ref.StatusCode || !bytes.Equal(body, refBody) || resp.Close != ref.Close {
			t.Fatalf("status %d/%d body %q/%q close %v/%v", resp.StatusCode, ref.StatusCode, body, refBody, resp.Close, ref.Close)
		}
		for k, v := range resp.Header {
			if k != "Content-Length" && !cmp.Equal(v, ref.Header[k]) {
				t.Fatalf("header %s: %q, net/http %q", k, v, ref.Header[k])
			}
		}
	})
}

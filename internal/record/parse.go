package record

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// wireExchange is one request and its response as parsed from a
// connection's bytes, before normalisation.
type wireExchange struct {
	mark        writeMark // the write that carried the request's first byte
	req         *http.Request
	path, query string // as sent, still escaped
	reqBody     []byte
	stdin       []byte // what the client wrote after a hijacked response
	resp        *http.Response
	respBody    []byte
	chunked     bool
	hijacked    bool // 101, or a close-delimited body: the rest of the connection
	truncated   bool // the client stopped reading before the body's end
}

// parseConn splits the bytes a connection carried into exchanges:
// requests with http.ReadRequest and their responses with
// http.ReadResponse, in turn, as HTTP/1.1 keep-alive puts them. After a 101
// or a body that ends with the connection, everything else the daemon
// sent is that response's body and everything else the client sent is
// stdin. mark tells which write carried a byte of wrote.
func parseConn(wrote, read []byte, mark func(off int) writeMark) ([]wireExchange, error) {
	wsrc := bytes.NewReader(wrote)
	wr := bufio.NewReader(wsrc)
	rr := bufio.NewReader(bytes.NewReader(read))
	var out []wireExchange
	for {
		off := len(wrote) - wsrc.Len() - wr.Buffered()
		if off >= len(wrote) {
			return out, nil
		}
		req, err := http.ReadRequest(wr)
		if err != nil {
			return out, fmt.Errorf("request at byte %d: %w", off, err)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return out, fmt.Errorf("%s %s: request body: %w", req.Method, req.RequestURI, err)
		}
		x := wireExchange{mark: mark(off), req: req, reqBody: body}
		x.path, x.query, _ = strings.Cut(req.RequestURI, "?")
		resp, err := http.ReadResponse(rr, req)
		if err != nil {
			return out, fmt.Errorf("%s %s (step %q): no response: %w", req.Method, req.RequestURI, x.mark.step, err)
		}
		x.resp = resp
		x.chunked = slices.Contains(resp.TransferEncoding, "chunked")
		if resp.StatusCode == http.StatusSwitchingProtocols {
			x.hijacked = true
			x.respBody, _ = io.ReadAll(rr)
		} else {
			x.respBody, err = io.ReadAll(resp.Body)
			x.truncated = err != nil
			x.hijacked = resp.Close && resp.ContentLength < 0 && !x.chunked && req.Method != http.MethodHead && bodyAllowed(resp.StatusCode)
			if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
				return append(out, x), fmt.Errorf("%s %s: response body: %w", req.Method, req.RequestURI, err)
			}
		}
		if x.hijacked || x.truncated || resp.Close {
			x.stdin, _ = io.ReadAll(wr)
			return append(out, x), nil
		}
		out = append(out, x)
	}
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// sortExchanges orders exchanges by the first write of their request.
func sortExchanges(xs []wireExchange) []wireExchange {
	slices.SortStableFunc(xs, func(a, b wireExchange) int {
		switch {
		case a.mark.seq < b.mark.seq:
			return -1
		case a.mark.seq > b.mark.seq:
			return 1
		}
		return 0
	})
	return xs
}

// collapsePolls keeps only the last of consecutive identical GET or HEAD
// requests within one step: the client polling (ExecWait) until a state
// changes, which takes a different number of tries on every run. Replayed,
// the client gets the final state at its first try.
func collapsePolls(xs []wireExchange) []wireExchange {
	out := xs[:0]
	for i, x := range xs {
		if i+1 < len(xs) && samePoll(x, xs[i+1]) {
			continue
		}
		out = append(out, x)
	}
	return out
}

func samePoll(a, b wireExchange) bool {
	return a.mark.step == b.mark.step && a.req.Method == b.req.Method &&
		(a.req.Method == http.MethodGet || a.req.Method == http.MethodHead) &&
		a.path == b.path && a.query == b.query && len(a.reqBody) == 0 && len(b.reqBody) == 0
}

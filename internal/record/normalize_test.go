package record

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var ignoreRawField = cmp.FilterPath(func(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	return ok && sf.Name() == "Raw"
}, cmp.Ignore())

func mustRequest(method string) *http.Request {
	r, err := http.NewRequest(method, "http://h/", nil)
	if err != nil {
		panic(err)
	}
	return r
}

const (
	hexA = "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081"
	hexB = "9b8a7c6d5e4f30211203f4e5d6c7b8a99b8a7c6d5e4f30211203f4e5d6c7b8a9"
)

func TestNormalizeIDs(t *testing.T) {
	n := newNormalizer()
	c1 := "c00000000001" + strings.Repeat("0", 52)
	d1 := "d00000000001" + strings.Repeat("0", 52)
	for _, c := range []struct{ in, route, want string }{
		{`{"Id":"` + hexA + `","Warnings":[]}`, "/containers/create", `{"Id":"` + c1 + `","Warnings":[]}`},
		{"/containers/" + hexA[:12] + "/json", "", "/containers/c00000000001/json"},
		// A build names the image short first, then in full.
		{`{"stream":" ---\u003e ` + hexB[:12] + `\n"}` + "\n" + `{"aux":{"ID":"sha256:` + hexB + `"}}`, "/build",
			`{"stream":" ---\u003e d00000000001\n"}` + "\n" + `{"aux":{"ID":"sha256:` + d1 + `"}}`},
		{`"Hostname":"` + hexA[:12] + `"`, "/containers/x/json", `"Hostname":"c00000000001"`},
		// Not IDs: a number, a UUID's last group, a longer run.
		{`"Memory":123456789012,"ID":"43bf9ebc-ae1c-4cc8-8e91-26c5a34f4d11"`, "/info", `"Memory":123456789012,"ID":"43bf9ebc-ae1c-4cc8-8e91-26c5a34f4d11"`},
		{"x" + hexA, "", "x" + hexA},
	} {
		if got := n.text(c.in, c.route); got != c.want {
			t.Errorf("text(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestNormalizeTimes(t *testing.T) {
	n := newNormalizer()
	for _, c := range []struct{ in, want string }{
		{`"Created":"2026-11-27T05:02:48.7485612Z"`, `"Created":"2024-01-01T00:00:00.000000000Z"`},
		{`"StartedAt":"2026-11-27T05:02:48+01:00","FinishedAt":"0001-01-01T00:00:00Z"`, `"StartedAt":"2024-01-01T00:00:00Z","FinishedAt":"0001-01-01T00:00:00Z"`},
		{`"Created":1795755768,"Size":1985478`, `"Created":1704067200,"Size":1985478`},
		{`"time":1795755768,"timeNano":1795755768748561247}`, `"time":1704067200,"timeNano":1704067200000000000}`},
		{`"time":1795755768,"timeNano":1795755768748561999}`, `"time":1704067200,"timeNano":1704067200000000001}`},
		{`"time":1795755769,"timeNano":1795755768748561247}`, `"time":1704067200,"timeNano":1704067200000000000}`},
		{`"Status":"Exited (137) About a minute ago"`, `"Status":"Exited (137) 2 seconds ago"`},
		{`"Status":"Up Less than a second (Paused)"`, `"Status":"Up 2 seconds (Paused)"`},
		{`"Attributes":{"execDuration":"17","name":"quirky_margulis"}`, `"Attributes":{"execDuration":"1","name":"generated_name1"}`},
		{`"Name":"/quirky_margulis","Names":["/thirsty_bartik"]`, `"Name":"/generated_name1","Names":["/generated_name2"]`},
		{`"State":{"Pid":4711},"MacAddress":"5a:3e:01:02:03:04"`, `"State":{"Pid":1001},"MacAddress":"02:42:00:00:00:01"`},
	} {
		if got := n.text(c.in, "/x"); got != c.want {
			t.Errorf("text(%s)\n got %s\nwant %s", c.in, got, c.want)
		}
	}
	if got, want := n.query("stdout=1&since=1795755768.748561247&until=1795755769", "/x"), "stdout=1&since=1704067200.000000000&until=1704067200"; got != want {
		t.Errorf("query: got %q, want %q", got, want)
	}
	// An ID inside an encoded value (filters) is normalised too; it was
	// seen before, in a path.
	n.text("/containers/"+hexA+"/json", "/containers/x/json")
	filters := url.QueryEscape(`{"id":["` + hexA + `"]}`)
	if got, want := n.query("all=1&filters="+filters, "/containers/json"), "all=1&filters="+url.QueryEscape(`{"id":["c00000000001`+strings.Repeat("0", 52)+`"]}`); got != want {
		t.Errorf("query with encoded filters: got %q, want %q", got, want)
	}
}

func frame(stream byte, payload string) []byte {
	b := []byte{stream, 0, 0, 0}
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	return append(b, payload...)
}

func TestNormalizeFramesKeepsSizesConsistent(t *testing.T) {
	in := append(frame(1, "2026-11-27T05:02:48.7Z hello "+hexA+"\n"), frame(2, "2026-11-27T05:02:48.123456789Z oops\n")...)
	if !isMultiplexed(in) {
		t.Fatal("test stream is not multiplexed")
	}
	n := newNormalizer()
	got := n.frames(in, "/containers/x/logs")
	want := append(frame(1, "2024-01-01T00:00:00.000000000Z hello f00000000001"+strings.Repeat("0", 52)+"\n"),
		frame(2, "2024-01-01T00:00:00.000000000Z oops\n")...)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("frames (-want +got):\n%s", diff)
	}
	for _, raw := range []string{"", "tty out\r\n", "\x01\x00\x00\x00\x00\x00\x00\x09short"} {
		if isMultiplexed([]byte(raw)) {
			t.Errorf("isMultiplexed(%q) = true", raw)
		}
	}
}

func TestNormalizeTop(t *testing.T) {
	n := newNormalizer()
	n.text(`{"Pid":5123}`, "/containers/x/json")
	in := `{"Processes":[["root","5123","5100","3","04:55","?","00:00:00","sh"],["root","5130","5123","0","04:55","?","00:00:00","sleep 3600"]],"Titles":["UID","PID","PPID","C","STIME","TTY","TIME","CMD"]}` + "\n"
	want := `{"Processes":[["root","1001","1002","0","00:00","?","00:00:00","sh"],["root","1003","1001","0","00:00","?","00:00:00","sleep 3600"]],"Titles":["UID","PID","PPID","C","STIME","TTY","TIME","CMD"]}` + "\n"
	if got := string(n.top([]byte(in))); got != want {
		t.Errorf("top\n got %s\nwant %s", got, want)
	}
}

func TestResponseHeadersAndBodies(t *testing.T) {
	parse := func(wrote, read string) wireExchange {
		t.Helper()
		xs, err := parseConn([]byte(wrote), []byte(read), at("s"))
		if err != nil || len(xs) != 1 {
			t.Fatalf("parse: %v, %d exchanges", err, len(xs))
		}
		return xs[0]
	}
	x := parse("GET /v1.41/containers/"+hexA+"/json HTTP/1.1\r\nHost: h\r\nUser-Agent: dockwire\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Length: 74\r\n\r\n"+`{"Id":"`+hexA+`"}`+"\n")
	got := newNormalizer().exchange(x)
	if got.Request.Header != nil || got.Request.Path != "/v1.41/containers/c00000000001"+strings.Repeat("0", 52)+"/json" {
		t.Errorf("request %+v", got.Request)
	}
	wantHeader := map[string]string{"Content-Type": "application/json", "Api-Version": "1.41", "Content-Length": "74"}
	if diff := cmp.Diff(wantHeader, got.Response.Header); diff != "" {
		t.Errorf("response header (-want +got):\n%s", diff)
	}

	x = parse("GET /v1.41/images/get HTTP/1.1\r\nHost: h\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n"+strings.Repeat("\x00", 700))
	got = newNormalizer().exchange(x)
	if b, _ := got.Response.BodyBytes(); len(b) != truncatedKeep || got.Response.Header[HeaderTruncated] == "" || got.Response.Header["Transfer-Encoding"] != "chunked" {
		t.Errorf("truncated tar: %d bytes, header %v", len(b), got.Response.Header)
	}

	// A followed log cut off by the client, mid-frame: the whole frames,
	// normalised and sized again.
	body := string(frame(1, "2025-11-27T04:50:12.123456789Z tick 1\n")) + string(frame(2, "2025-11-27T04:50:13.123456789Z tick 2\n")) + string(frame(1, "2025-11")[:12])
	x = parse("GET /v1.41/containers/"+hexA+"/logs?follow=1 HTTP/1.1\r\nHost: h\r\n\r\n",
		fmt.Sprintf("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s", len(body)+10, body))
	got = newNormalizer().exchange(x)
	wantBody := string(frame(1, "2024-01-01T00:00:00.000000000Z tick 1\n")) + string(frame(2, "2024-01-01T00:00:00.000000000Z tick 2\n"))
	if b, _ := got.Response.BodyBytes(); string(b) != wantBody || got.Response.Header[HeaderTruncated] == "" || got.Response.Header["Transfer-Encoding"] != "chunked" {
		t.Errorf("truncated log: body %q, header %v; want %q", b, got.Response.Header, wantBody)
	}

	x = parse("POST /v1.41/build HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-tar\r\nContent-Length: 4\r\n\r\n\x00\x01\x02\x03",
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	got = newNormalizer().exchange(x)
	if got.Request.Body != "" || got.Request.BodyBase64 != "" || got.Request.Header[HeaderBodyOmitted] != "4 bytes of application/x-tar" {
		t.Errorf("binary request body: %+v", got.Request)
	}
}

// A secret's Data leaves the body of its create and update, join tokens
// leave every text, and swarm IDs get placeholders by kind; other
// bodies' Data (a config's) stays.
func TestNormalizeSwarm(t *testing.T) {
	n := newNormalizer()
	const node, task = "52gxtn5mt07frdthfm9t00xv9", "3dngn88jwb5dg8wr1nmq2uqc7"
	for _, c := range []struct{ in, route, want string }{
		{`{"Name":"pw","Data":"czNjcjN0"}`, "/secrets/create", `{"Name":"pw","Data":"(redacted by the recorder: 8 characters of base64)"}`},
		{`{"Name":"pw","Data" : "czNjcjN0"}`, "/secrets/" + task + "/update", `{"Name":"pw","Data":"(redacted by the recorder: 8 characters of base64)"}`},
		{`{"Name":"conf","Data":"czNjcjN0"}`, "/configs/create", `{"Name":"conf","Data":"czNjcjN0"}`},
		{`{"JoinTokens":{"Worker":"SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx"}}`, "/swarm",
			`{"JoinTokens":{"Worker":"SWMTKN-1-dwrec-redacted-token"}}`},
		{`[{"ID":"` + node + `"}]`, "/nodes", `[{"ID":"n000000000000000000000001"}]`},
		{`{"ID":"` + task + `","NodeID":"` + node + `"}`, "/tasks/" + task, `{"ID":"t000000000000000000000001","NodeID":"n000000000000000000000001"}`},
		// Not IDs: no digit, or not lowercase.
		{`"abcdefghijklmnopqrstuvwxy Abcdefghijklmnopqrstuvw1"`, "/tasks", `"abcdefghijklmnopqrstuvwxy Abcdefghijklmnopqrstuvw1"`},
	} {
		if got := n.text(redactSecret(c.in, c.route), c.route); got != c.want {
			t.Errorf("%s %s:\n got %s\nwant %s", c.route, c.in, got, c.want)
		}
	}
}

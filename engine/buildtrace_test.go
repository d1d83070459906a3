package engine_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/internal/protowire"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Two messages Docker 28.5 sent for a RUN that failed: the step with its
// error, and a line it wrote to stdout.
const (
	d28FailedStep = `{"id":"moby.buildkit.trace","aux":"CsECCkdzaGEyNTY6MjA3NTVjNjZlZDkyMjhiNjdiN2ZjNWYyNTVkZDRlNThhMzU3ZmVhNWE3MDY2YWI2MjZmMDlhMjZjYThmZGM1MRJHc2hhMjU2OjFjMDE4NWZlOGIzOTI4OTgxODRkYjcwMjUwOTk5Njc4MmU5MjE0M2MyOTg0YjdjMjU2MWEzNTIzODE4YTg4MTUaLFszLzNdIFJVTiBlY2hvIGxpbmUxOyBlY2hvIGxpbmUyID4mMjsgZXhpdCAzKgwIgfDA2AYQ/JPjgwIyDAiC8MDYBhCJ0KOfATpjcHJvY2VzcyAiL2Jpbi9zaCAtYyBlY2hvIGxpbmUxOyBlY2hvIGxpbmUyID4mMjsgZXhpdCAzIiBkaWQgbm90IGNvbXBsZXRlIHN1Y2Nlc3NmdWxseTogZXhpdCBjb2RlOiAz"}`
	d28StepLog    = `{"id":"moby.buildkit.trace","aux":"GmAKR3NoYTI1NjoyMDc1NWM2NmVkOTIyOGI2N2I3ZmM1ZjI1NWRkNGU1OGEzNTdmZWE1YTcwNjZhYjYyNmYwOWEyNmNhOGZkYzUxEgsIgvDA2AYQismgTBgBIgZsaW5lMQo="}`
	d28Step       = "sha256:20755c66ed9228b67b7fc5f255dd4e58a357fea5a7066ab626f09a26ca8fdc51"
)

func TestBuildTraceFromDocker28(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want *engine.BuildTrace
	}{
		{d28FailedStep, &engine.BuildTrace{Vertexes: []engine.BuildVertex{{
			Digest:    d28Step,
			Inputs:    []string{"sha256:1c0185fe8b392898184db702509996782e92143c2984b7c2561a3523818a8815"},
			Name:      "[3/3] RUN echo line1; echo line2 >&2; exit 3",
			Started:   time.Unix(1796225025, 544786940).UTC(),
			Completed: time.Unix(1796225026, 334030857).UTC(),
			Error:     `process "/bin/sh -c echo line1; echo line2 >&2; exit 3" did not complete successfully: exit code: 3`,
		}}}},
		{d28StepLog, &engine.BuildTrace{Logs: []engine.BuildLog{{
			Vertex:    d28Step,
			Timestamp: time.Unix(1796225026, 159917194).UTC(),
			Stream:    1,
			Data:      []byte("line1\n"),
		}}}},
	} {
		m, err := engine.Decode[engine.JSONMessage](tc.doc)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, m.Trace); diff != "" {
			t.Errorf("trace (-want +got):\n%s", diff)
		}
		// The message marshals back to what the daemon sent.
		b, err := json.Marshal(m)
		if err != nil || string(b) != tc.doc {
			t.Errorf("marshalled to %s, %v", b, err)
		}
	}
}

// pb encodes fields into a message, for the tests below.
func pb(fields ...protowire.Field) []byte {
	var b []byte
	for _, f := range fields {
		b = protowire.Append(b, f)
	}
	return b
}

func str(num int32, s string) protowire.Field {
	return protowire.Field{Num: num, Type: protowire.Bytes, Bytes: []byte(s)}
}

func msg(num int32, fields ...protowire.Field) protowire.Field {
	return protowire.Field{Num: num, Type: protowire.Bytes, Bytes: pb(fields...)}
}

func num(n int32, v uint64) protowire.Field {
	return protowire.Field{Num: n, Type: protowire.Varint, Int: v}
}

func ts(n int32, secs, nanos uint64) protowire.Field {
	return msg(n, num(1, secs), num(2, nanos))
}

func traceDoc(b []byte) string {
	return `{"id":"moby.buildkit.trace","aux":"` + base64.StdEncoding.EncodeToString(b) + `"}`
}

// Every field decoded, each kind of entry, repeated entries and fields,
// fields the decoder does not know (of every wire type) skipped, and a
// timestamp given twice merged as protobuf merges.
func TestBuildTraceEveryField(t *testing.T) {
	unknown := []protowire.Field{
		num(99, 1),
		{Num: 98, Type: protowire.Fixed32, Int: 2},
		{Num: 97, Type: protowire.Fixed64, Int: 3},
		str(96, "a progress group, say"),
	}
	with := func(fs ...protowire.Field) []protowire.Field { return append(fs, unknown...) }
	doc := traceDoc(pb(with(
		msg(1, with(str(1, "sha256:a"), str(2, "sha256:in1"), str(2, "sha256:in2"), str(3, "[1/2] RUN x"), num(4, 1),
			ts(5, 100, 5), ts(6, 101, 0), str(7, "failed"), msg(6, num(2, 7)))...),
		msg(1, str(1, "sha256:b")),
		msg(2, with(str(1, "transferring context"), str(2, "sha256:a"), str(3, "name"), num(4, 10), num(5, 20),
			ts(6, 102, 0), ts(7, 103, 0), ts(8, 104, 0))...),
		msg(3, with(str(1, "sha256:a"), ts(2, 105, 0), num(3, 2), str(4, "oops\n\x00\xff"))...),
		msg(3, str(1, "sha256:a"), str(4, "more")),
		msg(4, with(str(1, "sha256:a"), num(2, 1), str(3, "short"), str(4, "d1"), str(4, "d2"), str(5, "https://docs"))...),
	)...))
	m, err := engine.Decode[engine.JSONMessage](doc)
	if err != nil {
		t.Fatal(err)
	}
	at := func(secs, nanos int64) time.Time { return time.Unix(secs, nanos).UTC() }
	want := &engine.BuildTrace{
		Vertexes: []engine.BuildVertex{
			{Digest: "sha256:a", Inputs: []string{"sha256:in1", "sha256:in2"}, Name: "[1/2] RUN x", Cached: true, Started: at(100, 5), Completed: at(101, 7), Error: "failed"},
			{Digest: "sha256:b"},
		},
		Statuses: []engine.BuildVertexStatus{{ID: "transferring context", Vertex: "sha256:a", Name: "name", Current: 10, Total: 20, Timestamp: at(102, 0), Started: at(103, 0), Completed: at(104, 0)}},
		Logs: []engine.BuildLog{
			{Vertex: "sha256:a", Timestamp: at(105, 0), Stream: 2, Data: []byte("oops\n\x00\xff")},
			{Vertex: "sha256:a", Data: []byte("more")},
		},
		Warnings: []engine.BuildWarning{{Vertex: "sha256:a", Level: 1, Short: "short", Detail: []string{"d1", "d2"}, URL: "https://docs"}},
	}
	if diff := cmp.Diff(want, m.Trace); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
}

func TestBuildTraceMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"not base64", `{"id":"moby.buildkit.trace","aux":"!!"}`, "not base64"},
		{"not protobuf", traceDoc([]byte{0x0f}), "unknown wire type 7"},
		{"nanoseconds out of range", traceDoc(pb(msg(3, ts(2, 1, 1_000_000_000)))), "timestamp with 1000000000 nanoseconds"},
		{"negative nanoseconds", traceDoc(pb(msg(3, ts(2, 1, ^uint64(0))))), "timestamp with -1 nanoseconds"},
		{"cut short", traceDoc(pb(msg(1, str(1, "sha256:a")))[:5]), "bytes left"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := engine.Decode[engine.JSONMessage](tc.doc)
			if !errors.Is(err, engine.ErrDecode) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an ErrDecode saying %q", err, tc.want)
			}
		})
	}
}

// A field the decoder knows, sent with another wire type (a later
// BuildKit that changed its type), is skipped as protobuf skips an unknown
// field: the rest of the trace, and of the build, goes on.
func TestBuildTraceFieldOfAnotherTypeSkipped(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want engine.BuildTrace
	}{
		{"vertex not a message", traceDoc(pb(num(1, 5), msg(1, str(1, "sha256:a")))), engine.BuildTrace{Vertexes: []engine.BuildVertex{{Digest: "sha256:a"}}}},
		{"name not a string", traceDoc(pb(msg(1, num(3, 5), str(1, "sha256:a")))), engine.BuildTrace{Vertexes: []engine.BuildVertex{{Digest: "sha256:a"}}}},
		{"stream not a number", traceDoc(pb(msg(3, num(3, 2), str(3, "x")))), engine.BuildTrace{Logs: []engine.BuildLog{{Stream: 2}}}},
		{"input not a string", traceDoc(pb(msg(1, num(2, 1), str(2, "sha256:in")))), engine.BuildTrace{Vertexes: []engine.BuildVertex{{Inputs: []string{"sha256:in"}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := engine.Decode[engine.JSONMessage](tc.doc)
			if err != nil || m.Trace == nil {
				t.Fatalf("got %v, %+v; want the trace without the field", err, m.Trace)
			}
			if diff := cmp.Diff(tc.want, *m.Trace, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("trace (-want +got):\n%s", diff)
			}
		})
	}
}

// Only a trace message's aux string is a trace: classic builds, and an aux
// object under the trace's ID, keep Trace nil.
func TestBuildTraceOnlyWhereSent(t *testing.T) {
	for _, doc := range []string{
		`{"stream":"Step 1/2 : FROM scratch\n"}`,
		`{"aux":{"ID":"sha256:1"}}`,
		`{"id":"moby.image.id","aux":{"ID":"sha256:1"}}`,
		`{"id":"moby.buildkit.trace","aux":{"ID":"sha256:1"}}`,
		`{"id":"moby.buildkit.trace"}`,
		`{"id":"other","aux":"CgA="}`,
	} {
		m, err := engine.Decode[engine.JSONMessage](doc)
		if err != nil || m.Trace != nil {
			t.Errorf("%s: Trace %+v, %v", doc, m.Trace, err)
		}
	}
	// An empty trace is a trace with nothing in it.
	m, err := engine.Decode[engine.JSONMessage](`{"id":"moby.buildkit.trace","aux":""}`)
	if err != nil || m.Trace == nil || len(m.Trace.Vertexes)+len(m.Trace.Logs) != 0 {
		t.Errorf("empty trace: %+v, %v", m.Trace, err)
	}
}

// FuzzBuildTrace decodes any bytes as a trace: no panic, and any error is
// an ErrDecode.
func FuzzBuildTrace(f *testing.F) {
	for _, doc := range []string{d28FailedStep, d28StepLog} {
		var m struct{ Aux string }
		if err := json.Unmarshal([]byte(doc), &m); err != nil {
			f.Fatal(err)
		}
		b, err := base64.StdEncoding.DecodeString(m.Aux)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(pb(msg(1, ts(5, 1, 2), ts(5, 3, 4)), msg(2, str(1, "x"), num(4, 1<<63)), msg(4, str(4, "d"), str(4, "e"))))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := engine.Decode[engine.JSONMessage](traceDoc(b))
		if err != nil {
			if !errors.Is(err, engine.ErrDecode) {
				t.Fatalf("error not matching ErrDecode: %v", err)
			}
			return
		}
		if m.Trace == nil {
			t.Fatal("a trace that decodes is nil")
		}
	})
}

package engine

import (
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/dockwire/dockwire/internal/protowire"
)

// BuildTraceID is the ID of the progress messages of a BuildKit build
// whose Aux holds a BuildTrace, base64-encoded protobuf.
const BuildTraceID = "moby.buildkit.trace"

// BuildTrace is what changed in a BuildKit build since the last trace: the
// steps (vertexes) that started, finished, were found in the cache or
// failed, progress inside steps, the steps' output and the frontend's
// warnings. It is BuildKit's StatusResponse (moby/buildkit's
// api/services/control/control.proto), decoded in the fields a progress
// view needs.
type BuildTrace struct {
	Vertexes []BuildVertex
	Statuses []BuildVertexStatus
	Logs     []BuildLog
	Warnings []BuildWarning
}

// BuildVertex is the state of one step of a BuildKit build. A step is
// reported again each time its state changes: first when it is known,
// then when it starts, then when it completes (Completed set), with
// Cached or Error set as the case may be.
type BuildVertex struct {
	Digest    string    // identifies the step within the build
	Inputs    []string  // the digests of the steps it builds on
	Name      string    // what docker buildx shows: "[2/3] RUN make", "[internal] load build context"
	Cached    bool      // the result came from the build cache
	Started   time.Time // when it started; zero if it has not
	Completed time.Time // when it ended; zero if it has not
	Error     string    // why it failed; "" if it did not
}

// BuildVertexStatus is progress inside a step: a transfer, an export,
// a layer being extracted.
type BuildVertexStatus struct {
	ID        string    // identifies the task within its step
	Vertex    string    // the digest of the step
	Name      string    // what the task is, e.g. "transferring context"
	Current   int64     // units (usually bytes) done
	Total     int64     // units in all; 0 when unknown
	Timestamp time.Time // when this was measured
	Started   time.Time // when the task started; zero if it has not
	Completed time.Time // when it ended; zero if it has not
}

// BuildLog is output of a step: a RUN's stdout or stderr, as written.
type BuildLog struct {
	Vertex    string    // the digest of the step
	Timestamp time.Time // when the step wrote it
	Stream    int       // 1 for stdout, 2 for stderr
	Data      []byte    // the bytes written: part of a line, or several
}

// BuildWarning is a warning from the Dockerfile frontend about a step,
// such as a Dockerfile check's finding.
type BuildWarning struct {
	Vertex string   // the digest of the step
	Level  int      // BuildKit's severity
	Short  string   // the one-line warning
	Detail []string // further lines, if any
	URL    string   // where the warning is explained, if anywhere
}

// decodeBuildTrace decodes the aux string of a BuildTraceID message:
// base64 (standard, padded) of a protobuf StatusResponse.
func decodeBuildTrace(aux string) (*BuildTrace, error) {
	pb, err := base64.StdEncoding.DecodeString(aux)
	if err != nil {
		return nil, fmt.Errorf("BuildKit trace is not base64: %w", err)
	}
	t := &BuildTrace{}
	err = fields(pb, func(f protowire.Field) error {
		var err error
		switch f.Num {
		case 1:
			var v BuildVertex
			if err = v.decode(f); err == nil {
				t.Vertexes = append(t.Vertexes, v)
			}
		case 2:
			var s BuildVertexStatus
			if err = s.decode(f); err == nil {
				t.Statuses = append(t.Statuses, s)
			}
		case 3:
			var l BuildLog
			if err = l.decode(f); err == nil {
				t.Logs = append(t.Logs, l)
			}
		case 4:
			var w BuildWarning
			if err = w.decode(f); err == nil {
				t.Warnings = append(t.Warnings, w)
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("BuildKit trace: %w", err)
	}
	return t, nil
}

// fields hands each field of the message m to each. A field the decoders
// know that comes with another wire type than theirs is skipped, as
// protobuf skips an unknown field: a later BuildKit that changed a
// field's type loses that field, not the build's progress.
func fields(m []byte, each func(protowire.Field) error) error {
	for f, err := range protowire.Fields(m) {
		if err != nil {
			return err
		}
		if err := each(f); err != nil && !errors.Is(err, errOtherType) {
			return fmt.Errorf("field %d: %w", f.Num, err)
		}
	}
	return nil
}

// errOtherType is a known field with another wire type than its decoder
// takes; fields skips it.
var errOtherType = errors.New("another wire type than expected")

// The decoders below take the field that holds their message, and check
// the wire type of each field they know, returning errOtherType (and
// changing nothing) for another.

func wantType(f protowire.Field, t protowire.Type) error {
	if f.Type != t {
		return fmt.Errorf("%w: %d where %d was expected", errOtherType, f.Type, t)
	}
	return nil
}

func (v *BuildVertex) decode(m protowire.Field) error {
	if err := wantType(m, protowire.Bytes); err != nil {
		return err
	}
	return fields(m.Bytes, func(f protowire.Field) error {
		switch f.Num {
		case 1:
			return setString(&v.Digest, f)
		case 2:
			var in string
			if err := setString(&in, f); err != nil {
				return err
			}
			v.Inputs = append(v.Inputs, in)
		case 3:
			return setString(&v.Name, f)
		case 4:
			return setBool(&v.Cached, f)
		case 5:
			return setTime(&v.Started, f)
		case 6:
			return setTime(&v.Completed, f)
		case 7:
			return setString(&v.Error, f)
		}
		return nil
	})
}

func (s *BuildVertexStatus) decode(m protowire.Field) error {
	if err := wantType(m, protowire.Bytes); err != nil {
		return err
	}
	return fields(m.Bytes, func(f protowire.Field) error {
		switch f.Num {
		case 1:
			return setString(&s.ID, f)
		case 2:
			return setString(&s.Vertex, f)
		case 3:
			return setString(&s.Name, f)
		case 4:
			return setInt(&s.Current, f)
		case 5:
			return setInt(&s.Total, f)
		case 6:
			return setTime(&s.Timestamp, f)
		case 7:
			return setTime(&s.Started, f)
		case 8:
			return setTime(&s.Completed, f)
		}
		return nil
	})
}

func (l *BuildLog) decode(m protowire.Field) error {
	if err := wantType(m, protowire.Bytes); err != nil {
		return err
	}
	return fields(m.Bytes, func(f protowire.Field) error {
		switch f.Num {
		case 1:
			return setString(&l.Vertex, f)
		case 2:
			return setTime(&l.Timestamp, f)
		case 3:
			var n int64
			if err := setInt(&n, f); err != nil {
				return err
			}
			l.Stream = int(n)
		case 4:
			if err := wantType(f, protowire.Bytes); err != nil {
				return err
			}
			l.Data = append([]byte(nil), f.Bytes...)
		}
		return nil
	})
}

func (w *BuildWarning) decode(m protowire.Field) error {
	if err := wantType(m, protowire.Bytes); err != nil {
		return err
	}
	return fields(m.Bytes, func(f protowire.Field) error {
		switch f.Num {
		case 1:
			return setString(&w.Vertex, f)
		case 2:
			var n int64
			if err := setInt(&n, f); err != nil {
				return err
			}
			w.Level = int(n)
		case 3:
			return setString(&w.Short, f)
		case 4:
			var d string
			if err := setString(&d, f); err != nil {
				return err
			}
			w.Detail = append(w.Detail, d)
		case 5:
			return setString(&w.URL, f)
		}
		return nil
	})
}

func setString(dst *string, f protowire.Field) error {
	if err := wantType(f, protowire.Bytes); err != nil {
		return err
	}
	*dst = f.String()
	return nil
}

func setInt(dst *int64, f protowire.Field) error {
	if err := wantType(f, protowire.Varint); err != nil {
		return err
	}
	*dst = int64(f.Int)
	return nil
}

func setBool(dst *bool, f protowire.Field) error {
	if err := wantType(f, protowire.Varint); err != nil {
		return err
	}
	*dst = f.Int != 0
	return nil
}

// setTime decodes a google.protobuf.Timestamp: seconds since the epoch
// (field 1) and nanoseconds (field 2). Repeated, it merges, as protobuf
// merges a message field that appears twice.
func setTime(dst *time.Time, m protowire.Field) error {
	if err := wantType(m, protowire.Bytes); err != nil {
		return err
	}
	var secs, nanos int64
	if !dst.IsZero() {
		secs, nanos = dst.Unix(), int64(dst.Nanosecond())
	}
	err := fields(m.Bytes, func(f protowire.Field) error {
		switch f.Num {
		case 1:
			return setInt(&secs, f)
		case 2:
			return setInt(&nanos, f)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if nanos < 0 || nanos > 999_999_999 {
		return fmt.Errorf("timestamp with %d nanoseconds", nanos)
	}
	*dst = time.Unix(secs, nanos).UTC()
	return nil
}

// encode is decodeBuildTrace's inverse, for a message built in Go: the
// StatusResponse in protobuf, base64-encoded. Empty fields are left out,
// as protobuf leaves out default values.
func (t *BuildTrace) encode() string {
	var b []byte
	for _, v := range t.Vertexes {
		var m []byte
		m = putString(m, 1, v.Digest)
		for _, in := range v.Inputs {
			m = protowire.Append(m, protowire.Field{Num: 2, Type: protowire.Bytes, Bytes: []byte(in)})
		}
		m = putString(m, 3, v.Name)
		if v.Cached {
			m = putInt(m, 4, 1)
		}
		m = putTime(m, 5, v.Started)
		m = putTime(m, 6, v.Completed)
		m = putString(m, 7, v.Error)
		b = putMessage(b, 1, m)
	}
	for _, s := range t.Statuses {
		var m []byte
		m = putString(m, 1, s.ID)
		m = putString(m, 2, s.Vertex)
		m = putString(m, 3, s.Name)
		m = putInt(m, 4, s.Current)
		m = putInt(m, 5, s.Total)
		m = putTime(m, 6, s.Timestamp)
		m = putTime(m, 7, s.Started)
		m = putTime(m, 8, s.Completed)
		b = putMessage(b, 2, m)
	}
	for _, l := range t.Logs {
		var m []byte
		m = putString(m, 1, l.Vertex)
		m = putTime(m, 2, l.Timestamp)
		m = putInt(m, 3, int64(l.Stream))
		m = putString(m, 4, string(l.Data))
		b = putMessage(b, 3, m)
	}
	for _, w := range t.Warnings {
		var m []byte
		m = putString(m, 1, w.Vertex)
		m = putInt(m, 2, int64(w.Level))
		m = putString(m, 3, w.Short)
		for _, d := range w.Detail {
			m = protowire.Append(m, protowire.Field{Num: 4, Type: protowire.Bytes, Bytes: []byte(d)})
		}
		m = putString(m, 5, w.URL)
		b = putMessage(b, 4, m)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func putMessage(b []byte, num int32, m []byte) []byte {
	return protowire.Append(b, protowire.Field{Num: num, Type: protowire.Bytes, Bytes: m})
}

func putString(b []byte, num int32, s string) []byte {
	if s == "" {
		return b
	}
	return protowire.Append(b, protowire.Field{Num: num, Type: protowire.Bytes, Bytes: []byte(s)})
}

func putInt(b []byte, num int32, v int64) []byte {
	if v == 0 {
		return b
	}
	return protowire.Append(b, protowire.Field{Num: num, Type: protowire.Varint, Int: uint64(v)})
}

func putTime(b []byte, num int32, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	return putMessage(b, num, putInt(putInt(nil, 1, t.Unix()), 2, int64(t.Nanosecond())))
}

package engine

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tidwall/gjson"
)

// JSONMessage is one message of a pull, push, build or load progress
// stream (the API's BuildInfo, CreateImageInfo and PushImageInfo).
type JSONMessage struct {
	Stream   string    `json:"stream,omitempty"`   // builder output, usually a line ending in "\n"
	Status   string    `json:"status,omitempty"`   // e.g. "Downloading", "Pull complete"
	ID       string    `json:"id,omitempty"`       // the layer or image the status is about
	Progress string    `json:"progress,omitempty"` // the daemon's rendered progress bar, for display only
	Current  int64     `json:"-"`                  // progressDetail.current: units (bytes) done
	Total    int64     `json:"-"`                  // progressDetail.total: units in all; 0 when unknown
	Time     time.Time `json:"-"`                  // when the daemon sent the message, if it said
	// Aux is auxiliary data as the daemon sent it, or "": {"ID": ...} for
	// a build, {"Tag", "Digest", "Size"} for a push.
	Aux Raw `json:"-"`
	// Trace is what a BuildKit build's trace message (ID BuildTraceID)
	// reports, decoded from its Aux; nil on every other message, and on
	// every message of a classic build. A message built in Go with a
	// Trace and no Aux marshals the Trace as the daemon sends it.
	Trace *BuildTrace `json:"-"`
	// Error is the failure the stream ends with, or nil.
	Error *JSONError `json:"errorDetail,omitempty"`
	Raw   `json:"-"`
}

// MarshalJSON returns the document m was decoded from, or else m's fields
// under the names the daemon uses. Time goes out as "time" (seconds) and
// "timeNano", and Error also as the older "error" string.
func (m JSONMessage) MarshalJSON() ([]byte, error) {
	type fields JSONMessage
	type progress struct {
		Current int64 `json:"current,omitempty"`
		Total   int64 `json:"total,omitempty"`
	}
	var p *progress
	if m.Current != 0 || m.Total != 0 {
		p = &progress{m.Current, m.Total}
	}
	var secs, nanos int64
	if !m.Time.IsZero() {
		secs, nanos = m.Time.Unix(), m.Time.UnixNano()
	}
	var legacyError string
	if m.Error != nil {
		legacyError = m.Error.Message
	}
	aux := json.RawMessage(m.Aux)
	if m.Trace != nil && m.Aux == "" {
		aux, _ = json.Marshal(m.Trace.encode())
	}
	return marshalResponse(m.Raw, struct {
		fields
		ProgressDetail *progress       `json:"progressDetail,omitempty"`
		Time           int64           `json:"time,omitempty"`
		TimeNano       int64           `json:"timeNano,omitempty"`
		Aux            json.RawMessage `json:"aux,omitempty"`
		LegacyError    string          `json:"error,omitempty"`
	}{fields(m), p, secs, nanos, aux, legacyError})
}

// UnmarshalJSON decodes a progress message as Decode does.
func (m *JSONMessage) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, m) }

// JSONError is the errorDetail of a progress message: the operation failed
// after the daemon had already answered 200.
type JSONError struct {
	Code    int    `json:"code,omitempty"` // rarely set; not an HTTP status
	Message string `json:"message"`
}

func (m *JSONMessage) decode(r gjson.Result) error {
	if err := wantObject(r, "progress message"); err != nil {
		return err
	}
	*m = JSONMessage{Raw: Raw(r.Raw)}
	var legacyError string
	r.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "stream":
			m.Stream = v.String()
		case "status":
			m.Status = v.String()
		case "id":
			m.ID = v.String()
		case "progress":
			m.Progress = v.String()
		case "progressDetail":
			m.Current, m.Total = v.Get("current").Int(), v.Get("total").Int()
		case "timeNano":
			if n := v.Int(); n != 0 {
				m.Time = time.Unix(0, n).UTC()
			}
		case "time":
			if m.Time.IsZero() {
				m.Time = unixTime(v)
			}
		case "aux":
			if v.Type != gjson.Null {
				m.Aux = Raw(v.Raw)
			}
		case "errorDetail":
			if v.IsObject() {
				m.Error = &JSONError{Code: int(v.Get("code").Int()), Message: v.Get("message").String()}
			}
		case "error":
			legacyError = v.String()
		}
		return true
	})
	if m.ID == BuildTraceID && m.Aux != "" {
		if aux := gjson.Parse(string(m.Aux)); aux.Type == gjson.String {
			t, err := decodeBuildTrace(aux.Str)
			if err != nil {
				return fmt.Errorf("%w: %v", ErrDecode, err)
			}
			m.Trace = t
		}
	}
	// Daemons before API 1.48 also sent the message as a bare "error"
	// string; an errorDetail without a message, or none at all, falls back
	// to it.
	if legacyError != "" {
		if m.Error == nil {
			m.Error = &JSONError{}
		}
		if m.Error.Message == "" {
			m.Error.Message = legacyError
		}
	}
	return nil
}

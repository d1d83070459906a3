package engine

import (
	"time"

	"github.com/tidwall/gjson"
)

// Event is something that happened on the daemon (the API's EventMessage):
// a container started, an image was pulled, a network was connected.
type Event struct {
	Type string // container, image, volume, network, daemon, plugin, node, service, secret, config or builder
	// Action is what happened: create, start, die, destroy, ... Some
	// actions carry a detail after a colon, such as "exec_start: sh -c ls"
	// or "health_status: healthy".
	Action   string
	Actor    EventActor
	Scope    string    `json:"scope"`              // "local", or "swarm" for cluster events
	Time     time.Time `json:"-"`                  // when it happened, to the nanosecond, in UTC
	TimeNano int64     `json:"timeNano,omitempty"` // Time as UNIX nanoseconds, as the daemon sent it; 0 if it did not
	Raw      `json:"-"`
}

// MarshalJSON returns the document e was decoded from, or else e's fields
// under the API's names. Time goes out in whole seconds ("time"); only
// TimeNano carries the nanoseconds.
func (e Event) MarshalJSON() ([]byte, error) {
	type fields Event
	return marshalResponse(e.Raw, struct {
		fields
		Time unixSeconds `json:"time"`
	}{fields(e), unixSeconds(e.Time)})
}

// UnmarshalJSON decodes an event as Decode does.
func (e *Event) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, e) }

// EventActor is the object an event is about.
type EventActor struct {
	ID string // the object's ID (for an image, often its name)
	// Attributes hold what else the daemon says about it: for a container
	// its "name", "image" and labels, for a die event its "exitCode".
	Attributes map[string]string
}

func (e *Event) decode(r gjson.Result) error {
	if err := wantObject(r, "event"); err != nil {
		return err
	}
	*e = Event{Raw: Raw(r.Raw)}
	var status, id, from string
	var secs int64
	r.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "Type":
			e.Type = v.String()
		case "Action":
			e.Action = v.String()
		case "Actor":
			e.Actor = EventActor{}
			v.ForEach(func(k, v gjson.Result) bool {
				switch k.Str {
				case "ID":
					e.Actor.ID = v.String()
				case "Attributes":
					e.Actor.Attributes = strMap(v)
				}
				return true
			})
		case "scope":
			e.Scope = v.String()
		case "time":
			secs = v.Int()
		case "timeNano":
			e.TimeNano = v.Int()
		case "status":
			status = v.String()
		case "id":
			id = v.String()
		case "from":
			from = v.String()
		}
		return true
	})
	// Before API 1.52 events also carried the fields of API 1.21 and
	// earlier; a daemon or proxy that sends only those still decodes.
	if e.Action == "" {
		e.Action = status
	}
	if e.Actor.ID == "" {
		e.Actor.ID = id
	}
	if from != "" && e.Type == "" {
		e.Type = "container" // only container events carried "from"
	}
	if from != "" && e.Actor.Attributes["image"] == "" {
		if e.Actor.Attributes == nil {
			e.Actor.Attributes = make(map[string]string, 1)
		}
		e.Actor.Attributes["image"] = from
	}
	switch {
	case e.TimeNano != 0:
		e.Time = time.Unix(0, e.TimeNano).UTC()
	case secs != 0:
		e.Time = time.Unix(secs, 0).UTC()
	}
	return nil
}

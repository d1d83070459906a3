package engine

import (
	"encoding/json"
	"time"
)

// The response types marshal to the daemon's own documents: a value
// decoded from the daemon marshals to the document it was decoded from,
// byte for byte up to encoding/json's compaction and HTML escaping; a value
// built in Go (its Raw empty) marshals its typed fields under the names of
// the API's definitions (marshalResponse). Unmarshalling decodes as Decode
// does, Raw included (unmarshalResponse). These are the helpers the
// response types' JSON methods share.

// unixSeconds is a time the API sends as seconds since the epoch; the zero
// Time is 0.
type unixSeconds time.Time

func (t unixSeconds) MarshalJSON() ([]byte, error) {
	if time.Time(t).IsZero() {
		return []byte("0"), nil
	}
	return json.Marshal(time.Time(t).Unix())
}

// orderedSet is a list of names the API sends as the keys of an object
// whose values this package does not type, such as {"runc": {...}}.
type orderedSet []string

func (s orderedSet) MarshalJSON() ([]byte, error) {
	if s == nil {
		return []byte("null"), nil
	}
	b := []byte{'{'}
	for i, k := range s {
		if i > 0 {
			b = append(b, ',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		b = append(append(b, kb...), ":{}"...)
	}
	return append(b, '}'), nil
}

// name is an object that only names something, such as
// {"Name": "Docker Engine - Community"}.
type name struct {
	Name string
}

func optionalName(n string) *name {
	if n == "" {
		return nil
	}
	return &name{n}
}

package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/tidwall/gjson"
)

// The swarm's specs (ServiceSpec, NodeSpec, SwarmSpec, SecretSpec,
// ConfigSpec) are documents users build and send back, so unlike the
// response types they are plain structs whose json tags are the daemon's
// field names, decoded with encoding/json. A spec decoded from the daemon
// keeps its document in Raw, and marshals back to it: fields the struct
// lacks survive an inspect-modify-update cycle, and only what the caller
// changed in the typed fields is replaced (see marshalSpec).

// ObjectVersion is a swarm object's version index. An update must carry the
// version it was computed from, so that the daemon can refuse it when
// someone else changed the object in between.
type ObjectVersion struct {
	Index uint64
}

// Meta is what every swarm object carries besides its spec.
type Meta struct {
	ID        string
	Version   ObjectVersion
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (m *Meta) decodeMeta(r gjson.Result) {
	m.ID = r.Get("ID").String()
	m.Version = ObjectVersion{Index: r.Get("Version.Index").Uint()}
	m.CreatedAt = timestamp(r.Get("CreatedAt"))
	m.UpdatedAt = timestamp(r.Get("UpdatedAt"))
}

// Driver names a plugin and its options: a secret store, a template
// engine, a log driver, a volume driver.
type Driver struct {
	Name    string            `json:",omitempty"`
	Options map[string]string `json:",omitempty"`
}

// decodeSpec unmarshals the JSON object r into v (a pointer to a spec).
func decodeSpec(r gjson.Result, what string, v any) error {
	if err := wantObject(r, what); err != nil || !r.Exists() || r.Type == gjson.Null {
		return err
	}
	var err error
	if u, ok := v.(json.Unmarshaler); ok {
		// What json.Unmarshal would call, without its second scan of a
		// document parse has checked already.
		err = u.UnmarshalJSON([]byte(r.Raw))
	} else {
		err = json.Unmarshal([]byte(r.Raw), v)
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrDecode, what, err)
	}
	return nil
}

// marshalSpec encodes fields, a spec's fields without its methods, over
// raw, the document the spec was decoded from (empty for a spec built in
// Go). decoded is the same field type decoded from raw: what the typed
// fields held before the caller changed them. Where the caller changed
// nothing the result is raw itself; otherwise it is raw with each changed
// field replaced, and each field the caller cleared removed, so that what
// the struct does not type is kept.
func marshalSpec(raw Raw, fields any, decoded any) ([]byte, error) {
	mine, err := json.Marshal(fields)
	if err != nil || raw == "" {
		return mine, err
	}
	if err := json.Unmarshal([]byte(raw), decoded); err != nil {
		return nil, fmt.Errorf("spec's Raw: %w", err)
	}
	base, err := json.Marshal(decoded)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(base, mine) {
		return []byte(raw), nil
	}
	var rawDoc, baseDoc, mineDoc map[string]any
	for _, p := range []struct {
		b []byte
		v *map[string]any
	}{{[]byte(raw), &rawDoc}, {base, &baseDoc}, {mine, &mineDoc}} {
		d := json.NewDecoder(bytes.NewReader(p.b))
		d.UseNumber() // keep large integers (durations in ns) exact
		if err := d.Decode(p.v); err != nil {
			return nil, err
		}
	}
	return json.Marshal(mergeJSON(rawDoc, baseDoc, mineDoc))
}

// mergeJSON applies to raw the changes from base to mine: keys whose value
// changed take mine's (objects merge key by key), keys mine dropped go.
func mergeJSON(raw, base, mine map[string]any) map[string]any {
	if raw == nil {
		raw = map[string]any{}
	}
	for k, mv := range mine {
		bv, inBase := base[k]
		if inBase && reflect.DeepEqual(bv, mv) {
			continue
		}
		rm, rok := raw[k].(map[string]any)
		bm, bok := bv.(map[string]any)
		mm, mok := mv.(map[string]any)
		if rok && bok && mok {
			raw[k] = mergeJSON(rm, bm, mm)
			continue
		}
		if rok && mok && !inBase {
			raw[k] = mergeJSON(rm, map[string]any{}, mm)
			continue
		}
		raw[k] = mv
	}
	for k := range base {
		if _, ok := mine[k]; !ok {
			delete(raw, k)
		}
	}
	return raw
}

// marshalResponse returns raw when a response was decoded from it, else
// its fields encoded.
func marshalResponse(raw Raw, fields any) ([]byte, error) {
	if raw != "" {
		return []byte(raw), nil
	}
	return json.Marshal(fields)
}

// unmarshalResponse decodes b into v as Decode does; a JSON null leaves v
// as it is.
func unmarshalResponse[T any, PT interface {
	*T
	Decoder
}](b []byte, v PT) error {
	r, _, err := parse(string(b), gjson.JSON)
	if err != nil || r.Type == gjson.Null {
		return err
	}
	var zero T
	*v = zero
	return v.decode(r)
}

package engine

import (
	"encoding/json"
	"strconv"

	"github.com/tidwall/gjson"
)

// SecretSpec is a secret: what SecretCreate sends. The daemon never sends
// Data back, and only Labels can be updated.
type SecretSpec struct {
	Name   string            `json:",omitempty"`
	Labels map[string]string `json:",omitempty"`
	// Data is the secret's content (at most 500 KiB), base64 on the wire.
	Data       []byte  `json:",omitempty"`
	Driver     *Driver `json:",omitempty"` // a secret store plugin, instead of Data
	Templating *Driver `json:",omitempty"` // such as {Name: "golang"}
	Raw        Raw     `json:"-"`
}

// Get returns the value at a gjson path of the spec the daemon sent.
func (s SecretSpec) Get(path string) gjson.Result { return s.Raw.Get(path) }

type secretSpecFields SecretSpec

// MarshalJSON encodes the spec with the daemon's field names, over Raw
// when the spec was decoded from the daemon.
func (s SecretSpec) MarshalJSON() ([]byte, error) {
	return marshalSpec(s.Raw, secretSpecFields(s), new(secretSpecFields))
}

// UnmarshalJSON decodes a spec and keeps the document as Raw.
func (s *SecretSpec) UnmarshalJSON(b []byte) error {
	var f secretSpecFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	f.Raw = Raw(b)
	*s = SecretSpec(f)
	return nil
}

// String leaves Data out, so that printing a spec never prints the secret.
func (s SecretSpec) String() string {
	return "SecretSpec{Name: " + s.Name + ", Data: <" + strconv.Itoa(len(s.Data)) + " bytes>}"
}

// GoString is String, for %#v.
func (s SecretSpec) GoString() string { return s.String() }

// Secret is a swarm secret, as SecretList and SecretInspect report it.
type Secret struct {
	Meta
	Spec SecretSpec
	Raw  `json:"-"`
}

type secretFields Secret

// MarshalJSON returns the document the value was decoded from, or else
// its fields under the API's names.
func (v Secret) MarshalJSON() ([]byte, error) { return marshalResponse(v.Raw, secretFields(v)) }

// UnmarshalJSON decodes as Decode does, Raw included.
func (v *Secret) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, v) }

func (s *Secret) decode(r gjson.Result) error {
	if err := wantObject(r, "secret"); err != nil {
		return err
	}
	*s = Secret{Raw: Raw(r.Raw)}
	s.decodeMeta(r)
	return decodeSpec(r.Get("Spec"), "secret Spec", &s.Spec)
}

// ConfigSpec is a config: what ConfigCreate sends. Only Labels can be
// updated.
type ConfigSpec struct {
	Name       string            `json:",omitempty"`
	Labels     map[string]string `json:",omitempty"`
	Data       []byte            `json:",omitempty"` // the content, base64 on the wire
	Templating *Driver           `json:",omitempty"`
	Raw        Raw               `json:"-"`
}

// Get returns the value at a gjson path of the spec the daemon sent.
func (s ConfigSpec) Get(path string) gjson.Result { return s.Raw.Get(path) }

type configSpecFields ConfigSpec

// MarshalJSON encodes the spec with the daemon's field names, over Raw
// when the spec was decoded from the daemon.
func (s ConfigSpec) MarshalJSON() ([]byte, error) {
	return marshalSpec(s.Raw, configSpecFields(s), new(configSpecFields))
}

// UnmarshalJSON decodes a spec and keeps the document as Raw.
func (s *ConfigSpec) UnmarshalJSON(b []byte) error {
	var f configSpecFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	f.Raw = Raw(b)
	*s = ConfigSpec(f)
	return nil
}

// Config is a swarm config, as ConfigList and ConfigInspect report it.
type Config struct {
	Meta
	Spec ConfigSpec
	Raw  `json:"-"`
}

type configFields Config

// MarshalJSON returns the document the value was decoded from, or else
// its fields under the API's names.
func (v Config) MarshalJSON() ([]byte, error) { return marshalResponse(v.Raw, configFields(v)) }

// UnmarshalJSON decodes as Decode does, Raw included.
func (v *Config) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, v) }

func (c *Config) decode(r gjson.Result) error {
	if err := wantObject(r, "config"); err != nil {
		return err
	}
	*c = Config{Raw: Raw(r.Raw)}
	c.decodeMeta(r)
	return decodeSpec(r.Get("Spec"), "config Spec", &c.Spec)
}

// IDResponse is the answer to a create that returns only an ID: "ID" from
// a secret or config create, "Id" (the spec's name) from a commit.
type IDResponse struct {
	ID  string
	Raw `json:"-"`
}

type iDResponseFields IDResponse

// MarshalJSON returns the document the value was decoded from, or else
// its fields under the API's names.
func (v IDResponse) MarshalJSON() ([]byte, error) { return marshalResponse(v.Raw, iDResponseFields(v)) }

// UnmarshalJSON decodes as Decode does, Raw included.
func (v *IDResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, v) }

func (i *IDResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "create response"); err != nil {
		return err
	}
	id := r.Get("ID")
	if !id.Exists() {
		id = r.Get("Id")
	}
	*i = IDResponse{ID: id.String(), Raw: Raw(r.Raw)}
	return nil
}

package engine

import "github.com/tidwall/gjson"

// AuthResponse is the daemon's answer to a login (POST /auth).
type AuthResponse struct {
	Status string // e.g. "Login Succeeded"
	// IdentityToken, if the registry gave one, stands in for the password
	// in later requests; usually "".
	IdentityToken string `json:",omitempty"`
	Raw           `json:"-"`
}

func (a *AuthResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "login answer"); err != nil {
		return err
	}
	*a = AuthResponse{Status: r.Get("Status").String(), IdentityToken: r.Get("IdentityToken").String(), Raw: Raw(r.Raw)}
	return nil
}

// MarshalJSON returns the document a was decoded from, or else a's fields
// under the API's names.
func (a AuthResponse) MarshalJSON() ([]byte, error) {
	type fields AuthResponse
	return marshalResponse(a.Raw, fields(a))
}

// UnmarshalJSON decodes a login answer as Decode does.
func (a *AuthResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, a) }

// DistributionInspect is what a registry says of an image reference,
// without pulling it (GET /distribution/{name}/json).
type DistributionInspect struct {
	Descriptor OCIDescriptor // the manifest or index the reference names
	Platforms  []OCIPlatform // the platforms the image is available for
	Raw        `json:"-"`
}

// MarshalJSON returns the document d was decoded from, or else d's fields
// under the API's names.
func (d DistributionInspect) MarshalJSON() ([]byte, error) {
	type fields DistributionInspect
	return marshalResponse(d.Raw, fields(d))
}

// UnmarshalJSON decodes a distribution inspect as Decode does.
func (d *DistributionInspect) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, d) }

// OCIDescriptor identifies a piece of content by digest, media type and
// size, as an OCI content descriptor. Annotations and the rest are in Raw.
type OCIDescriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"` // e.g. "sha256:…"
	Size      int64  `json:"size"`   // bytes
	Raw       `json:"-"`
}

func (o *OCIDescriptor) decode(r gjson.Result) error {
	if err := wantObject(r, "descriptor"); err != nil {
		return err
	}
	*o = OCIDescriptor{MediaType: r.Get("mediaType").String(), Digest: r.Get("digest").String(), Size: r.Get("size").Int(), Raw: Raw(r.Raw)}
	return nil
}

// MarshalJSON returns the document o was decoded from, or else o's fields
// under the OCI's names.
func (o OCIDescriptor) MarshalJSON() ([]byte, error) {
	type fields OCIDescriptor
	return marshalResponse(o.Raw, fields(o))
}

// UnmarshalJSON decodes a descriptor as Decode does.
func (o *OCIDescriptor) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, o) }

// OCIPlatform is an OS and CPU an image runs on.
type OCIPlatform struct {
	Architecture string   `json:"architecture"`         // e.g. "amd64", "arm64"
	OS           string   `json:"os"`                   // e.g. "linux"
	OSVersion    string   `json:"os.version,omitempty"` // e.g. a Windows build, "10.0.19041.1165"
	OSFeatures   []string `json:"os.features,omitempty"`
	Variant      string   `json:"variant,omitempty"` // e.g. "v8" for arm64
	Raw          `json:"-"`
}

func (p *OCIPlatform) decode(r gjson.Result) error {
	if err := wantObject(r, "platform"); err != nil {
		return err
	}
	*p = OCIPlatform{
		Architecture: r.Get("architecture").String(), OS: r.Get("os").String(), OSVersion: r.Get("os\\.version").String(),
		OSFeatures: strs(r.Get("os\\.features")), Variant: r.Get("variant").String(), Raw: Raw(r.Raw),
	}
	return nil
}

// MarshalJSON returns the document p was decoded from, or else p's fields
// under the OCI's names.
func (p OCIPlatform) MarshalJSON() ([]byte, error) {
	type fields OCIPlatform
	return marshalResponse(p.Raw, fields(p))
}

// UnmarshalJSON decodes a platform as Decode does.
func (p *OCIPlatform) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, p) }

func (d *DistributionInspect) decode(r gjson.Result) error {
	if err := wantObject(r, "distribution inspect"); err != nil {
		return err
	}
	desc := r.Get("Descriptor")
	if err := wantObject(desc, "distribution descriptor"); err != nil {
		return err
	}
	*d = DistributionInspect{Raw: Raw(r.Raw)}
	if err := d.Descriptor.decode(desc); err != nil {
		return err
	}
	var err error
	r.Get("Platforms").ForEach(func(_, v gjson.Result) bool {
		var p OCIPlatform
		if err = p.decode(v); err != nil {
			return false
		}
		d.Platforms = append(d.Platforms, p)
		return true
	})
	return err
}

// ImageSearchResponseItem is one repository an image search found.
type ImageSearchResponseItem struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	StarCount   int64  `json:"star_count"`
	IsOfficial  bool   `json:"is_official"`
	Raw         `json:"-"`
}

func (i *ImageSearchResponseItem) decode(r gjson.Result) error {
	if err := wantObject(r, "image search result"); err != nil {
		return err
	}
	*i = ImageSearchResponseItem{Name: r.Get("name").String(), Description: r.Get("description").String(),
		StarCount: r.Get("star_count").Int(), IsOfficial: r.Get("is_official").Bool(), Raw: Raw(r.Raw)}
	return nil
}

// MarshalJSON returns the document i was decoded from, or else i's fields
// under the API's names.
func (i ImageSearchResponseItem) MarshalJSON() ([]byte, error) {
	type fields ImageSearchResponseItem
	return marshalResponse(i.Raw, fields(i))
}

// UnmarshalJSON decodes a search result as Decode does.
func (i *ImageSearchResponseItem) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, i) }

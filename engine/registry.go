package engine

import "github.com/tidwall/gjson"

// AuthResponse is the daemon's answer to a login (POST /auth).
type AuthResponse struct {
	Status string // e.g. "Login Succeeded"
	// IdentityToken, if the registry gave one, stands in for the password
	// in later requests; usually "".
	IdentityToken string
	Raw
}

func (a *AuthResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "login answer"); err != nil {
		return err
	}
	*a = AuthResponse{Status: r.Get("Status").String(), IdentityToken: r.Get("IdentityToken").String(), Raw: Raw(r.Raw)}
	return nil
}

// DistributionInspect is what a registry says of an image reference,
// without pulling it (GET /distribution/{name}/json).
type DistributionInspect struct {
	Descriptor OCIDescriptor // the manifest or index the reference names
	Platforms  []OCIPlatform // the platforms the image is available for
	Raw
}

// OCIDescriptor identifies a piece of content by digest, media type and
// size, as an OCI content descriptor. Annotations and the rest are in Raw.
type OCIDescriptor struct {
	MediaType string
	Digest    string // e.g. "sha256:…"
	Size      int64  // bytes
	Raw
}

// OCIPlatform is an OS and CPU an image runs on.
type OCIPlatform struct {
	Architecture string // e.g. "amd64", "arm64"
	OS           string // e.g. "linux"
	OSVersion    string // e.g. a Windows build, "10.0.19041.1165"
	OSFeatures   []string
	Variant      string // e.g. "v8" for arm64
	Raw
}

func (d *DistributionInspect) decode(r gjson.Result) error {
	if err := wantObject(r, "distribution inspect"); err != nil {
		return err
	}
	desc := r.Get("Descriptor")
	if err := wantObject(desc, "distribution descriptor"); err != nil {
		return err
	}
	*d = DistributionInspect{Raw: Raw(r.Raw), Descriptor: OCIDescriptor{
		MediaType: desc.Get("mediaType").String(), Digest: desc.Get("digest").String(), Size: desc.Get("size").Int(), Raw: Raw(desc.Raw),
	}}
	var err error
	r.Get("Platforms").ForEach(func(_, v gjson.Result) bool {
		if err = wantObject(v, "platform"); err != nil {
			return false
		}
		d.Platforms = append(d.Platforms, OCIPlatform{
			Architecture: v.Get("architecture").String(), OS: v.Get("os").String(), OSVersion: v.Get("os\\.version").String(),
			OSFeatures: strs(v.Get("os\\.features")), Variant: v.Get("variant").String(), Raw: Raw(v.Raw),
		})
		return true
	})
	return err
}

// ImageSearchResponseItem is one repository an image search found.
type ImageSearchResponseItem struct {
	Name        string
	Description string
	StarCount   int64
	IsOfficial  bool
	Raw
}

func (i *ImageSearchResponseItem) decode(r gjson.Result) error {
	if err := wantObject(r, "image search result"); err != nil {
		return err
	}
	*i = ImageSearchResponseItem{Name: r.Get("name").String(), Description: r.Get("description").String(),
		StarCount: r.Get("star_count").Int(), IsOfficial: r.Get("is_official").Bool(), Raw: Raw(r.Raw)}
	return nil
}

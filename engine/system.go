package engine

import "github.com/tidwall/gjson"

// PingResponse is what GET /_ping reports in its headers.
type PingResponse struct {
	APIVersion     string // the daemon's maximum API version
	OSType         string // linux or windows
	Experimental   bool
	BuilderVersion string // "1" (classic) or "2" (BuildKit)
	SwarmStatus    string // e.g. "inactive", or "active/manager"
}

// SystemVersion is the daemon's version report.
type SystemVersion struct {
	Version       string
	APIVersion    string `json:"ApiVersion"`
	MinAPIVersion string
	GitCommit     string
	GoVersion     string
	Os            string
	Arch          string
	KernelVersion string
	Experimental  bool
	BuildTime     string
	Platform      string `json:"-"` // Platform.Name, e.g. "Docker Engine - Community"
	Raw           `json:"-"`
}

// MarshalJSON returns the document v was decoded from, or else v's fields
// under the API's names.
func (v SystemVersion) MarshalJSON() ([]byte, error) {
	type fields SystemVersion
	return marshalResponse(v.Raw, struct {
		fields
		Platform *name `json:",omitempty"`
	}{fields(v), optionalName(v.Platform)})
}

// UnmarshalJSON decodes a version report as Decode does.
func (v *SystemVersion) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, v) }

func (v *SystemVersion) decode(r gjson.Result) error {
	if err := wantObject(r, "version"); err != nil {
		return err
	}
	*v = SystemVersion{
		Version: r.Get("Version").String(), APIVersion: r.Get("ApiVersion").String(), MinAPIVersion: r.Get("MinAPIVersion").String(),
		GitCommit: r.Get("GitCommit").String(), GoVersion: r.Get("GoVersion").String(), Os: r.Get("Os").String(),
		Arch: r.Get("Arch").String(), KernelVersion: r.Get("KernelVersion").String(), Experimental: r.Get("Experimental").Bool(),
		BuildTime: r.Get("BuildTime").String(), Platform: r.Get("Platform.Name").String(), Raw: Raw(r.Raw),
	}
	return nil
}

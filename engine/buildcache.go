package engine

import "github.com/tidwall/gjson"

// BuildPruneResponse is what a build cache prune removed.
type BuildPruneResponse struct {
	CachesDeleted  []string // IDs of the cache records removed
	SpaceReclaimed int64    // bytes
	Raw            `json:"-"`
}

// MarshalJSON returns the document p was decoded from, or else p's fields
// under the API's names.
func (p BuildPruneResponse) MarshalJSON() ([]byte, error) {
	type fields BuildPruneResponse
	return marshalResponse(p.Raw, fields(p))
}

// UnmarshalJSON decodes a build cache prune report as Decode does.
func (p *BuildPruneResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, p) }

func (p *BuildPruneResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "build cache prune report"); err != nil {
		return err
	}
	*p = BuildPruneResponse{CachesDeleted: strs(r.Get("CachesDeleted")), SpaceReclaimed: r.Get("SpaceReclaimed").Int(), Raw: Raw(r.Raw)}
	return nil
}

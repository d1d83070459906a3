package engine

import (
	"io/fs"
	"time"

	"github.com/tidwall/gjson"
)

// PathStat describes a path in a container's filesystem, as the daemon
// reports it in the X-Docker-Container-Path-Stat header of the archive
// endpoints.
type PathStat struct {
	Name       string      `json:"name"` // the base name
	Size       int64       `json:"size"` // bytes
	Mode       fs.FileMode `json:"mode"` // type and permission bits, as Go's os package encodes them
	Mtime      time.Time   `json:"mtime"`
	LinkTarget string      `json:"linkTarget"` // for a symbolic link: the path it resolves to in the container, or ""
	Raw        `json:"-"`
}

// MarshalJSON returns the document p was decoded from, or else p's fields
// under the names the daemon uses in its header.
func (p PathStat) MarshalJSON() ([]byte, error) {
	type fields PathStat
	return marshalResponse(p.Raw, fields(p))
}

// UnmarshalJSON decodes a path stat as Decode does.
func (p *PathStat) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, p) }

func (p *PathStat) decode(r gjson.Result) error {
	if err := wantObject(r, "path stat"); err != nil {
		return err
	}
	mode, err := exactInt(r.Get("mode"), "path stat mode")
	if err != nil {
		return err
	}
	*p = PathStat{
		Name: r.Get("name").String(), Size: r.Get("size").Int(), Mode: fs.FileMode(uint32(mode)),
		Mtime: timestamp(r.Get("mtime")), LinkTarget: r.Get("linkTarget").String(), Raw: Raw(r.Raw),
	}
	return nil
}

package engine

import (
	"time"

	"github.com/tidwall/gjson"
)

// Volume is a volume as inspect, list and create report it.
type Volume struct {
	Name       string
	Driver     string
	Mountpoint string    // the volume's path on the daemon's host
	CreatedAt  time.Time `json:"-"` // zero when the driver does not know
	Labels     map[string]string
	Scope      string            // local or global
	Options    map[string]string // the driver options it was created with
	// Size and RefCount (UsageData on the wire) come from disk usage
	// (DiskUsage) only; elsewhere, and when the driver cannot tell, they
	// are -1.
	Size     int64      `json:"-"`
	RefCount int64      `json:"-"`
	Raw      `json:"-"` // Status (driver details) and ClusterVolume are here
}

// MarshalJSON returns the document v was decoded from, or else v's fields
// under the API's names.
func (v Volume) MarshalJSON() ([]byte, error) {
	type fields Volume
	type usage struct{ Size, RefCount int64 }
	var created string
	if !v.CreatedAt.IsZero() {
		created = v.CreatedAt.Format(time.RFC3339Nano)
	}
	var u *usage
	if v.Size != -1 || v.RefCount != -1 {
		u = &usage{v.Size, v.RefCount}
	}
	return marshalResponse(v.Raw, struct {
		fields
		CreatedAt string `json:",omitempty"`
		UsageData *usage `json:",omitempty"`
	}{fields(v), created, u})
}

// UnmarshalJSON decodes a volume as Decode does.
func (v *Volume) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, v) }

func (v *Volume) decode(r gjson.Result) error {
	if err := wantObject(r, "volume"); err != nil {
		return err
	}
	*v = Volume{
		Name: r.Get("Name").String(), Driver: r.Get("Driver").String(), Mountpoint: r.Get("Mountpoint").String(),
		CreatedAt: timestamp(r.Get("CreatedAt")), Labels: strMap(r.Get("Labels")), Scope: r.Get("Scope").String(),
		Options: strMap(r.Get("Options")), Size: -1, RefCount: -1, Raw: Raw(r.Raw),
	}
	if u := r.Get("UsageData"); u.IsObject() {
		v.Size, v.RefCount = u.Get("Size").Int(), u.Get("RefCount").Int()
	}
	return nil
}

// VolumeListResponse is the answer to a volume list.
type VolumeListResponse struct {
	Volumes  []Volume
	Warnings []string // e.g. a volume driver that did not answer
	Raw      `json:"-"`
}

// MarshalJSON returns the document l was decoded from, or else l's fields
// under the API's names.
func (l VolumeListResponse) MarshalJSON() ([]byte, error) {
	type fields VolumeListResponse
	return marshalResponse(l.Raw, fields(l))
}

// UnmarshalJSON decodes a volume list as Decode does.
func (l *VolumeListResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, l) }

// VolumePruneResponse is what a volume prune removed.
type VolumePruneResponse struct {
	VolumesDeleted []string // names
	SpaceReclaimed int64    // bytes
	Raw            `json:"-"`
}

func (p *VolumePruneResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "volume prune response"); err != nil {
		return err
	}
	*p = VolumePruneResponse{VolumesDeleted: strs(r.Get("VolumesDeleted")), SpaceReclaimed: r.Get("SpaceReclaimed").Int(), Raw: Raw(r.Raw)}
	return nil
}

// MarshalJSON returns the document p was decoded from, or else p's fields
// under the API's names.
func (p VolumePruneResponse) MarshalJSON() ([]byte, error) {
	type fields VolumePruneResponse
	return marshalResponse(p.Raw, fields(p))
}

// UnmarshalJSON decodes a prune response as Decode does.
func (p *VolumePruneResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, p) }

func (l *VolumeListResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "volume list"); err != nil {
		return err
	}
	*l = VolumeListResponse{Warnings: strs(r.Get("Warnings")), Raw: Raw(r.Raw)}
	var err error
	r.Get("Volumes").ForEach(func(_, e gjson.Result) bool {
		var v Volume
		if err = v.decode(e); err == nil {
			l.Volumes = append(l.Volumes, v)
		}
		return err == nil
	})
	return err
}

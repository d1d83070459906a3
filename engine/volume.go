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
	CreatedAt  time.Time // zero when the driver does not know
	Labels     map[string]string
	Scope      string            // local or global
	Options    map[string]string // the driver options it was created with
	// Size and RefCount come from disk usage (DiskUsage) only; elsewhere,
	// and when the driver cannot tell, they are -1.
	Size     int64
	RefCount int64
	Raw      // Status (driver details) and ClusterVolume are here
}

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
	Raw
}

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

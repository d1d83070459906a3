package engine

import (
	"time"

	"github.com/tidwall/gjson"
)

// DiskUsage is the daemon's disk usage report (docker system df), one
// summary per kind of object. API 1.52 changed the response: older daemons
// send only the lists (LayersSize, Images, Containers, Volumes,
// BuildCache), from which the summaries are computed here as the daemon
// would; newer ones send the summaries (ImageUsage, ...) and list the
// items only when asked to be verbose.
//
// Built in Go, a DiskUsage marshals to the newer response.
type DiskUsage struct {
	Images     UsageSummary[ImageSummary]     `json:"ImageUsage"`
	Containers UsageSummary[ContainerSummary] `json:"ContainerUsage"`
	Volumes    UsageSummary[Volume]           `json:"VolumeUsage"`
	BuildCache UsageSummary[BuildCache]       `json:"BuildCacheUsage"`
	Raw        `json:"-"`
}

// MarshalJSON returns the document d was decoded from, or else d's fields
// under the API's names.
func (d DiskUsage) MarshalJSON() ([]byte, error) {
	type fields DiskUsage
	return marshalResponse(d.Raw, fields(d))
}

// UnmarshalJSON decodes a disk usage report as Decode does.
func (d *DiskUsage) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, d) }

// UsageSummary is the disk usage of one kind of object.
type UsageSummary[T any] struct {
	TotalCount  int64
	ActiveCount int64 // in use: by a container, for images and volumes; running, for containers
	TotalSize   int64 // bytes
	Reclaimable int64 // bytes that removing what is not active would free
	Items       []T   `json:",omitempty"` // from API 1.53 on, only in a verbose report
}

func (d *DiskUsage) decode(r gjson.Result) error {
	if err := wantObject(r, "disk usage"); err != nil {
		return err
	}
	*d = DiskUsage{Raw: Raw(r.Raw)}
	var err error
	if d.Images.Items, err = decodeItems[ImageSummary](r, "Images", "ImageUsage.Items"); err != nil {
		return err
	}
	if d.Containers.Items, err = decodeItems[ContainerSummary](r, "Containers", "ContainerUsage.Items"); err != nil {
		return err
	}
	if d.Volumes.Items, err = decodeItems[Volume](r, "Volumes", "VolumeUsage.Items"); err != nil {
		return err
	}
	if d.BuildCache.Items, err = decodeItems[BuildCache](r, "BuildCache", "BuildCacheUsage.Items"); err != nil {
		return err
	}
	d.legacySummaries(r.Get("LayersSize").Int())
	summary(&d.Images, r.Get("ImageUsage"))
	summary(&d.Containers, r.Get("ContainerUsage"))
	summary(&d.Volumes, r.Get("VolumeUsage"))
	summary(&d.BuildCache, r.Get("BuildCacheUsage"))
	return nil
}

// decodeItems decodes the list at the first of paths that holds one.
func decodeItems[T any, PT interface {
	*T
	Decoder
}](r gjson.Result, paths ...string) ([]T, error) {
	for _, p := range paths {
		list := r.Get(p)
		if !list.IsArray() {
			continue
		}
		var out []T
		var err error
		list.ForEach(func(_, e gjson.Result) bool {
			var v T
			if err = PT(&v).decode(e); err == nil {
				out = append(out, v)
			}
			return err == nil
		})
		return out, err
	}
	return nil, nil
}

// summary overwrites s with the daemon's own summary, where it sent one.
func summary[T any](s *UsageSummary[T], r gjson.Result) {
	if !r.IsObject() {
		return
	}
	s.TotalCount, s.ActiveCount = r.Get("TotalCount").Int(), r.Get("ActiveCount").Int()
	s.TotalSize, s.Reclaimable = r.Get("TotalSize").Int(), r.Get("Reclaimable").Int()
}

// legacySummaries computes the summaries from the lists, the way the docker
// CLI did before the daemon reported them.
func (d *DiskUsage) legacySummaries(layersSize int64) {
	im := &d.Images
	im.TotalCount, im.TotalSize = int64(len(im.Items)), layersSize
	for _, i := range im.Items {
		if i.Containers > 0 {
			im.ActiveCount++
		} else if i.Size != -1 && i.SharedSize != -1 {
			im.Reclaimable += i.Size - i.SharedSize
		}
	}
	c := &d.Containers
	c.TotalCount = int64(len(c.Items))
	for _, ct := range c.Items {
		c.TotalSize += ct.SizeRw
		switch ct.State {
		case "running", "paused", "restarting":
			c.ActiveCount++
		default:
			c.Reclaimable += ct.SizeRw
		}
	}
	v := &d.Volumes
	v.TotalCount = int64(len(v.Items))
	for _, vol := range v.Items {
		if vol.Size > 0 {
			v.TotalSize += vol.Size
		}
		if vol.RefCount > 0 {
			v.ActiveCount++
		} else if vol.Size > 0 {
			v.Reclaimable += vol.Size
		}
	}
	b := &d.BuildCache
	b.TotalCount = int64(len(b.Items))
	for _, rec := range b.Items {
		if rec.InUse {
			b.ActiveCount++
		}
		if !rec.Shared {
			b.TotalSize += rec.Size
			if !rec.InUse {
				b.Reclaimable += rec.Size
			}
		}
	}
}

// BuildCache is one build cache record.
type BuildCache struct {
	ID          string
	Parents     []string // the parent records (Parent before API 1.42)
	Type        string   // such as regular, internal, frontend, source.local, exec.cachemount
	Description string
	InUse       bool
	Shared      bool
	Size        int64
	CreatedAt   time.Time
	LastUsedAt  time.Time // zero if never used
	UsageCount  int64
	Raw         `json:"-"`
}

// MarshalJSON returns the document b was decoded from, or else b's fields
// under the API's names.
func (b BuildCache) MarshalJSON() ([]byte, error) {
	type fields BuildCache
	return marshalResponse(b.Raw, fields(b))
}

// UnmarshalJSON decodes a build cache record as Decode does.
func (b *BuildCache) UnmarshalJSON(doc []byte) error { return unmarshalResponse(doc, b) }

func (b *BuildCache) decode(r gjson.Result) error {
	if err := wantObject(r, "build cache record"); err != nil {
		return err
	}
	*b = BuildCache{
		ID: r.Get("ID").String(), Parents: strs(r.Get("Parents")), Type: r.Get("Type").String(),
		Description: r.Get("Description").String(), InUse: r.Get("InUse").Bool(), Shared: r.Get("Shared").Bool(),
		Size: r.Get("Size").Int(), CreatedAt: timestamp(r.Get("CreatedAt")), LastUsedAt: timestamp(r.Get("LastUsedAt")),
		UsageCount: r.Get("UsageCount").Int(), Raw: Raw(r.Raw),
	}
	if p := r.Get("Parent").String(); len(b.Parents) == 0 && p != "" {
		b.Parents = []string{p}
	}
	return nil
}

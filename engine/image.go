package engine

import (
	"time"

	"github.com/tidwall/gjson"
)

// ImageSummary is one entry of an image list.
type ImageSummary struct {
	ID          string
	ParentID    string
	RepoTags    []string // "name:tag"; empty for an untagged image
	RepoDigests []string // "name@sha256:..."
	Created     time.Time
	Size        int64
	SharedSize  int64 // -1 unless computed
	Labels      map[string]string
	Containers  int64 // -1 unless computed
	Raw
}

func (s *ImageSummary) decode(r gjson.Result) error {
	if err := wantObject(r, "image summary"); err != nil {
		return err
	}
	*s = ImageSummary{
		ID: r.Get("Id").String(), ParentID: r.Get("ParentId").String(),
		RepoTags: untaggedless(strs(r.Get("RepoTags"))), RepoDigests: untaggedless(strs(r.Get("RepoDigests"))),
		Created: unixTime(r.Get("Created")), Size: r.Get("Size").Int(), SharedSize: r.Get("SharedSize").Int(),
		Labels: strMap(r.Get("Labels")), Containers: r.Get("Containers").Int(), Raw: Raw(r.Raw),
	}
	return nil
}

// untaggedless drops the "<none>:<none>" and "<none>@<none>" placeholders
// that daemons before API 1.44 list for untagged images.
func untaggedless(refs []string) []string {
	out := refs[:0]
	for _, ref := range refs {
		if ref != "<none>:<none>" && ref != "<none>@<none>" {
			out = append(out, ref)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// ImageInspectResponse is the detail of a local image. Fields that depend
// on the image store (GraphDriver, Descriptor, Manifests) are in Raw.
type ImageInspectResponse struct {
	ID            string
	RepoTags      []string
	RepoDigests   []string
	Parent        string // "" for images that were pulled or built with BuildKit
	Comment       string
	Created       time.Time // zero if the image does not say
	Author        string
	Config        ImageConfig
	Architecture  string
	Variant       string
	Os            string
	OsVersion     string
	Size          int64
	RootFSLayers  []string  // the layers' diff IDs, bottom first
	LastTagTime   time.Time // zero if never tagged on this daemon
	DockerVersion string    // the daemon that built it; empty from API 1.44 for some images
	Raw
}

func (i *ImageInspectResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "image"); err != nil {
		return err
	}
	*i = ImageInspectResponse{
		ID: r.Get("Id").String(), RepoTags: strs(r.Get("RepoTags")), RepoDigests: strs(r.Get("RepoDigests")),
		Parent: r.Get("Parent").String(), Comment: r.Get("Comment").String(), Created: timestamp(r.Get("Created")),
		Author: r.Get("Author").String(), Architecture: r.Get("Architecture").String(), Variant: r.Get("Variant").String(),
		Os: r.Get("Os").String(), OsVersion: r.Get("OsVersion").String(), Size: r.Get("Size").Int(),
		RootFSLayers: strs(r.Get("RootFS.Layers")), LastTagTime: timestamp(r.Get("Metadata.LastTagTime")),
		DockerVersion: r.Get("DockerVersion").String(), Raw: Raw(r.Raw),
	}
	return i.Config.decode(r.Get("Config"))
}

// ImageConfig is the configuration an image gives the containers run
// from it.
type ImageConfig struct {
	User         string
	ExposedPorts map[string]struct{} // "80/tcp"
	Env          []string            // "KEY=value"
	Cmd          []string
	Entrypoint   []string
	Volumes      map[string]struct{}
	WorkingDir   string
	Labels       map[string]string
	StopSignal   string
	Shell        []string
	OnBuild      []string
}

func (c *ImageConfig) decode(r gjson.Result) error {
	if err := wantObject(r, "image Config"); err != nil {
		return err
	}
	*c = ImageConfig{
		User: r.Get("User").String(), ExposedPorts: set(r.Get("ExposedPorts")), Env: strs(r.Get("Env")),
		Cmd: strs(r.Get("Cmd")), Entrypoint: strs(r.Get("Entrypoint")), Volumes: set(r.Get("Volumes")),
		WorkingDir: r.Get("WorkingDir").String(), Labels: strMap(r.Get("Labels")), StopSignal: r.Get("StopSignal").String(),
		Shell: strs(r.Get("Shell")), OnBuild: strs(r.Get("OnBuild")),
	}
	return nil
}

// ImageDeleteResponseItem is one thing an image removal or prune did: a
// reference untagged, or an image deleted.
type ImageDeleteResponseItem struct {
	Untagged string // the reference removed, if this item untagged
	Deleted  string // the image ID removed, if this item deleted
}

func (d *ImageDeleteResponseItem) decode(r gjson.Result) error {
	if err := wantObject(r, "image delete item"); err != nil {
		return err
	}
	*d = ImageDeleteResponseItem{Untagged: r.Get("Untagged").String(), Deleted: r.Get("Deleted").String()}
	return nil
}

// HistoryResponseItem is one layer of an image's history, newest first.
type HistoryResponseItem struct {
	ID        string // an image ID, or "<missing>" for layers built elsewhere
	Created   time.Time
	CreatedBy string // the instruction that made the layer
	Tags      []string
	Size      int64
	Comment   string
}

func (h *HistoryResponseItem) decode(r gjson.Result) error {
	if err := wantObject(r, "image history item"); err != nil {
		return err
	}
	*h = HistoryResponseItem{
		ID: r.Get("Id").String(), Created: unixTime(r.Get("Created")), CreatedBy: r.Get("CreatedBy").String(),
		Tags: strs(r.Get("Tags")), Size: r.Get("Size").Int(), Comment: r.Get("Comment").String(),
	}
	return nil
}

// ImagePruneResponse reports what an image prune removed.
type ImagePruneResponse struct {
	ImagesDeleted  []ImageDeleteResponseItem
	SpaceReclaimed int64 // bytes
	Raw
}

func (p *ImagePruneResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "image prune report"); err != nil {
		return err
	}
	*p = ImagePruneResponse{SpaceReclaimed: r.Get("SpaceReclaimed").Int(), Raw: Raw(r.Raw)}
	var err error
	r.Get("ImagesDeleted").ForEach(func(_, v gjson.Result) bool {
		var item ImageDeleteResponseItem
		if err = item.decode(v); err != nil {
			return false
		}
		p.ImagesDeleted = append(p.ImagesDeleted, item)
		return true
	})
	return err
}

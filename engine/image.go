package engine

import (
	"encoding/json"
	"time"

	"github.com/tidwall/gjson"
)

// ImageSummary is one entry of an image list.
type ImageSummary struct {
	ID          string    `json:"Id"`
	ParentID    string    `json:"ParentId"`
	RepoTags    []string  // "name:tag"; empty for an untagged image
	RepoDigests []string  // "name@sha256:..."
	Created     time.Time `json:"-"` // seconds since the epoch on the wire
	Size        int64
	SharedSize  int64 // -1 unless computed
	Labels      map[string]string
	Containers  int64 // -1 unless computed
	Raw         `json:"-"`
}

// MarshalJSON returns the document s was decoded from, or else s's fields
// under the API's names.
func (s ImageSummary) MarshalJSON() ([]byte, error) {
	type fields ImageSummary
	return marshalResponse(s.Raw, struct {
		fields
		Created unixSeconds
	}{fields(s), unixSeconds(s.Created)})
}

// UnmarshalJSON decodes an image summary as Decode does.
func (s *ImageSummary) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, s) }

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
	ID            string `json:"Id"`
	RepoTags      []string
	RepoDigests   []string
	Parent        string    `json:",omitempty"` // "" for images that were pulled or built with BuildKit
	Comment       string    `json:",omitempty"`
	Created       time.Time // zero if the image does not say
	Author        string    `json:",omitempty"`
	Config        ImageConfig
	Architecture  string
	Variant       string `json:",omitempty"`
	Os            string
	OsVersion     string `json:",omitempty"`
	Size          int64
	RootFSLayers  []string  `json:"-"`          // RootFS.Layers: the layers' diff IDs, bottom first
	LastTagTime   time.Time `json:"-"`          // Metadata.LastTagTime: zero if never tagged on this daemon
	DockerVersion string    `json:",omitempty"` // the daemon that built it; empty from API 1.44 for some images
	Raw           `json:"-"`
}

// MarshalJSON returns the document i was decoded from, or else i's fields
// under the API's names.
func (i ImageInspectResponse) MarshalJSON() ([]byte, error) {
	type fields ImageInspectResponse
	type rootFS struct {
		Type   string
		Layers []string
	}
	return marshalResponse(i.Raw, struct {
		fields
		RootFS   rootFS
		Metadata struct{ LastTagTime time.Time }
	}{fields(i), rootFS{"layers", i.RootFSLayers}, struct{ LastTagTime time.Time }{i.LastTagTime}})
}

// UnmarshalJSON decodes an image as Decode does.
func (i *ImageInspectResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, i) }

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
	User         string              `json:",omitempty"`
	ExposedPorts map[string]struct{} `json:",omitempty"` // "80/tcp"
	Env          []string            `json:",omitempty"` // "KEY=value"
	Cmd          []string            `json:",omitempty"`
	Entrypoint   []string            `json:",omitempty"`
	Volumes      map[string]struct{} `json:",omitempty"`
	WorkingDir   string              `json:",omitempty"`
	Labels       map[string]string   `json:",omitempty"`
	StopSignal   string              `json:",omitempty"`
	Shell        []string            `json:",omitempty"`
	OnBuild      []string            `json:",omitempty"`
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
	Untagged string `json:",omitempty"` // the reference removed, if this item untagged
	Deleted  string `json:",omitempty"` // the image ID removed, if this item deleted
}

// UnmarshalJSON decodes an image delete item as Decode does.
func (d *ImageDeleteResponseItem) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, d) }

func (d *ImageDeleteResponseItem) decode(r gjson.Result) error {
	if err := wantObject(r, "image delete item"); err != nil {
		return err
	}
	*d = ImageDeleteResponseItem{Untagged: r.Get("Untagged").String(), Deleted: r.Get("Deleted").String()}
	return nil
}

// HistoryResponseItem is one layer of an image's history, newest first.
type HistoryResponseItem struct {
	ID        string    `json:"Id"` // an image ID, or "<missing>" for layers built elsewhere
	Created   time.Time `json:"-"`  // seconds since the epoch on the wire
	CreatedBy string    // the instruction that made the layer
	Tags      []string
	Size      int64
	Comment   string
}

// MarshalJSON returns h under the API's names.
func (h HistoryResponseItem) MarshalJSON() ([]byte, error) {
	type fields HistoryResponseItem
	return json.Marshal(struct {
		fields
		Created unixSeconds
	}{fields(h), unixSeconds(h.Created)})
}

// UnmarshalJSON decodes a history item as Decode does.
func (h *HistoryResponseItem) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, h) }

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
	Raw            `json:"-"`
}

// MarshalJSON returns the document p was decoded from, or else p's fields
// under the API's names.
func (p ImagePruneResponse) MarshalJSON() ([]byte, error) {
	type fields ImagePruneResponse
	return marshalResponse(p.Raw, fields(p))
}

// UnmarshalJSON decodes an image prune report as Decode does.
func (p *ImagePruneResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, p) }

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

package engine

import (
	"fmt"

	"github.com/tidwall/gjson"
)

// ChangeType is the kind of a change to a container's filesystem, as the
// API numbers it.
type ChangeType uint8

// The kinds of change, with the letter docker diff prints for each.
const (
	ChangeModify ChangeType = 0 // "C"
	ChangeAdd    ChangeType = 1 // "A"
	ChangeDelete ChangeType = 2 // "D"
)

// String returns the letter docker diff prints: "C", "A" or "D", or the
// number for a kind this package does not know.
func (k ChangeType) String() string {
	switch k {
	case ChangeModify:
		return "C"
	case ChangeAdd:
		return "A"
	case ChangeDelete:
		return "D"
	}
	return fmt.Sprintf("ChangeType(%d)", uint8(k))
}

// FilesystemChange is one path of a container's filesystem that differs
// from its image (ContainerDiff).
type FilesystemChange struct {
	Path string
	Kind ChangeType
}

// UnmarshalJSON decodes a filesystem change as Decode does.
func (f *FilesystemChange) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, f) }

func (f *FilesystemChange) decode(r gjson.Result) error {
	if err := wantObject(r, "filesystem change"); err != nil {
		return err
	}
	kind, err := exactInt(r.Get("Kind"), "filesystem change Kind")
	if err != nil {
		return err
	}
	if kind < 0 || kind > 255 {
		return fmt.Errorf("%w: filesystem change Kind %d is not a uint8", ErrDecode, kind)
	}
	*f = FilesystemChange{Path: r.Get("Path").String(), Kind: ChangeType(kind)}
	return nil
}

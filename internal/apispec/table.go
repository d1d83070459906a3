package apispec

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// specFiles are the specs the table is built from, by API version.
var specFiles = map[string]string{
	"1.41": "v1.41.yaml",
	"1.44": "v1.44.yaml",
	"1.56": "swagger.yaml",
}

// change is a difference between API 1.51 and the newest spec, as
// version-history.md records it. The specs beside the repository have no
// v1.51.yaml: Docker 28.5, the engine tested at 1.51, is checked against
// the newest spec without these.
type change struct {
	Since    string // the version that brought the change
	Op       string // the operation, or "" for a definition's property
	Query    string // a query parameter of Op; "" with Op: the whole operation
	Def      string
	Property string
	Removed  bool // the change removed it: API 1.51 has it and the newest spec does not
}

// after151 lists the changes after API 1.51 to what clients send: query
// parameters and the definitions of request bodies. Changes to answers are
// not listed: use 1.51 for requests only.
var after151 = []change{
	{Since: "1.52", Op: "GET /system/df", Query: "verbose"},
	{Since: "1.54", Op: "GET /images/json", Query: "identity"},
	{Since: "1.55", Op: "GET /images/{name}/attestations"},
	{Since: "1.52", Def: "ContainerConfig", Property: "MacAddress", Removed: true},
	{Since: "1.52", Def: "Resources", Property: "KernelMemoryTCP", Removed: true},
}

//go:embed table.json
var tableJSON []byte

var loaded = sync.OnceValues(func() (map[string]*Version, error) {
	var t map[string]*Version
	if err := json.Unmarshal(tableJSON, &t); err != nil {
		return nil, fmt.Errorf("apispec: table.json: %w", err)
	}
	t["1.51"] = derive151(t["1.56"], t["1.44"])
	return t, nil
})

// Load returns the checked-in table by API version: "1.41", "1.44", "1.51"
// (requests only, see after151) and "1.56". The caller must not modify it.
func Load() (map[string]*Version, error) { return loaded() }

// derive151 applies after151 backwards to a copy of the newest spec,
// taking the properties it removed from 1.44.
func derive151(newest, v144 *Version) *Version {
	var v Version
	b, _ := json.Marshal(newest) // a Version always encodes
	_ = json.Unmarshal(b, &v)
	for _, c := range after151 {
		switch {
		case c.Op != "" && c.Query == "":
			delete(v.Operations, c.Op)
		case c.Op != "":
			if o := v.Operations[c.Op]; o != nil {
				o.Query = without(o.Query, c.Query)
			}
		case c.Removed:
			if d, old := v.Definitions[c.Def], v144.Definitions[c.Def]; d != nil && old != nil && d.Properties != nil {
				d.Properties[c.Property] = old.Properties[c.Property]
			}
		default:
			if d := v.Definitions[c.Def]; d != nil {
				delete(d.Properties, c.Property)
			}
		}
	}
	return &v
}

func without(list []string, s string) []string {
	var out []string
	for _, e := range list {
		if e != s {
			out = append(out, e)
		}
	}
	return out
}

// build reads the specs in dir into a table.
func build(dir string) (map[string]*Version, error) {
	t := map[string]*Version{}
	for version, file := range specFiles {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return nil, err
		}
		doc, err := parseYAML(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if t[version], err = fromYAML(doc); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}
	return t, nil
}

// SpecDir finds the specs: $DOCKWIRE_ENGINE_API, else shared/engine-api
// in the nearest directory above the working directory that has one (CI
// copies shared/ beside the repository; a git worktree may sit deeper).
func SpecDir() (string, bool) {
	if d := os.Getenv("DOCKWIRE_ENGINE_API"); d != "" {
		return d, true
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		cand := filepath.Join(dir, "shared", "engine-api")
		if _, err := os.Stat(filepath.Join(cand, "swagger.yaml")); err == nil {
			return cand, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// Unknown returns the keys of doc (a JSON value decoded into any) that
// schema s does not declare, as dotted paths ("[]" for array elements).
func (v *Version) Unknown(doc any, s *Schema) []string {
	var out []string
	v.walk("", doc, s, &out, 0)
	sort.Strings(out)
	return out
}

func (v *Version) walk(path string, doc any, s *Schema, out *[]string, depth int) {
	if s == nil || depth > 64 {
		return
	}
	f := v.flatten(s, 0)
	switch doc := doc.(type) {
	case map[string]any:
		if f.Free {
			return
		}
		for k, e := range doc {
			p := path + "." + k
			switch ps, ok := f.Properties[k]; {
			case ok:
				v.walk(p, e, ps, out, depth+1)
			case f.Additional != nil:
				v.walk(p, e, f.Additional, out, depth+1)
			default:
				*out = append(*out, strings.TrimPrefix(p, "."))
			}
		}
	case []any:
		for _, e := range doc {
			v.walk(path+"[]", e, f.Items, out, depth+1)
		}
	}
}

// flatten follows refs and merges allOf: the merged object has the
// properties of every part and is never free.
func (v *Version) flatten(s *Schema, depth int) *Schema {
	for s != nil && s.Ref != "" && depth < 32 {
		s = v.Definitions[s.Ref]
		depth++
	}
	if s == nil || depth >= 32 {
		return &Schema{Free: true}
	}
	if len(s.AllOf) == 0 {
		return s
	}
	m := &Schema{Type: "object", Properties: map[string]*Schema{}, Additional: s.Additional}
	for k, ps := range s.Properties {
		m.Properties[k] = ps
	}
	for _, part := range s.AllOf {
		p := v.flatten(part, depth+1)
		for k, ps := range p.Properties {
			m.Properties[k] = ps
		}
		if p.Additional != nil {
			m.Additional = p.Additional
		}
	}
	return m
}

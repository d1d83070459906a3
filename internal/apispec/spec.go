// Package apispec holds what dockwire's tests check requests and engine
// types against: for each API version the client is tested at, the query
// parameters and body schema of every operation and the property names of
// every definition, as the Engine API's own specs declare them.
//
// The specs themselves (swagger.yaml for the newest API, v1.44.yaml,
// v1.41.yaml and version-history.md) are not part of the repository: they
// sit beside it, in ../shared/engine-api. The table they give is checked in
// as table.json, so that tests run anywhere; TestTable rebuilds it from the
// specs whenever they are present (go test ./internal/apispec -update
// rewrites it) and fails under CI=true when they are not.
package apispec

import (
	"fmt"
	"sort"
	"strings"
)

// Schema is the shape of a JSON value, as far as names go: which keys an
// object may have, and the shape of each value.
type Schema struct {
	Ref        string             `json:"ref,omitempty"` // the name of a definition that holds the schema
	AllOf      []*Schema          `json:"allOf,omitempty"`
	Type       string             `json:"type,omitempty"` // object, array, string, integer, number, boolean, or "" for any
	Properties map[string]*Schema `json:"properties,omitempty"`
	Items      *Schema            `json:"items,omitempty"`
	// Additional is the shape of the values of a map (additionalProperties).
	Additional *Schema `json:"additional,omitempty"`
	// Free is an object whose keys the spec leaves open.
	Free bool `json:"free,omitempty"`
}

// Operation is one method on one path.
type Operation struct {
	Query    []string `json:"query,omitempty"`    // the query parameters' names, sorted
	Body     *Schema  `json:"body,omitempty"`     // the JSON body, if it takes one
	Response *Schema  `json:"response,omitempty"` // the JSON answer of its 200 or 201, if any
}

// Version is the part of one API version's spec that the tests use.
type Version struct {
	// Operations are keyed "GET /containers/{id}/json", the path without
	// the version prefix.
	Operations  map[string]*Operation `json:"operations"`
	Definitions map[string]*Schema    `json:"definitions"`
}

// fromYAML extracts a Version from a parsed spec.
func fromYAML(doc any) (*Version, error) {
	root, ok := doc.(*yamlMap)
	if !ok {
		return nil, fmt.Errorf("spec is not a mapping")
	}
	v := &Version{Operations: map[string]*Operation{}, Definitions: map[string]*Schema{}}
	defs := root.getMap("definitions")
	for _, name := range defs.keys {
		v.Definitions[name] = schemaOf(defs.getMap(name))
	}
	paths := root.getMap("paths")
	if paths == nil || defs == nil {
		return nil, fmt.Errorf("spec has no paths or no definitions")
	}
	for _, path := range paths.keys {
		methods := paths.getMap(path)
		for _, method := range methods.keys {
			op := methods.getMap(method)
			o := &Operation{}
			for _, p := range op.getList("parameters") {
				pm, _ := p.(*yamlMap)
				switch pm.getString("in") {
				case "query":
					o.Query = append(o.Query, pm.getString("name"))
				case "body":
					o.Body = schemaOf(pm.getMap("schema"))
				}
			}
			sort.Strings(o.Query)
			resp := op.getMap("responses")
			for _, code := range []string{"200", "201"} {
				if s := resp.getMap(code).getMap("schema"); s != nil && o.Response == nil {
					o.Response = schemaOf(s)
				}
			}
			v.Operations[strings.ToUpper(method)+" "+path] = o
		}
	}
	return v, nil
}

func schemaOf(m *yamlMap) *Schema {
	if m == nil {
		return nil
	}
	s := &Schema{Type: m.getString("type")}
	if ref := m.getString("$ref"); ref != "" {
		return &Schema{Ref: strings.TrimPrefix(ref, "#/definitions/")}
	}
	for _, a := range m.getList("allOf") {
		am, _ := a.(*yamlMap)
		s.AllOf = append(s.AllOf, schemaOf(am))
	}
	if props := m.getMap("properties"); props != nil {
		s.Properties = map[string]*Schema{}
		for _, k := range props.keys {
			s.Properties[k] = schemaOf(props.getMap(k))
		}
	}
	s.Items = schemaOf(m.getMap("items"))
	switch ap := m.get("additionalProperties").(type) {
	case *yamlMap:
		s.Additional = schemaOf(ap)
	case string:
		s.Free = ap == "true"
	}
	if (s.Type == "object" || s.Type == "") && s.Properties == nil && s.Additional == nil && s.AllOf == nil && s.Items == nil {
		s.Free = true
	}
	return s
}

package engine_test

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/internal/apispec"
	"github.com/dockwire/dockwire/internal/fill"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// filled is a T with every field set (see internal/fill), after fix.
func filled[T any](fix func(*T)) any { return fill.New(fix) }

// goBuilt is, for each response type, a value built in Go with every field
// set, and where the API's specs declare its document.
var goBuilt = []struct {
	value any
	// op is the operation whose answer the type is ("GET /info"), or def
	// the definitions it may be.
	op   string
	def  []string
	list bool // the answer is a list of the type
	// notInSpec are keys the daemon sends that no spec declares.
	notInSpec []string
	// computed are fields computed from others when decoding.
	computed []string
}{
	{value: filled[engine.ContainerSummary](nil), op: "GET /containers/json", list: true},
	{value: filled[engine.ContainerInspectResponse](nil), op: "GET /containers/{id}/json"},
	{value: filled[engine.ContainerCreateResponse](nil), op: "POST /containers/create"},
	{value: filled[engine.ContainerWaitResponse](nil), op: "POST /containers/{id}/wait"},
	{value: filled[engine.ContainerTopResponse](nil), op: "GET /containers/{id}/top"},
	{value: filled[engine.ContainerUpdateResponse](nil), op: "POST /containers/{id}/update"},
	{value: filled[engine.ContainerPruneResponse](nil), op: "POST /containers/prune"},
	{value: filled[engine.FilesystemChange](nil), op: "GET /containers/{id}/changes", list: true},
	{value: filled[engine.BuildPruneResponse](nil), op: "POST /build/prune"},
	{value: filled[engine.ImageSummary](nil), op: "GET /images/json", list: true},
	{value: filled[engine.ImageInspectResponse](nil), op: "GET /images/{name}/json"},
	{value: filled[engine.ImageDeleteResponseItem](nil), op: "DELETE /images/{name}", list: true},
	{value: filled[engine.HistoryResponseItem](nil), op: "GET /images/{name}/history", list: true},
	{value: filled[engine.ImagePruneResponse](nil), op: "POST /images/prune"},
	{value: filled[engine.ExecInspectResponse](nil), op: "GET /exec/{id}/json"},
	{value: filled[engine.Network](nil), op: "GET /networks", list: true},
	{value: filled[engine.NetworkInspect](nil), op: "GET /networks/{id}"},
	{value: filled[engine.NetworkCreateResponse](nil), op: "POST /networks/create"},
	{value: filled[engine.NetworkPruneResponse](nil), op: "POST /networks/prune"},
	{value: filled[engine.Volume](nil), op: "GET /volumes/{name}"},
	{value: filled[engine.VolumeListResponse](nil), op: "GET /volumes"},
	{value: filled[engine.VolumePruneResponse](nil), op: "POST /volumes/prune"},
	{value: filled[engine.SystemVersion](nil), op: "GET /version"},
	{value: filled[engine.SystemInfo](nil), op: "GET /info"},
	{value: filled[engine.DiskUsage](nil), op: "GET /system/df"},
	{value: filled[engine.BuildCache](nil), def: []string{"BuildCache"}},
	{value: filled(func(e *engine.Event) { e.TimeNano = e.Time.UnixNano() }), op: "GET /events"},
	{
		value: filled(func(m *engine.JSONMessage) { m.Aux, m.Trace = `{"ID":"sha256:1"}`, nil }),
		def:   []string{"BuildInfo", "CreateImageInfo", "PushImageInfo"},
		// The daemon stamps every message (pkg/jsonmessage), although no
		// spec says so.
		notInSpec: []string{"time", "timeNano"},
	},
	{
		// A BuildKit trace goes out in Aux, and comes back in Trace.
		value:     filled(func(m *engine.JSONMessage) { m.ID, m.Aux = engine.BuildTraceID, "" }),
		def:       []string{"BuildInfo"},
		notInSpec: []string{"time", "timeNano"},
		computed:  []string{"Aux"},
	},
	{
		value:    filled[engine.StatsResponse](nil),
		op:       "GET /containers/{id}/stats",
		computed: []string{"CPUPercent", "MemoryUsage", "MemoryLimit", "MemoryPercent", "NetworkRx", "NetworkTx"},
	},
	{value: filled[engine.Node](nil), op: "GET /nodes/{id}"},
	{value: filled[engine.Task](nil), op: "GET /tasks/{id}"},
	{value: filled[engine.Swarm](nil), op: "GET /swarm"},
	// The daemon sends the spec before the last update (swarm.Service in
	// moby's api module), although no spec declares it.
	{value: filled[engine.Service](nil), op: "GET /services/{id}", notInSpec: []string{"PreviousSpec"}},
	{value: filled[engine.ServiceCreateResponse](nil), op: "POST /services/create"},
	{value: filled[engine.ServiceUpdateResponse](nil), op: "POST /services/{id}/update"},
	{value: filled[engine.Secret](nil), op: "GET /secrets/{id}"},
	{value: filled[engine.Config](nil), op: "GET /configs/{id}"},
	// The spec's IDResponse says "Id"; secret and config creates answer
	// "ID" (moby's SecretCreateResponse and ConfigCreateResponse).
	{value: filled[engine.IDResponse](nil), op: "POST /secrets/create", notInSpec: []string{"ID"}},
	{value: filled[engine.AuthResponse](nil), op: "POST /auth"},
	{value: filled[engine.DistributionInspect](nil), op: "GET /distribution/{name}/json"},
	{value: filled[engine.OCIDescriptor](nil), def: []string{"OCIDescriptor"}},
	{value: filled[engine.OCIPlatform](nil), def: []string{"OCIPlatform"}},
	{value: filled[engine.ImageSearchResponseItem](nil), op: "GET /images/search", list: true},
	// The daemon sends a path stat in a header, which no spec describes.
	{value: filled[engine.PathStat](nil)},
}

// TestGoBuiltMarshal marshals each response type built in Go: every key
// must be one the API's specs (1.41 or the newest) declare for its
// document, and unmarshalling must give the same value back.
func TestGoBuiltMarshal(t *testing.T) {
	specs, err := apispec.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range goBuilt {
		typ := reflect.TypeOf(c.value)
		t.Run(typ.Name(), func(t *testing.T) {
			b, err := json.Marshal(c.value)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(`"Raw"`)) {
				t.Errorf("marshalled Raw: %s", b)
			}
			var doc any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			if c.list {
				doc = []any{doc}
			}
			if c.op != "" || c.def != nil {
				unknown := map[string]int{}
				for _, version := range []string{"1.41", "1.56"} {
					v := specs[version]
					var schemas []*apispec.Schema
					if c.op != "" {
						schemas = append(schemas, v.Operations[c.op].Response)
					}
					for _, d := range c.def {
						if v.Definitions[d] != nil {
							schemas = append(schemas, &apispec.Schema{Ref: d})
						}
					}
					// A key is declared if one of the schemas declares it.
					inVersion := map[string]int{}
					for _, s := range schemas {
						for _, k := range v.Unknown(doc, s) {
							inVersion[k]++
						}
					}
					for k, n := range inVersion {
						if n == len(schemas) {
							unknown[k]++
						}
					}
				}
				var bad []string
				for k, n := range unknown {
					if n == 2 && !contains(c.notInSpec, strings.TrimPrefix(k, "[].")) {
						bad = append(bad, k)
					}
				}
				sort.Strings(bad)
				if len(bad) > 0 {
					t.Errorf("keys that neither API 1.41 nor the newest declares: %q\nin %s", bad, b)
				}
			}
			back := reflect.New(typ)
			if err := json.Unmarshal(b, back.Interface()); err != nil {
				t.Fatalf("unmarshal %s: %v", b, err)
			}
			ignore := cmpopts.IgnoreFields(c.value, c.computed...)
			if len(c.computed) == 0 {
				ignore = nil
			}
			if diff := cmp.Diff(c.value, back.Elem().Interface(), ignoreRawFields, ignore); diff != "" {
				t.Errorf("unmarshal(marshal(v)) != v (-built +unmarshalled):\n%s\nmarshalled: %s", diff, b)
			}
		})
	}
}

// ignoreRawFields leaves out the documents that decoding keeps.
var ignoreRawFields = cmp.FilterPath(func(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	return ok && sf.Name() == "Raw"
}, cmp.Ignore())

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// TestDecodedMarshalsToDocument: a decoded value marshals to the document
// it came from even where the typed fields cannot say everything, and a
// value decoded through encoding/json equals one from Decode.
func TestDecodedMarshalsToDocument(t *testing.T) {
	const doc = `{"Id":"c1","Names":["/web"],"Created":1704067200,"State":"running","Future":{"x":[1,2]},"Labels":{"a<b":"&"}}`
	c, err := engine.Decode[engine.ContainerSummary](doc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(doc), &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("marshalled a decoded summary (-daemon +marshalled):\n%s", diff)
	}
	var viaJSON []engine.ContainerSummary
	if err := json.Unmarshal([]byte("["+doc+"]"), &viaJSON); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]engine.ContainerSummary{c}, viaJSON); diff != "" {
		t.Errorf("encoding/json decodes differently from Decode (-Decode +json.Unmarshal):\n%s", diff)
	}
	var kept engine.ContainerSummary
	if err := json.Unmarshal([]byte("null"), &kept); err != nil || kept.ID != "" {
		t.Errorf("unmarshal null: %v, %+v", err, kept)
	}
	if err := json.Unmarshal([]byte(`{"Id":`), &kept); err == nil {
		t.Error("unmarshal of broken JSON: no error")
	}
}

// TestEveryResponseTypeMarshals finds, in the package's source, every type
// that keeps the daemon's document (it embeds Raw, or a type that does):
// each must declare MarshalJSON and UnmarshalJSON of its own (a promoted
// one would drop its other fields) and be in goBuilt.
func TestEveryResponseTypeMarshals(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	embeds := map[string][]string{}
	methods := map[string]map[string]bool{}
	for _, f := range pkgs["engine"].Files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, s := range d.Specs {
					ts, ok := s.(*ast.TypeSpec)
					if !ok {
						continue
					}
					st, ok := ts.Type.(*ast.StructType)
					if !ok {
						continue
					}
					for _, fld := range st.Fields.List {
						if id, ok := fld.Type.(*ast.Ident); ok && len(fld.Names) == 0 {
							embeds[ts.Name.Name] = append(embeds[ts.Name.Name], id.Name)
						}
					}
				}
			case *ast.FuncDecl:
				if d.Recv == nil {
					continue
				}
				rt := d.Recv.List[0].Type
				if st, ok := rt.(*ast.StarExpr); ok {
					rt = st.X
				}
				if id, ok := rt.(*ast.Ident); ok {
					if methods[id.Name] == nil {
						methods[id.Name] = map[string]bool{}
					}
					methods[id.Name][d.Name.Name] = true
				}
			}
		}
	}
	var keepsRaw func(name string) bool
	keepsRaw = func(name string) bool {
		for _, e := range embeds[name] {
			if e == "Raw" || keepsRaw(e) {
				return true
			}
		}
		return false
	}
	tested := map[string]bool{}
	for _, c := range goBuilt {
		tested[reflect.TypeOf(c.value).Name()] = true
	}
	n := 0
	for name := range embeds {
		if !keepsRaw(name) {
			continue
		}
		n++
		if !methods[name]["MarshalJSON"] || !methods[name]["UnmarshalJSON"] {
			t.Errorf("%s keeps the daemon's document but does not declare both MarshalJSON and UnmarshalJSON", name)
		}
		if !tested[name] {
			t.Errorf("%s keeps the daemon's document but is not in goBuilt", name)
		}
	}
	if n < 25 {
		t.Errorf("found %d types that keep the daemon's document; the source parse is broken", n)
	}
}

// The networking and mounts of every recorded container, inspected and
// listed, decode as encoding/json decodes them into the same types: the decoders
// read each object in one pass, by key, and this holds them to the API's
// names.
func TestContainerNetworkingMatchesEncodingJSON(t *testing.T) {
	inspects, _ := filepath.Glob("../testdata/*/*container-inspect*.json")
	lists, _ := filepath.Glob("../testdata/*/*container-list*.json")
	if len(inspects) < 3 || len(lists) < 3 {
		t.Fatalf("want recorded inspects and lists, found %d and %d", len(inspects), len(lists))
	}
	// Besides the recordings, a container with nothing published or
	// mounted: the daemon sends [] and {} for it.
	docs := map[string]string{"inline inspect": `{"Id":"a","Mounts":[],"NetworkSettings":{"Ports":{},"Networks":{}}}`}
	for _, p := range inspects {
		docs[p] = fixtureBody(t, p)
	}
	checked := 0
	for p, doc := range docs {
		got, err := engine.Decode[engine.ContainerInspectResponse](doc)
		if err != nil {
			continue // an error answer
		}
		var want struct {
			NetworkSettings engine.NetworkSettings
			Mounts          []engine.MountPoint
		}
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatal(p, err)
		}
		if d := cmp.Diff(want.NetworkSettings, got.NetworkSettings); d != "" {
			t.Errorf("%s: NetworkSettings (-encoding/json +Decode):\n%s", p, d)
		}
		if d := cmp.Diff(want.Mounts, got.Mounts); d != "" {
			t.Errorf("%s: Mounts (-encoding/json +Decode):\n%s", p, d)
		}
		checked++
	}
	lists = append(lists, "inline list")
	for _, p := range lists {
		doc := `[{"Id":"a","Ports":[],"Mounts":[],"NetworkSettings":{"Networks":{}}}]`
		if p != "inline list" {
			doc = fixtureBody(t, p)
		}
		got, err := engine.DecodeList[engine.ContainerSummary](doc)
		if err != nil {
			continue
		}
		var want []struct {
			Ports  []engine.PortSummary
			Mounts []engine.MountPoint
		}
		if err := json.Unmarshal([]byte(doc), &want); err != nil || len(want) != len(got) {
			t.Fatal(p, err)
		}
		for i := range got {
			if d := cmp.Diff(want[i].Ports, got[i].Ports); d != "" {
				t.Errorf("%s #%d: Ports (-encoding/json +Decode):\n%s", p, i, d)
			}
			if d := cmp.Diff(want[i].Mounts, got[i].Mounts); d != "" {
				t.Errorf("%s #%d: Mounts (-encoding/json +Decode):\n%s", p, i, d)
			}
		}
		checked++
	}
	if checked < 6 {
		t.Fatalf("only %d documents checked", checked)
	}
}

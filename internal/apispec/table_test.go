package apispec

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite table.json from the specs")

// specDir returns the specs' directory, or skips the test outside CI when
// they are absent; under CI=true their absence fails it.
func specDir(t *testing.T) string {
	t.Helper()
	dir, ok := SpecDir()
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatal("no shared/engine-api beside the repository (or $DOCKWIRE_ENGINE_API): CI must copy the specs there")
		}
		t.Skip("no shared/engine-api beside the repository; set DOCKWIRE_ENGINE_API to check table.json against the specs")
	}
	return dir
}

// TestTable rebuilds the table from the specs and compares it with the
// checked-in table.json (-update rewrites it).
func TestTable(t *testing.T) {
	dir := specDir(t)
	built, err := build(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(built, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	if *update {
		if err := os.WriteFile("table.json", b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(b, tableJSON) {
		var got map[string]*Version
		if err := json.Unmarshal(tableJSON, &got); err != nil {
			t.Fatal(err)
		}
		t.Errorf("table.json is not what the specs in %s give (go test ./internal/apispec -update rewrites it):\n%s", dir, cmp.Diff(got, built))
	}
}

// TestParseCounts pins the parser to the specs' own sizes, as
// shared/engine-api/README.md states them.
func TestParseCounts(t *testing.T) {
	tab, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		version          string
		paths, ops, defs int
	}{
		{"1.56", 98, 108, 160}, {"1.44", 97, 107, 115}, {"1.41", 97, 106, 105},
	} {
		v := tab[c.version]
		paths := map[string]bool{}
		for op := range v.Operations {
			_, p, _ := strings.Cut(op, " ")
			paths[p] = true
		}
		if len(paths) != c.paths || len(v.Operations) != c.ops || len(v.Definitions) != c.defs {
			t.Errorf("%s: %d paths, %d operations, %d definitions; the spec has %d, %d, %d",
				c.version, len(paths), len(v.Operations), len(v.Definitions), c.paths, c.ops, c.defs)
		}
	}
	q := tab["1.41"].Operations["GET /containers/json"].Query
	if diff := cmp.Diff([]string{"all", "filters", "limit", "size"}, q); diff != "" {
		t.Errorf("1.41 GET /containers/json query (-want +got):\n%s", diff)
	}
}

// TestAfter151 checks each change that derives API 1.51 from the newest
// spec against version-history.md and the specs.
func TestAfter151(t *testing.T) {
	dir := specDir(t)
	hist, err := os.ReadFile(filepath.Join(dir, "version-history.md"))
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	sections := regexp.MustCompile(`(?m)^## v(1\.[0-9]+) API changes$`)
	section := func(version string) string {
		idx := sections.FindAllStringSubmatchIndex(string(hist), -1)
		for i, m := range idx {
			if string(hist[m[2]:m[3]]) == version {
				end := len(hist)
				if i+1 < len(idx) {
					end = idx[i+1][0]
				}
				return string(hist[m[1]:end])
			}
		}
		return ""
	}
	for _, c := range after151 {
		text := section(c.Since)
		name := c.Query + c.Property
		if name == "" {
			name = c.Op
		}
		if !strings.Contains(text, "`"+name+"`") {
			t.Errorf("%+v: version-history.md says nothing of `%s` under v%s", c, name, c.Since)
		}
		newest, v151 := tab["1.56"], tab["1.51"]
		switch {
		case c.Op != "" && c.Query == "":
			if newest.Operations[c.Op] == nil || v151.Operations[c.Op] != nil {
				t.Errorf("%+v: the operation is not in the newest spec, or still in 1.51", c)
			}
		case c.Op != "":
			if !contains(newest.Operations[c.Op].Query, c.Query) || contains(v151.Operations[c.Op].Query, c.Query) {
				t.Errorf("%+v: the parameter is not in the newest spec, or still in 1.51", c)
			}
		case c.Removed:
			if newest.Definitions[c.Def].Properties[c.Property] != nil || v151.Definitions[c.Def].Properties[c.Property] == nil {
				t.Errorf("%+v: the property is still in the newest spec, or not back in 1.51", c)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

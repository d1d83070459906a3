package jsonvalid

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

var validSeeds = []string{
	``, ` `, `{}`, `[]`, ` {"a":1} `, `{"a":[1,2,{"b":null}],"c":"d"}`, `[[[]]]`, `[[[]]`, `[]]`, `{"a"}`, `{"a":}`, `{a:1}`,
	`{"a":1,}`, `[1,]`, `[,1]`, `{"a":1 "b":2}`, `"abc"`, `"abc`, `"a\"b"`, `"a\\"`, `"\u00e9\uD83D"`, `"\u00g0"`, `"\u12"`,
	`"\x"`, "\"a\tb\"", "\"a\x7fb\"", "\"é ü\"", "\"\xff\xfe\"", `"0123456789abcdef0123456789\"xyz"`, `"0123456789abcdef0123456789\"`,
	`0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e`, `1e+`, `-1.25e-3`, `true`, `tru`, `truex`, `false`, `null`, `nul`,
	`{"a":true,"b":false,"c":null}`, `[1 2]`, `{"a":1}}`, `{"a":1}{`, "\t\r\n[\n1\n]\n", `{"":""}`, `{"a":{"b":{"c":[{"d":"e"}]}}}`,
	strings.Repeat("[", 100) + strings.Repeat("]", 100), strings.Repeat("[", 100) + strings.Repeat("]", 99),
	`"` + strings.Repeat("x", 31) + `"`, `"` + strings.Repeat("x", 32) + "\n" + `"`, `{"k":"` + strings.Repeat("é", 20) + `\n"}`,
}

// Valid must agree with gjson.Valid, which it replaces, on everything.
func FuzzValidJSON(f *testing.F) {
	for _, s := range validSeeds {
		f.Add(s)
	}
	fixtures, _ := filepath.Glob("../../testdata/docker-*/*.json")
	for _, p := range fixtures {
		if b, err := os.ReadFile(p); err == nil {
			body := gjson.GetBytes(b, "response.body").String()
			f.Add(body)
			if len(body) > 2 {
				f.Add(body[:len(body)/2])
			}
		}
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if got, want := Valid(doc), gjson.Valid(doc); got != want {
			t.Errorf("Valid(%q) = %v, gjson.Valid says %v", doc, got, want)
		}
	})
}

// Nesting deeper than any stack: gjson.Valid recurses once per level, and
// a body of 64 MiB of '[' would end the process.
func TestValidJSONDeepNesting(t *testing.T) {
	const depth = 1 << 22
	deep := strings.Repeat("[", depth) + strings.Repeat("]", depth)
	if !Valid(deep) {
		t.Error("4M-deep empty arrays: not valid")
	}
	if Valid(deep[:len(deep)-1]) {
		t.Error("4M-deep arrays, one left open: valid")
	}
}

// BenchmarkValidJSON compares Valid with gjson.Valid on a recorded
// container inspect, side by side.
func BenchmarkValidJSON(b *testing.B) {
	raw, err := os.ReadFile("../../testdata/docker-28.5/0024-container-inspect.json")
	if err != nil {
		b.Fatal(err)
	}
	doc := gjson.GetBytes(raw, "response.body").String()
	for _, impl := range []struct {
		name  string
		valid func(string) bool
	}{{"gjson", gjson.Valid}, {"Valid", Valid}} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			for range b.N {
				if !impl.valid(doc) {
					b.Fatal("invalid")
				}
			}
		})
	}
}

// Count must say what Valid says, and count what gjson counts.
func FuzzCountJSON(f *testing.F) {
	for _, s := range validSeeds {
		f.Add(s)
	}
	f.Add(`[1,[2,3],{"a":[4,5]},"6,7"]`)
	f.Add(`{"a":1,"b":{"c":2,"d":3},"e":[4,5]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		n, ok := Count(doc)
		if want := gjson.Valid(doc); ok != want {
			t.Fatalf("Count(%q) valid = %v, gjson.Valid says %v", doc, ok, want)
		}
		if !ok {
			return
		}
		want := 0
		if r := gjson.Parse(doc); r.IsArray() || r.IsObject() {
			r.ForEach(func(_, _ gjson.Result) bool { want++; return true })
		}
		if n != want {
			t.Errorf("Count(%q) = %d, gjson counts %d", doc, n, want)
		}
	})
}

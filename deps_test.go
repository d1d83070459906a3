package dockwire_test

import (
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// allowedModules are the only modules the module's non-test packages may
// link: go-retryablehttp (and go-cleanhttp, which it needs) and gjson
// (with its match and pretty).
var allowedModules = map[string]bool{
	"github.com/dockwire/dockwire":          true,
	"github.com/hashicorp/go-retryablehttp": true,
	"github.com/hashicorp/go-cleanhttp":     true,
	"github.com/tidwall/gjson":              true,
	"github.com/tidwall/match":              true,
	"github.com/tidwall/pretty":             true,
}

func TestLinksOnlyAllowedModules(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to list dependencies with")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	seen := map[string]bool{}
	for _, m := range strings.Fields(string(out)) {
		seen[m] = true
	}
	var extra []string
	for m := range seen {
		if !allowedModules[m] {
			extra = append(extra, m)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("non-test packages link modules beyond the allowed set: %v", extra)
	}
	if !seen["github.com/hashicorp/go-retryablehttp"] || !seen["github.com/tidwall/gjson"] {
		t.Errorf("go list saw %v; expected the two runtime dependencies at least, so the check itself may be broken", seen)
	}
}

// The demo replays recordings with enginetest.Start: a program, not a
// test, so it must not link the testing package (nor its flags).
func TestDemoDoesNotLinkTesting(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to list dependencies with")
	}
	out, err := exec.Command("go", "list", "-deps", "./cmd/demo").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/dockwire/dockwire/enginetest") {
		t.Fatalf("cmd/demo does not link enginetest: the check itself may be broken\n%s", out)
	}
	for _, p := range deps {
		if p == "testing" || strings.HasPrefix(p, "testing/") {
			t.Errorf("cmd/demo links %s", p)
		}
	}
}

// A program that embeds dockwire, and does not call WithTransport, must
// not link net/http's Transport (its HTTP/2 code included, about 800 KB):
// dockwire speaks HTTP/1.1 itself and runs its retries without
// go-retryablehttp's Client (bench/RESULTS.md, section 1). Any reachable
// http.Client, or an interface method named and typed like one of
// Transport's, brings it back.
func TestNoNetHTTPTransport(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build with")
	}
	bin := filepath.Join(t.TempDir(), "linkprobe")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/linkprobe").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command("go", "tool", "nm", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool nm: %v\n%s", err, out)
	}
	syms := string(out)
	// The probe itself: the listing must show dockwire's exchange and
	// the parts of net/http it does use.
	for _, want := range []string{"github.com/dockwire/dockwire.(*connPool).exchange", "net/http.ParseHTTPVersion"} {
		if !strings.Contains(syms, want) {
			t.Fatalf("the probe does not link %s: the check itself may be broken", want)
		}
	}
	var linked []string
	for _, line := range strings.Split(syms, "\n") {
		if f := strings.Fields(line); len(f) == 3 && (strings.HasPrefix(f[2], "net/http.(*Transport).") || strings.HasPrefix(f[2], "net/http.(*Client).")) {
			linked = append(linked, f[2])
		}
	}
	if len(linked) > 0 {
		t.Errorf("a program embedding dockwire links net/http's Transport or Client, %d symbols: %v", len(linked), linked[:min(5, len(linked))])
	}
}

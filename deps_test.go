package dockwire_test

import (
	"os/exec"
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

package dockwire_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	faultTestDecl = regexp.MustCompile(`(?m)^func (TestFault_\w+)\(`)
	faultTestName = regexp.MustCompile(`TestFault_\w+`)
	// faultRowIDs are the row ids a test name starts with: B1 and B2 in
	// TestFault_B1_B2_StatusToSentinels, none in TestFault_CloseAfterZero.
	faultRowIDs = regexp.MustCompile(`^TestFault_((?:[A-Z]+[0-9]+_)+)`)
)

// docs/faults.md cites every TestFault_ test in the repository, in a row
// its name starts with, and every test it cites exists: the page cannot
// fall behind the tests, nor the tests behind the page.
func TestFaultsDocumented(t *testing.T) {
	doc, err := os.ReadFile("docs/faults.md")
	if err != nil {
		t.Fatal(err)
	}
	// Row id -> the test names cited in that row.
	rows := map[string][]string{}
	cited := map[string]bool{}
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 3 {
			continue
		}
		id := strings.TrimSpace(cells[1])
		for _, name := range faultTestName.FindAllString(line, -1) {
			rows[id] = append(rows[id], name)
			cited[name] = true
		}
	}
	if len(cited) == 0 {
		t.Fatal("docs/faults.md cites no TestFault_ test")
	}

	defined := map[string]string{} // name -> a file declaring it
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range faultTestDecl.FindAllSubmatch(src, -1) {
			defined[string(m[1])] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	for name, path := range defined {
		if !cited[name] {
			t.Errorf("%s (%s) is not in docs/faults.md: add it to the row it is named after, saying what it proves", name, path)
			continue
		}
		m := faultRowIDs.FindStringSubmatch(name)
		if m == nil {
			continue // no row in its name
		}
		ids := strings.Split(strings.TrimSuffix(m[1], "_"), "_")
		if !slices.ContainsFunc(ids, func(id string) bool { return slices.Contains(rows[id], name) }) {
			t.Errorf("%s (%s) is not cited in row %s of docs/faults.md", name, path, strings.Join(ids, " or "))
		}
	}
	for name := range cited {
		if _, ok := defined[name]; !ok {
			t.Errorf("docs/faults.md cites %s, which no test file declares", name)
		}
	}
}

// Command compat turns the `go test -json` output of the live suite into
// COMPATIBILITY.md's table: pass, skip and fail counts per capability and
// engine, and every skip and failure by name with its reason. Each column
// is a LABEL=FILE.json argument, the whole of one run per engine (as
// scripts/compat.sh makes them), or LABEL=FILE.json#PREFIX, the engines
// whose name starts with PREFIX in a run against several (as .ci/run's):
//
//	go run ./internal/compat d20=/tmp/d20.json podman=/tmp/podman.json > COMPATIBILITY.md
//	go run ./internal/compat -source "the .ci/run of 1a2b3c4" d20=ci.json#docker-20.10 podman=ci.json#podman-4.3 > COMPATIBILITY.md
//
// A test counts for an engine when it ran as one of that engine's live
// subtests (livetest.Run names them after the engine, such as
// "docker-28.5.2-api1.51" or "podman-4.3.1-api1.41"); only leaf tests are
// counted, so a parent whose subtests ran is not counted again.
//
// With -print it is a filter instead: it reads `go test -json` on stdin
// and prints what `go test` without -v would (each package's result, and
// the output of the tests that failed), so that a CI log stays readable
// while the JSON is kept for the table.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"
)

// capabilities are the table's rows, in order. A test belongs to the first
// whose pattern matches its top-level name (BuildKit: its whole name).
var capabilities = []struct {
	name    string
	pattern *regexp.Regexp
	whole   bool
}{
	{"BuildKit", regexp.MustCompile(`(?i)buildkit`), true},
	{"swarm", regexp.MustCompile(`(?i)swarm|service|node|secret`), false}, // swarm configs' tests name the swarm
	{"build", regexp.MustCompile(`(?i)build`), false},
	{"copy", regexp.MustCompile(`(?i)copy|archive`), false},
	{"stats", regexp.MustCompile(`(?i)stats`), false},
	{"events", regexp.MustCompile(`(?i)events`), false},
	{"attach", regexp.MustCompile(`(?i)attach`), false},
	{"exec", regexp.MustCompile(`(?i)exec`), false},
	{"logs", regexp.MustCompile(`(?i)logs`), false},
	{"networks", regexp.MustCompile(`(?i)network`), false},
	{"volumes", regexp.MustCompile(`(?i)volume`), false},
	{"images", regexp.MustCompile(`(?i)image|pull|push|registry|distribution|search`), false},
	{"containers", regexp.MustCompile(`(?i)container|run|wait|lifecycle|hostconfig`), false},
	{"other", regexp.MustCompile(``), false},
}

// engineName matches the subtest that livetest.Run names after an engine.
var engineName = regexp.MustCompile(`^(docker|podman)-[^/]+-api1\.[0-9]+$`)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// result is one leaf test's outcome on one engine.
type result struct {
	test, capability, action, reason string
}

type run struct {
	label, engine string
	results       []result
}

func main() {
	source := flag.String("source", "runs of the live suite, one per engine", "where the JSON comes from, for the header")
	printOnly := flag.Bool("print", false, "filter go test -json on stdin to go test's plain output")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: compat [-source TEXT] LABEL=FILE.json[#ENGINE-PREFIX] ... > COMPATIBILITY.md\n       compat -print < go-test.json")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *printOnly {
		if err := plain(os.Stdout, os.Stdin); err != nil {
			fmt.Fprintln(os.Stderr, "compat:", err)
			os.Exit(1)
		}
		return
	}
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	var runs []run
	for _, arg := range flag.Args() {
		label, file, ok := strings.Cut(arg, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "compat: %q: want LABEL=FILE.json[#ENGINE-PREFIX]\n", arg)
			os.Exit(2)
		}
		file, prefix, _ := strings.Cut(file, "#")
		f, err := os.Open(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, "compat:", err)
			os.Exit(1)
		}
		r, err := read(label, prefix, f)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "compat: %s: %v\n", file, err)
			os.Exit(1)
		}
		runs = append(runs, r)
	}
	write(os.Stdout, *source, runs)
}

// plain prints the go test -json events of r as go test without -v prints
// its output: package lines as they come, a test's output only if it
// failed (a parent's with its subtests').
func plain(w io.Writer, r io.Reader) error {
	held := map[string][]string{} // by package + "\x00" + test, until it ends
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			fmt.Fprintln(w, sc.Text()) // not an event: a build error, say
			continue
		}
		if e.Test == "" {
			if (e.Action == "output" || e.Action == "build-output") && !strings.HasPrefix(e.Output, "=== ") {
				io.WriteString(w, e.Output)
			}
			continue
		}
		key := e.Package + "\x00" + e.Test
		switch e.Action {
		case "output":
			held[key] = append(held[key], e.Output)
		case "fail":
			io.WriteString(w, strings.Join(held[key], ""))
			delete(held, key)
		case "pass", "skip":
			delete(held, key)
		}
	}
	// Tests that never ended: the binary died (a panic, the timeout).
	var left []string
	for key := range held {
		left = append(left, key)
	}
	sort.Strings(left)
	for _, key := range left {
		io.WriteString(w, strings.Join(held[key], ""))
	}
	return sc.Err()
}

// read collects the leaf live subtests of one run.
func read(label, prefix string, r io.Reader) (run, error) {
	out := run{label: label}
	type state struct {
		action string
		output []string
	}
	tests := map[string]*state{} // by package + "\x00" + test
	var order []string
	parent := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Test == "" {
			continue
		}
		key := e.Package + "\x00" + e.Test
		s := tests[key]
		if s == nil {
			s = &state{}
			tests[key] = s
			order = append(order, key)
			for p := e.Test; strings.Contains(p, "/"); {
				p = p[:strings.LastIndex(p, "/")]
				parent[e.Package+"\x00"+p] = true
			}
		}
		switch e.Action {
		case "pass", "fail", "skip":
			s.action = e.Action
		case "output":
			s.output = append(s.output, e.Output)
		}
	}
	if err := sc.Err(); err != nil {
		return out, err
	}
	for _, key := range order {
		s := tests[key]
		_, test, _ := strings.Cut(key, "\x00")
		parts := strings.Split(test, "/")
		if parent[key] || len(parts) < 2 || !engineName.MatchString(parts[1]) || !strings.HasPrefix(parts[1], prefix) {
			continue
		}
		if out.engine == "" {
			out.engine = parts[1]
		}
		action := s.action
		if action == "" {
			action = "fail" // the run ended (timeout, panic) before the test did
		}
		out.results = append(out.results, result{test: test, capability: capabilityOf(test), action: action, reason: reason(s.output)})
	}
	return out, nil
}

func capabilityOf(test string) string {
	top, _, _ := strings.Cut(test, "/")
	for _, c := range capabilities {
		name := top
		if c.whole {
			name = test
		}
		if c.pattern.MatchString(name) {
			return c.name
		}
	}
	return "other"
}

// reason is what a test logged, without go test's own framing lines: for a
// skip, the reason given to t.Skip.
func reason(output []string) string {
	var lines []string
	for _, l := range output {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") {
			continue
		}
		// "file_test.go:123: message" -> "message"
		if i := strings.Index(t, ": "); i > 0 && strings.Contains(t[:i], ".go:") {
			t = t[i+2:]
		}
		lines = append(lines, t)
	}
	s := strings.Join(lines, " ")
	s = strings.ReplaceAll(s, "|", "\\|")
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}

func write(w io.Writer, source string, runs []run) {
	fmt.Fprintf(w, "# Compatibility\n\n")
	fmt.Fprintf(w, "Generated by `internal/compat` from the `go test -json` output of %s, on %s.\n", source, time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(w, "Do not edit by hand: `.ci/run` prints it (and writes it in its checkout), and `scripts/compat.sh`\n")
	fmt.Fprintf(w, "makes it from one run per engine.\n\n")
	fmt.Fprintf(w, "Each cell is pass / skip / fail, counting the live subtests run against that engine. A skip is a\n")
	fmt.Fprintf(w, "deviation of the engine that dockwire cannot bridge; its reason is listed below the table.\n\n")
	fmt.Fprintf(w, "| capability |")
	for _, r := range runs {
		fmt.Fprintf(w, " %s |", header(r))
	}
	fmt.Fprintf(w, "\n|---|")
	for range runs {
		fmt.Fprintf(w, "---|")
	}
	fmt.Fprintln(w)
	totals := make([][3]int, len(runs))
	for _, c := range capabilities {
		var cells []string
		seen := false
		for i, r := range runs {
			var n [3]int
			for _, res := range r.results {
				if res.capability == c.name {
					n[index(res.action)]++
				}
			}
			for k := range n {
				totals[i][k] += n[k]
			}
			if n != [3]int{} {
				seen = true
			}
			cells = append(cells, cell(n))
		}
		if seen || c.name != "other" {
			fmt.Fprintf(w, "| %s | %s |\n", c.name, strings.Join(cells, " | "))
		}
	}
	fmt.Fprintf(w, "| **all** |")
	for _, n := range totals {
		fmt.Fprintf(w, " **%s** |", cell(n))
	}
	fmt.Fprintln(w)
	for _, kind := range []string{"skip", "fail"} {
		title := map[string]string{"skip": "Skipped, and why", "fail": "Failed"}[kind]
		var rows []string
		for _, r := range runs {
			for _, res := range r.results {
				if res.action == kind {
					rows = append(rows, fmt.Sprintf("| %s | %s | `%s` | %s |", r.label, res.capability, res.test, res.reason))
				}
			}
		}
		if len(rows) == 0 {
			continue
		}
		sort.Stable(sort.StringSlice(rows))
		fmt.Fprintf(w, "\n## %s\n\n| engine | capability | test | reason |\n|---|---|---|---|\n%s\n", title, strings.Join(rows, "\n"))
	}
}

func header(r run) string {
	if r.engine == "" {
		return r.label + " (no live tests ran)"
	}
	return r.label + " `" + r.engine + "`"
}

func index(action string) int {
	switch action {
	case "pass":
		return 0
	case "skip":
		return 1
	}
	return 2
}

func cell(n [3]int) string {
	if n == [3]int{} {
		return "–"
	}
	return fmt.Sprintf("%d / %d / %d", n[0], n[1], n[2])
}

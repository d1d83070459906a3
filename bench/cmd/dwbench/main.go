// Command dwbench runs the parts of the benchmark that are not testing.B
// benchmarks, and writes the report. run.sh drives it:
//
//	dwbench weight -dir weight -reps 3            section 1, JSON on stdout
//	dwbench serve-logs -socket S -bytes N         a fake daemon streaming N bytes of log
//	dwbench follow -host H -container C -client dockwire|moby [-start]
//	dwbench build -host H -size N                 image build with an N-byte context
//	dwbench capture -host H -container C -bytes N [-discard]  ExecCapture of N bytes of output
//	dwbench concurrency -host H -container C -client dockwire|moby
//	dwbench serve-curves -socket S                the scale curves' fake engine
//	dwbench curves-setup -host H                  what the curves need on a real engine
//	dwbench curves -fake S -host H -out F         every point of the scale curves, one process each
//	dwbench curve-point -curve C -client X -size N ...  one point
//	dwbench curves-cleanup -host H
//	dwbench report -dir OUT                       RESULTS.md on stdout
//
// The measuring subcommands print one JSON object.
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dwbench weight|serve-logs|follow|build|capture|transfer|concurrency|serve-curves|curves-setup|curves|curve-point|curves-cleanup|report [flags]")
		os.Exit(2)
	}
	cmds := map[string]func([]string) error{
		"weight":         weight,
		"serve-logs":     serveLogs,
		"follow":         follow,
		"build":          build,
		"capture":        capture,
		"transfer":       transfer,
		"concurrency":    concurrency,
		"report":         report,
		"serve-curves":   serveCurves,
		"curves":         curves,
		"curve-point":    curvePoint,
		"curves-setup":   curvesSetup,
		"curves-cleanup": curvesCleanup,
	}
	cmd, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "dwbench: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	if err := cmd(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "dwbench %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	return enc.Encode(v)
}

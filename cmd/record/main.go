// Command record records the fixtures that dockwire's replay tests play
// back: it runs the scripted session of internal/record against a real
// Docker engine, keeping every byte on the wire, and writes the
// normalised exchanges to a fixture directory.
//
//	go run ./cmd/record -host unix:///var/run/docker.sock -out testdata/docker-20.10
//
// The directory's old exchange files are replaced; its golden/ directory
// is left to `go test -run TestReplay -update`. scripts/record-fixtures.sh
// records every engine.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/record"
)

func main() {
	host := flag.String("host", dockwire.DefaultHost, "the engine to record, unix:///path or tcp://host:port")
	out := flag.String("out", "", "the fixture directory to write, such as testdata/docker-20.10 (required)")
	busybox := flag.String("busybox", "/bin/busybox", "a static busybox for the test image")
	timeout := flag.Duration("timeout", 5*time.Minute, "how long the whole session may take")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*host, *out, *busybox, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "record:", err)
		os.Exit(1)
	}
}

func run(host, out, busybox string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	// A client that does not record: what the engine is, and what a
	// failed run left behind.
	plain, err := dockwire.New(host)
	if err != nil {
		return err
	}
	defer plain.Close()
	v, err := plain.ServerVersion(ctx)
	if err != nil {
		return err
	}
	record.Cleanup(ctx, plain)

	rec, err := record.New(host)
	if err != nil {
		return err
	}
	c, err := rec.Client(dockwire.WithTimeout(2 * time.Minute))
	if err != nil {
		return err
	}
	results, err := record.Script(ctx, c, record.Options{Step: rec.Step, Busybox: busybox})
	c.Close()
	if err != nil {
		return fmt.Errorf("after %d steps: %w", len(results), err)
	}
	xs, err := rec.Exchanges()
	if err != nil {
		return err
	}
	s := enginetest.Session{Engine: engineName(v), Version: v.Version, APIVersion: v.APIVersion, OS: v.Os,
		RecordedAt: time.Now().UTC().Truncate(24 * time.Hour)}
	if err := removeExchanges(out); err != nil {
		return err
	}
	if err := enginetest.WriteFixtures(out, s, xs); err != nil {
		return err
	}
	size, err := dirSize(out)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d steps, %d exchanges, %d KiB, from %s %s (API %s)\n", out, len(results), len(xs), size>>10, s.Engine, s.Version, s.APIVersion)
	return nil
}

func engineName(v engine.SystemVersion) string {
	if strings.Contains(strings.ToLower(v.Platform+" "+v.Raw.Get("Components.#.Name").String()), "podman") {
		return "podman"
	}
	return "docker"
}

var exchangeFile = regexp.MustCompile(`^[0-9]{4}-.*\.json$`)

// removeExchanges deletes the exchange files of an earlier recording, so
// that a step the script no longer has leaves nothing behind.
func removeExchanges(dir string) error {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, ent := range ents {
		if exchangeFile.MatchString(ent.Name()) {
			if err := os.Remove(filepath.Join(dir, ent.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	return n, err
}

// Command record records the fixtures that dockwire's replay tests and the
// demo play back: it runs a session against a real Docker engine, keeping
// every byte on the wire, and writes the normalised exchanges to a fixture
// directory. Five sessions exist: the scripted one of internal/record
// (-script full, the default), which the root package's TestReplay plays,
// its BuildKit builds (-script buildkit), which TestReplayBuildKit plays,
// the demo's tour (-script tour, internal/tour), which the demo
// replays when no engine answers, the swarm calls (-script swarm,
// internal/record's SwarmScript, against the manager of a swarm of two
// nodes), which TestReplaySwarm plays, and the registry calls (-script
// registry, RegistryScript, against the test bed's registry named by
// DOCKWIRE_REGISTRY, DOCKWIRE_REGISTRY_USER and DOCKWIRE_REGISTRY_PASSWORD
// as `scripts/engines.sh env registry` prints them), which
// TestReplayRegistry plays.
//
//	go run ./cmd/record -host unix:///var/run/docker.sock -out testdata/docker-20.10
//	go run ./cmd/record -host unix:///var/run/docker.sock -out testdata/docker-20.10/tour -script tour
//	go run ./cmd/record -host unix:///tmp/d28/docker.sock -out testdata/docker-28.5/swarm -script swarm
//	go run ./cmd/record -host unix:///tmp/d28/docker.sock -out testdata/docker-28.5/buildkit -script buildkit
//	go run ./cmd/record -host unix:///tmp/d28/docker.sock -out testdata/docker-28.5/registry -script registry
//
// The directory's old exchange files are replaced, and nothing else:
// neither its golden/ directory, which is left to `go test -run TestReplay
// -update`, nor its subdirectories. scripts/record-fixtures.sh records
// both sessions of every engine.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/internal/fixture"
	"github.com/dockwire/dockwire/internal/record"
	"github.com/dockwire/dockwire/internal/tour"
)

func main() {
	host := flag.String("host", dockwire.DefaultHost, "the engine to record, unix:///path or tcp://host:port")
	out := flag.String("out", "", "the fixture directory to write, such as testdata/docker-20.10 (required)")
	busybox := flag.String("busybox", "/bin/busybox", "a static busybox for the test image")
	timeout := flag.Duration("timeout", 5*time.Minute, "how long the whole session may take")
	script := flag.String("script", "full", "the session to record: full (internal/record's script, for TestReplay), buildkit (its BuildKit builds), tour (the demo's tour), swarm (internal/record's SwarmScript, on a swarm manager) or registry (RegistryScript, with $DOCKWIRE_REGISTRY)")
	flag.Parse()
	s, ok := sessions[*script]
	if *out == "" || flag.NArg() > 0 || !ok {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(s, *host, *out, *busybox, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "record:", err)
		os.Exit(1)
	}
}

// session is a recordable session: cleanup removes what a failed run of it
// left behind, and play runs it, naming its steps with step and returning
// how many it ran.
type session struct {
	cleanup func(ctx context.Context, c *dockwire.Client)
	// play runs the session on c, which records; plain is a client of the same daemon that does not record.
	play func(ctx context.Context, c, plain *dockwire.Client, busybox string, step func(string)) (steps int, err error)
}

var sessions = map[string]session{
	"full": {record.Cleanup, func(ctx context.Context, c, _ *dockwire.Client, busybox string, step func(string)) (int, error) {
		results, err := record.Script(ctx, c, record.Options{Step: step, Busybox: busybox})
		return len(results), err
	}},
	"buildkit": {record.BuildKitCleanup, func(ctx context.Context, c, _ *dockwire.Client, busybox string, step func(string)) (int, error) {
		results, err := record.BuildKitScript(ctx, c, record.Options{Step: step, Busybox: busybox})
		return len(results), err
	}},
	"tour": {tour.Cleanup, func(ctx context.Context, c, _ *dockwire.Client, busybox string, step func(string)) (int, error) {
		// The tour's output is shown only when it fails.
		var out bytes.Buffer
		steps := 0
		err := tour.Run(ctx, c, &out, tour.Options{Busybox: busybox, Step: func(name string) { steps++; step(name) }})
		if err != nil {
			os.Stderr.Write(out.Bytes())
		}
		return steps, err
	}},
	"registry": {func(ctx context.Context, c *dockwire.Client) {
		record.RegistryCleanup(ctx, c, os.Getenv("DOCKWIRE_REGISTRY"))
	},
		func(ctx context.Context, c, _ *dockwire.Client, _ string, step func(string)) (int, error) {
			addr := os.Getenv("DOCKWIRE_REGISTRY")
			if addr == "" {
				return 0, errors.New(`the registry session needs DOCKWIRE_REGISTRY: eval "$(scripts/engines.sh env registry)"`)
			}
			auth := dockwire.AuthConfig{Username: os.Getenv("DOCKWIRE_REGISTRY_USER"), Password: os.Getenv("DOCKWIRE_REGISTRY_PASSWORD")}
			results, err := record.RegistryScript(ctx, c, record.RegistryOptions{Step: step, Registry: addr, Auth: auth,
				Forget: func(ctx context.Context, repo, digest string) error {
					return deleteManifest(ctx, addr, auth, repo, digest)
				}})
			return len(results), err
		}},
	"swarm": {record.SwarmCleanup, func(ctx context.Context, c, plain *dockwire.Client, _ string, step func(string)) (int, error) {
		results, err := record.SwarmScript(ctx, c, record.SwarmOptions{Step: step,
			Settle: func(ctx context.Context, service string) error {
				return plain.ServiceWait(ctx, service, dockwire.ServiceWaitOptions{})
			}})
		return len(results), err
	}},
}

func run(sess session, host, out, busybox string, timeout time.Duration) error {
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
	sess.cleanup(ctx, plain)

	rec, err := record.New(host)
	if err != nil {
		return err
	}
	c, err := rec.Client(dockwire.WithTimeout(2 * time.Minute))
	if err != nil {
		return err
	}
	steps, err := sess.play(ctx, c, plain, busybox, rec.Step)
	c.Close()
	if err != nil {
		return fmt.Errorf("after %d steps: %w", steps, err)
	}
	xs, err := rec.Exchanges()
	if err != nil {
		return err
	}
	s := fixture.Session{Engine: engineName(v), Version: v.Version, APIVersion: v.APIVersion, OS: v.Os,
		RecordedAt: time.Now().UTC().Truncate(24 * time.Hour)}
	if err := removeExchanges(out); err != nil {
		return err
	}
	if err := fixture.Write(out, s, xs); err != nil {
		return err
	}
	size, err := recordingSize(out)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d steps, %d exchanges, %d KiB, from %s %s (API %s)\n", out, steps, len(xs), size>>10, s.Engine, s.Version, s.APIVersion)
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
// that a step the session no longer has leaves nothing behind. It leaves
// subdirectories alone: testdata/docker-20.10/tour is another session.
func removeExchanges(dir string) error {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, ent := range ents {
		if !ent.IsDir() && exchangeFile.MatchString(ent.Name()) {
			if err := os.Remove(filepath.Join(dir, ent.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// recordingSize is the size of the files of a recording: those of dir
// itself, not of golden/ or of another session's subdirectory.
func recordingSize(dir string) (int64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, ent := range ents {
		if ent.IsDir() {
			continue
		}
		info, err := ent.Info()
		if err != nil {
			return 0, err
		}
		n += info.Size()
	}
	return n, nil
}

// deleteManifest deletes a pushed manifest from the registry at addr,
// through the registry's API, so that a recording leaves nothing there.
func deleteManifest(ctx context.Context, addr string, auth dockwire.AuthConfig, repo, digest string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, "http://"+addr+"/v2/"+repo+"/manifests/"+digest, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(auth.Username, auth.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("deleting %s@%s from the registry %s: status %d", repo, digest, addr, resp.StatusCode)
	}
	return nil
}

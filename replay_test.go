package dockwire_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/fixture"
	"github.com/dockwire/dockwire/internal/record"
	"github.com/dockwire/dockwire/stdcopy"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// replayDirs are the fixture directories recorded by cmd/record from real
// engines (scripts/record-fixtures.sh re-records them).
var replayDirs = []string{"testdata/docker-20.10", "testdata/docker-26.1", "testdata/docker-28.5"}

// updateGolden is -update, shared with any other golden test of the
// package that defines it first.
var updateGolden = func() func() bool {
	f := flag.Lookup("update")
	if f == nil {
		flag.Bool("update", false, "rewrite golden files")
		f = flag.Lookup("update")
	}
	return func() bool { return f.Value.String() == "true" }
}()

// TestReplay plays the recorded session back through the client: the
// script sends exactly the recorded requests (every exchange used, none
// missing), and what each step gets back equals its golden file,
// testdata/<dir>/golden/<step>.json (go test -run TestReplay -update).
func TestReplay(t *testing.T) {
	for _, dir := range replayDirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			// The build context is not part of the recording.
			busybox := filepath.Join(t.TempDir(), "busybox")
			if err := os.WriteFile(busybox, []byte("a stand-in for busybox\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			var api string
			session, xs, results := replaySession(t, dir, func(ctx context.Context, c *dockwire.Client) ([]record.Result, error) {
				defer func() { api, _ = c.APIVersion(ctx) }()
				return record.Script(ctx, c, record.Options{Busybox: busybox})
			})
			if api != session.APIVersion {
				t.Errorf("negotiated API %s, recorded from API %s", api, session.APIVersion)
			}
			checkGoldens(t, dir, results)
			checkVersionDifferences(t, session, xs, results)
		})
	}
}

// buildKitReplayDirs are the recordings of record.BuildKitScript.
var buildKitReplayDirs = []string{"testdata/docker-20.10/buildkit", "testdata/docker-26.1/buildkit", "testdata/docker-28.5/buildkit"}

// TestReplayBuildKit plays the recorded BuildKit builds back as
// TestReplay plays the full session (testdata/<dir>/buildkit, with golden
// files of its own).
func TestReplayBuildKit(t *testing.T) {
	for _, dir := range buildKitReplayDirs {
		t.Run(filepath.Base(filepath.Dir(dir)), func(t *testing.T) {
			busybox := filepath.Join(t.TempDir(), "busybox")
			if err := os.WriteFile(busybox, []byte("a stand-in for busybox\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			_, _, results := replaySession(t, dir, func(ctx context.Context, c *dockwire.Client) ([]record.Result, error) {
				return record.BuildKitScript(ctx, c, record.Options{Busybox: busybox})
			})
			checkGoldens(t, dir, results)
		})
	}
}

// replaySession plays the recording in dir back through script, and
// checks that it sent exactly the recorded requests: every exchange
// used, none missing.
func replaySession(t *testing.T, dir string, script func(context.Context, *dockwire.Client) ([]record.Result, error)) (fixture.Session, []fixture.Exchange, []record.Result) {
	t.Helper()
	session, xs, err := fixture.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := enginetest.New(t, enginetest.WithFixtures(dir))
	c, err := dockwire.New(e.Host(), dockwire.WithRetry(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	results, err := script(ctx, c)
	if err != nil {
		t.Fatalf("replaying %s: %v", dir, err)
	}
	for _, x := range e.UnusedExchanges() {
		t.Errorf("exchange of step %s not replayed: %s %s?%s", x.Name, x.Request.Method, x.Request.Path, x.Request.Query)
	}
	if got := len(e.Requests()); got != len(xs) {
		t.Errorf("the client sent %d requests, the recording has %d", got, len(xs))
	}
	return session, xs, results
}

// swarmReplayDirs are the recordings of record.SwarmScript: on a
// single-node swarm of Docker 20.10 made for the recording, and on the
// manager of the two-node swarm of scripts/engines.sh (Docker 28.5).
var swarmReplayDirs = []string{"testdata/docker-20.10/swarm", "testdata/docker-28.5/swarm"}

// TestReplaySwarm plays the recorded swarm session back as TestReplay
// plays the full one, and checks that the secret's content appears
// nowhere in the recording, as text or base64.
func TestReplaySwarm(t *testing.T) {
	for _, dir := range swarmReplayDirs {
		t.Run(filepath.Base(filepath.Dir(dir)), func(t *testing.T) {
			_, xs, results := replaySession(t, dir, func(ctx context.Context, c *dockwire.Client) ([]record.Result, error) {
				return record.SwarmScript(ctx, c, record.SwarmOptions{})
			})
			checkGoldens(t, dir, results)
			if f, _ := stepResult(results, "service-update-stale").(record.Failure); !strings.Contains(f.Message, "update out of sequence") {
				t.Errorf("service-update-stale: %+v", f)
			}
			// The secret went into the recording redacted.
			created := slices.IndexFunc(xs, func(x fixture.Exchange) bool { return x.Request.Method == "POST" && x.Name == "secret-create" })
			if created < 0 || !strings.Contains(xs[created].Request.Body, "redacted by the recorder") {
				t.Errorf("the secret's create is missing, or its data not redacted (exchange %d)", created)
			}
			secret := []string{record.SwarmSecretData, base64.StdEncoding.EncodeToString([]byte(record.SwarmSecretData))}
			files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range secret {
					if bytes.Contains(b, []byte(s)) {
						t.Errorf("%s holds the secret's content %q", f, s)
					}
				}
			}
		})
	}
}

func checkGoldens(t *testing.T, dir string, results []record.Result) {
	t.Helper()
	goldenDir := filepath.Join(dir, "golden")
	if updateGolden() {
		if err := os.RemoveAll(goldenDir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range results {
		path := filepath.Join(goldenDir, r.Step+".json")
		got, err := goldenJSON(r.Value)
		if err != nil {
			t.Fatalf("step %s: %v", r.Step, err)
		}
		if updateGolden() {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("step %s: %v (go test -run TestReplay -update writes it)", r.Step, err)
			continue
		}
		want, err := parseJSON(b)
		if err != nil {
			t.Errorf("step %s: golden %s: %v", r.Step, path, err)
			continue
		}
		replayed, _ := parseJSON(got)
		if diff := cmp.Diff(want, replayed, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("step %s: result differs from %s (-golden +replayed):\n%s", r.Step, path, diff)
		}
	}
}

// goldenJSON renders the typed fields of v as indented JSON under their Go
// names, without the JSON documents the engine types keep (they are the
// fixtures themselves) and without fields that hold their zero value. It does not use the types' own JSON encoding: the
// goldens pin what decoding gives, independently of how the types marshal.
func goldenJSON(v any) ([]byte, error) {
	out, err := json.MarshalIndent(goFields(reflect.ValueOf(v)), "", "  ")
	return append(out, '\n'), err
}

var (
	rawType  = reflect.TypeOf(engine.Raw(""))
	timeType = reflect.TypeOf(time.Time{})
)

// goFields turns v into maps, slices and scalars, structs keyed by their
// fields' Go names, embedded structs' fields promoted.
func goFields(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Invalid:
		return nil
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return goFields(v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			return v.Interface().(time.Time).Format(time.RFC3339Nano)
		}
		m := map[string]any{}
		goStructFields(v, m)
		return m
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && (v.IsNil() || v.Type().Elem().Kind() == reflect.Uint8) {
			return v.Interface()
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = goFields(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		m := map[string]any{}
		for it := v.MapRange(); it.Next(); {
			m[fmt.Sprint(it.Key().Interface())] = goFields(it.Value())
		}
		return m
	case reflect.String:
		return v.String()
	default:
		return v.Interface()
	}
}

func goStructFields(v reflect.Value, m map[string]any) {
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		switch {
		case !f.IsExported(), v.Field(i).IsZero():
		case f.Anonymous && f.Type == rawType:
		case f.Anonymous && f.Type.Kind() == reflect.Struct:
			goStructFields(v.Field(i), m)
		default:
			m[f.Name] = goFields(v.Field(i))
		}
	}
}

// parseJSON decodes b into maps, slices and json.Numbers.
func parseJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

func stepExchanges(xs []fixture.Exchange, step string) []fixture.Exchange {
	var out []fixture.Exchange
	for _, x := range xs {
		if x.Name == step {
			out = append(out, x)
		}
	}
	return out
}

func stepResult(results []record.Result, step string) any {
	for _, r := range results {
		if r.Step == step {
			return r.Value
		}
	}
	return nil
}

// multiplexed reports whether b is a whole stream of stdout/stderr frames.
func multiplexed(b []byte) bool {
	_, err := stdcopy.Copy(io.Discard, io.Discard, bytes.NewReader(b))
	return len(b) > 0 && err == nil
}

// checkVersionDifferences pins what the two recorded API versions do
// differently on the wire, and that the client copes with both.
func checkVersionDifferences(t *testing.T, s fixture.Session, xs []fixture.Exchange, results []record.Result) {
	t.Helper()
	old := s.APIVersion == "1.41"
	lastOf := func(step string) fixture.Exchange {
		t.Helper()
		sx := stepExchanges(xs, step)
		if len(sx) == 0 {
			t.Fatalf("no exchange for step %s", step)
		}
		return sx[len(sx)-1]
	}
	body := func(x fixture.Exchange) []byte {
		b, err := x.Response.BodyBytes()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	// Logs: below API 1.42 the daemon's Content-Type says nothing (Docker
	// 20.10 sends none at all), so the client goes by the start of the
	// stream, with no inspect; from 1.42 the Content-Type decides alone.
	for _, c := range []struct {
		step, wantType string
		tty            bool
	}{
		{"container-logs", "application/vnd.docker.multiplexed-stream", false},
		{"container-logs-tty", "application/vnd.docker.raw-stream", true},
	} {
		sx := stepExchanges(xs, c.step)
		logs := sx[len(sx)-1]
		ct := logs.Response.Header["Content-Type"]
		if old {
			if len(sx) != 1 || ct != "" {
				t.Errorf("%s on API 1.41: %d exchanges, Content-Type %q; want only the logs, with none", c.step, len(sx), ct)
			}
		} else if len(sx) != 1 || ct != c.wantType {
			t.Errorf("%s on API %s: %d exchanges, Content-Type %q; want 1, %q", c.step, s.APIVersion, len(sx), ct, c.wantType)
		}
		if got := multiplexed(body(logs)); got == c.tty {
			t.Errorf("%s: body multiplexed = %v with Tty %v", c.step, got, c.tty)
		}
		if lr, ok := stepResult(results, c.step).(record.LogResult); !ok || lr.Multiplexed == c.tty {
			t.Errorf("%s: the client read the log as %+v; want Multiplexed = %v", c.step, stepResult(results, c.step), !c.tty)
		}
	}

	// Exec start: without stdin, on every version, a hijacked,
	// close-delimited 200 labelled raw-stream even when the body is
	// multiplexed; with stdin a 101, labelled raw-stream on 1.41 but
	// multiplexed-stream on 1.51; with a TTY raw bytes.
	upgradedType := "application/vnd.docker.multiplexed-stream"
	if old {
		upgradedType = "application/vnd.docker.raw-stream"
	}
	for _, c := range []struct {
		step, wantType string
		status         int
		frames         bool
	}{
		{"exec-start", "application/vnd.docker.raw-stream", 200, true},
		{"exec-stdin", upgradedType, 101, true},
		{"exec-tty", "application/vnd.docker.raw-stream", 200, false},
	} {
		var start fixture.Exchange
		for _, x := range stepExchanges(xs, c.step) {
			if strings.HasSuffix(x.Request.Path, "/start") {
				start = x
			}
		}
		h := start.Response.Header
		if start.Response.Status != c.status || h["Content-Type"] != c.wantType || h["Content-Length"] != "" || h["Transfer-Encoding"] != "" {
			t.Errorf("%s: start answered %d %v; want %d, %s, close-delimited", c.step, start.Response.Status, h, c.status, c.wantType)
		}
		if got := multiplexed(body(start)); got != c.frames {
			t.Errorf("%s: body multiplexed = %v, want %v", c.step, got, c.frames)
		}
	}
	if out, _ := stepResult(results, "exec-start").(record.StreamOutput); !out.Multiplexed || out.Stdout != "out\n" || out.Stderr != "err\n" {
		t.Errorf("exec-start: got %+v", out)
	}
	if out, _ := stepResult(results, "exec-stdin").(dockwire.ExecResult); out.Stdout != "typed input\n" || out.ExitCode != 0 {
		t.Errorf("exec-stdin: got %+v", out)
	}
	if out, _ := stepResult(results, "exec-tty").(dockwire.ExecResult); out.Stdout != "tty out\r\ntty err\r\n" || out.Stderr != "" {
		t.Errorf("exec-tty: got %+v", out)
	}

	ping := lastOf("ping").Response.Header
	if ping["Api-Version"] != s.APIVersion {
		t.Errorf("ping: Api-Version %q, session says %s", ping["Api-Version"], s.APIVersion)
	}
	if p, _ := stepResult(results, "ping").(engine.PingResponse); p.APIVersion != s.APIVersion {
		t.Errorf("ping: the client read %+v", p)
	}
}

// jsonRoutes says which engine type decodes the JSON answer of a route.
var jsonRoutes = []struct {
	method string
	route  *regexp.Regexp
	decode func(doc string) error
}{
	{"GET", regexp.MustCompile(`^/version$`), decodeAs[engine.SystemVersion]},
	{"GET", regexp.MustCompile(`^/info$`), decodeAs[engine.SystemInfo]},
	{"GET", regexp.MustCompile(`^/system/df$`), decodeAs[engine.DiskUsage]},
	{"GET", regexp.MustCompile(`^/containers/json$`), decodeListAs[engine.ContainerSummary]},
	{"POST", regexp.MustCompile(`^/containers/create$`), decodeAs[engine.ContainerCreateResponse]},
	{"GET", regexp.MustCompile(`^/containers/[^/]+/json$`), decodeAs[engine.ContainerInspectResponse]},
	{"GET", regexp.MustCompile(`^/containers/[^/]+/top$`), decodeAs[engine.ContainerTopResponse]},
	{"GET", regexp.MustCompile(`^/containers/[^/]+/stats$`), decodeAs[engine.StatsResponse]},
	{"POST", regexp.MustCompile(`^/containers/[^/]+/wait$`), decodeAs[engine.ContainerWaitResponse]},
	{"POST", regexp.MustCompile(`^/containers/[^/]+/update$`), decodeAs[engine.ContainerUpdateResponse]},
	{"POST", regexp.MustCompile(`^/containers/[^/]+/exec$`), decodeAs[engine.ContainerCreateResponse]}, // {"Id": ...}
	{"POST", regexp.MustCompile(`^/containers/prune$`), decodeAs[engine.ContainerPruneResponse]},
	{"GET", regexp.MustCompile(`^/containers/[^/]+/changes$`), decodeListAs[engine.FilesystemChange]},
	{"POST", regexp.MustCompile(`^/commit$`), decodeAs[engine.IDResponse]},
	{"POST", regexp.MustCompile(`^/build/prune$`), decodeAs[engine.BuildPruneResponse]},
	{"POST", regexp.MustCompile(`^/networks/prune$`), decodeAs[engine.NetworkPruneResponse]},
	{"POST", regexp.MustCompile(`^/volumes/prune$`), decodeAs[engine.VolumePruneResponse]},
	{"GET", regexp.MustCompile(`^/exec/[^/]+/json$`), decodeAs[engine.ExecInspectResponse]},
	{"GET", regexp.MustCompile(`^/images/json$`), decodeListAs[engine.ImageSummary]},
	{"GET", regexp.MustCompile(`^/images/.+/json$`), decodeAs[engine.ImageInspectResponse]},
	{"GET", regexp.MustCompile(`^/images/.+/history$`), decodeListAs[engine.HistoryResponseItem]},
	{"DELETE", regexp.MustCompile(`^/images/.+$`), decodeListAs[engine.ImageDeleteResponseItem]},
	{"POST", regexp.MustCompile(`^/images/prune$`), decodeAs[engine.ImagePruneResponse]},
	{"POST", regexp.MustCompile(`^/(build|images/load|images/create|images/.+/push)$`), decodeLinesAs[engine.JSONMessage]},
	{"GET", regexp.MustCompile(`^/events$`), decodeLinesAs[engine.Event]},
	{"POST", regexp.MustCompile(`^/networks/create$`), decodeAs[engine.NetworkCreateResponse]},
	{"GET", regexp.MustCompile(`^/networks$`), decodeListAs[engine.Network]},
	{"GET", regexp.MustCompile(`^/networks/[^/]+$`), decodeAs[engine.NetworkInspect]},
	{"POST", regexp.MustCompile(`^/volumes/create$`), decodeAs[engine.Volume]},
	{"GET", regexp.MustCompile(`^/volumes/[^/]+$`), decodeAs[engine.Volume]},
	{"GET", regexp.MustCompile(`^/volumes$`), decodeAs[engine.VolumeListResponse]},
	{"GET", regexp.MustCompile(`^/swarm$`), decodeAs[engine.Swarm]},
	{"POST", regexp.MustCompile(`^/auth$`), decodeAs[engine.AuthResponse]},
	{"GET", regexp.MustCompile(`^/distribution/.+/json$`), decodeAs[engine.DistributionInspect]},
	{"GET", regexp.MustCompile(`^/nodes$`), decodeListAs[engine.Node]},
	{"GET", regexp.MustCompile(`^/nodes/[^/]+$`), decodeAs[engine.Node]},
	{"POST", regexp.MustCompile(`^/(secrets|configs)/create$`), decodeAs[engine.IDResponse]},
	{"GET", regexp.MustCompile(`^/secrets$`), decodeListAs[engine.Secret]},
	{"GET", regexp.MustCompile(`^/secrets/[^/]+$`), decodeAs[engine.Secret]},
	{"GET", regexp.MustCompile(`^/configs$`), decodeListAs[engine.Config]},
	{"GET", regexp.MustCompile(`^/configs/[^/]+$`), decodeAs[engine.Config]},
	{"POST", regexp.MustCompile(`^/services/create$`), decodeAs[engine.ServiceCreateResponse]},
	{"POST", regexp.MustCompile(`^/services/[^/]+/update$`), decodeAs[engine.ServiceUpdateResponse]},
	{"GET", regexp.MustCompile(`^/services$`), decodeListAs[engine.Service]},
	{"GET", regexp.MustCompile(`^/services/[^/]+$`), decodeAs[engine.Service]},
	{"GET", regexp.MustCompile(`^/tasks$`), decodeListAs[engine.Task]},
	{"GET", regexp.MustCompile(`^/tasks/[^/]+$`), decodeAs[engine.Task]},
}

// decodeAs decodes doc as a T and checks that the T marshals back to doc.
func decodeAs[T any, PT interface {
	*T
	engine.Decoder
}](doc string) error {
	v, err := engine.Decode[T, PT](doc)
	if err != nil {
		return err
	}
	return marshalsTo(v, doc)
}

func decodeListAs[T any, PT interface {
	*T
	engine.Decoder
}](doc string) error {
	list, err := engine.DecodeList[T, PT](doc)
	if err != nil {
		return err
	}
	return marshalsTo(list, doc)
}

func decodeLinesAs[T any, PT interface {
	*T
	engine.Decoder
}](doc string) error {
	for _, line := range strings.Split(strings.TrimSpace(doc), "\n") {
		if err := decodeAs[T, PT](strings.TrimSpace(line)); err != nil {
			return err
		}
	}
	return nil
}

// marshalsTo checks that encoding/json turns v into the document doc, up
// to spacing and escaping.
func marshalsTo(v any, doc string) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("json.Marshal(%T): %w", v, err)
	}
	got, err := parseJSON(b)
	if err != nil {
		return fmt.Errorf("json.Marshal(%T) gave %.80q: %w", v, b, err)
	}
	want, err := parseJSON([]byte(doc))
	if err != nil {
		return err
	}
	if diff := cmp.Diff(want, got); diff != "" {
		return fmt.Errorf("json.Marshal(%T) is not the daemon's document (-daemon +marshalled):\n%s", v, diff)
	}
	return nil
}

var versionPrefix = regexp.MustCompile(`^/v[0-9]+\.[0-9]+`)

// TestReplayDecode decodes every recorded JSON answer with the engine type
// of its route, independently of the client, and marshals it back with
// encoding/json: it must give the daemon's document again. A successful
// answer to a route without a type fails the test, so that a new step
// brings its type.
func TestReplayDecode(t *testing.T) {
	for _, dir := range slices.Concat(replayDirs, swarmReplayDirs, buildKitReplayDirs, registryReplayDirs) {
		t.Run(strings.TrimPrefix(dir, "testdata/"), func(t *testing.T) {
			_, xs, err := fixture.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			for i, x := range xs {
				name := fmt.Sprintf("%04d-%s", i+1, x.Name)
				b, err := x.Response.BodyBytes()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !strings.HasPrefix(x.Response.Header["Content-Type"], "application/json") || len(b) == 0 {
					continue
				}
				if x.Response.Status >= 300 {
					var e struct{ Message string }
					if err := json.Unmarshal(b, &e); err != nil || e.Message == "" {
						t.Errorf("%s: error answer %d without a message: %q", name, x.Response.Status, b)
					}
					continue
				}
				route := versionPrefix.ReplaceAllString(x.Request.Path, "")
				decoded := false
				for _, r := range jsonRoutes {
					if r.method == x.Request.Method && r.route.MatchString(route) {
						if err := r.decode(string(b)); err != nil {
							t.Errorf("%s: %s %s: %v", name, x.Request.Method, route, err)
						}
						decoded = true
						break
					}
				}
				if !decoded {
					t.Errorf("%s: no engine type for the JSON answer of %s %s; add it to jsonRoutes", name, x.Request.Method, route)
				}
			}
		})
	}
}

package record

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire/engine"
	"github.com/google/go-cmp/cmp"
)

// A BuildKit trace is normalised inside: its digests and image IDs become
// the placeholders the rest of the stream uses, its times FixedTime, and
// it is encoded again; the lines around it are normalised as text.
func TestNormalizeBuildKitStream(t *testing.T) {
	at := time.Date(2026, 12, 2, 15, 0, 0, 123, time.UTC)
	trace := engine.BuildTrace{
		Vertexes: []engine.BuildVertex{{Digest: "sha256:" + hexA, Inputs: []string{"sha256:" + hexA}, Name: "[1/1] RUN x", Started: at, Completed: at.Add(time.Second)}},
		Statuses: []engine.BuildVertexStatus{{ID: "writing image sha256:" + hexB, Vertex: "sha256:" + hexA, Timestamp: at, Started: at}},
		Logs:     []engine.BuildLog{{Vertex: "sha256:" + hexA, Stream: 1, Timestamp: at, Data: []byte("built " + hexB + "\n")}},
		Warnings: []engine.BuildWarning{{Vertex: "sha256:" + hexA, Short: "a warning"}},
	}
	line, err := json.Marshal(engine.JSONMessage{ID: engine.BuildTraceID, Trace: &trace})
	if err != nil {
		t.Fatal(err)
	}
	body := string(line) + "\r\n" + `{"id":"moby.image.id","aux":{"ID":"sha256:` + hexB + `"}}` + "\r\n"
	got := string(newNormalizer().buildKitStream([]byte(body), "/build"))

	lines := strings.SplitAfter(got, "\r\n")
	if len(lines) != 3 || lines[2] != "" {
		t.Fatalf("normalised to %q: want two lines, each ending as it did", got)
	}
	m, err := engine.Decode[engine.JSONMessage](strings.TrimSpace(lines[0]))
	if err != nil || m.Trace == nil {
		t.Fatalf("normalised trace %q: %v", lines[0], err)
	}
	digest := "sha256:" + placeholderOf(t, strings.TrimPrefix(m.Trace.Vertexes[0].Digest, "sha256:"))
	image := placeholderOf(t, strings.TrimPrefix(m.Trace.Statuses[0].ID, "writing image sha256:"))
	want := &engine.BuildTrace{
		Vertexes: []engine.BuildVertex{{Digest: digest, Inputs: []string{digest}, Name: "[1/1] RUN x", Started: FixedTime, Completed: FixedTime}},
		Statuses: []engine.BuildVertexStatus{{ID: "writing image sha256:" + image, Vertex: digest, Timestamp: FixedTime, Started: FixedTime}},
		Logs:     []engine.BuildLog{{Vertex: digest, Stream: 1, Timestamp: FixedTime, Data: []byte("built " + image + "\n")}},
		Warnings: []engine.BuildWarning{{Vertex: digest, Short: "a warning"}},
	}
	if diff := cmp.Diff(want, m.Trace); diff != "" {
		t.Errorf("normalised trace (-want +got):\n%s", diff)
	}
	if wantID := `{"id":"moby.image.id","aux":{"ID":"sha256:` + image + `"}}` + "\r\n"; lines[1] != wantID {
		t.Errorf("image ID line %q, want %q", lines[1], wantID)
	}
}

// placeholderOf checks that id is a placeholder, not the ID it replaced.
func placeholderOf(t *testing.T, id string) string {
	t.Helper()
	if len(id) != 64 || id == hexA || id == hexB || strings.Count(id, "0") < 50 {
		t.Fatalf("%q is not a placeholder", id)
	}
	return id
}

package dockwire_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/internal/record"
)

// registryReplayDirs are the recordings of record.RegistryScript, against
// the test bed's registry (scripts/engines.sh start registry).
var registryReplayDirs = []string{"testdata/docker-20.10/registry", "testdata/docker-26.1/registry", "testdata/docker-28.5/registry"}

// testBedPassword is the password of the test bed's registry
// (scripts/engines.sh), which the recordings were made with.
const testBedPassword = "dockwire-pass"

// TestReplayRegistry plays the recorded registry sessions back as
// TestReplay plays the full one, with credentials of its own (the
// recordings hold none), checks what the client made of the registry's
// refusals, and that the password of the recording is in no file.
func TestReplayRegistry(t *testing.T) {
	for _, dir := range registryReplayDirs {
		t.Run(filepath.Base(filepath.Dir(dir)), func(t *testing.T) {
			_, _, results := replaySession(t, dir, func(ctx context.Context, c *dockwire.Client) ([]record.Result, error) {
				return record.RegistryScript(ctx, c, record.RegistryOptions{Auth: dockwire.AuthConfig{Username: "dockwire", Password: "replayed"}})
			})
			checkGoldens(t, dir, results)
			for _, step := range []string{"registry-login-wrong", "image-push-wrong", "distribution-inspect-wrong", "image-pull-wrong"} {
				f, _ := stepResult(results, step).(record.Failure)
				if !strings.Contains(f.Message, "401 Unauthorized") && !strings.Contains(f.Message, "unauthorized: ") {
					t.Errorf("%s: %+v, want the registry's refusal", step, f)
				}
			}
			if f, _ := stepResult(results, "image-push-wrong").(record.Failure); !f.InStream {
				t.Errorf("image-push-wrong: %+v, want the refusal the daemon sent in the stream", f)
			}
			if f, _ := stepResult(results, "image-pull-missing-tag").(record.Failure); !f.NotFound || !strings.Contains(f.Message, "manifest unknown") {
				t.Errorf("image-pull-missing-tag: %+v, want not found", f)
			}
			checkNoCredentials(t, dir, dockwire.AuthConfig{Username: "dockwire", Password: testBedPassword, ServerAddress: record.DefaultRegistry})
		})
	}
}

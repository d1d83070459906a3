package engine_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/dockwire/dockwire/engine"
)

// A container's Config, read back from an inspect, creates a container
// with the same health check: every HealthConfig field of the API survives
// the typed struct, StartInterval (API 1.44) included.
func TestContainerConfigHealthcheckRoundTrip(t *testing.T) {
	const doc = `{"Id":"c1","Config":{"Image":"busybox","Healthcheck":{"Test":["CMD","true"],"Interval":30000000000,"Timeout":1000000000,"Retries":3,"StartPeriod":10000000000,"StartInterval":2000000000}}}`
	c, err := engine.Decode[engine.ContainerInspectResponse](doc)
	if err != nil {
		t.Fatal(err)
	}
	if c.Config.Healthcheck == nil {
		t.Fatalf("Config = %+v, want a Healthcheck", c.Config)
	}
	b, err := json.Marshal(c.Config.Healthcheck)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["StartInterval"] != float64(2*time.Second) {
		t.Errorf("Healthcheck marshals to %s, want StartInterval 2000000000 kept", b)
	}
}

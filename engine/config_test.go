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

// The decoder's shortcuts for empty lists and ConsoleSize give what
// encoding/json gives: [] an empty slice, null nil.
func TestDecodeHostConfigEmptyListsAndConsoleSize(t *testing.T) {
	for _, tc := range []struct {
		console string
		want    *[2]uint
	}{
		{"[24, 80]", &[2]uint{24, 80}},
		{"[0,0]", nil},
		{"[1,2,3]", nil},
		{"null", nil},
	} {
		doc := `{"Id":"x","HostConfig":{"Dns":[],"Devices":[ ],"Ulimits":[
		],"Mounts":[],"BlkioWeightDevice":[],"Binds":null,"DeviceRequests":null,
		"Links":["a"],"ConsoleSize":` + tc.console + `}}`
		got, err := engine.Decode[engine.ContainerInspectResponse](doc)
		if err != nil {
			t.Fatal(err)
		}
		var want struct{ HostConfig engine.HostConfig }
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatal(err)
		}
		h, w := got.HostConfig, want.HostConfig
		for name, pair := range map[string][2]bool{
			"Dns":               {h.DNS == nil, w.DNS == nil},
			"Devices":           {h.Devices == nil, w.Devices == nil},
			"Ulimits":           {h.Ulimits == nil, w.Ulimits == nil},
			"Mounts":            {h.Mounts == nil, w.Mounts == nil},
			"BlkioWeightDevice": {h.BlkioWeightDevice == nil, w.BlkioWeightDevice == nil},
			"Binds":             {h.Binds == nil, w.Binds == nil},
			"DeviceRequests":    {h.DeviceRequests == nil, w.DeviceRequests == nil},
		} {
			if pair[0] != pair[1] {
				t.Errorf("%s: nil is %v, encoding/json says %v", name, pair[0], pair[1])
			}
		}
		if len(h.DNS)+len(h.Devices)+len(h.Ulimits)+len(h.Mounts) != 0 || len(h.Links) != 1 {
			t.Errorf("lists: %+v", h)
		}
		if (h.ConsoleSize == nil) != (tc.want == nil) || (tc.want != nil && *h.ConsoleSize != *tc.want) {
			t.Errorf("ConsoleSize %s: got %v, want %v", tc.console, h.ConsoleSize, tc.want)
		}
	}
}

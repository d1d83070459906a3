package main

import (
	"strings"
	"testing"
)

// One run against two engines, as .ci/run makes it.
const twoEngines = `{"Action":"run","Package":"p","Test":"TestLiveX"}
{"Action":"run","Package":"p","Test":"TestLiveX/docker-20.10.24-api1.41"}
{"Action":"output","Package":"p","Test":"TestLiveX/docker-20.10.24-api1.41","Output":"=== RUN   TestLiveX/docker-20.10.24-api1.41\n"}
{"Action":"pass","Package":"p","Test":"TestLiveX/docker-20.10.24-api1.41"}
{"Action":"run","Package":"p","Test":"TestLiveX/podman-4.3.1-api1.41"}
{"Action":"output","Package":"p","Test":"TestLiveX/podman-4.3.1-api1.41","Output":"    x_test.go:9: Podman 4.3.1 deviates from Docker: no such thing\n"}
{"Action":"skip","Package":"p","Test":"TestLiveX/podman-4.3.1-api1.41"}
{"Action":"run","Package":"p","Test":"TestLiveY"}
{"Action":"run","Package":"p","Test":"TestLiveY/podman-4.3.1-api1.41"}
{"Action":"output","Package":"p","Test":"TestLiveY/podman-4.3.1-api1.41","Output":"    y_test.go:3: broken\n"}
{"Action":"fail","Package":"p","Test":"TestLiveY/podman-4.3.1-api1.41"}
{"Action":"output","Package":"p","Test":"TestLiveY","Output":"--- FAIL: TestLiveY (0.01s)\n"}
{"Action":"fail","Package":"p","Test":"TestLiveY"}
{"Action":"output","Package":"p","Output":"FAIL\n"}
{"Action":"fail","Package":"p"}
`

func TestReadSelectsEngine(t *testing.T) {
	for prefix, want := range map[string]string{
		"docker-20.10": "TestLiveX/docker-20.10.24-api1.41 pass|",
		"podman-4.3":   "TestLiveX/podman-4.3.1-api1.41 skip no such thing|TestLiveY/podman-4.3.1-api1.41 fail broken|",
		"":             "TestLiveX/docker-20.10.24-api1.41 pass|TestLiveX/podman-4.3.1-api1.41 skip no such thing|TestLiveY/podman-4.3.1-api1.41 fail broken|",
	} {
		r, err := read("label", prefix, strings.NewReader(twoEngines))
		if err != nil {
			t.Fatal(err)
		}
		var got strings.Builder
		for _, res := range r.results {
			got.WriteString(strings.TrimSpace(res.test + " " + res.action + " " + strings.TrimPrefix(res.reason, "Podman 4.3.1 deviates from Docker: ")))
			got.WriteString("|")
		}
		if got.String() != want {
			t.Errorf("prefix %q: %s\nwant %s", prefix, got.String(), want)
		}
	}
}

func TestPlainPrintsOnlyFailures(t *testing.T) {
	var out strings.Builder
	if err := plain(&out, strings.NewReader(twoEngines+"not json\n")); err != nil {
		t.Fatal(err)
	}
	want := "    y_test.go:3: broken\n--- FAIL: TestLiveY (0.01s)\nFAIL\nnot json\n"
	if out.String() != want {
		t.Errorf("plain printed %q\nwant %q", out.String(), want)
	}
}

// A test lands in the row its name says: HostConfig is a container's, not
// a swarm config.
func TestCapabilityOf(t *testing.T) {
	for test, want := range map[string]string{
		"TestLiveHostConfig/docker-28.5-api1.51":                "containers",
		"TestLiveSwarmSecretConfigAndLogs/docker-28.5-api1.51":  "swarm",
		"TestLiveBuildKit/docker-28.5-api1.51/cache":            "BuildKit",
		"TestLiveExecCapture/podman-4.3-api1.41":                "exec",
		"TestLiveNetworkConnect/docker-20.10-api1.41":           "networks",
		"TestLiveImagePullFromRegistry/docker-26.1-api1.45":     "images",
		"TestSomethingElse":                                     "other",
		"TestLiveServiceUpdate/docker-28.5-api1.51/rollback":    "swarm",
		"TestLiveContainerLifecycle/docker-20.10-api1.41/pause": "containers",
	} {
		if got := capabilityOf(test); got != want {
			t.Errorf("capabilityOf(%q) = %q, want %q", test, got, want)
		}
	}
}

package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/dockwire/dockwire/enginetest"
)

// The swarm commands against the fake engine's one-node swarm, shaped like
// the docker CLI's output.
func TestSwarmCommands(t *testing.T) {
	e := enginetest.New(t, enginetest.WithSwarm())
	h := e.Host()

	r := demo(t, "", "--host", h, "service", "create", "-d", "--name", "web", "--replicas", "2", "nginx:1.27", "nginx", "-g", "daemon off;")
	if r.code != 0 || !regexp.MustCompile(`^\w{25}\n$`).MatchString(r.stdout) {
		t.Fatalf("service create: %+v", r)
	}
	r = demo(t, "", "--host", h, "service", "ls")
	if r.code != 0 || !regexp.MustCompile(`(?m)^ID +NAME +MODE +REPLICAS +IMAGE +PORTS\n\w{12} +web +replicated +2/2 +nginx:1.27 *$`).MatchString(r.stdout) {
		t.Errorf("service ls:\n%s", r.stdout)
	}
	if r = demo(t, "", "--host", h, "service", "scale", "web=3"); r.code != 0 || !strings.Contains(r.stdout, "verify: Service converged") {
		t.Errorf("service scale: %+v", r)
	}
	r = demo(t, "", "--host", h, "service", "ps", "web")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 4 || !regexp.MustCompile(`(?m)^\w{12} +web\.3 +nginx:1.27 +enginetest +Running +Running`).MatchString(r.stdout) {
		t.Errorf("service ps:\n%s", r.stdout)
	}
	if r = demo(t, "", "--host", h, "service", "update", "-d", "--image", "nginx:1.28", "web"); r.code != 0 {
		t.Errorf("service update: %+v", r)
	}
	if r = demo(t, "", "--host", h, "service", "ls"); !strings.Contains(r.stdout, "3/3") || !strings.Contains(r.stdout, "nginx:1.28") {
		t.Errorf("service ls after the update:\n%s", r.stdout)
	}
	r = demo(t, "", "--host", h, "node", "ls")
	if r.code != 0 || !regexp.MustCompile(`(?m)^\w{25} \* +enginetest +Ready +Active +Leader +\S+$`).MatchString(r.stdout) {
		t.Errorf("node ls:\n%s", r.stdout)
	}
	if r = demo(t, "", "--host", h, "service", "rm", "web"); r.code != 0 || r.stdout != "web\n" {
		t.Errorf("service rm: %+v", r)
	}

	plain := enginetest.New(t)
	r = demo(t, "", "--host", plain.Host(), "service", "ls")
	if line := r.oneLineErr(t); !strings.Contains(line, "SwarmInit") {
		t.Errorf("service ls outside a swarm: %s", line)
	}
}

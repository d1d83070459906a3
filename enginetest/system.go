package enginetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// setDaemonHeaders sets what the daemon's version middleware puts on every
// response, so clients can negotiate from any reply, not only from /_ping.
func (e *Engine) setDaemonHeaders(h http.Header) {
	h.Set("Server", fmt.Sprintf("Docker/%s (%s)", e.cfg.engineVersion, e.cfg.osType))
	h.Set("Api-Version", e.cfg.maxVersion.String())
	h.Set("Ostype", e.cfg.osType)
	h.Set("Docker-Experimental", "false")
}

func (e *Engine) ping(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	h := w.Header()
	if !e.cfg.before23() {
		// Engine 23.0 added both headers, to every API version.
		h.Set("Builder-Version", "2") // BuildKit
		h.Set("Swarm", "inactive")
	}
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	if r.Method == http.MethodHead {
		h.Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	io.WriteString(w, "OK")
}

func (e *Engine) version(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	c := e.cfg
	writeJSON(w, http.StatusOK, map[string]any{
		"Platform": map[string]any{"Name": "Docker Engine - Community"},
		"Components": []any{map[string]any{
			"Name":    "Engine",
			"Version": c.engineVersion,
			"Details": map[string]any{
				"ApiVersion":    c.maxVersion.String(),
				"MinAPIVersion": c.minVersion.String(),
				"GitCommit":     "enginetest",
				"GoVersion":     "go1.23",
				"Os":            c.osType,
				"Arch":          "amd64",
				"KernelVersion": "6.1.0-enginetest",
				"Experimental":  "false",
			},
		}},
		"Version":       c.engineVersion,
		"ApiVersion":    c.maxVersion.String(),
		"MinAPIVersion": c.minVersion.String(),
		"GitCommit":     "enginetest",
		"GoVersion":     "go1.23",
		"Os":            c.osType,
		"Arch":          "amd64",
		"KernelVersion": "6.1.0-enginetest",
		"BuildTime":     "2024-01-01T00:00:00.000000000+00:00",
	})
}

func (e *Engine) info(w http.ResponseWriter, r *http.Request, _ apiVersion) {
	swarmInfo := map[string]any{"LocalNodeState": "inactive", "NodeID": "", "NodeAddr": ""}
	if e.cfg.swarm {
		swarmInfo = map[string]any{"LocalNodeState": "active", "NodeID": fakeNodeID, "NodeAddr": "127.0.0.1", "ControlAvailable": true}
	}
	e.mu.Lock()
	var running, paused, stopped int
	for _, c := range e.containers {
		switch c.State {
		case "running", "restarting":
			running++
		case "paused":
			paused++
		default:
			stopped++
		}
	}
	total := len(e.containers)
	e.mu.Unlock()
	c := e.cfg
	writeJSON(w, http.StatusOK, map[string]any{
		"ID":                "ENGI:NETE:ST00:0000:0000:0000:0000:0000:0000:0000:0000:0000",
		"Containers":        total,
		"ContainersRunning": running,
		"ContainersPaused":  paused,
		"ContainersStopped": stopped,
		"Images":            0,
		"Driver":            "overlay2",
		"DockerRootDir":     "/var/lib/docker",
		"Name":              "enginetest",
		"ServerVersion":     c.engineVersion,
		"OSType":            c.osType,
		"OperatingSystem":   "enginetest",
		"Architecture":      "x86_64",
		"KernelVersion":     "6.1.0-enginetest",
		"NCPU":              1,
		"MemTotal":          1 << 30,
		"CgroupDriver":      "cgroupfs",
		"CgroupVersion":     "2",
		"LoggingDriver":     "json-file",
		"Experimental":      false,
		"Labels":            []string{},
		"Swarm":             swarmInfo,
	})
}

// writeJSON writes v as the daemon does: compact JSON and a trailing newline.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("enginetest: " + err.Error()) // only our own values are encoded
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// writeError writes the daemon's ErrorResponse, {"message": "..."}.
func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"message": message})
}

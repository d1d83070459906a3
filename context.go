package dockwire

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tidwall/gjson"
)

// dockerConfigDir is where the docker CLI keeps its configuration:
// $DOCKER_CONFIG, else ~/.docker.
func dockerConfigDir() (string, error) {
	if dir := os.Getenv("DOCKER_CONFIG"); dir != "" {
		return dir, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("docker: finding the docker CLI's configuration: %w", err)
	}
	return filepath.Join(home, ".docker"), nil
}

// cliContext is the docker CLI context in use.
type cliContext struct {
	name       string
	host       string
	tlsDir     string // holds ca.pem, cert.pem and key.pem, if the context has TLS material
	skipVerify bool
}

// currentContext returns the docker CLI context that DOCKER_CONTEXT, else
// currentContext in config.json, names; nil for the default context, which
// means DOCKER_HOST or DefaultHost.
func currentContext() (*cliContext, error) {
	dir, err := dockerConfigDir()
	if err != nil {
		return nil, err
	}
	name := os.Getenv("DOCKER_CONTEXT")
	if name == "" {
		data, err := os.ReadFile(filepath.Join(dir, "config.json"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("docker: reading %s: %w", filepath.Join(dir, "config.json"), err)
		}
		name = gjson.GetBytes(data, "currentContext").String()
	}
	if name == "" || name == "default" {
		return nil, nil
	}
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	metaFile := filepath.Join(dir, "contexts", "meta", id, "meta.json")
	meta, err := os.ReadFile(metaFile)
	if err != nil {
		return nil, fmt.Errorf("docker: context %q: %w; list contexts with docker context ls, or unset DOCKER_CONTEXT", name, err)
	}
	if !gjson.ValidBytes(meta) {
		return nil, fmt.Errorf("docker: context %q: %s is not valid JSON", name, metaFile)
	}
	ep := gjson.GetBytes(meta, "Endpoints.docker")
	ctx := &cliContext{name: name, host: ep.Get("Host").String(), skipVerify: ep.Get("SkipTLSVerify").Bool()}
	if ctx.host == "" {
		return nil, fmt.Errorf("docker: context %q has no docker endpoint in %s", name, metaFile)
	}
	tlsDir := filepath.Join(dir, "contexts", "tls", id, "docker")
	if _, err := os.Stat(filepath.Join(tlsDir, "ca.pem")); err == nil {
		ctx.tlsDir = tlsDir
	}
	return ctx, nil
}

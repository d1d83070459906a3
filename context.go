package dockwire

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

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
		return "", fmt.Errorf("dockwire: finding the docker CLI's configuration: %w", err)
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
	name, err := currentContextName(dir)
	if err != nil || name == "default" {
		return nil, err
	}
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	metaFile := filepath.Join(dir, "contexts", "meta", id, "meta.json")
	meta, err := os.ReadFile(metaFile)
	if err != nil {
		return nil, fmt.Errorf("dockwire: context %q: %w; list contexts with docker context ls, or unset DOCKER_CONTEXT", name, err)
	}
	if !gjson.ValidBytes(meta) {
		return nil, fmt.Errorf("dockwire: context %q: %s is not valid JSON", name, metaFile)
	}
	ep := gjson.GetBytes(meta, "Endpoints.docker")
	ctx := &cliContext{name: name, host: ep.Get("Host").String(), skipVerify: ep.Get("SkipTLSVerify").Bool()}
	if ctx.host == "" {
		return nil, fmt.Errorf("dockwire: context %q has no docker endpoint in %s", name, metaFile)
	}
	tlsDir := filepath.Join(dir, "contexts", "tls", id, "docker")
	if _, err := os.Stat(filepath.Join(tlsDir, "ca.pem")); err == nil {
		ctx.tlsDir = tlsDir
	}
	return ctx, nil
}

// DockerContext is one of the docker CLI's contexts, as `docker context ls`
// shows it.
type DockerContext struct {
	Name        string
	Description string
	Host        string // the docker endpoint
	Current     bool
}

// DockerContexts lists the docker CLI's contexts: "default" first (its
// host is DOCKER_HOST, else DefaultHost), then the stored ones by name.
// Current marks the one DOCKER_CONTEXT, else currentContext in
// config.json, names. It reads files only; no daemon is contacted.
func DockerContexts() ([]DockerContext, error) {
	dir, err := dockerConfigDir()
	if err != nil {
		return nil, err
	}
	current, err := currentContextName(dir)
	if err != nil {
		return nil, err
	}
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		host = DefaultHost
	}
	list := []DockerContext{{Name: "default", Description: "Current DOCKER_HOST based configuration", Host: host}}
	metas, err := filepath.Glob(filepath.Join(dir, "contexts", "meta", "*", "meta.json"))
	if err != nil {
		return nil, err
	}
	var stored []DockerContext
	for _, file := range metas {
		meta, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("dockwire: reading context %s: %w", file, err)
		}
		if !gjson.ValidBytes(meta) {
			return nil, fmt.Errorf("dockwire: context file %s is not valid JSON", file)
		}
		m := gjson.ParseBytes(meta)
		stored = append(stored, DockerContext{
			Name:        m.Get("Name").String(),
			Description: m.Get("Metadata.Description").String(),
			Host:        m.Get("Endpoints.docker.Host").String(),
		})
	}
	sort.Slice(stored, func(i, j int) bool { return stored[i].Name < stored[j].Name })
	list = append(list, stored...)
	for i := range list {
		list[i].Current = list[i].Name == current
	}
	return list, nil
}

// currentContextName is the context DOCKER_CONTEXT, else currentContext
// in config.json, names; "default" when neither does.
func currentContextName(dir string) (string, error) {
	if name := os.Getenv("DOCKER_CONTEXT"); name != "" {
		return name, nil
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("dockwire: reading %s: %w", filepath.Join(dir, "config.json"), err)
	}
	if name := gjson.GetBytes(data, "currentContext").String(); name != "" {
		return name, nil
	}
	return "default", nil
}

// UseDockerContext makes name the docker CLI's current context, as
// `docker context use NAME` does: it sets currentContext in config.json
// and keeps everything else there ("default" removes the setting). A
// name with no stored context is refused with ErrInvalidArgument.
// DOCKER_CONTEXT and DOCKER_HOST, when set, still win over the file.
func UseDockerContext(name string) error {
	dir, err := dockerConfigDir()
	if err != nil {
		return err
	}
	if name != "default" {
		sum := sha256.Sum256([]byte(name))
		if _, err := os.Stat(filepath.Join(dir, "contexts", "meta", hex.EncodeToString(sum[:]), "meta.json")); err != nil {
			return fmt.Errorf("dockwire: %w: no context %q (docker context ls lists them)", ErrInvalidArgument, name)
		}
	}
	file := filepath.Join(dir, "config.json")
	config := map[string]json.RawMessage{}
	data, err := os.ReadFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("dockwire: reading %s: %w", file, err)
	default:
		if err := json.Unmarshal(data, &config); err != nil {
			return fmt.Errorf("dockwire: %s is not a JSON object, so it is left alone: %w", file, err)
		}
	}
	if name == "default" {
		delete(config, "currentContext")
	} else {
		config["currentContext"], _ = json.Marshal(name)
	}
	out, err := json.MarshalIndent(config, "", "\t")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("dockwire: %w", err)
	}
	// Written beside and renamed over, so that a crash leaves the old file.
	tmp, err := os.CreateTemp(dir, ".config.json.*")
	if err != nil {
		return fmt.Errorf("dockwire: writing %s: %w", file, err)
	}
	if _, err := tmp.Write(append(out, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("dockwire: writing %s: %w", file, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("dockwire: writing %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("dockwire: writing %s: %w", file, err)
	}
	return nil
}

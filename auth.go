package dockwire

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// DockerHubAuthKey is the key Docker Hub's credentials are stored under in
// the docker CLI's config.json, and the server address the daemon expects
// for Docker Hub.
const DockerHubAuthKey = "https://index.docker.io/v1/"

// AuthConfig holds credentials for one registry, as the daemon takes them
// in X-Registry-Auth and X-Registry-Config. Its String and GoString methods
// redact the secrets, so printing one never leaks them.
type AuthConfig struct {
	Username      string `json:"username,omitempty"`
	Password      string `json:"password,omitempty"`
	ServerAddress string `json:"serveraddress,omitempty"` // e.g. "registry.example.com:5000" or DockerHubAuthKey
	IdentityToken string `json:"identitytoken,omitempty"` // an OAuth refresh token, used instead of a password
	RegistryToken string `json:"registrytoken,omitempty"` // a bearer token sent to the registry as is
}

// Encode returns a as the daemon takes it in X-Registry-Auth:
// base64url-encoded JSON.
func (a AuthConfig) Encode() string {
	return base64JSON(a)
}

// base64JSON encodes v, made of strings only, as base64url JSON, leaving
// <, > and & unescaped as the docker CLI does.
func base64JSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v) // strings always encode
	return base64.URLEncoding.EncodeToString(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// String describes a without its secrets.
func (a AuthConfig) String() string {
	s := "AuthConfig{ServerAddress: " + quote(a.ServerAddress) + ", Username: " + quote(a.Username)
	for _, f := range []struct{ name, v string }{{"Password", a.Password}, {"IdentityToken", a.IdentityToken}, {"RegistryToken", a.RegistryToken}} {
		if f.v != "" {
			s += ", " + f.name + ": [redacted]"
		}
	}
	return s + "}"
}

// GoString is String, so that %#v does not print the secrets either.
func (a AuthConfig) GoString() string { return a.String() }

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// encodeAuthConfigs returns configs as the daemon takes them in
// X-Registry-Config: base64url-encoded JSON keyed by registry host.
func encodeAuthConfigs(configs map[string]AuthConfig) string {
	return base64JSON(configs)
}

// LoadAuth returns the credentials the docker CLI has stored for a
// registry host ("registry.example.com:5000"; "docker.io" or "" for Docker
// Hub), read from $DOCKER_CONFIG/config.json or ~/.docker/config.json: the
// host's credential helper (credHelpers), else the default store
// (credsStore), else the auths section. With no credentials stored it
// returns an AuthConfig holding only ServerAddress, and no error, so that
// a pull goes on anonymously as with the CLI.
func LoadAuth(registryHost string) (AuthConfig, error) {
	key := registryKey(registryHost)
	none := AuthConfig{ServerAddress: key}
	file, err := dockerConfigPath()
	if err != nil {
		return none, err
	}
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return none, nil
	}
	if err != nil {
		return none, fmt.Errorf("dockwire: reading credentials: %w", err)
	}
	if !gjson.ValidBytes(data) {
		return none, fmt.Errorf("dockwire: reading credentials: %s is not valid JSON", file)
	}
	cfg := gjson.ParseBytes(data)
	host := hostOf(key)
	helper := ""
	cfg.Get("credHelpers").ForEach(func(k, v gjson.Result) bool {
		if hostOf(k.Str) == host {
			helper = v.String()
			return false
		}
		return true
	})
	if helper == "" {
		helper = cfg.Get("credsStore").String()
	}
	if helper != "" {
		return helperAuth(helper, key)
	}
	var entry gjson.Result
	cfg.Get("auths").ForEach(func(k, v gjson.Result) bool {
		if k.Str == key || hostOf(k.Str) == host {
			entry = v
			return k.Str != key // an exact key beats a URL form of it
		}
		return true
	})
	if !entry.IsObject() {
		return none, nil
	}
	a := AuthConfig{
		ServerAddress: key, Username: entry.Get("username").String(), Password: entry.Get("password").String(),
		IdentityToken: entry.Get("identitytoken").String(), RegistryToken: entry.Get("registrytoken").String(),
	}
	if enc := entry.Get("auth").String(); enc != "" {
		dec, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return none, fmt.Errorf("dockwire: reading credentials for %s from %s: the auth field is not base64", key, file)
		}
		user, pass, ok := strings.Cut(string(dec), ":")
		if !ok {
			return none, fmt.Errorf("dockwire: reading credentials for %s from %s: the auth field is not user:password", key, file)
		}
		a.Username, a.Password = user, pass
	}
	return a, nil
}

// dockerConfigPath is where the docker CLI keeps config.json.
func dockerConfigPath() (string, error) {
	dir, err := dockerConfigDir()
	return filepath.Join(dir, "config.json"), err
}

// RegistryHost returns the registry an image reference is pulled from, as
// LoadAuth takes it: the first path component when it names a host (it
// holds a '.' or a ':', or is "localhost"), else Docker Hub's "docker.io".
func RegistryHost(ref string) string {
	first, rest, ok := strings.Cut(ref, "/")
	if ok && rest != "" && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return first
	}
	return "docker.io"
}

// registryKey is the key a registry's credentials are stored under:
// DockerHubAuthKey for Docker Hub, the host[:port] otherwise.
func registryKey(host string) string {
	switch h := hostOf(host); h {
	case "", "docker.io", "index.docker.io", "registry-1.docker.io":
		return DockerHubAuthKey
	default:
		return h
	}
}

// hostOf reduces a stored key ("https://host:5000/v1/") to its host:port.
func hostOf(key string) string {
	key = strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
	key, _, _ = strings.Cut(key, "/")
	if key == "index.docker.io" {
		return "docker.io"
	}
	return key
}

// helperTimeout bounds a credential helper, which may ask a keychain or a
// GPG agent and wait for a person.
const helperTimeout = time.Minute

// helperAuth asks docker-credential-<name> for serverURL's credentials,
// as the docker CLI does: "get" with the URL on stdin, JSON on stdout.
func helperAuth(name, serverURL string) (AuthConfig, error) {
	none := AuthConfig{ServerAddress: serverURL}
	if !isName(name, false) {
		return none, fmt.Errorf("dockwire: credential helper name %q is not valid", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), helperTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker-credential-"+name, "get")
	cmd.Stdin = strings.NewReader(serverURL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		// On failure a helper prints its error, never a secret, on stdout.
		msg := strings.TrimSpace(stdout.String())
		if msg == "credentials not found in native keychain" {
			return none, nil
		}
		if msg == "" {
			msg = strings.TrimSpace(stderr.String())
		}
		return none, fmt.Errorf("dockwire: credential helper docker-credential-%s for %s: %w: %s", name, serverURL, err, cleanText(msg, 512))
	}
	out := stdout.String()
	if !gjson.Valid(out) {
		return none, fmt.Errorf("dockwire: credential helper docker-credential-%s for %s: output is not JSON", name, serverURL)
	}
	res := gjson.Parse(out)
	a := AuthConfig{ServerAddress: serverURL, Username: res.Get("Username").String()}
	if a.Username == "<token>" {
		a.Username, a.IdentityToken = "", res.Get("Secret").String()
	} else {
		a.Password = res.Get("Secret").String()
	}
	return a, nil
}

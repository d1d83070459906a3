package dockwire

import (
	"encoding/base64"
	"encoding/json"
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
	b, _ := json.Marshal(a) // a struct of strings always encodes
	return base64.URLEncoding.EncodeToString(b)
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
	b, _ := json.Marshal(configs) // a map of structs of strings always encodes
	return base64.URLEncoding.EncodeToString(b)
}

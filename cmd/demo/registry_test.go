package main

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
)

// login reads the password from stdin, stores the credentials in
// config.json's auths as docker login does, keeping what else the file
// holds, and push and pull send them.
func TestLoginPushPull(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", dir)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"currentContext":"default","auths":{"other:5000":{"auth":"eDp5"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	e := enginetest.New(t)
	var logins []map[string]string
	e.Handle("POST", "/auth", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		json.NewDecoder(r.Body).Decode(&body)
		logins = append(logins, body)
		if body["password"] != "s3cret" {
			answer500(w, "login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"IdentityToken":"","Status":"Login Succeeded"}`))
	}))
	answer(e, "POST", "/images/{name...}", http.StatusOK, `{"status":"The push refers to repository [127.0.0.1:5000/team/app]"}
{"status":"Preparing","progressDetail":{},"id":"aaa"}
{"status":"Pushing","progressDetail":{"current":500,"total":1000},"progress":"[=>   ] 500B/1kB","id":"aaa"}
{"status":"Pushed","progressDetail":{},"id":"aaa"}
{"status":"1: digest: sha256:abc size: 527"}
{"progressDetail":{},"aux":{"Tag":"1","Digest":"sha256:abc","Size":527}}
`)
	answer(e, "POST", "/images/create", http.StatusOK, `{"status":"Status: Image is up to date for 127.0.0.1:5000/team/app:1"}
`)

	r := demo(t, "wrong\n", "--host", e.Host(), "login", "-u", "jane", "--password-stdin", "127.0.0.1:5000")
	if line := r.oneLineErr(t); !strings.Contains(line, "401 Unauthorized") || strings.Contains(line, "wrong") {
		t.Errorf("refused login: %q", line)
	}
	r = demo(t, "s3cret\n", "--host", e.Host(), "login", "-u", "jane", "--password-stdin", "127.0.0.1:5000")
	if r.code != 0 || r.stdout != "Login Succeeded\n" || !strings.Contains(r.stderr, "stored unencrypted in "+filepath.Join(dir, "config.json")) {
		t.Fatalf("login: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if len(logins) != 2 || logins[1]["username"] != "jane" || logins[1]["serveraddress"] != "127.0.0.1:5000" {
		t.Errorf("logins sent: %v", logins)
	}
	// All of stdin is the password, less one line end, as docker login
	// reads it (the fake refuses it: only what was sent matters).
	demo(t, "two\nlines\r\n", "--host", e.Host(), "login", "-u", "jane", "--password-stdin", "127.0.0.1:5000")
	if len(logins) != 3 || logins[2]["password"] != "two\nlines" {
		t.Errorf("login with a two-line password sent %q", logins[len(logins)-1]["password"])
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		CurrentContext string
		Auths          map[string]map[string]string
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	basic := base64.StdEncoding.EncodeToString([]byte("jane:s3cret"))
	if cfg.CurrentContext != "default" || cfg.Auths["127.0.0.1:5000"]["auth"] != basic || cfg.Auths["other:5000"]["auth"] != "eDp5" {
		t.Errorf("config.json after login:\n%s", b)
	}

	r = demo(t, "", "--host", e.Host(), "push", "127.0.0.1:5000/team/app:1")
	want := "The push refers to repository [127.0.0.1:5000/team/app]\naaa: Preparing\naaa: Pushed\n1: digest: sha256:abc size: 527\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("push: exit %d, stderr %q, stdout:\n%s\nwant:\n%s", r.code, r.stderr, r.stdout, want)
	}
	r = demo(t, "", "--host", e.Host(), "pull", "127.0.0.1:5000/team/app:1")
	if r.code != 0 {
		t.Errorf("pull: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, route := range []string{"/images/127.0.0.1:5000/team/app/push", "/images/create"} {
		var sent string
		for _, req := range e.Requests() {
			if req.Route == route {
				sent = req.Header.Get("X-Registry-Auth")
			}
		}
		raw, _ := base64.URLEncoding.DecodeString(sent)
		if !strings.Contains(string(raw), `"username":"jane","password":"s3cret"`) {
			t.Errorf("%s sent X-Registry-Auth %q, want the stored credentials", route, raw)
		}
	}
}

func answer500(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusInternalServerError)
	b, _ := json.Marshal(map[string]string{"message": msg})
	w.Write(b)
}

// login stores Docker Hub's credentials under the key push looks them up
// by, whichever way the server is named: with a credential helper, a key
// that differs is credentials push never finds.
func TestLoginDockerHubKey(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake credential helper is a shell script")
	}
	dir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", dir)
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	stored := filepath.Join(dir, "stored")
	helper := "#!/bin/sh\n[ \"$1\" = store ] && cat >> " + stored + " && echo >> " + stored + "\n"
	if err := os.WriteFile(filepath.Join(dir, "docker-credential-fake"), []byte(helper), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"credsStore":"fake"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	e := enginetest.New(t)
	var sent []string
	e.Handle("POST", "/auth", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		json.NewDecoder(r.Body).Decode(&body)
		sent = append(sent, body["serveraddress"])
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"Status":"Login Succeeded"}`))
	}))
	for _, server := range []string{"docker.io", "index.docker.io", "https://index.docker.io/v1/", "registry-1.docker.io"} {
		if r := demo(t, "pw\n", "--host", e.Host(), "login", "-u", "jane", "--password-stdin", server); r.code != 0 {
			t.Fatalf("login %s: exit %d, stderr %q", server, r.code, r.stderr)
		}
	}
	if r := demo(t, "pw\n", "--host", e.Host(), "login", "-u", "jane", "--password-stdin", "https://reg.example.com:5000/v2/"); r.code != 0 {
		t.Fatalf("login reg.example.com: exit %d, stderr %q", r.code, r.stderr)
	}
	b, err := os.ReadFile(stored)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var in map[string]string
		if err := json.Unmarshal([]byte(line), &in); err != nil {
			t.Fatalf("helper got %q: %v", line, err)
		}
		keys = append(keys, in["ServerURL"])
	}
	hub := dockwire.DockerHubAuthKey
	want := []string{hub, hub, hub, hub, "reg.example.com:5000"}
	if !slices.Equal(keys, want) || !slices.Equal(sent, want) {
		t.Errorf("stored under %q, sent to the daemon as %q; want %q for both", keys, sent, want)
	}
}

// push -q prints the reference as docker push -q does, normalised with
// the default tag; without -q and without a tag, it says which tag it
// pushes first.
func TestPushQuietAndDefaultTag(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	e := enginetest.New(t)
	answer(e, "POST", "/images/{name...}", http.StatusOK, `{"status":"The push refers to repository [docker.io/library/app]"}
{"status":"latest: digest: sha256:abc size: 527"}
`)
	for _, tc := range []struct{ args, want string }{
		{"push -q app", "docker.io/library/app:latest\n"},
		{"push -q team/app:1", "docker.io/team/app:1\n"},
		{"push --quiet 127.0.0.1:5000/team/app", "127.0.0.1:5000/team/app:latest\n"},
		{"push -q -a team/app", "docker.io/team/app\n"},
		{"push app", "Using default tag: latest\nThe push refers to repository [docker.io/library/app]\nlatest: digest: sha256:abc size: 527\n"},
	} {
		r := demo(t, "", append([]string{"--host", e.Host()}, strings.Fields(tc.args)...)...)
		if r.code != 0 || r.stdout != tc.want {
			t.Errorf("%s: exit %d, stdout %q, want %q; stderr %q", tc.args, r.code, r.stdout, tc.want, r.stderr)
		}
	}
}

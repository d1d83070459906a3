package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/dockwire/dockwire"
)

var loginCmd = &command{
	name:     "login",
	synopsis: "[-u USER] [--password-stdin | -p PASSWORD] [SERVER]",
	summary:  "Log in to a registry, and store the credentials as docker login does",
	details: `
The daemon checks the credentials with the registry. They are then stored
where docker login stores them, for pull and push to use: with the
credential helper that $DOCKER_CONFIG/config.json (default ~/.docker) names
for the server (credHelpers, else credsStore), else in its auths section,
base64-encoded, not encrypted. SERVER defaults to Docker Hub.
`,
	setup: func(fs *flag.FlagSet) runFunc {
		var user, password string
		var passwordStdin bool
		fs.StringVar(&user, "u", "", "the user `name`")
		fs.StringVar(&user, "username", "", "the user `name`")
		fs.StringVar(&password, "p", "", "the `password` (insecure: use --password-stdin)")
		fs.StringVar(&password, "password", "", "the `password` (insecure: use --password-stdin)")
		fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from stdin")
		return func(c *cli, args []string) error {
			if len(args) > 1 {
				return usagef("login takes at most one server")
			}
			server := dockwire.DockerHubAuthKey
			if len(args) == 1 {
				server = loginServer(args[0])
			}
			switch {
			case passwordStdin && password != "":
				return usagef("--password and --password-stdin are mutually exclusive")
			case passwordStdin && user == "":
				return usagef("must provide --username with --password-stdin")
			case passwordStdin:
				// All of stdin, less one line end, as docker login reads it.
				all, err := io.ReadAll(c.stdin)
				if err != nil {
					return fmt.Errorf("reading the password from stdin: %w", err)
				}
				password = strings.TrimSuffix(strings.TrimSuffix(string(all), "\n"), "\r")
			case password != "":
				fmt.Fprintln(c.stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.")
			}
			if user == "" || password == "" {
				return usagef("login needs a user name and a password (-u USER --password-stdin)")
			}
			auth := dockwire.AuthConfig{Username: user, Password: password, ServerAddress: server}
			resp, err := c.client.RegistryLogin(c.ctx, auth)
			if err != nil {
				return err
			}
			if resp.IdentityToken != "" {
				// As the docker CLI does: the token stands in for the
				// password, which is not stored.
				auth.Password, auth.IdentityToken = "", resp.IdentityToken
			}
			where, err := storeAuth(c.ctx, auth)
			if err != nil {
				return err
			}
			if where != "" {
				fmt.Fprintf(c.stderr, "WARNING! Your password will be stored unencrypted in %s.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/engine/reference/commandline/login/#credentials-store\n\n", where)
			}
			fmt.Fprintln(c.stdout, "Login Succeeded")
			return nil
		}
	},
}

// loginServer is the key login stores a server's credentials under, the
// one push and pull look them up by: the host[:port] as docker login keeps
// it ("https://host:5000/v2/" is "host:5000"), and DockerHubAuthKey for any
// of Docker Hub's names.
func loginServer(arg string) string {
	host, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(arg, "https://"), "http://"), "/")
	switch host {
	case "", "docker.io", "index.docker.io", "registry-1.docker.io":
		return dockwire.DockerHubAuthKey
	}
	return host
}

// storeAuth stores auth as docker login does: with the credential helper
// config.json names for the server, else in its auths section. It returns
// the file's path when the credentials went into it, unencrypted.
func storeAuth(ctx context.Context, auth dockwire.AuthConfig) (string, error) {
	dir := os.Getenv("DOCKER_CONFIG")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the docker CLI's configuration: %w", err)
		}
		dir = filepath.Join(home, ".docker")
	}
	file := filepath.Join(dir, "config.json")
	cfg := map[string]json.RawMessage{}
	data, err := os.ReadFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return "", err
	default:
		if err := json.Unmarshal(data, &cfg); err != nil {
			return "", fmt.Errorf("%s is not valid JSON: %w", file, err)
		}
	}
	var helpers map[string]string
	var store string
	json.Unmarshal(cfg["credHelpers"], &helpers)
	json.Unmarshal(cfg["credsStore"], &store)
	if h := helpers[auth.ServerAddress]; h != "" {
		store = h
	}
	if store != "" {
		return "", helperStore(ctx, store, auth)
	}
	auths := map[string]map[string]string{}
	json.Unmarshal(cfg["auths"], &auths)
	entry := map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(auth.Username + ":" + auth.Password))}
	if auth.IdentityToken != "" {
		entry["identitytoken"] = auth.IdentityToken
	}
	auths[auth.ServerAddress] = entry
	if cfg["auths"], err = json.Marshal(auths); err != nil {
		return "", err
	}
	out, err := json.MarshalIndent(cfg, "", "\t")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	// Written aside, then renamed: a reader never sees half a file.
	tmp, err := os.CreateTemp(dir, "config.json.*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(out, '\n')); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return file, os.Rename(tmp.Name(), file)
}

// helperStore hands auth to docker-credential-<name> store, as the docker
// CLI does.
func helperStore(ctx context.Context, name string, auth dockwire.AuthConfig) error {
	user, secret := auth.Username, auth.Password
	if auth.IdentityToken != "" {
		user, secret = "<token>", auth.IdentityToken
	}
	in, _ := json.Marshal(map[string]string{"ServerURL": auth.ServerAddress, "Username": user, "Secret": secret})
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker-credential-"+name, "store")
	cmd.Stdin = bytes.NewReader(in)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("storing the credentials with docker-credential-%s: %w: %s", name, err, strings.TrimSpace(out.String()))
	}
	return nil
}

var pushCmd = &command{
	name:     "push",
	synopsis: "[-a] NAME[:TAG]",
	summary:  "Push an image to its registry, with the credentials login stored",
	setup: func(fs *flag.FlagSet) runFunc {
		var opts dockwire.ImagePushOptions
		fs.BoolVar(&opts.AllTags, "a", false, "push every tag of the repository")
		fs.BoolVar(&opts.AllTags, "all-tags", false, "push every tag of the repository")
		quiet := fs.Bool("q", false, "print only the pushed reference, as docker push -q does")
		fs.BoolVar(quiet, "quiet", false, "print only the pushed reference, as docker push -q does")
		return func(c *cli, args []string) error {
			if len(args) != 1 {
				return usagef("push takes one image reference")
			}
			auth, err := dockwire.LoadAuth(dockwire.RegistryHost(args[0]))
			if err != nil {
				return err
			}
			opts.Auth = auth
			push, err := c.client.ImagePush(c.ctx, args[0], opts)
			if err != nil {
				return err
			}
			ref, defaultTag := pushedRef(args[0], opts.AllTags)
			if *quiet {
				if err := push.Wait(); err != nil {
					return err
				}
				fmt.Fprintln(c.stdout, ref)
				return nil
			}
			if defaultTag {
				fmt.Fprintln(c.stdout, "Using default tag: latest")
			}
			return printProgress(c.stdout, isTerminal(c.stdout), push.Messages())
		}
	},
}

// pushedRef is ref as docker push names it: normalised, with Docker Hub's
// domain and library/ namespace, and with the tag "latest" if it has none
// and allTags is not set, which defaultTag reports.
func pushedRef(ref string, allTags bool) (name string, defaultTag bool) {
	name = ref
	switch dockwire.RegistryHost(ref) {
	case "docker.io":
		name = "docker.io/" + strings.TrimPrefix(ref, "docker.io/")
	case "index.docker.io":
		name = "docker.io/" + strings.TrimPrefix(ref, "index.docker.io/")
	}
	if rest, ok := strings.CutPrefix(name, "docker.io/"); ok && !strings.Contains(rest, "/") {
		name = "docker.io/library/" + rest
	}
	if !allTags && !strings.Contains(name[strings.LastIndex(name, "/")+1:], ":") && !strings.Contains(name, "@") {
		return name + ":latest", true
	}
	return name, false
}

package dockwire

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
)

// FromEnv returns a client configured like the docker CLI from:
//
//   - DOCKER_HOST: the daemon address; without it, the docker CLI context
//     that DOCKER_CONTEXT or currentContext in ~/.docker/config.json
//     names (its endpoint and TLS material); without one, the first of
//     these sockets that answers a ping: DefaultHost, rootless Docker's
//     $XDG_RUNTIME_DIR/docker.sock, rootless Podman's
//     $XDG_RUNTIME_DIR/podman/podman.sock, and /run/podman/podman.sock
//     (each probe is one HEAD /_ping of at most two seconds; when none
//     answers, DefaultHost, and the first call's error lists what was
//     tried); Client.Endpoint says which was chosen and why;
//   - DOCKER_API_VERSION: pins the API version instead of negotiating;
//   - DOCKER_CERT_PATH: a directory with ca.pem, cert.pem and key.pem;
//   - DOCKER_TLS_VERIFY: any non-empty value turns TLS on, with the
//     certificates from DOCKER_CERT_PATH or ~/.docker.
//
// Whenever certificates are given the daemon's certificate is verified
// against ca.pem, whatever DOCKER_TLS_VERIFY says: the moby client skips
// verification when DOCKER_TLS_VERIFY is empty, which invites a
// man-in-the-middle. opts are applied after the environment.
func FromEnv(opts ...Option) (*Client, error) {
	var envOpts []Option
	host := os.Getenv("DOCKER_HOST")
	ep := Endpoint{Host: host, Source: "DOCKER_HOST"}
	if host == "" {
		cliCtx, err := currentContext()
		if err != nil {
			return nil, err
		}
		if cliCtx == nil {
			if replacesTransport(opts) {
				ep = Endpoint{Host: DefaultHost, Source: "the default socket"}
			} else {
				ep = discover(discoverySockets())
			}
			host = ep.Host
		} else {
			host = cliCtx.host
			ep = Endpoint{Host: host, Source: fmt.Sprintf("docker context %q", cliCtx.name)}
			if cliCtx.tlsDir != "" {
				cfg, err := tlsFromDir(cliCtx.tlsDir)
				if err != nil {
					return nil, err
				}
				// The context asked for it explicitly, as docker context
				// create --docker skip-tls-verify=true does.
				cfg.InsecureSkipVerify = cliCtx.skipVerify
				envOpts = append(envOpts, WithTLSConfig(cfg))
			}
		}
	}
	if v := os.Getenv("DOCKER_API_VERSION"); v != "" {
		envOpts = append(envOpts, WithAPIVersion(v))
	}
	certPath := os.Getenv("DOCKER_CERT_PATH")
	if certPath == "" && os.Getenv("DOCKER_TLS_VERIFY") != "" {
		if home, err := os.UserHomeDir(); err == nil {
			certPath = filepath.Join(home, ".docker")
		}
	}
	if certPath != "" {
		cfg, err := tlsFromDir(certPath)
		if err != nil {
			return nil, err
		}
		envOpts = append(envOpts, WithTLSConfig(cfg))
	}
	c, err := New(host, append(envOpts, opts...)...)
	if err != nil {
		return nil, err
	}
	c.endpoint = ep
	return c, nil
}

// replacesTransport reports whether opts give a dialer or transport of
// their own: then there is nothing for discovery to probe.
func replacesTransport(opts []Option) bool {
	var cfg config
	for _, opt := range opts {
		if opt(&cfg) != nil {
			return false // New reports it
		}
	}
	return cfg.dial != nil || cfg.transport != nil
}

// tlsFromDir loads ca.pem (to verify the daemon) and, if present, the
// client's cert.pem and key.pem.
func tlsFromDir(dir string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	ca, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		return nil, fmt.Errorf("dockwire: %w: DOCKER_CERT_PATH: %v", ErrInvalidHost, err)
	}
	cfg.RootCAs = x509.NewCertPool()
	if !cfg.RootCAs.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("dockwire: %w: DOCKER_CERT_PATH: %s holds no PEM certificate", ErrInvalidHost, filepath.Join(dir, "ca.pem"))
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if _, err := os.Stat(certFile); err == nil {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("dockwire: %w: DOCKER_CERT_PATH: client certificate: %v", ErrInvalidHost, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

package dockwire_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/internal/await"
	"github.com/dockwire/dockwire/internal/livetest"
)

// tlsBed is the real Docker daemon behind --tlsverify that
// `scripts/engines.sh start tls` runs, as `engines.sh env tls` describes it.
type tlsBed struct {
	host      string // tcp://127.0.0.1:2376
	certs     string // DOCKER_CERT_PATH-style: ca.pem, cert.pem, key.pem
	wrongCert string // the same layout, everything from another CA
}

func tlsEngine(t *testing.T) tlsBed {
	t.Helper()
	b := tlsBed{os.Getenv("DOCKWIRE_TLS_HOST"), os.Getenv("DOCKWIRE_TLS_CERT_PATH"), os.Getenv("DOCKWIRE_TLS_WRONG_CERT_PATH")}
	if b.host == "" || b.certs == "" || b.wrongCert == "" {
		if livetest.Required() {
			t.Fatal("DOCKWIRE_LIVE=1 but DOCKWIRE_TLS_HOST, DOCKWIRE_TLS_CERT_PATH and DOCKWIRE_TLS_WRONG_CERT_PATH are not all set: scripts/engines.sh start tls, then eval \"$(scripts/engines.sh env tls)\"")
		}
		t.Skip("no TLS daemon: scripts/engines.sh start tls, then eval \"$(scripts/engines.sh env tls)\"")
	}
	return b
}

// fromEnvTLS builds a client the way a user of the docker CLI's
// environment would: DOCKER_HOST, DOCKER_CERT_PATH and DOCKER_TLS_VERIFY.
func fromEnvTLS(t *testing.T, host, certPath string) *dockwire.Client {
	t.Helper()
	t.Setenv("DOCKER_HOST", host)
	t.Setenv("DOCKER_CERT_PATH", certPath)
	t.Setenv("DOCKER_TLS_VERIFY", "1")
	t.Setenv("DOCKER_CONTEXT", "")
	t.Setenv("DOCKER_API_VERSION", "")
	c, err := dockwire.FromEnv()
	if err != nil {
		t.Fatalf("FromEnv with DOCKER_CERT_PATH=%s: %v", certPath, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestTLSLive(t *testing.T) {
	b := tlsEngine(t)
	c := fromEnvTLS(t, b.host, b.certs)
	ctx := livetest.Context(t)

	if _, err := c.ContainerList(ctx, dockwire.ContainerListOptions{All: true}); err != nil {
		t.Fatalf("list over TLS with the right CA and client certificate: %v", err)
	}
	e := &livetest.Engine{Host: b.host, Client: c}
	id := e.Container(t, dockwire.ContainerCreateOptions{Config: engine.ContainerConfig{Cmd: []string{"sh", "-c", "echo over-tls; exec sleep 3600"}}})
	await.Until(t, "the container's first line in its logs over TLS", func() bool {
		lines, err := c.ContainerLogTail(ctx, id, 10)
		return err == nil && strings.Contains(fmt.Sprint(lines), "over-tls")
	})
	res, err := c.ExecCapture(ctx, id, dockwire.ExecOptions{Cmd: []string{"cat"}, Stdin: strings.NewReader("stdin over TLS\n")})
	if err != nil || res.ExitCode != 0 || res.Stdout != "stdin over TLS\n" {
		t.Fatalf("exec cat with stdin over TLS: %+v, %v; want the input back and exit 0 (the half-close must cross TLS)", res, err)
	}
}

func TestFault_K4_RealTLSDaemonRefusals(t *testing.T) {
	b := tlsEngine(t)
	ctx := livetest.Context(t)
	ping := func(c *dockwire.Client) error {
		_, err := c.Ping(ctx)
		return err
	}
	t.Run("a CA that did not sign the daemon's certificate", func(t *testing.T) {
		err := ping(fromEnvTLS(t, b.host, b.wrongCert))
		if !errors.Is(err, dockwire.ErrDaemonUnreachable) || !strings.Contains(err.Error(), "certificate signed by unknown authority") || !strings.Contains(err.Error(), "DOCKER_CERT_PATH") {
			t.Fatalf("wrong CA: %v; want a connect error naming the unknown authority and DOCKER_CERT_PATH", err)
		}
	})
	t.Run("no client certificate", func(t *testing.T) {
		c, err := dockwire.New(b.host, dockwire.WithTLSConfig(&tls.Config{RootCAs: caPool(t, filepath.Join(b.certs, "ca.pem")), MinVersion: tls.VersionTLS12}))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		err = ping(c)
		if !errors.Is(err, dockwire.ErrDaemonUnreachable) || !strings.Contains(err.Error(), "certificate required") || !strings.Contains(err.Error(), "client certificate") {
			t.Fatalf("no client certificate: %v; want the daemon's demand for one and a hint about the client certificate", err)
		}
	})
	t.Run("plain HTTP to the TLS port", func(t *testing.T) {
		c, err := dockwire.New(b.host) // loopback: plain HTTP is allowed without WithInsecureTCP
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		err = ping(c)
		// Go's TLS server answers a plain request with a 400 of its own.
		if !errors.Is(err, dockwire.ErrBadRequest) || !strings.Contains(err.Error(), "DOCKER_TLS_VERIFY=1") {
			t.Fatalf("plain HTTP to a TLS daemon: %v; want the daemon's 400 with a hint to turn TLS on", err)
		}
	})
	t.Run("a certificate for another name", func(t *testing.T) {
		cert, err := tls.LoadX509KeyPair(filepath.Join(b.certs, "cert.pem"), filepath.Join(b.certs, "key.pem"))
		if err != nil {
			t.Fatal(err)
		}
		cfg := &tls.Config{RootCAs: caPool(t, filepath.Join(b.certs, "ca.pem")), Certificates: []tls.Certificate{cert}, ServerName: "docker.example", MinVersion: tls.VersionTLS12}
		c, err := dockwire.New(b.host, dockwire.WithTLSConfig(cfg))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		err = ping(c)
		if !errors.Is(err, dockwire.ErrDaemonUnreachable) || !strings.Contains(err.Error(), "docker.example") || !strings.Contains(err.Error(), "localhost") {
			t.Fatalf("server name mismatch: %v; want both the expected name and the certificate's names", err)
		}
	})
}

func caPool(t *testing.T, file string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", file)
	}
	return pool
}

package dockwire_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/stdcopy"
)

// testCA issues certificates for a TLS daemon and its clients.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dockwire test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

func (ca *testCA) issue(t *testing.T, cn string, usage x509.ExtKeyUsage) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsDaemon is a TLS daemon on loopback that requires client
// certificates from ca and serves an exec whose process echoes its stdin.
func tlsDaemon(t *testing.T, ca *testCA) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/_ping":
			w.Header().Set("Api-Version", "1.41")
		case strings.HasSuffix(r.URL.Path, "/containers/web/exec"):
			jsonReply(w, 201, `{"Id":"e1"}`)
		case strings.HasSuffix(r.URL.Path, "/exec/e1/json"):
			jsonReply(w, 200, `{"ID":"e1","Running":false,"ExitCode":0}`)
		case strings.HasSuffix(r.URL.Path, "/exec/e1/start"):
			io.ReadAll(r.Body) // the start options; stdin follows the upgrade
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			buf.WriteString("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
			buf.Flush()
			stdin, err := io.ReadAll(buf) // until the client's close_notify
			if err != nil {
				return
			}
			stdcopy.NewWriter(conn, stdcopy.Stdout).Write(append([]byte("got: "), stdin...))
		default:
			http.NotFound(w, r)
		}
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{ca.issue(t, "daemon", x509.ExtKeyUsageServerAuth)},
		ClientCAs:    ca.pool, ClientAuth: tls.RequireAndVerifyClientCert,
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return "tcp://" + srv.Listener.Addr().String()
}

func TestFault_E6_TLSHijackHalfClose(t *testing.T) {
	ca := newTestCA(t)
	host := tlsDaemon(t, ca)
	c, err := dockwire.New(host, dockwire.WithTLSConfig(&tls.Config{
		RootCAs: ca.pool, Certificates: []tls.Certificate{ca.issue(t, "client", x509.ExtKeyUsageClientAuth)},
	}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.ExecCapture(testContext(t), "web", dockwire.ExecOptions{Cmd: []string{"cat"}, Stdin: strings.NewReader("hello over TLS")})
	if err != nil || res.Stdout != "got: hello over TLS" || res.ExitCode != 0 {
		t.Fatalf("exec over TLS: %+v, %v; want the echo after a half-close", res, err)
	}
}

func TestFault_K4_TLSVerificationFailures(t *testing.T) {
	ca := newTestCA(t)
	host := tlsDaemon(t, ca)
	other := newTestCA(t)
	c, _ := dockwire.New(host, dockwire.WithTLSConfig(&tls.Config{
		RootCAs: other.pool, Certificates: []tls.Certificate{other.issue(t, "client", x509.ExtKeyUsageClientAuth)},
	}))
	_, err := c.Ping(testContext(t))
	var ce *dockwire.ConnectError
	var unknownCA x509.UnknownAuthorityError
	if !errors.As(err, &ce) || !errors.As(err, &unknownCA) || !strings.Contains(ce.Hint, "DOCKER_CERT_PATH") {
		t.Fatalf("daemon certificate from an unknown CA: %v; want a ConnectError with the verification failure and a hint", err)
	}

	c, _ = dockwire.New(host, dockwire.WithTLSConfig(&tls.Config{RootCAs: ca.pool})) // no client certificate
	if _, err := c.Ping(testContext(t)); !errors.As(err, &ce) {
		t.Fatalf("no client certificate: %v; want a ConnectError", err)
	}
}

func TestFault_K5_PlainHTTPToTLSDaemon(t *testing.T) {
	host := tlsDaemon(t, newTestCA(t))
	c, err := dockwire.New(host) // loopback, so plain HTTP is allowed
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Ping(testContext(t))
	if err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Fatalf("plain HTTP to a TLS daemon: %v; want a hint that the daemon speaks TLS", err)
	}
}

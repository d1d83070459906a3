// Command weight-floor-policy is the weight floor of a client that keeps
// go-retryablehttp's retry policy and backoff but not its Client: the
// smallest program that lists the containers over the Unix socket with a
// hand-written HTTP/1.1 request and http.ReadResponse, retried as
// retryablehttp.DefaultRetryPolicy says and waiting as
// retryablehttp.DefaultBackoff says (which honours Retry-After), and
// decodes the answer with gjson. weight/floor-client is the same list
// through the Client.
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/tidwall/gjson"
)

func main() {
	sock := strings.TrimPrefix(os.Getenv("DOCKER_HOST"), "unix://")
	if sock == "" {
		sock = "/var/run/docker.sock"
	}
	ctx := context.Background()
	var resp *http.Response
	var err error
	for attempt := 0; ; attempt++ {
		resp, err = get(ctx, sock, "/containers/json")
		retry, cerr := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		if !retry || attempt == 3 {
			if cerr != nil {
				err = cerr
			}
			break
		}
		if err == nil {
			resp.Body.Close()
		}
		time.Sleep(retryablehttp.DefaultBackoff(50*time.Millisecond, 500*time.Millisecond, attempt, resp))
	}
	check(err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	check(err)
	if resp.StatusCode != http.StatusOK || !gjson.ValidBytes(body) {
		check(fmt.Errorf("%s: %.200s", resp.Status, body))
	}
	names := gjson.GetBytes(body, "#.Names.0").Array()
	for _, n := range names {
		fmt.Println(strings.TrimPrefix(n.Str, "/"))
	}
	fmt.Println("running", len(names))
}

// get sends one request on a connection of its own and returns the answer,
// whose body closes the connection.
func get(ctx context.Context, sock, path string) (*http.Response, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", sock)
	if err != nil {
		return nil, err
	}
	if _, err := io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"); err != nil {
		conn.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{resp.Body, conn}
	return resp, nil
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "weight-floor-policy:", err)
		os.Exit(1)
	}
}

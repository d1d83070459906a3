// Command weight-floor-client is the weight floor of any client that
// routes its requests through go-retryablehttp's Client: the smallest
// program that lists the containers over the Unix socket with
// retryablehttp.Client.Do, on a net/http Transport that dials the socket,
// and decodes the answer with gjson. weight/floor-policy is the same list
// without the Client.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/tidwall/gjson"
)

func main() {
	sock := strings.TrimPrefix(os.Getenv("DOCKER_HOST"), "unix://")
	if sock == "" {
		sock = "/var/run/docker.sock"
	}
	c := retryablehttp.NewClient()
	c.Logger = nil
	c.HTTPClient.Transport = &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}
	req, err := retryablehttp.NewRequest(http.MethodGet, "http://docker/containers/json", nil)
	check(err)
	resp, err := c.Do(req)
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

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "weight-floor-client:", err)
		os.Exit(1)
	}
}

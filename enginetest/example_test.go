package enginetest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/stdcopy"
)

// unixClient is the least a client needs to reach the engine: a transport
// that dials the socket whatever the URL's host says.
func unixClient(socketPath string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socketPath)
		},
	}}
}

func Example() {
	// In a test: e := enginetest.New(t), closed by t.Cleanup.
	e, _ := enginetest.Start(enginetest.WithAPIVersion("1.41"))
	defer e.Close()
	e.AddContainer(enginetest.Container{Name: "web", Image: "nginx:1.25", Labels: map[string]string{"app": "shop"}})
	e.AddContainer(enginetest.Container{Name: "migrate", Image: "shop:latest", State: "exited", ExitCode: 1})

	c := unixClient(e.SocketPath())
	resp, err := c.Get("http://api.moby.localhost/v1.41/containers/json?all=1")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var list []struct {
		Names        []string
		Image, State string
	}
	json.NewDecoder(resp.Body).Decode(&list)
	for _, ct := range list { // newest first, as Docker lists them
		fmt.Println(ct.Names[0], ct.Image, ct.State)
	}
	fmt.Println(e.Count("GET", "/containers/json"), "request(s)")
	// Output:
	// /migrate shop:latest exited
	// /web nginx:1.25 running
	// 1 request(s)
}

func ExampleEngine_Fault() {
	e, _ := enginetest.Start()
	defer e.Close()
	e.Fault("GET", "/containers/{id}/json", enginetest.Status(503, "daemon is restarting").Times(2))
	e.AddContainer(enginetest.Container{Name: "web"})

	c := unixClient(e.SocketPath())
	for i := 0; i < 3; i++ {
		resp, err := c.Get("http://api.moby.localhost/v1.55/containers/web/json")
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	// Output:
	// 503 Service Unavailable
	// 503 Service Unavailable
	// 200 OK
}

func ExampleEngine_SetExec() {
	e, _ := enginetest.Start()
	defer e.Close()
	e.AddContainer(enginetest.Container{Name: "db"})
	e.SetExec("db", func(ctx context.Context, x *enginetest.Exec) int {
		fmt.Fprintf(x.Stdout, "ran %q as %s\n", x.Cmd, x.User)
		fmt.Fprintln(x.Stderr, "warning: no backup")
		return 3
	})

	c := unixClient(e.SocketPath())
	post := func(path, body string) *http.Response {
		resp, err := c.Post("http://api.moby.localhost/v1.55"+path, "application/json", strings.NewReader(body))
		if err != nil {
			panic(err)
		}
		return resp
	}
	resp := post("/containers/db/exec", `{"AttachStdout":true,"AttachStderr":true,"User":"postgres","Cmd":["pg_dump","shop"]}`)
	var created struct{ Id string }
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()

	// Without an Upgrade header the daemon answers 200 and labels the body
	// raw-stream, yet it is multiplexed because the exec has no TTY.
	resp = post("/exec/"+created.Id+"/start", `{"Detach":false,"Tty":false}`)
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	stdcopy.Copy(os.Stdout, os.Stdout, resp.Body)
	resp.Body.Close()

	resp, err := c.Get("http://api.moby.localhost/v1.55/exec/" + created.Id + "/json")
	if err != nil {
		panic(err)
	}
	var inspect struct {
		Running  bool
		ExitCode *int
	}
	json.NewDecoder(resp.Body).Decode(&inspect)
	resp.Body.Close()
	fmt.Println("running:", inspect.Running, "exit code:", *inspect.ExitCode)
	// Output:
	// 200 OK application/vnd.docker.raw-stream
	// ran ["pg_dump" "shop"] as postgres
	// warning: no backup
	// running: false exit code: 3
}

func ExampleEngine_StopContainer() {
	e, _ := enginetest.Start()
	defer e.Close()
	e.AddContainer(enginetest.Container{Name: "worker", Logs: []enginetest.LogEntry{{Text: "starting\n"}}})

	resp, err := unixClient(e.SocketPath()).Get("http://api.moby.localhost/v1.55/containers/worker/logs?stdout=1&stderr=1&follow=1")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	go func() {
		e.AppendLog("worker", enginetest.LogEntry{Stream: stdcopy.Stderr, Text: "job failed\n"})
		e.StopContainer("worker", 1) // ends the followed stream
	}()
	for f, err := range stdcopy.Frames(resp.Body) {
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %s", f.Stream, f.Payload)
	}
	fmt.Println("stream ended")
	// Output:
	// stdout: starting
	// stderr: job failed
	// stream ended
}

func ExampleWithFixtures() {
	e, _ := enginetest.Start(enginetest.WithFixtures("testdata/docker-20.10-min"))
	defer e.Close()

	resp, err := unixClient(e.SocketPath()).Head("http://api.moby.localhost/_ping")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Header.Get("Server"), "API", resp.Header.Get("Api-Version"))
	fmt.Println(len(e.UnusedExchanges()), "exchanges left")
	// Output:
	// Docker/20.10.24 (linux) API 1.41
	// 5 exchanges left
}

func ExampleEngine_Requests() {
	e, _ := enginetest.Start()
	defer e.Close()
	c := unixClient(e.SocketPath())
	for _, p := range []string{"/_ping", "/v1.55/version", "/containers/json"} {
		resp, err := c.Get("http://api.moby.localhost" + p)
		if err != nil {
			panic(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	for _, r := range e.Requests() {
		if r.Version == "" && r.Route != "/_ping" {
			fmt.Println(r.Method, r.Path, "<- missing the version prefix")
			continue
		}
		fmt.Println(r.Method, r.Path)
	}
	// Output:
	// GET /_ping
	// GET /v1.55/version
	// GET /containers/json <- missing the version prefix
}

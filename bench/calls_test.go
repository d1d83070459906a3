package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	dockercontainer "github.com/docker/docker/api/types/container"
	dockerfilters "github.com/docker/docker/api/types/filters"
	dockerclient "github.com/docker/docker/client"
	dockerstdcopy "github.com/docker/docker/pkg/stdcopy"
	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/bench/internal/rawhttp"
	"github.com/dockwire/dockwire/bench/internal/replay"
	mobystdcopy "github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// op is one benchmarked call, made with one client.
type op func(ctx context.Context) error

// opNames are the calls of section 2, in the order they are reported.
var opNames = []string{"ping", "list", "inspect", "logs", "exec"}

// clientNames are the implementations compared: dockwire, the moby client
// (github.com/moby/moby/client), the docker/docker v28 client most programs
// use today, and the raw-socket floor.
var clientNames = []string{"dockwire", "moby", "docker", "raw"}

// newOps connects one client to host and returns its calls and how to close
// it.
func newOps(name, host string) (map[string]op, func(), error) {
	switch name {
	case "dockwire":
		return dockwireOps(host)
	case "moby":
		return mobyOps(host)
	case "docker":
		return dockerOps(host)
	case "raw":
		return rawOps(host)
	}
	return nil, nil, fmt.Errorf("unknown client %q", name)
}

func dockwireOps(host string) (map[string]op, func(), error) {
	c, err := dockwire.New(host)
	if err != nil {
		return nil, nil, err
	}
	listOpts := dockwire.ContainerListOptions{Filters: dockwire.Filters{"label": {label}}}
	return map[string]op{
		"ping": func(ctx context.Context) error {
			_, err := c.Ping(ctx)
			return err
		},
		"list": func(ctx context.Context) error {
			list, err := c.ContainerList(ctx, listOpts)
			if err == nil && len(list) == 0 {
				err = errors.New("empty container list")
			}
			return err
		},
		"inspect": func(ctx context.Context) error {
			_, err := c.ContainerInspect(ctx, target, dockwire.ContainerInspectOptions{})
			return err
		},
		"logs": func(ctx context.Context) error {
			s, err := c.ContainerLogs(ctx, target, dockwire.ContainerLogsOptions{Tail: 100})
			if err != nil {
				return err
			}
			defer s.Close()
			_, err = s.CopyTo(io.Discard, io.Discard)
			return err
		},
		"exec": func(ctx context.Context) error {
			code, err := c.Exec(ctx, target, dockwire.ExecOptions{Cmd: []string{"true"}})
			if err == nil && code != 0 {
				err = fmt.Errorf("exit code %d", code)
			}
			return err
		},
	}, func() { c.Close() }, nil
}

func mobyOps(host string) (map[string]op, func(), error) {
	c, err := client.New(client.WithHost(host))
	if err != nil {
		return nil, nil, err
	}
	return map[string]op{
		"ping": func(ctx context.Context) error {
			_, err := c.Ping(ctx, client.PingOptions{})
			return err
		},
		"list": func(ctx context.Context) error {
			list, err := c.ContainerList(ctx, client.ContainerListOptions{Filters: make(client.Filters).Add("label", label)})
			if err == nil && len(list.Items) == 0 {
				err = errors.New("empty container list")
			}
			return err
		},
		"inspect": func(ctx context.Context) error {
			_, err := c.ContainerInspect(ctx, target, client.ContainerInspectOptions{})
			return err
		},
		"logs": func(ctx context.Context) error {
			r, err := c.ContainerLogs(ctx, target, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: "100"})
			if err != nil {
				return err
			}
			defer r.Close()
			_, err = mobystdcopy.StdCopy(io.Discard, io.Discard, r)
			return err
		},
		"exec": func(ctx context.Context) error {
			x, err := c.ExecCreate(ctx, target, client.ExecCreateOptions{Cmd: []string{"true"}, AttachStdout: true, AttachStderr: true})
			if err != nil {
				return err
			}
			att, err := c.ExecAttach(ctx, x.ID, client.ExecAttachOptions{})
			if err != nil {
				return err
			}
			_, err = mobystdcopy.StdCopy(io.Discard, io.Discard, att.Reader)
			att.Close()
			if err != nil {
				return err
			}
			// The daemon records the exit code a moment after the output
			// ends: poll as dockwire.ExecWait does.
			return poll(ctx, func() (bool, error) {
				res, err := c.ExecInspect(ctx, x.ID, client.ExecInspectOptions{})
				if err == nil && !res.Running && res.ExitCode != 0 {
					err = fmt.Errorf("exit code %d", res.ExitCode)
				}
				return err == nil && !res.Running, err
			})
		},
	}, func() { c.Close() }, nil
}

func dockerOps(host string) (map[string]op, func(), error) {
	c, err := dockerclient.NewClientWithOpts(dockerclient.WithHost(host), dockerclient.WithAPIVersionNegotiation())
	if err != nil {
		return nil, nil, err
	}
	return map[string]op{
		"ping": func(ctx context.Context) error {
			_, err := c.Ping(ctx)
			return err
		},
		"list": func(ctx context.Context) error {
			list, err := c.ContainerList(ctx, dockercontainer.ListOptions{Filters: dockerfilters.NewArgs(dockerfilters.Arg("label", label))})
			if err == nil && len(list) == 0 {
				err = errors.New("empty container list")
			}
			return err
		},
		"inspect": func(ctx context.Context) error {
			_, err := c.ContainerInspect(ctx, target)
			return err
		},
		"logs": func(ctx context.Context) error {
			r, err := c.ContainerLogs(ctx, target, dockercontainer.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: "100"})
			if err != nil {
				return err
			}
			defer r.Close()
			_, err = dockerstdcopy.StdCopy(io.Discard, io.Discard, r)
			return err
		},
		"exec": func(ctx context.Context) error {
			x, err := c.ContainerExecCreate(ctx, target, dockercontainer.ExecOptions{Cmd: []string{"true"}, AttachStdout: true, AttachStderr: true})
			if err != nil {
				return err
			}
			att, err := c.ContainerExecAttach(ctx, x.ID, dockercontainer.ExecAttachOptions{})
			if err != nil {
				return err
			}
			_, err = dockerstdcopy.StdCopy(io.Discard, io.Discard, att.Reader)
			att.Close()
			if err != nil {
				return err
			}
			return poll(ctx, func() (bool, error) {
				res, err := c.ContainerExecInspect(ctx, x.ID)
				if err == nil && !res.Running && res.ExitCode != 0 {
					err = fmt.Errorf("exit code %d", res.ExitCode)
				}
				return err == nil && !res.Running, err
			})
		},
	}, func() { c.Close() }, nil
}

// poll calls done until it reports true, waiting 5ms, then twice as long
// each time up to 200ms: dockwire.ExecWait's schedule.
func poll(ctx context.Context, done func() (bool, error)) error {
	delay := 5 * time.Millisecond
	for {
		ok, err := done()
		if ok || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 200*time.Millisecond)
	}
}

func rawOps(host string) (map[string]op, func(), error) {
	api, err := replay.PingVersion(host)
	if err != nil {
		return nil, nil, err
	}
	conn, err := rawhttp.Dial(host)
	if err != nil {
		return nil, nil, err
	}
	v := "/v" + api
	ping := rawhttp.Get(nil, "HEAD", "/_ping")
	list := rawhttp.Get(nil, "GET", v+"/containers/json?"+listQuery())
	inspect := rawhttp.Get(nil, "GET", v+"/containers/"+target+"/json")
	logs := rawhttp.Get(nil, "GET", v+"/containers/"+target+"/logs?stdout=1&stderr=1&tail=100")
	create := rawhttp.Post(nil, v+"/containers/"+target+"/exec", []byte(replay.ExecBody), false)
	startBody := []byte(`{"Detach":false,"Tty":false}`)
	var req []byte
	get := func(req []byte, head bool) (rawhttp.Response, error) {
		resp, err := conn.Do(req, head)
		if err == nil && resp.Status/100 != 2 {
			err = fmt.Errorf("status %d: %s", resp.Status, resp.Body)
		}
		return resp, err
	}
	simple := func(req []byte, head bool) op {
		return func(context.Context) error {
			_, err := get(req, head)
			return err
		}
	}
	return map[string]op{
		"ping":    simple(ping, true),
		"list":    simple(list, false),
		"inspect": simple(inspect, false),
		"logs":    simple(logs, false),
		"exec": func(ctx context.Context) error {
			resp, err := get(create, false)
			if err != nil {
				return err
			}
			id := string(rawhttp.JSONString(resp.Body, "Id"))
			sc, err := rawhttp.Dial(host)
			if err != nil {
				return err
			}
			req = rawhttp.Post(req[:0], v+"/exec/"+id+"/start", startBody, false)
			_, err = sc.Do(req, false)
			sc.Close()
			if err != nil {
				return err
			}
			req = rawhttp.Get(req[:0], "GET", v+"/exec/"+id+"/json")
			return poll(ctx, func() (bool, error) {
				resp, err := get(req, false)
				if err != nil {
					return false, err
				}
				if !bytes.Contains(resp.Body, []byte(`"Running":false`)) {
					return false, nil
				}
				if !bytes.Contains(resp.Body, []byte(`"ExitCode":0`)) {
					return false, fmt.Errorf("exec failed: %s", resp.Body)
				}
				return true, nil
			})
		},
	}, func() { conn.Close() }, nil
}

// BenchmarkCall is section 2: each call with each client, against each live
// engine (backend=real) and against a fake that replays that engine's
// recorded answers (backend=fake).
func BenchmarkCall(b *testing.B) {
	for _, e := range engines() {
		for _, backend := range []string{"real", "fake"} {
			for _, opName := range opNames {
				for _, cl := range clientNames {
					name := fmt.Sprintf("engine=%s/backend=%s/op=%s/client=%s", e.name, backend, opName, cl)
					b.Run(name, func(b *testing.B) {
						host := e.host
						if backend == "fake" {
							var err error
							if host, err = fakes.host(e); err != nil {
								b.Fatal(err)
							}
						}
						ops, closeOps, err := newOps(cl, host)
						if err != nil {
							b.Fatal(err)
						}
						defer closeOps()
						call := ops[opName]
						ctx := context.Background()
						// The first call negotiates the version and opens the
						// connection: what a long-lived program pays once.
						if err := call(ctx); err != nil {
							b.Fatalf("%s %s on %s: %v", cl, opName, host, err)
						}
						b.ReportAllocs()
						b.ResetTimer()
						for range b.N {
							if err := call(ctx); err != nil {
								b.Fatalf("%s %s on %s: %v", cl, opName, host, err)
							}
						}
					})
				}
			}
		}
	}
}

package dockwire_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/google/go-cmp/cmp"
)

// nvFake starts a fake engine and a client for it.
func nvFake(t *testing.T, opts ...enginetest.Option) (*enginetest.Engine, *dockwire.Client) {
	t.Helper()
	e := enginetest.New(t, opts...)
	return e, streamClient(t, e)
}

// nvReply answers with status and a JSON body.
func nvReply(status int, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { jsonReply(w, status, body) })
}

// nvRequest is the part of a request the request-building tests compare.
type nvRequest struct {
	Method, Path string
	Query        url.Values
	Body         any // the decoded JSON body, or nil
}

// nvLast returns the last request other than a ping, in comparable form.
// requestCase is a call and the request it must send.
type requestCase struct {
	name string
	do   func() error
	want nvRequest
}

// checkRequests runs each case's call and compares the request the fake
// engine received with the one expected.
func checkRequests(t *testing.T, e *enginetest.Engine, tests []requestCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, nvLast(t, e)); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

func nvLast(t *testing.T, e *enginetest.Engine) nvRequest {
	t.Helper()
	reqs := e.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		r := reqs[i]
		if r.Route == "/_ping" {
			continue
		}
		got := nvRequest{Method: r.Method, Path: r.Path, Query: r.Query}
		if len(got.Query) == 0 {
			got.Query = nil
		}
		if len(r.Body) > 0 {
			if err := json.Unmarshal(r.Body, &got.Body); err != nil {
				t.Fatalf("request body is not JSON: %v: %q", err, r.Body)
			}
		}
		return got
	}
	t.Fatal("the engine saw no request")
	return nvRequest{}
}

// nvJSON decodes a JSON literal for comparison with a request body.
func nvJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

const nvNetworkJSON = `{"Name":"web","Id":"7d86d31b1478","Created":"2016-10-19T04:33:30.360899459Z","Scope":"local","Driver":"bridge",
"EnableIPv6":false,"IPAM":{"Driver":"default","Options":null,"Config":[{"Subnet":"10.213.7.0/24","Gateway":"10.213.7.1"}]},
"Internal":true,"Attachable":false,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,
"Containers":{"19a4d5d687db":{"Name":"c1","EndpointID":"628cadb8","MacAddress":"02:42:ac:13:00:02","IPv4Address":"10.213.7.2/24","IPv6Address":""}},
"Options":{"com.docker.network.bridge.name":"br-web"},"Labels":{"a":"b"}}`

func TestNetworkRequests(t *testing.T) {
	e, c := nvFake(t, enginetest.WithAPIVersion("1.51"))
	e.Handle("POST", "/networks/create", nvReply(201, `{"Id":"7d86d31b1478","Warning":""}`))
	e.Handle("GET", "/networks/{id}", nvReply(200, nvNetworkJSON))
	e.Handle("GET", "/networks", nvReply(200, "["+nvNetworkJSON+"]"))
	e.Handle("DELETE", "/networks/{id}", nvReply(204, ""))
	e.Handle("POST", "/networks/{id}/connect", nvReply(200, ""))
	e.Handle("POST", "/networks/{id}/disconnect", nvReply(200, ""))
	e.Handle("POST", "/networks/prune", nvReply(200, `{"NetworksDeleted":["n1","n2"]}`))
	ctx := testContext(t)

	tests := []requestCase{{
		name: "create",
		do: func() error {
			_, err := c.NetworkCreate(ctx, dockwire.NetworkCreateOptions{Name: "web", Internal: true, Labels: map[string]string{"a": "b"},
				IPAM: &engine.IPAM{Config: []engine.IPAMConfig{{Subnet: "10.213.7.0/24", Gateway: "10.213.7.1"}}}})
			return err
		},
		want: nvRequest{Method: "POST", Path: "/v1.51/networks/create",
			Body: nvJSON(t, `{"Name":"web","Internal":true,"Labels":{"a":"b"},"IPAM":{"Config":[{"Subnet":"10.213.7.0/24","Gateway":"10.213.7.1"}]}}`)},
	}, {
		name: "inspect",
		do: func() error {
			_, err := c.NetworkInspect(ctx, "web", dockwire.NetworkInspectOptions{Verbose: true, Scope: "local"})
			return err
		},
		want: nvRequest{Method: "GET", Path: "/v1.51/networks/web", Query: url.Values{"verbose": {"1"}, "scope": {"local"}}},
	}, {
		name: "list",
		do: func() error {
			_, err := c.NetworkList(ctx, dockwire.NetworkListOptions{Filters: dockwire.Filters{"label": {"a=b"}}})
			return err
		},
		want: nvRequest{Method: "GET", Path: "/v1.51/networks", Query: url.Values{"filters": {`{"label":["a=b"]}`}}},
	}, {
		name: "remove",
		do:   func() error { return c.NetworkRemove(ctx, "web") },
		want: nvRequest{Method: "DELETE", Path: "/v1.51/networks/web"},
	}, {
		name: "connect",
		do: func() error {
			return c.NetworkConnect(ctx, "web", "c1", dockwire.NetworkConnectOptions{Aliases: []string{"db"}, IPv4Address: "10.213.7.9", GwPriority: 5})
		},
		want: nvRequest{Method: "POST", Path: "/v1.51/networks/web/connect",
			Body: nvJSON(t, `{"Container":"c1","EndpointConfig":{"Aliases":["db"],"IPAMConfig":{"IPv4Address":"10.213.7.9"},"GwPriority":5}}`)},
	}, {
		name: "connect-defaults",
		do:   func() error { return c.NetworkConnect(ctx, "web", "c1", dockwire.NetworkConnectOptions{}) },
		want: nvRequest{Method: "POST", Path: "/v1.51/networks/web/connect", Body: nvJSON(t, `{"Container":"c1","EndpointConfig":{}}`)},
	}, {
		name: "disconnect",
		do: func() error {
			return c.NetworkDisconnect(ctx, "web", "c1", dockwire.NetworkDisconnectOptions{Force: true})
		},
		want: nvRequest{Method: "POST", Path: "/v1.51/networks/web/disconnect", Body: nvJSON(t, `{"Container":"c1","Force":true}`)},
	}, {
		name: "prune",
		do: func() error {
			_, err := c.NetworkPrune(ctx, dockwire.NetworkPruneOptions{Filters: dockwire.Filters{"label": {"x"}, "until": {"10m"}}})
			return err
		},
		want: nvRequest{Method: "POST", Path: "/v1.51/networks/prune", Query: url.Values{"filters": {`{"label":["x"],"until":["10m"]}`}}},
	}}
	checkRequests(t, e, tests)
}

func TestNetworkDecode(t *testing.T) {
	e, c := nvFake(t)
	e.Handle("GET", "/networks/{id}", nvReply(200, nvNetworkJSON))
	e.Handle("POST", "/networks/prune", nvReply(200, `{"NetworksDeleted":["n1","n2"]}`))
	ctx := testContext(t)
	n, err := c.NetworkInspect(ctx, "web", dockwire.NetworkInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := engine.EndpointResource{Name: "c1", EndpointID: "628cadb8", MacAddress: "02:42:ac:13:00:02", IPv4Address: "10.213.7.2/24"}
	if diff := cmp.Diff(want, n.Containers["19a4d5d687db"]); diff != "" {
		t.Errorf("endpoint (-want +got):\n%s", diff)
	}
	if n.Name != "web" || n.ID != "7d86d31b1478" || !n.Internal || n.Created.IsZero() || n.Labels["a"] != "b" {
		t.Errorf("network = %+v", n.Network)
	}
	if !n.EnableIPv4 {
		t.Error("EnableIPv4 = false for a network with an IPv4 subnet and no EnableIPv4 field")
	}
	if diff := cmp.Diff(engine.IPAM{Driver: "default", Config: []engine.IPAMConfig{{Subnet: "10.213.7.0/24", Gateway: "10.213.7.1"}}}, n.IPAM); diff != "" {
		t.Errorf("IPAM (-want +got):\n%s", diff)
	}
	if got := n.Get("Options.com\\.docker\\.network\\.bridge\\.name").String(); got != "br-web" {
		t.Errorf("Raw option = %q", got)
	}
	rep, err := c.NetworkPrune(ctx, dockwire.NetworkPruneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"n1", "n2"}, rep.NetworksDeleted); diff != "" {
		t.Errorf("pruned (-want +got):\n%s", diff)
	}
}

// Below API 1.44 a daemon creates a second network of a taken name unless
// asked to check; from 1.44 it always checks and the field is gone.
func TestNetworkCreateCheckDuplicate(t *testing.T) {
	for _, tt := range []struct {
		api  string
		want any
	}{{"1.41", true}, {"1.44", nil}} {
		t.Run(tt.api, func(t *testing.T) {
			e, c := nvFake(t, enginetest.WithAPIVersion(tt.api))
			e.Handle("POST", "/networks/create", nvReply(201, `{"Id":"abc","Warning":"w"}`))
			resp, err := c.NetworkCreate(testContext(t), dockwire.NetworkCreateOptions{Name: "n"})
			if err != nil {
				t.Fatal(err)
			}
			if resp.ID != "abc" || resp.Warning != "w" {
				t.Errorf("response = %+v", resp)
			}
			body := nvLast(t, e).Body.(map[string]any)
			if got := body["CheckDuplicate"]; got != tt.want {
				t.Errorf("CheckDuplicate = %v, want %v (body %v)", got, tt.want, body)
			}
		})
	}
}

func TestNetworkConnectVersionGates(t *testing.T) {
	e, c := nvFake(t, enginetest.WithAPIVersion("1.41"))
	ctx := testContext(t)
	for name, opts := range map[string]dockwire.NetworkConnectOptions{
		"mac":        {MacAddress: "02:42:ac:11:00:04"},
		"gwpriority": {GwPriority: 1},
	} {
		err := c.NetworkConnect(ctx, "n", "c", opts)
		if !errors.Is(err, dockwire.ErrAPIVersion) {
			t.Errorf("%s: err = %v, want ErrAPIVersion", name, err)
		}
	}
	if n := e.Count("POST", "/networks/{id}/connect"); n != 0 {
		t.Errorf("the engine saw %d connect requests", n)
	}
}

// The daemon answers 404 for a missing network and for a missing container
// alike; the client tells them apart.
func TestNetworkConnectNotFound(t *testing.T) {
	e, c := nvFake(t)
	e.Handle("POST", "/networks/{id}/connect", nvReply(404, `{"message":"not found"}`))
	e.Handle("POST", "/networks/{id}/disconnect", nvReply(404, `{"message":"not found"}`))
	e.Handle("GET", "/networks/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "there" {
			jsonReply(w, 200, nvNetworkJSON)
			return
		}
		jsonReply(w, 404, `{"message":"network missing not found"}`)
	}))
	ctx := testContext(t)
	for _, do := range []func(network string) error{
		func(n string) error { return c.NetworkConnect(ctx, n, "gone", dockwire.NetworkConnectOptions{}) },
		func(n string) error { return c.NetworkDisconnect(ctx, n, "gone", dockwire.NetworkDisconnectOptions{}) },
	} {
		err := do("missing")
		if !errors.Is(err, dockwire.ErrNetworkNotFound) || errors.Is(err, dockwire.ErrContainerNotFound) {
			t.Errorf("missing network: err = %v, want ErrNetworkNotFound only", err)
		}
		err = do("there")
		if !errors.Is(err, dockwire.ErrContainerNotFound) || errors.Is(err, dockwire.ErrNetworkNotFound) {
			t.Errorf("missing container: err = %v, want ErrContainerNotFound only", err)
		}
		var ae *dockwire.APIError
		if !errors.As(err, &ae) || ae.ID != "gone" {
			t.Errorf("missing container: APIError = %+v", ae)
		}
	}
}

func TestNetworkErrorsNotFound(t *testing.T) {
	e, c := nvFake(t)
	e.Handle("", "/networks/{id}", nvReply(404, `{"message":"network x not found"}`))
	ctx := testContext(t)
	_, err := c.NetworkInspect(ctx, "x", dockwire.NetworkInspectOptions{})
	if !errors.Is(err, dockwire.ErrNetworkNotFound) {
		t.Errorf("inspect: %v", err)
	}
	if err := c.NetworkRemove(ctx, "x"); !errors.Is(err, dockwire.ErrNetworkNotFound) {
		t.Errorf("remove: %v", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.NetworkList(ctx, dockwire.NetworkListOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("list with a cancelled context: %v", err)
	}
}

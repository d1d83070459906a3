package dockwire_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/stdcopy"
	"github.com/google/go-cmp/cmp"
)

// A service and a task as Docker 20.10 sends them (trimmed).
const (
	swServiceJSON = `{"ID":"iartd90ey18myxzgf42m9nwxc","Version":{"Index":30},"CreatedAt":"2026-12-02T12:25:07.252886683Z","UpdatedAt":"2026-12-02T12:25:09.960119636Z",
"Spec":{"Name":"web","Labels":{},"TaskTemplate":{"ContainerSpec":{"Image":"busybox:local","Args":["sleep","1000"],"Init":false,"StopGracePeriod":10000000000,"DNSConfig":{},"Isolation":"default","Privileges":{"NoNewPrivileges":true}},
"Resources":{"Limits":{},"Reservations":{}},"RestartPolicy":{"Condition":"any","Delay":5000000000,"MaxAttempts":0},"Placement":{"Constraints":["node.role==manager"],"MaxReplicas":1},"ForceUpdate":0,"Runtime":"container"},
"Mode":{"Replicated":{"Replicas":2}},"UpdateConfig":{"Parallelism":1,"FailureAction":"pause","Monitor":5000000000,"MaxFailureRatio":0,"Order":"stop-first"},
"EndpointSpec":{"Mode":"vip"}},"Endpoint":{"Spec":{}},
"UpdateStatus":{"State":"paused","StartedAt":"2026-12-02T12:25:09.6446348Z","Message":"update paused due to failure"},
"ServiceStatus":{"RunningTasks":1,"DesiredTasks":2,"CompletedTasks":0}}`
	swTaskJSON = `{"ID":"gftpcjh4x25q6du5j21uu1j7c","Version":{"Index":34},"CreatedAt":"2026-12-02T12:25:09.96357495Z","UpdatedAt":"2026-12-02T12:25:10.264318763Z","Labels":{},
"Spec":{"ContainerSpec":{"Image":"busybox:local","Args":["sleep","1000"]},"Placement":{}},"ServiceID":"iartd90ey18myxzgf42m9nwxc","Slot":1,"NodeID":"krs48pl1o55ggpvr4l6hrprv5",
"Status":{"Timestamp":"2026-12-02T12:25:10.182918281Z","State":"rejected","Message":"preparing","Err":"No such image: busybox:local","ContainerStatus":{"ContainerID":"","PID":0,"ExitCode":0},"PortStatus":{}},"DesiredState":"ready"}`
	swNodeJSON = `{"ID":"krs48pl1o55ggpvr4l6hrprv5","Version":{"Index":9},"CreatedAt":"2026-12-02T12:25:05.885045448Z","UpdatedAt":"2026-12-02T12:25:06.553036228Z",
"Spec":{"Labels":{},"Role":"manager","Availability":"active"},"Description":{"Hostname":"vm","Platform":{"Architecture":"x86_64","OS":"linux"},
"Resources":{"NanoCPUs":2000000000,"MemoryBytes":25275953152},"Engine":{"EngineVersion":"20.10.24+dfsg1"}},
"Status":{"State":"ready","Addr":"127.0.0.1"},"ManagerStatus":{"Leader":true,"Reachability":"reachable","Addr":"127.0.0.1:2377"}}`
	swSwarmJSON = `{"ID":"urqfgmz3f5h1w4hreaf7c04r5","Version":{"Index":10},"CreatedAt":"2026-12-02T12:25:05.884896788Z","UpdatedAt":"2026-12-02T12:25:06.629422383Z",
"Spec":{"Name":"default","Labels":{},"Orchestration":{"TaskHistoryRetentionLimit":5},"Raft":{"SnapshotInterval":10000,"KeepOldSnapshots":0,"LogEntriesForSlowFollowers":500,"ElectionTick":10,"HeartbeatTick":1},
"Dispatcher":{"HeartbeatPeriod":5000000000},"CAConfig":{"NodeCertExpiry":7776000000000000,"ExternalCAs":[{"Protocol":"cfssl","URL":"https://ca.example"}]},"TaskDefaults":{},"EncryptionConfig":{"AutoLockManagers":false}},
"RootRotationInProgress":false,"DefaultAddrPool":["10.0.0.0/8"],"SubnetSize":24,"DataPathPort":4789,"JoinTokens":{"Worker":"SWMTKN-1-w","Manager":"SWMTKN-1-m"}}`
	swSecretJSON = `{"ID":"lycrjp18jdhyog64zw1m9d3rz","Version":{"Index":35},"CreatedAt":"2026-12-02T12:25:13.360525146Z","UpdatedAt":"2026-12-02T12:25:13.360525146Z","Spec":{"Name":"dwp","Labels":{"a":"b"}}}`
)

func TestSwarmRequests(t *testing.T) {
	e, c := nvFake(t, enginetest.WithAPIVersion("1.51"))
	e.Handle("POST", "/swarm/init", nvReply(200, `"krs48pl1o55ggpvr4l6hrprv5"`))
	e.Handle("POST", "/swarm/join", nvReply(200, ""))
	e.Handle("POST", "/swarm/leave", nvReply(200, ""))
	e.Handle("GET", "/swarm", nvReply(200, swSwarmJSON))
	e.Handle("POST", "/swarm/update", nvReply(200, ""))
	e.Handle("GET", "/swarm/unlockkey", nvReply(200, `{"UnlockKey":"SWMKEY-1-x"}`))
	e.Handle("POST", "/swarm/unlock", nvReply(200, ""))
	e.Handle("GET", "/nodes", nvReply(200, "["+swNodeJSON+"]"))
	e.Handle("GET", "/nodes/{id}", nvReply(200, swNodeJSON))
	e.Handle("POST", "/nodes/{id}/update", nvReply(200, ""))
	e.Handle("DELETE", "/nodes/{id}", nvReply(200, ""))
	e.Handle("POST", "/services/create", nvReply(201, `{"ID":"iartd90ey18myxzgf42m9nwxc"}`))
	e.Handle("GET", "/services", nvReply(200, "["+swServiceJSON+"]"))
	e.Handle("GET", "/services/{id}", nvReply(200, swServiceJSON))
	e.Handle("POST", "/services/{id}/update", nvReply(200, `{"Warnings":null}`))
	e.Handle("DELETE", "/services/{id}", nvReply(200, ""))
	e.Handle("GET", "/tasks", nvReply(200, "["+swTaskJSON+"]"))
	e.Handle("GET", "/tasks/{id}", nvReply(200, swTaskJSON))
	e.Handle("POST", "/secrets/create", nvReply(201, `{"ID":"lycrjp18jdhyog64zw1m9d3rz"}`))
	e.Handle("GET", "/secrets", nvReply(200, "["+swSecretJSON+"]"))
	e.Handle("GET", "/secrets/{id}", nvReply(200, swSecretJSON))
	e.Handle("POST", "/secrets/{id}/update", nvReply(200, ""))
	e.Handle("DELETE", "/secrets/{id}", nvReply(204, ""))
	e.Handle("POST", "/configs/create", nvReply(201, `{"ID":"c1"}`))
	e.Handle("GET", "/configs", nvReply(200, "[]"))
	e.Handle("GET", "/configs/{id}", nvReply(200, `{"ID":"c1","Version":{"Index":3},"Spec":{"Name":"app.conf","Data":"aGk="}}`))
	e.Handle("POST", "/configs/{id}/update", nvReply(200, ""))
	e.Handle("DELETE", "/configs/{id}", nvReply(204, ""))
	ctx := testContext(t)
	two := engine.ServiceSpec{
		Name: "web", Labels: map[string]string{"app": "shop"},
		TaskTemplate: engine.TaskSpec{
			ContainerSpec: &engine.ContainerSpec{Image: "busybox:local", Args: []string{"sleep", "60"}, StopGracePeriod: 2 * time.Second,
				Secrets: []engine.SecretReference{{SecretID: "s1", SecretName: "pw", File: &engine.SecretFile{Name: "pw", UID: "0", GID: "0", Mode: 0o400}}}},
			Placement:     &engine.Placement{Constraints: []string{"node.role==worker"}, MaxReplicas: 1},
			RestartPolicy: &engine.SwarmRestartPolicy{Condition: "on-failure", MaxAttempts: 3},
			Resources:     &engine.ResourceRequirements{Limits: &engine.Limit{MemoryBytes: 64 << 20}},
		},
		Mode:         engine.ServiceMode{Replicated: &engine.ReplicatedService{Replicas: 2}},
		UpdateConfig: &engine.UpdateConfig{Parallelism: 1, Delay: time.Second, Order: "start-first"},
		EndpointSpec: &engine.EndpointSpec{Ports: []engine.EndpointPortConfig{{TargetPort: 80, PublishedPort: 8080}}},
	}

	tests := []requestCase{{
		name: "swarm init",
		do: func() error {
			id, err := c.SwarmInit(ctx, dockwire.SwarmInitOptions{AdvertiseAddr: "10.77.0.1",
				Spec: engine.SwarmSpec{EncryptionConfig: &engine.EncryptionConfig{AutoLockManagers: true}}})
			if err == nil && id != "krs48pl1o55ggpvr4l6hrprv5" {
				return errors.New("node ID " + id)
			}
			return err
		},
		want: nvRequest{Method: "POST", Path: "/v1.51/swarm/init",
			Body: nvJSON(t, `{"ListenAddr":"0.0.0.0:2377","AdvertiseAddr":"10.77.0.1","Spec":{"EncryptionConfig":{"AutoLockManagers":true}}}`)},
	}, {
		name: "swarm join",
		do: func() error {
			return c.SwarmJoin(ctx, dockwire.SwarmJoinOptions{RemoteAddrs: []string{"10.77.0.1:2377"}, JoinToken: "SWMTKN-1-w", AdvertiseAddr: "10.77.0.2"})
		},
		want: nvRequest{Method: "POST", Path: "/v1.51/swarm/join",
			Body: nvJSON(t, `{"ListenAddr":"0.0.0.0:2377","AdvertiseAddr":"10.77.0.2","RemoteAddrs":["10.77.0.1:2377"],"JoinToken":"SWMTKN-1-w"}`)},
	}, {
		name: "swarm leave",
		do:   func() error { return c.SwarmLeave(ctx, dockwire.SwarmLeaveOptions{Force: true}) },
		want: nvRequest{Method: "POST", Path: "/v1.51/swarm/leave", Query: url.Values{"force": {"1"}}},
	}, {
		name: "swarm inspect",
		do:   func() error { _, err := c.SwarmInspect(ctx); return err },
		want: nvRequest{Method: "GET", Path: "/v1.51/swarm"},
	}, {
		name: "swarm update keeps what the struct lacks",
		do: func() error {
			sw, err := c.SwarmInspect(ctx)
			if err != nil {
				return err
			}
			sw.Spec.Labels = map[string]string{"env": "test"}
			return c.SwarmUpdate(ctx, sw.Version, sw.Spec, dockwire.SwarmUpdateOptions{RotateWorkerToken: true})
		},
		want: nvRequest{Method: "POST", Path: "/v1.51/swarm/update", Query: url.Values{"version": {"10"}, "rotateWorkerToken": {"1"}},
			Body: nvJSON(t, `{"Name":"default","Labels":{"env":"test"},"Orchestration":{"TaskHistoryRetentionLimit":5},"Raft":{"SnapshotInterval":10000,"KeepOldSnapshots":0,"LogEntriesForSlowFollowers":500,"ElectionTick":10,"HeartbeatTick":1},
"Dispatcher":{"HeartbeatPeriod":5000000000},"CAConfig":{"NodeCertExpiry":7776000000000000,"ExternalCAs":[{"Protocol":"cfssl","URL":"https://ca.example"}]},"TaskDefaults":{},"EncryptionConfig":{"AutoLockManagers":false}}`)},
	}, {
		name: "unlock key",
		do: func() error {
			k, err := c.SwarmUnlockKey(ctx)
			if err == nil && k != "SWMKEY-1-x" {
				return errors.New("key " + k)
			}
			return err
		},
		want: nvRequest{Method: "GET", Path: "/v1.51/swarm/unlockkey"},
	}, {
		name: "unlock",
		do:   func() error { return c.SwarmUnlock(ctx, "SWMKEY-1-x") },
		want: nvRequest{Method: "POST", Path: "/v1.51/swarm/unlock", Body: nvJSON(t, `{"UnlockKey":"SWMKEY-1-x"}`)},
	}, {
		name: "node list",
		do: func() error {
			_, err := c.NodeList(ctx, dockwire.NodeListOptions{Filters: dockwire.Filters{"role": {"worker"}}})
			return err
		},
		want: nvRequest{Method: "GET", Path: "/v1.51/nodes", Query: url.Values{"filters": {`{"role":["worker"]}`}}},
	}, {
		name: "node inspect",
		do:   func() error { _, err := c.NodeInspect(ctx, "vm"); return err },
		want: nvRequest{Method: "GET", Path: "/v1.51/nodes/vm"},
	}, {
		name: "node drain",
		do: func() error {
			n, err := c.NodeInspect(ctx, "vm")
			if err != nil {
				return err
			}
			n.Spec.Availability = "drain"
			return c.NodeUpdate(ctx, n.ID, n.Version, n.Spec)
		},
		want: nvRequest{Method: "POST", Path: "/v1.51/nodes/krs48pl1o55ggpvr4l6hrprv5/update", Query: url.Values{"version": {"9"}},
			Body: nvJSON(t, `{"Labels":{},"Role":"manager","Availability":"drain"}`)},
	}, {
		name: "node remove",
		do:   func() error { return c.NodeRemove(ctx, "vm", dockwire.NodeRemoveOptions{Force: true}) },
		want: nvRequest{Method: "DELETE", Path: "/v1.51/nodes/vm", Query: url.Values{"force": {"1"}}},
	}, {
		name: "service create",
		do: func() error {
			_, err := c.ServiceCreate(ctx, dockwire.ServiceCreateOptions{Spec: two, Auth: dockwire.AuthConfig{Username: "u", Password: "p"}})
			return err
		},
		want: nvRequest{Method: "POST", Path: "/v1.51/services/create",
			Body: nvJSON(t, `{"Name":"web","Labels":{"app":"shop"},"TaskTemplate":{"ContainerSpec":{"Image":"busybox:local","Args":["sleep","60"],"StopGracePeriod":2000000000,
"Secrets":[{"File":{"Name":"pw","UID":"0","GID":"0","Mode":256},"SecretID":"s1","SecretName":"pw"}]},
"Resources":{"Limits":{"MemoryBytes":67108864}},"RestartPolicy":{"Condition":"on-failure","MaxAttempts":3},"Placement":{"Constraints":["node.role==worker"],"MaxReplicas":1}},
"Mode":{"Replicated":{"Replicas":2}},"UpdateConfig":{"Parallelism":1,"Delay":1000000000,"Order":"start-first"},"EndpointSpec":{"Ports":[{"TargetPort":80,"PublishedPort":8080}]}}`)},
	}, {
		name: "service list with status",
		do: func() error {
			_, err := c.ServiceList(ctx, dockwire.ServiceListOptions{Status: true, Filters: dockwire.Filters{"mode": {"replicated"}}})
			return err
		},
		want: nvRequest{Method: "GET", Path: "/v1.51/services", Query: url.Values{"status": {"1"}, "filters": {`{"mode":["replicated"]}`}}},
	}, {
		name: "service inspect",
		do: func() error {
			_, err := c.ServiceInspect(ctx, "web", dockwire.ServiceInspectOptions{InsertDefaults: true})
			return err
		},
		want: nvRequest{Method: "GET", Path: "/v1.51/services/web", Query: url.Values{"insertDefaults": {"1"}}},
	}, {
		name: "service rollback",
		do: func() error {
			_, err := c.ServiceUpdate(ctx, "web", engine.ObjectVersion{Index: 30}, two, dockwire.ServiceUpdateOptions{Rollback: true, RegistryAuthFrom: "previous-spec"})
			return err
		},
		want: nvRequest{Method: "POST", Path: "/v1.51/services/web/update",
			Query: url.Values{"version": {"30"}, "rollback": {"previous"}, "registryAuthFrom": {"previous-spec"}}, Body: nvJSON(t, mustMarshal(t, two))},
	}, {
		name: "service scale keeps what the struct lacks",
		do:   func() error { return c.ServiceScale(ctx, "web", 4) },
		want: nvRequest{Method: "POST", Path: "/v1.51/services/iartd90ey18myxzgf42m9nwxc/update", Query: url.Values{"version": {"30"}},
			Body: nvJSON(t, `{"Name":"web","Labels":{},"TaskTemplate":{"ContainerSpec":{"Image":"busybox:local","Args":["sleep","1000"],"Init":false,"StopGracePeriod":10000000000,"DNSConfig":{},"Isolation":"default","Privileges":{"NoNewPrivileges":true}},
"Resources":{"Limits":{},"Reservations":{}},"RestartPolicy":{"Condition":"any","Delay":5000000000,"MaxAttempts":0},"Placement":{"Constraints":["node.role==manager"],"MaxReplicas":1},"ForceUpdate":0,"Runtime":"container"},
"Mode":{"Replicated":{"Replicas":4}},"UpdateConfig":{"Parallelism":1,"FailureAction":"pause","Monitor":5000000000,"MaxFailureRatio":0,"Order":"stop-first"},"EndpointSpec":{"Mode":"vip"}}`)},
	}, {
		name: "service modify clears a field",
		do: func() error {
			_, err := c.ServiceModify(ctx, "web", func(s *engine.ServiceSpec) error {
				s.TaskTemplate.Placement.Constraints = nil
				s.TaskTemplate.ContainerSpec.Image = "busybox:2"
				return nil
			})
			return err
		},
		want: nvRequest{Method: "POST", Path: "/v1.51/services/iartd90ey18myxzgf42m9nwxc/update", Query: url.Values{"version": {"30"}},
			Body: nvJSON(t, `{"Name":"web","Labels":{},"TaskTemplate":{"ContainerSpec":{"Image":"busybox:2","Args":["sleep","1000"],"Init":false,"StopGracePeriod":10000000000,"DNSConfig":{},"Isolation":"default","Privileges":{"NoNewPrivileges":true}},
"Resources":{"Limits":{},"Reservations":{}},"RestartPolicy":{"Condition":"any","Delay":5000000000,"MaxAttempts":0},"Placement":{"MaxReplicas":1},"ForceUpdate":0,"Runtime":"container"},
"Mode":{"Replicated":{"Replicas":2}},"UpdateConfig":{"Parallelism":1,"FailureAction":"pause","Monitor":5000000000,"MaxFailureRatio":0,"Order":"stop-first"},"EndpointSpec":{"Mode":"vip"}}`)},
	}, {
		name: "service remove",
		do:   func() error { return c.ServiceRemove(ctx, "web", dockwire.ServiceRemoveOptions{}) },
		want: nvRequest{Method: "DELETE", Path: "/v1.51/services/web"},
	}, {
		name: "task list",
		do: func() error {
			_, err := c.TaskList(ctx, dockwire.TaskListOptions{Filters: dockwire.Filters{"service": {"web"}, "desired-state": {"running"}}})
			return err
		},
		want: nvRequest{Method: "GET", Path: "/v1.51/tasks", Query: url.Values{"filters": {`{"desired-state":["running"],"service":["web"]}`}}},
	}, {
		name: "task inspect",
		do:   func() error { _, err := c.TaskInspect(ctx, "gftpcjh4x25q"); return err },
		want: nvRequest{Method: "GET", Path: "/v1.51/tasks/gftpcjh4x25q"},
	}, {
		name: "secret create",
		do: func() error {
			_, err := c.SecretCreate(ctx, dockwire.SecretCreateOptions{Spec: engine.SecretSpec{Name: "pw", Data: []byte("hunter2"), Labels: map[string]string{"a": "b"}}})
			return err
		},
		want: nvRequest{Method: "POST", Path: "/v1.51/secrets/create", Body: nvJSON(t, `{"Name":"pw","Labels":{"a":"b"},"Data":"aHVudGVyMg=="}`)},
	}, {
		name: "secret list",
		do: func() error {
			_, err := c.SecretList(ctx, dockwire.SecretListOptions{Filters: dockwire.Filters{"name": {"pw"}}})
			return err
		},
		want: nvRequest{Method: "GET", Path: "/v1.51/secrets", Query: url.Values{"filters": {`{"name":["pw"]}`}}},
	}, {
		name: "secret relabel",
		do: func() error {
			s, err := c.SecretInspect(ctx, "dwp")
			if err != nil {
				return err
			}
			s.Spec.Labels["c"] = "d"
			return c.SecretUpdate(ctx, s.ID, s.Version, s.Spec)
		},
		want: nvRequest{Method: "POST", Path: "/v1.51/secrets/lycrjp18jdhyog64zw1m9d3rz/update", Query: url.Values{"version": {"35"}},
			Body: nvJSON(t, `{"Name":"dwp","Labels":{"a":"b","c":"d"}}`)},
	}, {
		name: "secret remove",
		do:   func() error { return c.SecretRemove(ctx, "pw", dockwire.SecretRemoveOptions{}) },
		want: nvRequest{Method: "DELETE", Path: "/v1.51/secrets/pw"},
	}, {
		name: "config create",
		do: func() error {
			_, err := c.ConfigCreate(ctx, dockwire.ConfigCreateOptions{Spec: engine.ConfigSpec{Name: "app.conf", Data: []byte("hi")}})
			return err
		},
		want: nvRequest{Method: "POST", Path: "/v1.51/configs/create", Body: nvJSON(t, `{"Name":"app.conf","Data":"aGk="}`)},
	}, {
		name: "config list",
		do:   func() error { _, err := c.ConfigList(ctx, dockwire.ConfigListOptions{}); return err },
		want: nvRequest{Method: "GET", Path: "/v1.51/configs"},
	}, {
		name: "config update",
		do: func() error {
			cf, err := c.ConfigInspect(ctx, "app.conf")
			if err != nil {
				return err
			}
			if string(cf.Spec.Data) != "hi" {
				return errors.New("config data " + string(cf.Spec.Data))
			}
			cf.Spec.Labels = map[string]string{"v": "2"}
			return c.ConfigUpdate(ctx, cf.ID, cf.Version, cf.Spec)
		},
		want: nvRequest{Method: "POST", Path: "/v1.51/configs/c1/update", Query: url.Values{"version": {"3"}},
			Body: nvJSON(t, `{"Name":"app.conf","Data":"aGk=","Labels":{"v":"2"}}`)},
	}, {
		name: "config remove",
		do:   func() error { return c.ConfigRemove(ctx, "app.conf", dockwire.ConfigRemoveOptions{}) },
		want: nvRequest{Method: "DELETE", Path: "/v1.51/configs/app.conf"},
	}}
	checkRequests(t, e, tests)

	// The registry credentials travel in X-Registry-Auth, not in the body.
	for _, r := range e.Requests() {
		if r.Route == "/services/create" {
			if r.Header.Get("X-Registry-Auth") == "" || strings.Contains(string(r.Body), "\"p\"") {
				t.Errorf("service create: X-Registry-Auth %q, body %s", r.Header.Get("X-Registry-Auth"), r.Body)
			}
		}
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSwarmDecode(t *testing.T) {
	e, c := nvFake(t, enginetest.WithAPIVersion("1.41"))
	e.Handle("GET", "/services/{id}", nvReply(200, swServiceJSON))
	e.Handle("GET", "/tasks/{id}", nvReply(200, swTaskJSON))
	e.Handle("GET", "/nodes/{id}", nvReply(200, swNodeJSON))
	e.Handle("GET", "/swarm", nvReply(200, swSwarmJSON))
	ctx := testContext(t)

	svc, err := c.ServiceInspect(ctx, "web", dockwire.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if svc.ID != "iartd90ey18myxzgf42m9nwxc" || svc.Version.Index != 30 || svc.CreatedAt.IsZero() || svc.Spec.Name != "web" ||
		svc.Spec.Mode.Replicated == nil || svc.Spec.Mode.Replicated.Replicas != 2 ||
		svc.Spec.TaskTemplate.ContainerSpec.StopGracePeriod != 10*time.Second ||
		svc.Spec.TaskTemplate.Placement.MaxReplicas != 1 || svc.Spec.UpdateConfig.Monitor != 5*time.Second {
		t.Errorf("service = %+v", svc)
	}
	if diff := cmp.Diff(&engine.ServiceStatus{RunningTasks: 1, DesiredTasks: 2}, svc.ServiceStatus); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}
	if svc.UpdateStatus == nil || svc.UpdateStatus.State != "paused" {
		t.Errorf("update status = %+v", svc.UpdateStatus)
	}
	if !svc.Spec.Get("TaskTemplate.ContainerSpec.Privileges.NoNewPrivileges").Bool() || svc.Get("Endpoint.Spec").Raw != "{}" {
		t.Error("Raw lacks what the struct does not type")
	}

	task, err := c.TaskInspect(ctx, "gftpcjh4x25q")
	if err != nil {
		t.Fatal(err)
	}
	if task.Status.State != "rejected" || task.Status.Err != "No such image: busybox:local" || !task.Status.Terminal() ||
		task.DesiredState != "ready" || task.Slot != 1 || task.DisplayName("web") != "web.1" || task.Spec.ContainerSpec.Image != "busybox:local" {
		t.Errorf("task = %+v", task)
	}

	node, err := c.NodeInspect(ctx, "vm")
	if err != nil {
		t.Fatal(err)
	}
	if node.Description.Hostname != "vm" || node.Spec.Role != "manager" || node.Status.State != "ready" ||
		node.ManagerStatus == nil || !node.ManagerStatus.Leader || node.Description.EngineVersion != "20.10.24+dfsg1" {
		t.Errorf("node = %+v", node)
	}

	sw, err := c.SwarmInspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sw.JoinTokens.Worker != "SWMTKN-1-w" || sw.DataPathPort != 4789 || sw.Spec.Dispatcher.HeartbeatPeriod != 5*time.Second ||
		sw.Spec.CAConfig.NodeCertExpiry != 90*24*time.Hour || sw.Spec.Get("CAConfig.ExternalCAs.0.URL").String() != "https://ca.example" {
		t.Errorf("swarm = %+v", sw)
	}
}

// A spec decoded from the daemon marshals back to the daemon's document
// when unchanged, byte for byte; one built in Go uses the daemon's names.
func TestServiceSpecRoundTrip(t *testing.T) {
	var svc struct{ Spec engine.ServiceSpec }
	if err := json.Unmarshal([]byte(swServiceJSON), &svc); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(svc.Spec)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Spec json.RawMessage }
	json.Unmarshal([]byte(swServiceJSON), &doc)
	var want bytes.Buffer
	json.Compact(&want, doc.Spec) // json.Marshal compacts what MarshalJSON returns
	if string(b) != want.String() {
		t.Errorf("unchanged spec marshals to\n%s\nwant\n%s", b, want.String())
	}
	// Response types marshal to the daemon's document, and back.
	for _, doc := range []string{swServiceJSON, swTaskJSON, swNodeJSON, swSwarmJSON, swSecretJSON} {
		var v struct {
			S engine.Service
			T engine.Task
			N engine.Node
			W engine.Swarm
			C engine.Secret
		}
		for _, dst := range []any{&v.S, &v.T, &v.N, &v.W, &v.C} {
			if err := json.Unmarshal([]byte(doc), dst); err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			json.Compact(&want, []byte(doc))
			if got := mustMarshal(t, dst); got != want.String() {
				t.Errorf("%T marshals to\n%s\nwant\n%s", dst, got, want.String())
			}
		}
	}
	goNode := engine.Node{Meta: engine.Meta{ID: "n1"}, Description: engine.NodeDescription{Hostname: "h", EngineVersion: "28.5.2"}}
	if got := mustMarshal(t, goNode); !strings.Contains(got, `"Engine":{"EngineVersion":"28.5.2"}`) || strings.Contains(got, "Raw") {
		t.Errorf("a Go-built node marshals to %s", got)
	}
	built := engine.ServiceSpec{Name: "x", TaskTemplate: engine.TaskSpec{ContainerSpec: &engine.ContainerSpec{Image: "i", TTY: true}}}
	if got := mustMarshal(t, built); got != `{"Name":"x","TaskTemplate":{"ContainerSpec":{"Image":"i","TTY":true}},"Mode":{}}` {
		t.Errorf("built spec = %s", got)
	}
	s := engine.SecretSpec{Name: "pw", Data: []byte("hunter2")}
	for _, text := range []string{s.String(), s.GoString()} {
		if strings.Contains(text, "hunter2") {
			t.Errorf("a printed secret shows its data: %s", text)
		}
	}
}

func TestSwarmErrors(t *testing.T) {
	e, c := nvFake(t)
	e.Handle("GET", "/services", nvReply(503, `{"message":"This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again."}`))
	e.Handle("GET", "/nodes", nvReply(503, `{"message":"This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager."}`))
	e.Handle("POST", "/swarm/init", nvReply(503, `{"message":"This node is already part of a swarm. Use \"docker swarm leave\" to leave this swarm and join another one."}`))
	e.Handle("POST", "/swarm/leave", nvReply(503, `{"message":"This node is not part of a swarm"}`))
	e.Handle("POST", "/services/{id}/update", nvReply(500, `{"message":"rpc error: code = Unknown desc = update out of sequence"}`))
	e.Handle("POST", "/services/create", nvReply(500, `{"message":"rpc error: code = Unknown desc = constraint expected one operator from ==, !="}`))
	e.Handle("GET", "/services/{id}", nvReply(404, `{"message":"service nope not found"}`))
	ctx := testContext(t)

	_, err := c.ServiceList(ctx, dockwire.ServiceListOptions{})
	if !errors.Is(err, dockwire.ErrNotSwarmManager) || !errors.Is(err, dockwire.ErrNotInSwarm) || !strings.Contains(err.Error(), "SwarmInit") {
		t.Errorf("service list on a daemon in no swarm: %v", err)
	}
	_, err = c.NodeList(ctx, dockwire.NodeListOptions{})
	if !errors.Is(err, dockwire.ErrNotSwarmManager) || errors.Is(err, dockwire.ErrNotInSwarm) || !strings.Contains(err.Error(), "manager") {
		t.Errorf("node list on a worker: %v", err)
	}
	if _, err = c.SwarmInit(ctx, dockwire.SwarmInitOptions{}); !errors.Is(err, dockwire.ErrAlreadyInSwarm) {
		t.Errorf("init in a swarm: %v", err)
	}
	if err = c.SwarmLeave(ctx, dockwire.SwarmLeaveOptions{}); !errors.Is(err, dockwire.ErrNotInSwarm) || errors.Is(err, dockwire.ErrNotSwarmManager) {
		t.Errorf("leave outside a swarm: %v", err)
	}
	_, err = c.ServiceUpdate(ctx, "web", engine.ObjectVersion{Index: 1}, engine.ServiceSpec{}, dockwire.ServiceUpdateOptions{})
	if !errors.Is(err, dockwire.ErrConflict) || errors.Is(err, dockwire.ErrServer) {
		t.Errorf("out of sequence: %v", err)
	}
	_, err = c.ServiceCreate(ctx, dockwire.ServiceCreateOptions{Spec: engine.ServiceSpec{Name: "web"}})
	if !errors.Is(err, dockwire.ErrBadRequest) || !strings.Contains(err.Error(), `service "web"`) || !strings.Contains(err.Error(), "constraint expected") {
		t.Errorf("bad constraint: %v", err)
	}
	e.Handle("POST", "/services/{id}/update", nvReply(500, `{"message":"network dw-none not found"}`))
	_, err = c.ServiceUpdate(ctx, "web", engine.ObjectVersion{Index: 1}, engine.ServiceSpec{}, dockwire.ServiceUpdateOptions{})
	if !errors.Is(err, dockwire.ErrBadRequest) || errors.Is(err, dockwire.ErrServer) {
		t.Errorf("unknown network: %v", err)
	}
	e.Handle("POST", "/networks/{id}/connect", nvReply(500, `{"message":"Could not attach to network dw-none: rpc error: code = NotFound desc = network dw-none not found"}`))
	e.Handle("GET", "/networks/{id}", nvReply(404, `{"message":"network dw-none not found"}`))
	err = c.NetworkConnect(ctx, "dw-none", "c1", dockwire.NetworkConnectOptions{})
	if !errors.Is(err, dockwire.ErrNetworkNotFound) || errors.Is(err, dockwire.ErrServer) {
		t.Errorf("connect to a missing network on a swarm manager: %v", err)
	}
	if _, err = c.ServiceInspect(ctx, "nope", dockwire.ServiceInspectOptions{}); !errors.Is(err, dockwire.ErrNotFound) {
		t.Errorf("missing service: %v", err)
	}
	if _, err = c.ServiceInspect(ctx, "../secrets/x", dockwire.ServiceInspectOptions{}); !errors.Is(err, dockwire.ErrInvalidArgument) {
		t.Errorf("service ID with a slash: %v", err)
	}
}

// ServiceModify re-reads the service and tries once more when the daemon
// says the update was out of sequence, and no more than once.
func TestServiceModifyRetriesOnce(t *testing.T) {
	for _, conflicts := range []int{1, 2} {
		e, c := nvFake(t)
		e.Handle("GET", "/services/{id}", nvReply(200, swServiceJSON))
		var updates atomic.Int32
		e.Handle("POST", "/services/{id}/update", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if int(updates.Add(1)) <= conflicts {
				jsonReply(w, 500, `{"message":"rpc error: code = Unknown desc = update out of sequence"}`)
				return
			}
			jsonReply(w, 200, `{}`)
		}))
		calls := 0
		_, err := c.ServiceModify(testContext(t), "web", func(s *engine.ServiceSpec) error { calls++; return nil })
		switch {
		case conflicts == 1 && (err != nil || calls != 2 || e.Count("GET", "/services/{id}") != 2):
			t.Errorf("one conflict: err %v after %d changes", err, calls)
		case conflicts == 2 && (!errors.Is(err, dockwire.ErrConflict) || updates.Load() != 2):
			t.Errorf("two conflicts: err %v after %d updates", err, updates.Load())
		}
	}
}

func TestServiceNewerFieldsNeedTheirAPI(t *testing.T) {
	e, c := nvFake(t, enginetest.WithAPIVersion("1.41"))
	_, err := c.ServiceCreate(testContext(t), dockwire.ServiceCreateOptions{Spec: engine.ServiceSpec{
		TaskTemplate: engine.TaskSpec{ContainerSpec: &engine.ContainerSpec{Image: "x", OomScoreAdj: 500}}}})
	if !errors.Is(err, dockwire.ErrAPIVersion) || e.Count("POST", "/services/create") != 0 {
		t.Errorf("OomScoreAdj at API 1.41: %v", err)
	}
}

// swarmScript serves a service and its tasks from a script of states, one
// step per task list request.
type swarmScript struct {
	service string     // the service, with {{UPDATE}} for its UpdateStatus
	steps   [][]string // per step: the tasks, as JSON
	update  []string   // per step: UpdateStatus JSON, or ""
	step    atomic.Int32
}

func (s *swarmScript) handle(e *enginetest.Engine) {
	e.Handle("GET", "/services/{id}", nvReply(200, strings.Replace(s.service, "{{UPDATE}}", "", 1)))
	e.Handle("GET", "/services", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := min(int(s.step.Load()), len(s.steps)-1)
		u := ""
		if i < len(s.update) && s.update[i] != "" {
			u = `,"UpdateStatus":` + s.update[i]
		}
		jsonReply(w, 200, "["+strings.Replace(s.service, "{{UPDATE}}", u, 1)+"]")
	}))
	e.Handle("GET", "/tasks", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := min(int(s.step.Add(1))-1, len(s.steps)-1)
		jsonReply(w, 200, "["+strings.Join(s.steps[i], ",")+"]")
	}))
}

func swTask(id string, slot int, desired, state, errText string) string {
	return `{"ID":"` + id + `","CreatedAt":"2026-12-02T12:00:01Z","ServiceID":"svc1","Slot":` + string(rune('0'+slot)) +
		`,"NodeID":"node1","DesiredState":"` + desired + `","Status":{"State":"` + state + `","Err":"` + errText + `"}}`
}

const swScriptService = `{"ID":"svc1","Version":{"Index":3},"CreatedAt":"2026-12-02T12:00:00Z","Spec":{"Name":"web","Mode":{"Replicated":{"Replicas":2}}}{{UPDATE}},
"ServiceStatus":{"RunningTasks":RUNNING,"DesiredTasks":2}}`

func TestServiceConverge(t *testing.T) {
	e, c := nvFake(t)
	s := &swarmScript{service: strings.Replace(swScriptService, "RUNNING", "2", 1), steps: [][]string{
		{swTask("t1", 1, "running", "pending", ""), swTask("t2", 2, "running", "pending", "")},
		{swTask("t1", 1, "running", "running", ""), swTask("t2", 2, "running", "starting", "")},
		{swTask("t1", 1, "running", "running", ""), swTask("t2", 2, "running", "running", "")},
	}}
	s.handle(e)
	var got []string
	for ch, err := range c.ServiceConverge(testContext(t), "web", dockwire.ServiceWaitOptions{Interval: time.Millisecond, Stable: 20 * time.Millisecond}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ch.Task.DisplayName("web")+" "+ch.From+">"+ch.Task.Status.State)
	}
	want := []string{"web.1 >pending", "web.2 >pending", "web.1 pending>running", "web.2 pending>starting", "web.2 starting>running"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

func TestServiceWaitFailures(t *testing.T) {
	tests := []struct {
		name   string
		steps  [][]string
		update []string
		want   string
	}{{
		name:  "task fails",
		steps: [][]string{{swTask("t1", 1, "running", "running", ""), swTask("t2", 2, "shutdown", "failed", "task: non-zero exit (3)")}},
		want:  `service "web" did not converge: task web.2 on node node1: failed: task: non-zero exit (3)`,
	}, {
		name:   "update pauses",
		steps:  [][]string{{swTask("t1", 1, "running", "running", "")}},
		update: []string{`{"State":"paused","StartedAt":"2026-12-02T12:00:00Z","Message":"update paused due to failure or early termination of task t9"}`},
		want:   "its update paused: update paused due to failure",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, c := nvFake(t)
			(&swarmScript{service: strings.Replace(swScriptService, "RUNNING", "1", 1), steps: tt.steps, update: tt.update}).handle(e)
			err := c.ServiceWait(testContext(t), "web", dockwire.ServiceWaitOptions{Interval: time.Millisecond})
			var we *dockwire.ServiceWaitError
			if !errors.As(err, &we) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("wait = %v, want a *ServiceWaitError with %q", err, tt.want)
			}
		})
	}

	t.Run("deadline", func(t *testing.T) {
		e, c := nvFake(t)
		(&swarmScript{service: strings.Replace(swScriptService, "RUNNING", "1", 1), steps: [][]string{{
			swTask("t1", 1, "running", "running", ""), `{"ID":"t2","CreatedAt":"2026-12-02T12:00:01Z","ServiceID":"svc1","Slot":2,"DesiredState":"running","Status":{"State":"pending","Message":"no suitable node (max replicas per node limit exceed)"}}`,
		}}}).handle(e)
		e.Handle("GET", "/nodes", nvReply(200, `[{"ID":"node2","Description":{"Hostname":"w1"},"Status":{"State":"down"}}]`))
		ctx, cancel := context.WithTimeout(testContext(t), 300*time.Millisecond)
		defer cancel()
		err := c.ServiceWait(ctx, "web", dockwire.ServiceWaitOptions{Interval: 5 * time.Millisecond})
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "1/2 tasks running") ||
			!strings.Contains(err.Error(), "max replicas per node") || !strings.Contains(err.Error(), "node w1 (node2) is down") {
			t.Errorf("wait past its deadline = %v", err)
		}
	})
}

// A task told to stop that still reads running holds the wait up, unless
// its node is down (it cannot stop there, and the daemon says running
// until it orphans the task a day later).
func TestServiceWaitTaskOnDownNode(t *testing.T) {
	for _, state := range []string{"down", "ready"} {
		t.Run(state, func(t *testing.T) {
			e, c := nvFake(t)
			(&swarmScript{service: strings.Replace(swScriptService, "RUNNING", "3", 1), steps: [][]string{{
				swTask("t1", 1, "running", "running", ""),
				strings.Replace(swTask("t2", 2, "shutdown", "running", ""), "node1", "node2", 1),
				strings.Replace(swTask("t3", 2, "running", "running", ""), "t3\",\"CreatedAt\":\"2026-12-02T12:00:01Z", "t3\",\"CreatedAt\":\"2026-12-02T12:00:09Z", 1),
			}}}).handle(e)
			e.Handle("GET", "/nodes", nvReply(200, `[{"ID":"node1","Status":{"State":"ready"}},{"ID":"node2","Description":{"Hostname":"w1"},"Status":{"State":"`+state+`"}}]`))
			ctx, cancel := context.WithTimeout(testContext(t), time.Second)
			defer cancel()
			err := c.ServiceWait(ctx, "web", dockwire.ServiceWaitOptions{Interval: 5 * time.Millisecond, Stable: 20 * time.Millisecond})
			if state == "down" && err != nil {
				t.Errorf("wait with the stopping task on a down node = %v, want it converged", err)
			}
			if state == "ready" && (!errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "3/2 tasks running")) {
				t.Errorf("wait with the stopping task on a ready node = %v, want the deadline", err)
			}
		})
	}
}

// Service and task logs are LogStreams: framed, with the task's details.
func TestServiceLogs(t *testing.T) {
	e, c := nvFake(t, enginetest.WithAPIVersion("1.51"))
	logs := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.docker.multiplexed-stream")
		w.WriteHeader(200)
		stdcopy.NewWriter(w, stdcopy.Stdout).Write([]byte("com.docker.swarm.node.id=n1,com.docker.swarm.service.id=svc1,com.docker.swarm.task.id=t1 hello from 1\n"))
		stdcopy.NewWriter(w, stdcopy.Stderr).Write([]byte("com.docker.swarm.node.id=n2,com.docker.swarm.service.id=svc1,com.docker.swarm.task.id=t2 oops from 2\n"))
	})
	e.Handle("GET", "/services/{id}/logs", logs)
	e.Handle("GET", "/tasks/{id}/logs", logs)
	ctx := testContext(t)

	s, err := c.ServiceLogs(ctx, "web", dockwire.ServiceLogsOptions{Details: true, Tail: 10, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var got []string
	for l, err := range s.Lines() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, l.Details["com.docker.swarm.task.id"]+"/"+l.Stream.String()+": "+l.Text)
	}
	if diff := cmp.Diff([]string{"t1/stdout: hello from 1", "t2/stderr: oops from 2"}, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	want := nvRequest{Method: "GET", Path: "/v1.51/services/web/logs",
		Query: url.Values{"stdout": {"1"}, "stderr": {"1"}, "details": {"1"}, "follow": {"1"}, "tail": {"10"}}}
	if diff := cmp.Diff(want, nvLast(t, e)); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}

	ts, err := c.TaskLogs(ctx, "t1", dockwire.TaskLogsOptions{Stdout: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	if !ts.Multiplexed() || nvLast(t, e).Path != "/v1.51/tasks/t1/logs" {
		t.Errorf("task logs: multiplexed %v, request %+v", ts.Multiplexed(), nvLast(t, e))
	}
}

// The fake engine's swarm: what downstream tests rely on.
func TestFakeSwarm(t *testing.T) {
	_, plain := nvFake(t)
	ctx := testContext(t)
	if _, err := plain.ServiceList(ctx, dockwire.ServiceListOptions{}); !errors.Is(err, dockwire.ErrNotInSwarm) {
		t.Errorf("a fake without WithSwarm: %v", err)
	}

	e, c := nvFake(t, enginetest.WithSwarm())
	spec := engine.ServiceSpec{Name: "web", TaskTemplate: engine.TaskSpec{ContainerSpec: &engine.ContainerSpec{Image: "web:1"}},
		Mode: engine.ServiceMode{Replicated: &engine.ReplicatedService{Replicas: 2}}}
	created, err := c.ServiceCreate(ctx, dockwire.ServiceCreateOptions{Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ServiceCreate(ctx, dockwire.ServiceCreateOptions{Spec: spec}); !errors.Is(err, dockwire.ErrConflict) {
		t.Errorf("a second service named web: %v", err)
	}
	running := func() []string {
		t.Helper()
		tasks, err := c.TaskList(ctx, dockwire.TaskListOptions{Filters: dockwire.Filters{"service": {"web"}, "desired-state": {"running"}}})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, task := range tasks {
			out = append(out, task.DisplayName("web")+" "+task.Spec.ContainerSpec.Image+" "+task.Status.State)
		}
		return out
	}
	if diff := cmp.Diff([]string{"web.1 web:1 running", "web.2 web:1 running"}, running()); diff != "" {
		t.Errorf("tasks after create (-want +got):\n%s", diff)
	}
	if err := c.ServiceWait(ctx, created.ID, dockwire.ServiceWaitOptions{Interval: time.Millisecond, Stable: time.Millisecond}); err != nil {
		t.Fatal(err)
	}

	svc, err := c.ServiceInspect(ctx, "web", dockwire.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	svc.Spec.TaskTemplate.ContainerSpec.Image = "web:2"
	if _, err := c.ServiceUpdate(ctx, "web", svc.Version, svc.Spec, dockwire.ServiceUpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ServiceUpdate(ctx, "web", svc.Version, svc.Spec, dockwire.ServiceUpdateOptions{}); !errors.Is(err, dockwire.ErrConflict) {
		t.Errorf("an update with a stale version: %v", err)
	}
	if diff := cmp.Diff([]string{"web.1 web:2 running", "web.2 web:2 running"}, running()); diff != "" {
		t.Errorf("tasks after the update (-want +got):\n%s", diff)
	}
	if err := c.ServiceScale(ctx, "web", 1); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"web.1 web:2 running"}, running()); diff != "" {
		t.Errorf("tasks after scaling to 1 (-want +got):\n%s", diff)
	}
	// A task's log: its lines as the test gave them, stderr kept apart,
	// with the time and the task's details as asked.
	tasks, err := c.TaskList(ctx, dockwire.TaskListOptions{Filters: dockwire.Filters{"service": {"web"}, "desired-state": {"running"}}})
	if err != nil || len(tasks) != 1 {
		t.Fatalf("tasks: %v %+v", err, tasks)
	}
	at := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	e.AppendTaskLog(tasks[0].ID, enginetest.LogEntry{Text: "out\n", Time: at}, enginetest.LogEntry{Stream: stdcopy.Stderr, Text: "err\n", Time: at.Add(time.Second)})
	for _, logs := range []func() (*dockwire.LogStream, error){
		func() (*dockwire.LogStream, error) {
			return c.ServiceLogs(ctx, "web", dockwire.ServiceLogsOptions{Details: true, Timestamps: true})
		},
		func() (*dockwire.LogStream, error) {
			return c.TaskLogs(ctx, tasks[0].ID, dockwire.TaskLogsOptions{Details: true, Timestamps: true})
		},
	} {
		s, err := logs()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for l, err := range s.Lines() {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%d %s %s %s", l.Stream, l.Time.Format(time.RFC3339), l.Details["com.docker.swarm.task.id"], l.Text))
		}
		s.Close()
		want := []string{"1 2026-12-02T12:00:00Z " + tasks[0].ID + " out", "2 2026-12-02T12:00:01Z " + tasks[0].ID + " err"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("logs (-want +got):\n%s", diff)
		}
	}
	if _, err := c.TaskLogs(ctx, "nope", dockwire.TaskLogsOptions{}); !errors.Is(err, dockwire.ErrNotFound) {
		t.Errorf("logs of a missing task: %v", err)
	}

	nodes, err := c.NodeList(ctx, dockwire.NodeListOptions{})
	if err != nil || len(nodes) != 1 || nodes[0].ManagerStatus == nil || !nodes[0].ManagerStatus.Leader {
		t.Errorf("nodes: %v %+v", err, nodes)
	}
	if err := c.ServiceRemove(ctx, "web", dockwire.ServiceRemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ServiceInspect(ctx, "web", dockwire.ServiceInspectOptions{}); !errors.Is(err, dockwire.ErrNotFound) {
		t.Errorf("inspect after remove: %v", err)
	}
	if n := e.Count("POST", "/services/{id}/update"); n != 3 {
		t.Errorf("%d updates reached the fake, want 3", n)
	}
}

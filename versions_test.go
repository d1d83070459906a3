package dockwire_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/dockwire/dockwire/internal/apispec"
	"github.com/dockwire/dockwire/internal/fill"
)

// versionCall is one call of the client with every optional parameter it
// has set, so that whatever it can send, it sends.
type versionCall struct {
	name string
	do   func(ctx context.Context, c *dockwire.Client) error
}

// settle waits for the stream of a call that returned a progress.
func settle(p *dockwire.Progress, err error) error {
	if err != nil {
		return err
	}
	return p.Wait()
}

func first[T any](seq func(func(T, error) bool)) error {
	var err error
	seq(func(_ T, e error) bool { err = e; return false })
	return err
}

var (
	vcSince  = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	vcFilter = dockwire.Filters{"label": {"a=b"}}
	vcTar    = func() io.Reader { return bytes.NewReader(make([]byte, 1024)) } // an empty tar archive
	vcAuth   = dockwire.AuthConfig{Username: "u", Password: "p"}
	// vcSwarmLogs sets every option of a service's or task's log but
	// Follow, which would wait for more.
	vcSwarmLogs = dockwire.ServiceLogsOptions{Stdout: true, Stderr: true, Timestamps: true, Tail: 5, Since: vcSince, Details: true}
)

// vcSwarmSpec is a swarm spec with every field set (the CA's certificate
// and key in PEM would be checked by the daemon, not the spec walk).
// vcCreate is a container create with every field set, after fix.
func vcCreate(fix func(*dockwire.ContainerCreateOptions)) dockwire.ContainerCreateOptions {
	return fill.New(func(o *dockwire.ContainerCreateOptions) {
		o.Name, o.Platform, o.Extra = "vc", "linux/amd64", nil
		o.Networks = map[string]engine.EndpointSettings{"net": {
			IPAMConfig: &engine.EndpointIPAMConfig{IPv4Address: "10.0.0.2", IPv6Address: "fd00::2", LinkLocalIPs: []string{"169.254.0.2"}},
			Aliases:    []string{"web"}, MacAddress: "02:42:ac:11:00:02",
		}}
		if fix != nil {
			fix(o)
		}
	})
}

func vcSwarmSpec() engine.SwarmSpec { return fill.New[engine.SwarmSpec](nil) }

// vcServiceSpec is a service spec with every field set.
func vcServiceSpec() engine.ServiceSpec { return fill.New[engine.ServiceSpec](nil) }

// vcServiceSpec141 is vcServiceSpec without the fields API 1.41 lacks,
// which a call refuses below their version.
func vcServiceSpec141() engine.ServiceSpec {
	return fill.New(func(s *engine.ServiceSpec) {
		s.TaskTemplate.ContainerSpec.OomScoreAdj = 0
		s.TaskTemplate.ContainerSpec.HealthCheck.StartInterval = 0
		vcMounts141(s.TaskTemplate.ContainerSpec.Mounts)
	})
}

// vcMounts141 clears the mount options that API 1.41 lacks.
func vcMounts141(mounts []engine.Mount) {
	for i := range mounts {
		m := &mounts[i]
		m.Type, m.ImageOptions = "volume", nil
		if m.BindOptions != nil {
			m.BindOptions.CreateMountpoint, m.BindOptions.ReadOnlyNonRecursive, m.BindOptions.ReadOnlyForceRecursive = false, false, false
		}
		if m.VolumeOptions != nil {
			m.VolumeOptions.Subpath = ""
		}
		if m.TmpfsOptions != nil {
			m.TmpfsOptions.Options = nil
		}
	}
}

// versionCalls walks the client's calls (the composite ones, such as Run
// and CopyPathToContainer, are made of these).
var versionCalls = []versionCall{
	{"Ping", func(ctx context.Context, c *dockwire.Client) error { _, err := c.Ping(ctx); return err }},
	{"ServerVersion", func(ctx context.Context, c *dockwire.Client) error { _, err := c.ServerVersion(ctx); return err }},
	{"Info", func(ctx context.Context, c *dockwire.Client) error { _, err := c.Info(ctx); return err }},
	{"DiskUsage", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.DiskUsage(ctx, dockwire.DiskUsageOptions{Containers: true, Images: true, Volumes: true, BuildCache: true, Verbose: true})
		return err
	}},
	{"Events", func(ctx context.Context, c *dockwire.Client) error {
		return first(c.Events(ctx, dockwire.EventsOptions{Since: vcSince, Until: vcSince.Add(time.Hour), Filters: vcFilter}))
	}},
	{"ContainerList", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ContainerList(ctx, dockwire.ContainerListOptions{All: true, Limit: 3, Size: true, Filters: vcFilter})
		return err
	}},
	{"ContainerCreate", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ContainerCreate(ctx, vcCreate(nil))
		return err
	}},
	{"ContainerCreate, what every version has", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ContainerCreate(ctx, vcCreate(func(o *dockwire.ContainerCreateOptions) {
			o.HostConfig.Annotations, o.Config.Healthcheck.StartInterval = nil, 0
			vcMounts141(o.HostConfig.Mounts)
		}))
		return err
	}},
	{"ContainerInspect", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ContainerInspect(ctx, "web", dockwire.ContainerInspectOptions{})
		return err
	}},
	{"ContainerStart", func(ctx context.Context, c *dockwire.Client) error {
		return c.ContainerStart(ctx, "web")
	}},
	{"ContainerStop", func(ctx context.Context, c *dockwire.Client) error {
		return c.ContainerStop(ctx, "web", dockwire.ContainerStopOptions{Signal: "SIGINT", Timeout: time.Second})
	}},
	{"ContainerRestart", func(ctx context.Context, c *dockwire.Client) error {
		return c.ContainerRestart(ctx, "web", dockwire.ContainerRestartOptions{Signal: "SIGINT", Timeout: time.Second})
	}},
	{"ContainerStop, what every version has", func(ctx context.Context, c *dockwire.Client) error {
		return c.ContainerStop(ctx, "web", dockwire.ContainerStopOptions{Timeout: time.Second})
	}},
	{"ContainerKill", func(ctx context.Context, c *dockwire.Client) error { return c.ContainerKill(ctx, "web", "SIGKILL") }},
	{"ContainerPause", func(ctx context.Context, c *dockwire.Client) error { return c.ContainerPause(ctx, "web") }},
	{"ContainerUnpause", func(ctx context.Context, c *dockwire.Client) error { return c.ContainerUnpause(ctx, "web") }},
	{"ContainerRename", func(ctx context.Context, c *dockwire.Client) error { return c.ContainerRename(ctx, "web", "web2") }},
	{"ContainerTop", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ContainerTop(ctx, "web", "aux")
		return err
	}},
	{"ContainerUpdate", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ContainerUpdate(ctx, "web", fill.New(func(o *dockwire.ContainerUpdateOptions) { o.Extra = nil }))
		return err
	}},
	{"ContainerWait", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ContainerWait(ctx, "web", dockwire.WaitNotRunning)
		return err
	}},
	{"ContainerLogs", func(ctx context.Context, c *dockwire.Client) error {
		s, err := c.ContainerLogs(ctx, "web", dockwire.ContainerLogsOptions{Stdout: true, Stderr: true, Timestamps: true, Tail: 5, Since: vcSince, Until: vcSince.Add(time.Hour), Details: true})
		if err == nil {
			s.Close()
		}
		return err
	}},
	{"ContainerStats", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ContainerStats(ctx, "web")
		return err
	}},
	{"ContainerStatsStream", func(ctx context.Context, c *dockwire.Client) error { return first(c.ContainerStatsStream(ctx, "web")) }},
	{"ContainerRemove", func(ctx context.Context, c *dockwire.Client) error {
		return c.ContainerRemove(ctx, "web2", dockwire.ContainerRemoveOptions{Force: true, Volumes: true})
	}},
	{"ContainerPrune", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ContainerPrune(ctx, dockwire.ContainerPruneOptions{Filters: vcFilter})
		return err
	}},
	{"ContainerCommit", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ContainerCommit(ctx, "web", dockwire.ContainerCommitOptions{Repo: "example/committed", Tag: "v1", Comment: "m", Author: "a",
			NoPause: true, Changes: []string{"ENV A=1"}, Config: &engine.ContainerConfig{Env: []string{"B=2"}, Labels: map[string]string{"a": "b"}}})
		return err
	}},
	{"ContainerExport", func(ctx context.Context, c *dockwire.Client) error {
		rc, err := c.ContainerExport(ctx, "web")
		if err == nil {
			rc.Close()
		}
		return err
	}},
	{"ContainerDiff", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ContainerDiff(ctx, "web")
		return err
	}},
	{"ContainerStatPath", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ContainerStatPath(ctx, "web", "/etc")
		return err
	}},
	{"CopyToContainer", func(ctx context.Context, c *dockwire.Client) error {
		return c.CopyToContainer(ctx, "web", "/tmp", vcTar(), dockwire.CopyToContainerOptions{CopyUIDGID: true})
	}},
	{"CopyFromContainer", func(ctx context.Context, c *dockwire.Client) error {
		rc, _, err := c.CopyFromContainer(ctx, "web", "/etc/hostname")
		if err == nil {
			rc.Close()
		}
		return err
	}},
	{"ExecCreate", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ExecCreate(ctx, "web", dockwire.ExecCreateOptions{Cmd: []string{"true"}, Env: []string{"A=1"}, User: "root", WorkingDir: "/",
			Tty: true, Privileged: true, AttachStdin: true, AttachStdout: true, AttachStderr: true, DetachKeys: "ctrl-x", ConsoleSize: [2]uint{24, 80}})
		return err
	}},
	{"ExecCreate, what every version has", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ExecCreate(ctx, "web", dockwire.ExecCreateOptions{Cmd: []string{"true"}, Env: []string{"A=1"}, User: "root", WorkingDir: "/",
			Tty: true, Privileged: true, AttachStdin: true, AttachStdout: true, AttachStderr: true, DetachKeys: "ctrl-x"})
		return err
	}},
	{"ExecCapture", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ExecCapture(ctx, "web", dockwire.ExecOptions{Cmd: []string{"true"}})
		return err
	}},
	{"ExecStartDetached", func(ctx context.Context, c *dockwire.Client) error {
		id, err := c.ExecCreate(ctx, "web", dockwire.ExecCreateOptions{Cmd: []string{"true"}})
		if err != nil {
			return err
		}
		return c.ExecStartDetached(ctx, id)
	}},
	{"ExecResize", func(ctx context.Context, c *dockwire.Client) error {
		id, err := c.ExecCreate(ctx, "web", dockwire.ExecCreateOptions{Cmd: []string{"sh"}, Tty: true, AttachStdout: true})
		if err != nil {
			return err
		}
		return c.ExecResize(ctx, id, dockwire.ExecResizeOptions{Height: 24, Width: 80})
	}},
	{"ImageList", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ImageList(ctx, dockwire.ImageListOptions{All: true, Filters: vcFilter, Digests: true})
		return err
	}},
	{"ImageInspect", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ImageInspect(ctx, "busybox", dockwire.ImageInspectOptions{Manifests: true})
		return err
	}},
	{"ImageInspect, a platform", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ImageInspect(ctx, "busybox", dockwire.ImageInspectOptions{Platform: "linux/arm64/v8"})
		return err
	}},
	{"ImageInspect, what every version has", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ImageInspect(ctx, "busybox", dockwire.ImageInspectOptions{})
		return err
	}},
	{"ImageHistory", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ImageHistory(ctx, "busybox", dockwire.ImageHistoryOptions{Platform: "linux/arm64/v8"})
		return err
	}},
	{"ImageHistory, what every version has", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ImageHistory(ctx, "busybox", dockwire.ImageHistoryOptions{})
		return err
	}},
	{"ImageTag", func(ctx context.Context, c *dockwire.Client) error {
		return c.ImageTag(ctx, "busybox", dockwire.ImageTagOptions{Repo: "example/busybox", Tag: "v1"})
	}},
	{"ImageRemove", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ImageRemove(ctx, "busybox", dockwire.ImageRemoveOptions{Force: true, NoPrune: true, Platforms: []string{"linux/amd64", "linux/arm64"}})
		return err
	}},
	{"ImageRemove, what every version has", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ImageRemove(ctx, "busybox", dockwire.ImageRemoveOptions{Force: true, NoPrune: true})
		return err
	}},
	{"ImagePrune", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ImagePrune(ctx, dockwire.ImagePruneOptions{Filters: vcFilter})
		return err
	}},
	{"ImageSave", func(ctx context.Context, c *dockwire.Client) error {
		rc, err := c.ImageSave(ctx, []string{"busybox", "alpine"}, dockwire.ImageSaveOptions{Platform: "linux/amd64"})
		if err == nil {
			rc.Close()
		}
		return err
	}},
	{"ImageLoad", func(ctx context.Context, c *dockwire.Client) error {
		return settle(c.ImageLoad(ctx, vcTar(), dockwire.ImageLoadOptions{Quiet: true, Platform: "linux/amd64"}))
	}},
	{"ImageLoad, what every version has", func(ctx context.Context, c *dockwire.Client) error {
		return settle(c.ImageLoad(ctx, vcTar(), dockwire.ImageLoadOptions{Quiet: true}))
	}},
	{"ImageImport", func(ctx context.Context, c *dockwire.Client) error {
		return settle(c.ImageImport(ctx, vcTar(), dockwire.ImageImportOptions{Repo: "example/imported", Tag: "v1", Message: "m",
			Changes: []string{"ENV A=1"}, Platform: "linux/amd64"}))
	}},
	{"BuildCachePrune", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.BuildCachePrune(ctx, dockwire.BuildCachePruneOptions{All: true, Filters: vcFilter, ReservedSpace: 1 << 30,
			MaxUsedSpace: 2 << 30, MinFreeSpace: 1 << 30})
		return err
	}},
	{"BuildCachePrune, what every version has", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.BuildCachePrune(ctx, dockwire.BuildCachePruneOptions{All: true, Filters: vcFilter, ReservedSpace: 1 << 30})
		return err
	}},
	{"ImagePull", func(ctx context.Context, c *dockwire.Client) error {
		return settle(c.ImagePull(ctx, "busybox:latest", dockwire.ImagePullOptions{Platform: "linux/amd64", Auth: dockwire.AuthConfig{Username: "u", Password: "p"}}))
	}},
	{"ImagePush", func(ctx context.Context, c *dockwire.Client) error {
		return settle(c.ImagePush(ctx, "example/busybox:v1", dockwire.ImagePushOptions{Auth: dockwire.AuthConfig{Username: "u", Password: "p"}, Platform: "linux/amd64"}))
	}},
	{"ImagePush, what every version has", func(ctx context.Context, c *dockwire.Client) error {
		return settle(c.ImagePush(ctx, "example/busybox:v1", dockwire.ImagePushOptions{Auth: dockwire.AuthConfig{Username: "u", Password: "p"}}))
	}},
	{"ImageBuild", func(ctx context.Context, c *dockwire.Client) error {
		return settle(c.ImageBuild(ctx, vcTar(), dockwire.ImageBuildOptions{
			Tags: []string{"a:b"}, Dockerfile: "Dockerfile.x", BuildArgs: map[string]string{"A": "1"}, Labels: map[string]string{"a": "b"},
			Target: "t", Platform: "linux/amd64", NoCache: true, PullParent: true, Quiet: true, CacheFrom: []string{"c"},
			ExtraHosts: []string{"h:1.2.3.4"}, NetworkMode: "host", Memory: 1 << 26, MemorySwap: -1, ShmSize: 1 << 20, CPUShares: 512,
			CPUSetCPUs: "0", CPUPeriod: 100000, CPUQuota: 50000, ForceRemove: true,
			AuthConfigs: map[string]dockwire.AuthConfig{"r.example": {Username: "u", Password: "p"}},
		}))
	}},
	{"NetworkCreate", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.NetworkCreate(ctx, dockwire.NetworkCreateOptions{Name: "net", Driver: "bridge", Scope: "local", Internal: true, Attachable: true, EnableIPv6: true,
			IPAM: &engine.IPAM{Driver: "default", Config: []engine.IPAMConfig{{Subnet: "10.9.0.0/24", IPRange: "10.9.0.0/25", Gateway: "10.9.0.1",
				AuxiliaryAddresses: map[string]string{"h": "10.9.0.9"}}}, Options: map[string]string{"a": "b"}},
			Options: map[string]string{"a": "b"}, Labels: map[string]string{"a": "b"}})
		return err
	}},
	{"NetworkList", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.NetworkList(ctx, dockwire.NetworkListOptions{Filters: vcFilter})
		return err
	}},
	{"NetworkInspect", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.NetworkInspect(ctx, "net", dockwire.NetworkInspectOptions{Verbose: true, Scope: "local"})
		return err
	}},
	{"NetworkConnect", func(ctx context.Context, c *dockwire.Client) error {
		return c.NetworkConnect(ctx, "net", "web", dockwire.NetworkConnectOptions{Aliases: []string{"a"}, IPv4Address: "10.9.0.5", IPv6Address: "fd00::5",
			Links: []string{"db:db"}, DriverOpts: map[string]string{"a": "b"}, MacAddress: "02:42:ac:11:00:05", GwPriority: 1})
	}},
	{"NetworkConnect, what every version has", func(ctx context.Context, c *dockwire.Client) error {
		return c.NetworkConnect(ctx, "net", "web", dockwire.NetworkConnectOptions{Aliases: []string{"a"}, IPv4Address: "10.9.0.5", IPv6Address: "fd00::5",
			Links: []string{"db:db"}, DriverOpts: map[string]string{"a": "b"}})
	}},
	{"NetworkDisconnect", func(ctx context.Context, c *dockwire.Client) error {
		return c.NetworkDisconnect(ctx, "net", "web", dockwire.NetworkDisconnectOptions{Force: true})
	}},
	{"NetworkRemove", func(ctx context.Context, c *dockwire.Client) error { return c.NetworkRemove(ctx, "net") }},
	{"NetworkPrune", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.NetworkPrune(ctx, dockwire.NetworkPruneOptions{Filters: vcFilter})
		return err
	}},
	{"VolumeCreate", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.VolumeCreate(ctx, dockwire.VolumeCreateOptions{Name: "v", Driver: "local", DriverOpts: map[string]string{"type": "tmpfs"}, Labels: map[string]string{"a": "b"}})
		return err
	}},
	{"VolumeInspect", func(ctx context.Context, c *dockwire.Client) error { _, err := c.VolumeInspect(ctx, "v"); return err }},
	{"VolumeList", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.VolumeList(ctx, dockwire.VolumeListOptions{Filters: vcFilter})
		return err
	}},
	{"VolumeRemove", func(ctx context.Context, c *dockwire.Client) error {
		return c.VolumeRemove(ctx, "v", dockwire.VolumeRemoveOptions{Force: true})
	}},
	{"VolumePrune", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.VolumePrune(ctx, dockwire.VolumePruneOptions{Filters: dockwire.Filters{"label": {"a=b"}, "all": {"true"}}})
		return err
	}},
	{"RegistryLogin", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.RegistryLogin(ctx, fill.New[dockwire.AuthConfig](nil))
		return err
	}},
	{"DistributionInspect", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.DistributionInspect(ctx, "127.0.0.1:5000/busybox:1", dockwire.DistributionInspectOptions{Auth: vcAuth})
		return err
	}},
	{"ImageSearch", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ImageSearch(ctx, "busybox", dockwire.ImageSearchOptions{Limit: 3, Filters: dockwire.Filters{"is-official": {"true"}}, Auth: vcAuth})
		return err
	}},
	{"SwarmInit", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.SwarmInit(ctx, fill.New[dockwire.SwarmInitOptions](func(o *dockwire.SwarmInitOptions) { o.Spec = vcSwarmSpec() }))
		return err
	}},
	{"SwarmJoin", func(ctx context.Context, c *dockwire.Client) error {
		return c.SwarmJoin(ctx, fill.New[dockwire.SwarmJoinOptions](nil))
	}},
	{"SwarmLeave", func(ctx context.Context, c *dockwire.Client) error {
		return c.SwarmLeave(ctx, dockwire.SwarmLeaveOptions{Force: true})
	}},
	{"SwarmInspect", func(ctx context.Context, c *dockwire.Client) error { _, err := c.SwarmInspect(ctx); return err }},
	{"SwarmUpdate", func(ctx context.Context, c *dockwire.Client) error {
		return c.SwarmUpdate(ctx, engine.ObjectVersion{Index: 7}, vcSwarmSpec(), fill.New[dockwire.SwarmUpdateOptions](nil))
	}},
	{"SwarmUnlockKey", func(ctx context.Context, c *dockwire.Client) error { _, err := c.SwarmUnlockKey(ctx); return err }},
	{"SwarmUnlock", func(ctx context.Context, c *dockwire.Client) error { return c.SwarmUnlock(ctx, "SWMKEY-1-x") }},
	{"NodeList", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.NodeList(ctx, dockwire.NodeListOptions{Filters: vcFilter})
		return err
	}},
	{"NodeInspect", func(ctx context.Context, c *dockwire.Client) error { _, err := c.NodeInspect(ctx, "n1"); return err }},
	{"NodeUpdate", func(ctx context.Context, c *dockwire.Client) error {
		return c.NodeUpdate(ctx, "n1", engine.ObjectVersion{Index: 7}, fill.New[engine.NodeSpec](nil))
	}},
	{"NodeRemove", func(ctx context.Context, c *dockwire.Client) error {
		return c.NodeRemove(ctx, "n1", dockwire.NodeRemoveOptions{Force: true})
	}},
	{"ServiceCreate", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ServiceCreate(ctx, dockwire.ServiceCreateOptions{Spec: vcServiceSpec(), Auth: vcAuth})
		return err
	}},
	{"ServiceCreate, what every version has", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ServiceCreate(ctx, dockwire.ServiceCreateOptions{Spec: vcServiceSpec141(), Auth: vcAuth})
		return err
	}},
	{"ServiceList", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ServiceList(ctx, dockwire.ServiceListOptions{Filters: vcFilter, Status: true})
		return err
	}},
	{"ServiceInspect", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ServiceInspect(ctx, "s1", dockwire.ServiceInspectOptions{InsertDefaults: true})
		return err
	}},
	{"ServiceUpdate", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ServiceUpdate(ctx, "s1", engine.ObjectVersion{Index: 7}, vcServiceSpec141(), dockwire.ServiceUpdateOptions{Rollback: true, Auth: vcAuth})
		return err
	}},
	{"ServiceUpdate, auth from the previous spec", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ServiceUpdate(ctx, "s1", engine.ObjectVersion{Index: 7}, vcServiceSpec141(), dockwire.ServiceUpdateOptions{RegistryAuthFrom: "previous-spec"})
		return err
	}},
	{"ServiceRemove", func(ctx context.Context, c *dockwire.Client) error {
		return c.ServiceRemove(ctx, "s1", dockwire.ServiceRemoveOptions{})
	}},
	{"ServiceLogs", func(ctx context.Context, c *dockwire.Client) error {
		s, err := c.ServiceLogs(ctx, "s1", vcSwarmLogs)
		if err == nil {
			s.Close()
		}
		return err
	}},
	{"TaskList", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.TaskList(ctx, dockwire.TaskListOptions{Filters: vcFilter})
		return err
	}},
	{"TaskInspect", func(ctx context.Context, c *dockwire.Client) error { _, err := c.TaskInspect(ctx, "t1"); return err }},
	{"TaskLogs", func(ctx context.Context, c *dockwire.Client) error {
		s, err := c.TaskLogs(ctx, "t1", vcSwarmLogs)
		if err == nil {
			s.Close()
		}
		return err
	}},
	{"SecretCreate", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.SecretCreate(ctx, dockwire.SecretCreateOptions{Spec: fill.New[engine.SecretSpec](nil)})
		return err
	}},
	{"SecretList", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.SecretList(ctx, dockwire.SecretListOptions{Filters: vcFilter})
		return err
	}},
	{"SecretInspect", func(ctx context.Context, c *dockwire.Client) error { _, err := c.SecretInspect(ctx, "x1"); return err }},
	{"SecretUpdate", func(ctx context.Context, c *dockwire.Client) error {
		return c.SecretUpdate(ctx, "x1", engine.ObjectVersion{Index: 7}, fill.New[engine.SecretSpec](nil))
	}},
	{"SecretRemove", func(ctx context.Context, c *dockwire.Client) error {
		return c.SecretRemove(ctx, "x1", dockwire.SecretRemoveOptions{})
	}},
	{"ConfigCreate", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ConfigCreate(ctx, dockwire.ConfigCreateOptions{Spec: fill.New[engine.ConfigSpec](nil)})
		return err
	}},
	{"ConfigList", func(ctx context.Context, c *dockwire.Client) error {
		_, err := c.ConfigList(ctx, dockwire.ConfigListOptions{Filters: vcFilter})
		return err
	}},
	{"ConfigInspect", func(ctx context.Context, c *dockwire.Client) error { _, err := c.ConfigInspect(ctx, "g1"); return err }},
	{"ConfigUpdate", func(ctx context.Context, c *dockwire.Client) error {
		return c.ConfigUpdate(ctx, "g1", engine.ObjectVersion{Index: 7}, fill.New[engine.ConfigSpec](nil))
	}},
	{"ConfigRemove", func(ctx context.Context, c *dockwire.Client) error {
		return c.ConfigRemove(ctx, "g1", dockwire.ConfigRemoveOptions{})
	}},
}

// TestRequestsCarryOnlyTheirVersion makes every call, with every optional
// parameter set, at API 1.41, 1.44 and 1.51 against the fake engine, and
// checks each request it sent against the spec of that version: the
// operation exists, and every query parameter and every key of a JSON body
// is declared (internal/apispec). A call may instead refuse with
// ErrAPIVersion, before sending anything.
func TestRequestsCarryOnlyTheirVersion(t *testing.T) {
	specs, err := apispec.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, version := range []string{"1.41", "1.44", "1.51"} {
		t.Run(version, func(t *testing.T) {
			spec := specs[version]
			e := enginetest.New(t, enginetest.WithAPIVersion(version))
			e.AddContainer(enginetest.Container{Name: "web"})
			// The fake answers what it does not serve with a 404: what
			// matters here is what the client sent.
			c, err := dockwire.New(e.Host(), dockwire.WithRetry(1, 0))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for _, call := range versionCalls {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				before := len(e.Requests())
				err := call.do(ctx, c)
				cancel()
				sent := e.Requests()[before:]
				if errors.Is(err, dockwire.ErrAPIVersion) {
					if strings.HasSuffix(call.name, "what every version has") {
						t.Errorf("%s refused at API %s: %v", call.name, version, err)
					}
					if len(sent) > 0 && sent[len(sent)-1].Route != "/_ping" {
						t.Errorf("%s refused at API %s (%v) after sending %s %s", call.name, version, err, sent[len(sent)-1].Method, sent[len(sent)-1].Route)
					}
					continue
				}
				if len(sent) == 0 {
					t.Errorf("%s sent nothing: %v", call.name, err)
				}
				for _, r := range sent {
					for _, problem := range checkAgainstSpec(spec, r) {
						t.Errorf("%s at API %s: %s %s: %s", call.name, version, r.Method, r.Route, problem)
					}
				}
			}
		})
	}
}

// undeclared are query parameters and body fields a daemon reads
// although no spec's schema declares them.
var undeclared = map[string]bool{
	// docker logs --details: the daemon's container logs route reads it
	// (as it does for services and tasks, whose specs declare it).
	"GET /containers/{id}/logs details": true,
	// A login's credentials are moby's registry.AuthConfig, which has read
	// both tokens since long before 1.41; the spec's schema lists only
	// username, password and serveraddress, and its prose the
	// identitytoken.
	"POST /auth identitytoken": true,
	"POST /auth registrytoken": true,
}

// checkAgainstSpec lists what r sends that the spec v does not declare.
func checkAgainstSpec(v *apispec.Version, r enginetest.Request) []string {
	if r.Version == "" {
		return nil // /_ping, which is not versioned
	}
	name, op := specOperation(v, r.Method, r.Route)
	if op == nil {
		return []string{"no such operation in the spec"}
	}
	var problems []string
	for k := range r.Query {
		if !containsString(op.Query, k) && !undeclared[name+" "+k] {
			problems = append(problems, "query parameter "+k+" is not one of "+name+"'s: "+strings.Join(op.Query, ", "))
		}
	}
	if op.Body != nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") && len(r.Body) > 0 {
		var doc any
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			problems = append(problems, "body is not JSON: "+err.Error())
		}
		for _, k := range v.Unknown(doc, op.Body) {
			if undeclared[name+" "+k] {
				continue
			}
			problems = append(problems, "body field "+k+" is not in "+name+"'s body")
		}
	}
	sort.Strings(problems)
	return problems
}

// specOperation finds the operation a request route is, preferring
// literal segments to {wildcards}: /containers/prune, not /containers/{id};
// /services/x/logs, not /services/{id} with "x/logs" for the id. A
// wildcard takes one segment or more: image names hold slashes.
func specOperation(v *apispec.Version, method, route string) (string, *apispec.Operation) {
	segs := strings.Split(route, "/")
	best, bestWild, bestLiteral := "", -1, 0
	for key := range v.Operations {
		m, pattern, _ := strings.Cut(key, " ")
		if m != method {
			continue
		}
		pat := strings.Split(pattern, "/")
		wild, ok := matchRoute(pat, segs)
		if !ok {
			continue
		}
		if literal := len(pat) - wild; bestWild < 0 || wild < bestWild || wild == bestWild && literal > bestLiteral {
			best, bestWild, bestLiteral = key, wild, literal
		}
	}
	if best == "" {
		return "", nil
	}
	return best, v.Operations[best]
}

// matchRoute matches path segments against a pattern's and says how many
// wildcards it took.
func matchRoute(pattern, segs []string) (wild int, ok bool) {
	if len(pattern) == 0 {
		return 0, len(segs) == 0
	}
	if len(segs) == 0 {
		return 0, false
	}
	if !strings.HasPrefix(pattern[0], "{") {
		if pattern[0] != segs[0] {
			return 0, false
		}
		return matchRoute(pattern[1:], segs[1:])
	}
	for n := 1; n <= len(segs); n++ {
		if w, ok := matchRoute(pattern[1:], segs[n:]); ok {
			return w + 1, true
		}
	}
	return 0, false
}

func containsString(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

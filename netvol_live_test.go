package dockwire_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/internal/livetest"
)

// liveRunLabel is the label that marks what one live test creates, beside
// livetest.Label: prunes filter on both, so they touch nothing else.
const liveRunLabel = "dockwire.test.run"

func liveLabels(run string) map[string]string {
	return map[string]string{livetest.Label: "1", liveRunLabel: run}
}

func liveFilters(run string) dockwire.Filters {
	return dockwire.Filters{"label": {livetest.Label, liveRunLabel + "=" + run}}
}

// liveSubnet picks a /24 in 10.213.0.0/16, away from docker0
// (172.17.0.0/16), the second engine's bridge (172.31.255.0/24) and
// podman's (10.88.0.0/16), and random so that runs on two engines of one
// host do not collide.
func liveSubnet() (subnet, gateway, prefix string) {
	x := 1 + rand.IntN(250)
	prefix = fmt.Sprintf("10.213.%d.", x)
	return prefix + "0/24", prefix + "1", prefix
}

func liveNetwork(t *testing.T, e *livetest.Engine, run string, opts dockwire.NetworkCreateOptions) (name, id string) {
	t.Helper()
	name = livetest.UniqueName("dwnet")
	opts.Labels = liveLabels(run)
	opts.Name = name
	resp, err := e.Client.NetworkCreate(livetest.Context(t), opts)
	if err != nil {
		t.Fatalf("NetworkCreate: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Client.NetworkRemove(livetest.Context(t), resp.ID); err != nil && !errors.Is(err, dockwire.ErrNetworkNotFound) {
			t.Errorf("removing network %s: %v", name, err)
		}
	})
	return name, resp.ID
}

func TestLiveNetworks(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		c, ctx, run := e.Client, livetest.Context(t), livetest.UniqueName("net")
		subnet, gateway, prefix := liveSubnet()
		name, id := liveNetwork(t, e, run, dockwire.NetworkCreateOptions{
			IPAM:    &engine.IPAM{Config: []engine.IPAMConfig{{Subnet: subnet, Gateway: gateway}}},
			Options: map[string]string{"com.docker.network.driver.mtu": "1400"},
		})

		// A second network of the same name is refused on every version.
		if _, err := c.NetworkCreate(ctx, dockwire.NetworkCreateOptions{Name: name, Labels: liveLabels(run)}); !errors.Is(err, dockwire.ErrConflict) {
			t.Errorf("duplicate NetworkCreate: %v, want ErrConflict", err)
		}

		n, err := c.NetworkInspect(ctx, name, dockwire.NetworkInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if n.ID != id || n.Name != name || n.Driver != "bridge" || n.Scope != "local" || !n.EnableIPv4 || n.Created.IsZero() ||
			len(n.IPAM.Config) != 1 || n.IPAM.Config[0].Subnet != subnet || n.IPAM.Config[0].Gateway != gateway ||
			n.Labels[liveRunLabel] != run || n.Options["com.docker.network.driver.mtu"] != "1400" || len(n.Containers) != 0 {
			t.Errorf("NetworkInspect = %+v", n)
		}
		list, err := c.NetworkList(ctx, dockwire.NetworkListOptions{Filters: liveFilters(run)})
		if err != nil || len(list) != 1 || list[0].ID != id {
			t.Errorf("NetworkList(label) = %+v, %v; want just %s", list, err, id)
		}

		box := e.Container(t, dockwire.ContainerCreateOptions{})
		ip := prefix + "10"
		if err := c.NetworkConnect(ctx, name, box, dockwire.NetworkConnectOptions{Aliases: []string{"dbalias"}, IPv4Address: ip}); err != nil {
			t.Fatalf("NetworkConnect: %v", err)
		}
		if n, err = c.NetworkInspect(ctx, id, dockwire.NetworkInspectOptions{}); err != nil {
			t.Fatal(err)
		}
		ep, ok := n.Containers[box]
		if !ok || ep.IPv4Address != ip+"/24" {
			t.Errorf("network inspect after connect: Containers = %+v, want %s at %s/24", n.Containers, box, ip)
		}
		t.Run("endpoint ID", func(t *testing.T) {
			e.SkipOnPodman(t, "a network's endpoints have no ID (EndpointID is empty)")
			if ep.EndpointID == "" {
				t.Errorf("network inspect after connect: endpoint %+v has no ID", ep)
			}
		})
		info, err := c.ContainerInspect(ctx, box, dockwire.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if ep := info.NetworkSettings.Networks[name]; ep.IPAddress != ip || ep.NetworkID != id || !slices.Contains(ep.Aliases, "dbalias") {
			t.Errorf("container's endpoint on %s = %+v", name, ep)
		}
		// The container is busy with the network: removing it is refused.
		if err := c.NetworkRemove(ctx, name); !errors.Is(err, dockwire.ErrForbidden) {
			t.Errorf("NetworkRemove of a network in use: %v, want ErrForbidden", err)
		}

		if err := c.NetworkConnect(ctx, name, "dwtest-no-such-container", dockwire.NetworkConnectOptions{}); !errors.Is(err, dockwire.ErrContainerNotFound) || errors.Is(err, dockwire.ErrNetworkNotFound) {
			t.Errorf("connect of a missing container: %v, want ErrContainerNotFound", err)
		}
		// A swarm manager asks the cluster about a network it does not know,
		// and Docker 28 passes the cluster's NotFound on as a 500 (another
		// test run may have made the engine a manager).
		err = c.NetworkConnect(ctx, "dwnet-no-such-network", box, dockwire.NetworkConnectOptions{})
		var apiErr *dockwire.APIError
		sys, ierr := c.Info(ctx)
		inSwarm := ierr == nil && sys.Get("Swarm.LocalNodeState").String() == "active"
		if !errors.Is(err, dockwire.ErrNetworkNotFound) && !(inSwarm && errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusInternalServerError && strings.Contains(apiErr.Message, "NotFound")) {
			t.Errorf("connect to a missing network (engine in a swarm: %v): %v, want ErrNetworkNotFound", inSwarm, err)
		}

		if err := c.NetworkDisconnect(ctx, name, box, dockwire.NetworkDisconnectOptions{}); err != nil {
			t.Fatalf("NetworkDisconnect: %v", err)
		}
		if n, err = c.NetworkInspect(ctx, id, dockwire.NetworkInspectOptions{}); err != nil || len(n.Containers) != 0 {
			t.Errorf("after disconnect: Containers = %+v, %v", n.Containers, err)
		}
		if err := c.NetworkRemove(ctx, name); err != nil {
			t.Fatalf("NetworkRemove: %v", err)
		}
		if _, err := c.NetworkInspect(ctx, id, dockwire.NetworkInspectOptions{}); !errors.Is(err, dockwire.ErrNetworkNotFound) {
			t.Errorf("inspect after remove: %v, want ErrNetworkNotFound", err)
		}
		if err := c.NetworkRemove(ctx, id); !errors.Is(err, dockwire.ErrNetworkNotFound) {
			t.Errorf("second remove: %v, want ErrNetworkNotFound", err)
		}
		if err := c.NetworkRemove(ctx, "bridge"); !errors.Is(err, dockwire.ErrForbidden) {
			t.Errorf("removing the predefined bridge network: %v, want ErrForbidden", err)
		}
	})
}

func TestLiveNetworkPrune(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		c, ctx, run := e.Client, livetest.Context(t), livetest.UniqueName("netprune")
		a, _ := liveNetwork(t, e, run, dockwire.NetworkCreateOptions{Internal: true})
		b, _ := liveNetwork(t, e, run, dockwire.NetworkCreateOptions{})
		keep, keepID := liveNetwork(t, e, livetest.UniqueName("netkeep"), dockwire.NetworkCreateOptions{})

		rep, err := c.NetworkPrune(ctx, dockwire.NetworkPruneOptions{Filters: liveFilters(run)})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(rep.NetworksDeleted)
		want := []string{a, b}
		slices.Sort(want)
		if !slices.Equal(rep.NetworksDeleted, want) {
			t.Errorf("pruned %q, want %q", rep.NetworksDeleted, want)
		}
		if _, err := c.NetworkInspect(ctx, keepID, dockwire.NetworkInspectOptions{}); err != nil {
			t.Errorf("network %s outside the filter was touched: %v", keep, err)
		}
	})
}

func liveVolume(t *testing.T, e *livetest.Engine, run string) engine.Volume {
	t.Helper()
	v, err := e.Client.VolumeCreate(livetest.Context(t), dockwire.VolumeCreateOptions{Name: livetest.UniqueName("dwvol"), Labels: liveLabels(run)})
	if err != nil {
		t.Fatalf("VolumeCreate: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Client.VolumeRemove(livetest.Context(t), v.Name, dockwire.VolumeRemoveOptions{Force: true}); err != nil && !errors.Is(err, dockwire.ErrVolumeNotFound) {
			t.Errorf("removing volume %s: %v", v.Name, err)
		}
	})
	return v
}

func TestLiveVolumes(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		c, ctx, run := e.Client, livetest.Context(t), livetest.UniqueName("vol")
		v := liveVolume(t, e, run)
		if v.Driver != "local" || v.Scope != "local" || v.Mountpoint == "" || v.CreatedAt.IsZero() || v.Labels[liveRunLabel] != run {
			t.Errorf("VolumeCreate = %+v", v)
		}
		again, err := c.VolumeCreate(ctx, dockwire.VolumeCreateOptions{Name: v.Name})
		if err != nil || again.Mountpoint != v.Mountpoint || again.Labels[liveRunLabel] != run {
			t.Errorf("VolumeCreate of an existing name = %+v, %v; want the existing volume", again, err)
		}
		got, err := c.VolumeInspect(ctx, v.Name)
		if err != nil || got.Name != v.Name || got.Mountpoint != v.Mountpoint || !got.CreatedAt.Equal(v.CreatedAt) {
			t.Errorf("VolumeInspect = %+v, %v", got, err)
		}
		list, err := c.VolumeList(ctx, dockwire.VolumeListOptions{Filters: liveFilters(run)})
		if err != nil || len(list.Volumes) != 1 || list.Volumes[0].Name != v.Name {
			t.Errorf("VolumeList(label) = %+v, %v", list, err)
		}
		if _, err := c.VolumeInspect(ctx, "dwvol-no-such-volume"); !errors.Is(err, dockwire.ErrVolumeNotFound) {
			t.Errorf("VolumeInspect(missing) = %v, want ErrVolumeNotFound", err)
		}

		// In use by a container: refused, even with force.
		box := e.Container(t, dockwire.ContainerCreateOptions{HostConfig: engine.HostConfig{Binds: []string{v.Name + ":/data"}}})
		for _, force := range []bool{false, true} {
			if err := c.VolumeRemove(ctx, v.Name, dockwire.VolumeRemoveOptions{Force: force}); !errors.Is(err, dockwire.ErrConflict) {
				t.Errorf("VolumeRemove(in use, force=%v) = %v, want ErrConflict", force, err)
			}
		}
		if err := c.ContainerRemove(ctx, box, dockwire.ContainerRemoveOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
		if err := c.VolumeRemove(ctx, v.Name, dockwire.VolumeRemoveOptions{}); err != nil {
			t.Fatalf("VolumeRemove: %v", err)
		}
		if err := c.VolumeRemove(ctx, v.Name, dockwire.VolumeRemoveOptions{}); !errors.Is(err, dockwire.ErrVolumeNotFound) {
			t.Errorf("second VolumeRemove = %v, want ErrVolumeNotFound", err)
		}
	})
}

// From API 1.42 a prune without all=true leaves named volumes alone; with
// it, every version prunes them.
func TestLiveVolumePrune(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		e.SkipOnPodmanBefore(t, 5, "a volume prune with a label filter removed a named volume without that label")
		c, ctx, run := e.Client, livetest.Context(t), livetest.UniqueName("volprune")
		v := liveVolume(t, e, run)
		keep := liveVolume(t, e, livetest.UniqueName("volkeep"))

		rep, err := c.VolumePrune(ctx, dockwire.VolumePruneOptions{Filters: liveFilters(run)})
		if err != nil {
			t.Fatal(err)
		}
		namedPruned := slices.Contains(rep.VolumesDeleted, v.Name)
		if old := e.API == "1.41"; namedPruned != old {
			t.Errorf("prune without all on API %s pruned the named volume: %v, want %v (report %q)", e.API, namedPruned, old, rep.VolumesDeleted)
		}
		if !namedPruned {
			f := liveFilters(run)
			f["all"] = []string{"true"}
			if rep, err = c.VolumePrune(ctx, dockwire.VolumePruneOptions{Filters: f}); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rep.VolumesDeleted, []string{v.Name}) {
				t.Errorf("prune with all=true deleted %q, want just %s", rep.VolumesDeleted, v.Name)
			}
		}
		if _, err := c.VolumeInspect(ctx, v.Name); !errors.Is(err, dockwire.ErrVolumeNotFound) {
			t.Errorf("pruned volume still there: %v", err)
		}
		if _, err := c.VolumeInspect(ctx, keep.Name); err != nil {
			t.Errorf("volume %s outside the filter was touched: %v", keep.Name, err)
		}
		// all=true is accepted on every version (the client drops it before 1.42).
		f := liveFilters(run)
		f["all"] = []string{"1"}
		if _, err := c.VolumePrune(ctx, dockwire.VolumePruneOptions{Filters: f}); err != nil {
			t.Errorf("prune with all=1: %v", err)
		}
	})
}

func TestLiveSystem(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		c, ctx, run := e.Client, livetest.Context(t), livetest.UniqueName("df")
		box := e.Container(t, dockwire.ContainerCreateOptions{})
		vol := liveVolume(t, e, run)

		sv, err := c.ServerVersion(ctx)
		if err != nil || sv.APIVersion != e.API || sv.Version == "" || sv.Os != "linux" {
			t.Errorf("ServerVersion = %+v, %v", sv, err)
		}
		info, err := c.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.ID == "" || info.ServerVersion != sv.Version || info.OSType != "linux" || info.NCPU < 1 || info.MemTotal <= 0 ||
			info.Containers < 1 || info.ContainersRunning < 1 || info.Images < 1 || info.Driver == "" || info.DockerRootDir == "" ||
			info.KernelVersion == "" || info.Architecture == "" || info.NGoroutines < 1 || info.SystemTime.IsZero() ||
			(info.CgroupVersion != "1" && info.CgroupVersion != "2") || info.SwarmState == "" || len(info.Runtimes) == 0 {
			t.Errorf("Info = %+v", info)
		}

		du, err := c.DiskUsage(ctx, dockwire.DiskUsageOptions{Verbose: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("image sizes", func(t *testing.T) {
			e.SkipOnPodmanBefore(t, 5, "GET /system/df reports every image's size as 0")
			if du.Images.TotalSize <= 0 {
				t.Errorf("DiskUsage images: %+v", usageOf(du.Images))
			}
		})
		if du.Images.TotalCount < 1 || du.Containers.TotalCount < 1 || du.Containers.ActiveCount < 1 ||
			du.Volumes.TotalCount < 1 || du.Images.Reclaimable < 0 || du.Volumes.Reclaimable < 0 {
			t.Errorf("DiskUsage summaries: images %+v containers %+v volumes %+v", usageOf(du.Images), usageOf(du.Containers), usageOf(du.Volumes))
		}
		if !slices.ContainsFunc(du.Containers.Items, func(s engine.ContainerSummary) bool { return s.ID == box }) {
			t.Errorf("DiskUsage lists no container %s", box)
		}
		i := slices.IndexFunc(du.Volumes.Items, func(v engine.Volume) bool { return v.Name == vol.Name })
		if i < 0 || du.Volumes.Items[i].Size < 0 || du.Volumes.Items[i].RefCount != 0 {
			t.Errorf("DiskUsage volume %s: index %d in %d", vol.Name, i, len(du.Volumes.Items))
		}

		// Only volumes: from API 1.42 the daemon computes nothing else.
		du, err = c.DiskUsage(ctx, dockwire.DiskUsageOptions{Volumes: true})
		if err != nil {
			t.Fatal(err)
		}
		if du.Volumes.TotalCount < 1 || e.API != "1.41" && (du.Images.TotalCount != 0 || du.Containers.TotalCount != 0) {
			t.Errorf("DiskUsage(volumes) on API %s: images %+v containers %+v volumes %+v", e.API, usageOf(du.Images), usageOf(du.Containers), usageOf(du.Volumes))
		}
	})
}

func usageOf[T any](s engine.UsageSummary[T]) string {
	return fmt.Sprintf("{total %d active %d size %d reclaimable %d items %d}", s.TotalCount, s.ActiveCount, s.TotalSize, s.Reclaimable, len(s.Items))
}

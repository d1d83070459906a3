package dockwire_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/internal/livetest"
	"github.com/google/go-cmp/cmp"
)

// TestLiveHostConfig creates a container with the typed HostConfig fields
// that used to need raw JSON, reads them back from inspect, sees them take
// effect inside, and changes its resources with ContainerUpdate.
func TestLiveHostConfig(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		ctx := livetest.Context(t)
		c := e.Client
		swappiness, noOOMKill := int64(30), false
		host := engine.HostConfig{
			Resources: engine.Resources{
				Memory: 64 << 20, MemoryReservation: 32 << 20, CPUPeriod: 100000, CPUQuota: 50000, CpusetCpus: "0",
				Ulimits:           []engine.Ulimit{{Name: "nofile", Soft: 1024, Hard: 2048}},
				Devices:           []engine.DeviceMapping{{PathOnHost: "/dev/null", PathInContainer: "/dev/dwnull", CgroupPermissions: "rwm"}},
				DeviceCgroupRules: []string{"c 1:3 rwm"}, PidsLimit: 100, MemorySwappiness: &swappiness, OomKillDisable: &noOOMKill,
			},
			DNS: []string{"10.9.9.9"}, DNSSearch: []string{"dockwire.test"}, DNSOptions: []string{"ndots:2"},
			ExtraHosts: []string{"dwhost:10.1.2.3"}, CapAdd: []string{"NET_ADMIN"}, CapDrop: []string{"MKNOD"},
			Sysctls:       map[string]string{"net.ipv4.ip_unprivileged_port_start": "80"},
			Mounts:        []engine.Mount{{Type: "tmpfs", Target: "/scratch", TmpfsOptions: &engine.TmpfsOptions{SizeBytes: 1 << 20}}},
			LogConfig:     engine.LogConfig{Type: "json-file", Config: map[string]string{"max-size": "1m"}},
			RestartPolicy: engine.RestartPolicy{Name: "on-failure", MaximumRetryCount: 2},
			GroupAdd:      []string{"1234"}, OomScoreAdj: 200, ShmSize: 8 << 20, ReadonlyRootfs: true,
			Tmpfs: map[string]string{"/tmp": "size=1m"},
		}
		if e.IsPodman() {
			host.OomKillDisable, host.MemorySwappiness = nil, nil
			// Given any ulimit, Podman adds nproc at 1048576, which a host
			// with a lower hard limit refuses (this machine: 96362).
			host.Ulimits = append(host.Ulimits, engine.Ulimit{Name: "nproc", Soft: 4096, Hard: 4096})
		}
		id := e.Container(t, dockwire.ContainerCreateOptions{HostConfig: host})
		info, err := c.ContainerInspect(ctx, id, dockwire.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := info.HostConfig
		t.Run("inspect reads back", func(t *testing.T) {
			e.SkipOnPodman(t, "its inspect reports HostConfig in a form of its own (RLIMIT_ ulimit names, an nproc it adds, no cgroup permissions, device rules, sysctls or mounts)")
			for _, check := range []struct {
				name       string
				want, have any
			}{
				{"Ulimits", host.Ulimits, got.Ulimits}, {"Devices", host.Devices, got.Devices}, {"DeviceCgroupRules", host.DeviceCgroupRules, got.DeviceCgroupRules},
				{"Dns", host.DNS, got.DNS}, {"DnsSearch", host.DNSSearch, got.DNSSearch}, {"DnsOptions", host.DNSOptions, got.DNSOptions},
				{"ExtraHosts", host.ExtraHosts, got.ExtraHosts}, {"Sysctls", host.Sysctls, got.Sysctls}, {"Mounts", host.Mounts, got.Mounts},
				{"LogConfig", host.LogConfig, got.LogConfig}, {"RestartPolicy", host.RestartPolicy, got.RestartPolicy}, {"GroupAdd", host.GroupAdd, got.GroupAdd},
				{"OomScoreAdj", host.OomScoreAdj, got.OomScoreAdj}, {"ShmSize", host.ShmSize, got.ShmSize}, {"CpusetCpus", host.CpusetCpus, got.CpusetCpus},
				{"CpuQuota", host.CPUQuota, got.CPUQuota}, {"MemoryReservation", host.MemoryReservation, got.MemoryReservation},
				{"PidsLimit", host.PidsLimit, got.PidsLimit}, {"Tmpfs", host.Tmpfs, got.Tmpfs}, {"ReadonlyRootfs", host.ReadonlyRootfs, got.ReadonlyRootfs},
			} {
				if diff := cmp.Diff(check.want, check.have); diff != "" {
					t.Errorf("inspect's %s (-sent +inspected):\n%s", check.name, diff)
				}
			}
		})
		if !slices.Contains(got.CapAdd, "NET_ADMIN") && !slices.Contains(got.CapAdd, "CAP_NET_ADMIN") {
			t.Errorf("CapAdd = %q", got.CapAdd)
		}

		res, err := c.ExecCapture(ctx, id, dockwire.ExecOptions{Cmd: []string{"sh", "-c",
			"grep 'open files' /proc/1/limits | tr -s ' '; grep -c 10.9.9.9 /etc/resolv.conf; grep dwhost /etc/hosts; ls /dev/dwnull; cat /proc/sys/net/ipv4/ip_unprivileged_port_start; grep -c ' /scratch ' /proc/mounts"}})
		if err != nil {
			t.Fatal(err)
		}
		if want := "Max open files 1024 2048 files \n1\n10.1.2.3\tdwhost\n/dev/dwnull\n80\n1\n"; res.Stdout != want {
			t.Errorf("inside the container:\n%s\nwant\n%s(stderr %q)", res.Stdout, want, res.Stderr)
		}

		t.Run("update", func(t *testing.T) {
			e.SkipOnPodmanBefore(t, 5, "POST /containers/{id}/update answers 404: the compat API lacks it")
			policy := engine.RestartPolicy{Name: "unless-stopped"}
			upd := dockwire.ContainerUpdateOptions{Resources: engine.Resources{Memory: 96 << 20, MemorySwap: -1, MemoryReservation: 48 << 20,
				CPUPeriod: 100000, CPUQuota: 20000, CPUShares: 256, PidsLimit: 50}, RestartPolicy: &policy,
				Extra: []byte(`{"CpusetCpus": "0"}`)}
			if _, err := c.ContainerUpdate(ctx, id, upd); err != nil {
				t.Fatal(err)
			}
			info, err := c.ContainerInspect(ctx, id, dockwire.ContainerInspectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			h := info.HostConfig
			if h.Memory != 96<<20 || h.MemoryReservation != 48<<20 || h.CPUQuota != 20000 || h.CPUShares != 256 || h.PidsLimit != 50 ||
				h.RestartPolicy != policy || h.Ulimits == nil {
				t.Errorf("after update: %+v", h.Resources)
			}
			if _, err := c.ContainerUpdate(ctx, id, dockwire.ContainerUpdateOptions{Resources: engine.Resources{CpusetCpus: "4096"}}); !errors.Is(err, dockwire.ErrBadRequest) && !errors.Is(err, dockwire.ErrServer) {
				t.Errorf("an update to CPUs the host lacks = %v, want the daemon's refusal", err)
			}
		})
	})
}

// A volume mounted by its subpath (API 1.45) shows what a first container
// wrote there; below 1.45 the create is refused before sending.
func TestLiveMountVolumeSubpath(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		ctx := livetest.Context(t)
		c := e.Client
		vol := livetest.UniqueName("dwsubpath")
		if _, err := c.VolumeCreate(ctx, dockwire.VolumeCreateOptions{Name: vol, Labels: map[string]string{"dockwire.test": "1"}}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.VolumeRemove(livetest.Context(t), vol, dockwire.VolumeRemoveOptions{Force: true}) })
		run := func(cmd string, m engine.Mount) (string, error) {
			var out strings.Builder
			res, err := c.Run(ctx, dockwire.RunOptions{Image: e.Image(t), Cmd: []string{"sh", "-c", cmd}, Stdout: &out, Remove: true,
				Create: dockwire.ContainerCreateOptions{HostConfig: engine.HostConfig{Mounts: []engine.Mount{m}}}})
			if err == nil && res.ExitCode != 0 {
				err = fmt.Errorf("exit %d", res.ExitCode)
			}
			return out.String(), err
		}
		if _, err := run("mkdir -p /v/sub && echo in the subpath > /v/sub/f", engine.Mount{Type: "volume", Source: vol, Target: "/v"}); err != nil {
			t.Fatal(err)
		}
		out, err := run("cat /data/f", engine.Mount{Type: "volume", Source: vol, Target: "/data", VolumeOptions: &engine.VolumeOptions{Subpath: "sub"}})
		v, verr := c.APIVersion(ctx)
		if verr != nil {
			t.Fatal(verr)
		}
		if v < "1.45" {
			if !errors.Is(err, dockwire.ErrAPIVersion) {
				t.Errorf("a Subpath at API %s = %v, want ErrAPIVersion", v, err)
			}
			return
		}
		if err != nil || out != "in the subpath\n" {
			t.Errorf("the volume's subpath mounted: %q, %v", out, err)
		}
	})
}

// TestLiveImagePlatform: a platform option reaches the daemon where the
// API has it, and is refused before sending below.
func TestLiveImagePlatform(t *testing.T) {
	livetest.Run(t, func(t *testing.T, e *livetest.Engine) {
		ctx := livetest.Context(t)
		_, err := e.Client.ImageInspect(ctx, e.Image(t), dockwire.ImageInspectOptions{Platform: "linux/amd64"})
		v, verr := e.Client.APIVersion(ctx)
		if verr != nil {
			t.Fatal(verr)
		}
		if v < "1.49" {
			if !errors.Is(err, dockwire.ErrAPIVersion) {
				t.Errorf("inspect with a platform at API %s = %v, want ErrAPIVersion", v, err)
			}
			return
		}
		if err != nil {
			t.Errorf("inspect with its own platform at API %s: %v", v, err)
		}
	})
}

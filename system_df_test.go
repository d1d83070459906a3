package dockwire_test

import (
	"net/url"
	"testing"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/engine"
	"github.com/dockwire/dockwire/enginetest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestInfoDecode(t *testing.T) {
	e, c := nvFake(t, enginetest.WithAPIVersion("1.41"))
	e.Handle("GET", "/info", nvReply(200, `{"ID":"ZZO5:GEW4","Containers":3,"ContainersRunning":1,"ContainersPaused":1,"ContainersStopped":1,
"Images":2,"Driver":"overlay2","DriverStatus":[["Backing Filesystem","extfs"],["Supports d_type","true"]],"NFd":26,"NGoroutines":40,
"SystemTime":"2026-11-27T04:52:44.504816682Z","CgroupDriver":"cgroupfs","CgroupVersion":"1","KernelVersion":"6.18.44","OperatingSystem":"Debian GNU/Linux 12 (bookworm)",
"OSVersion":"12","OSType":"linux","Architecture":"x86_64","NCPU":2,"MemTotal":25276502016,"DockerRootDir":"/var/lib/docker","Name":"vm",
"Labels":[],"ServerVersion":"20.10.24+dfsg1","Runtimes":{"runc":{"path":"runc"}},"DefaultRuntime":"runc",
"Swarm":{"LocalNodeState":"inactive"},"SecurityOptions":["name=seccomp,profile=default"],"Warnings":null,"Plugins":{"Volume":["local"]}}`))
	info, err := c.Info(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := nvLast(t, e); got.Method != "GET" || got.Path != "/v1.41/info" {
		t.Errorf("request = %+v", got)
	}
	if info.ID != "ZZO5:GEW4" || info.Containers != 3 || info.ContainersRunning != 1 || info.ContainersPaused != 1 ||
		info.ContainersStopped != 1 || info.Images != 2 || info.NCPU != 2 || info.MemTotal != 25276502016 ||
		info.ServerVersion != "20.10.24+dfsg1" || info.OSType != "linux" || info.CgroupVersion != "1" ||
		info.NFd != 26 || info.NGoroutines != 40 || info.SwarmState != "inactive" || info.SystemTime.IsZero() {
		t.Errorf("info = %+v", info)
	}
	if diff := cmp.Diff([][2]string{{"Backing Filesystem", "extfs"}, {"Supports d_type", "true"}}, info.DriverStatus); diff != "" {
		t.Errorf("DriverStatus (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"runc"}, info.Runtimes); diff != "" {
		t.Errorf("Runtimes (-want +got):\n%s", diff)
	}
	if got := info.Get("Plugins.Volume.0").String(); got != "local" {
		t.Errorf("Raw Plugins.Volume.0 = %q", got)
	}
}

// dfLegacy is a /system/df answer before API 1.52: lists only.
const dfLegacy = `{"LayersSize":3000,
"Images":[{"Containers":1,"Created":1795755141,"Id":"sha256:a","RepoTags":["a:1"],"SharedSize":0,"Size":1000},
          {"Containers":0,"Created":1795755141,"Id":"sha256:b","RepoTags":["b:1"],"SharedSize":500,"Size":2000}],
"Containers":[{"Id":"c1","Names":["/c1"],"State":"running","SizeRw":10},{"Id":"c2","Names":["/c2"],"State":"exited","SizeRw":20}],
"Volumes":[{"Name":"v1","Driver":"local","Mountpoint":"/m","Labels":null,"Scope":"local","Options":null,"UsageData":{"Size":100,"RefCount":1}},
           {"Name":"v2","Driver":"local","Mountpoint":"/m","Labels":null,"Scope":"local","Options":null,"UsageData":{"Size":200,"RefCount":0}}],
"BuildCache":[{"ID":"b1","Parent":"b0","Type":"regular","InUse":true,"Shared":false,"Size":7,"CreatedAt":"2021-06-28T13:31:01.474619385Z","UsageCount":2},
              {"ID":"b2","Type":"regular","InUse":false,"Shared":false,"Size":5,"CreatedAt":"2021-06-28T13:31:01.474619385Z"},
              {"ID":"b3","Type":"regular","InUse":false,"Shared":true,"Size":100,"CreatedAt":"2021-06-28T13:31:01.474619385Z"}]}`

// dfModern is a /system/df answer from API 1.53: summaries, and items only
// when verbose.
const dfModern = `{"ImageUsage":{"ActiveCount":1,"TotalCount":2,"Reclaimable":1500,"TotalSize":3000},
"ContainerUsage":{"ActiveCount":1,"TotalCount":2,"Reclaimable":20,"TotalSize":30,"Items":[{"Id":"c1","Names":["/c1"],"State":"running","SizeRw":10}]},
"VolumeUsage":{"ActiveCount":1,"TotalCount":2,"Reclaimable":200,"TotalSize":300},
"BuildCacheUsage":{"ActiveCount":1,"TotalCount":3,"Reclaimable":5,"TotalSize":12}}`

type dfCounts struct{ Total, Active, Size, Reclaimable, Items int64 }

func dfSummary[T any](s engine.UsageSummary[T]) dfCounts {
	return dfCounts{s.TotalCount, s.ActiveCount, s.TotalSize, s.Reclaimable, int64(len(s.Items))}
}

func TestDiskUsageBothShapes(t *testing.T) {
	for _, tt := range []struct {
		name, api, body                       string
		images, containers, volumes, building dfCounts
	}{
		{"legacy", "1.41", dfLegacy,
			dfCounts{2, 1, 3000, 1500, 2}, dfCounts{2, 1, 30, 20, 2}, dfCounts{2, 1, 300, 200, 2}, dfCounts{3, 1, 12, 5, 3}},
		{"modern", "1.53", dfModern,
			dfCounts{2, 1, 3000, 1500, 0}, dfCounts{2, 1, 30, 20, 1}, dfCounts{2, 1, 300, 200, 0}, dfCounts{3, 1, 12, 5, 0}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, c := nvFake(t, enginetest.WithAPIVersion(tt.api))
			e.Handle("GET", "/system/df", nvReply(200, tt.body))
			du, err := c.DiskUsage(testContext(t), dockwire.DiskUsageOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []struct {
				kind      string
				got, want dfCounts
			}{
				{"images", dfSummary(du.Images), tt.images},
				{"containers", dfSummary(du.Containers), tt.containers},
				{"volumes", dfSummary(du.Volumes), tt.volumes},
				{"build cache", dfSummary(du.BuildCache), tt.building},
			} {
				if diff := cmp.Diff(s.want, s.got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", s.kind, diff)
				}
			}
		})
	}
}

func TestDiskUsageLegacyItems(t *testing.T) {
	e, c := nvFake(t, enginetest.WithAPIVersion("1.41"))
	e.Handle("GET", "/system/df", nvReply(200, dfLegacy))
	du, err := c.DiskUsage(testContext(t), dockwire.DiskUsageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v := du.Volumes.Items[1]; v.Name != "v2" || v.Size != 200 || v.RefCount != 0 {
		t.Errorf("volume = %+v", v)
	}
	if b := du.BuildCache.Items[0]; b.ID != "b1" || !b.InUse || b.Size != 7 || b.UsageCount != 2 || b.CreatedAt.IsZero() || !cmp.Equal(b.Parents, []string{"b0"}) {
		t.Errorf("build cache record = %+v", b)
	}
	if i := du.Images.Items[1]; i.ID != "sha256:b" || i.SharedSize != 500 {
		t.Errorf("image = %+v", i)
	}
}

// API 1.52 sends both shapes; verbose moves the lists into the summaries.
func TestDiskUsage152Verbose(t *testing.T) {
	e, c := nvFake(t, enginetest.WithAPIVersion("1.52"))
	e.Handle("GET", "/system/df", nvReply(200, `{"ImageUsage":{"ActiveCount":0,"TotalCount":1,"Reclaimable":9,"TotalSize":9,
"Items":[{"Containers":0,"Created":1,"Id":"sha256:x","Size":9,"SharedSize":0}]}}`))
	du, err := c.DiskUsage(testContext(t), dockwire.DiskUsageOptions{Images: true, BuildCache: true, Verbose: true})
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"type": {"image", "build-cache"}, "verbose": {"1"}}
	if diff := cmp.Diff(want, nvLast(t, e).Query); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	if got := dfSummary(du.Images); got != (dfCounts{1, 0, 9, 9, 1}) || du.Images.Items[0].ID != "sha256:x" {
		t.Errorf("images = %+v", du.Images)
	}
	if got := dfSummary(du.Containers); got != (dfCounts{}) {
		t.Errorf("containers, not asked for = %+v", got)
	}
}

// Before API 1.42 there is no type, before 1.52 no verbose: an older daemon
// is not sent them, and reports every kind, listing every item, anyway.
func TestDiskUsageOlderAPIsOmitParameters(t *testing.T) {
	for _, tt := range []struct {
		api  string
		want url.Values
	}{
		{"1.41", nil},
		{"1.44", url.Values{"type": {"container", "volume"}}},
		{"1.52", url.Values{"type": {"container", "volume"}, "verbose": {"1"}}},
	} {
		t.Run(tt.api, func(t *testing.T) {
			e, c := nvFake(t, enginetest.WithAPIVersion(tt.api))
			e.Handle("GET", "/system/df", nvReply(200, dfLegacy))
			if _, err := c.DiskUsage(testContext(t), dockwire.DiskUsageOptions{Containers: true, Volumes: true, Verbose: true}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, nvLast(t, e).Query, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("query at API %s (-want +got):\n%s", tt.api, diff)
			}
		})
	}
}

package engine_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/dockwire/dockwire/engine"
	"github.com/google/go-cmp/cmp"
)

// recordedV1 is a sample from Docker 20.10 (API 1.41, cgroup v1) for a
// busybox container in a shell loop, taken with stream=false.
const recordedV1 = `{"read":"2026-11-27T04:52:24.849764408Z","preread":"2026-11-27T04:52:23.819147228Z","pids_stats":{"current":1},"blkio_stats":{"io_service_bytes_recursive":[],"io_serviced_recursive":[],"io_queue_recursive":[],"io_service_time_recursive":[],"io_wait_time_recursive":[],"io_merged_recursive":[],"io_time_recursive":[],"sectors_recursive":[]},"num_procs":0,"storage_stats":{},"cpu_stats":{"cpu_usage":{"total_usage":1043395019,"percpu_usage":[634967299,408427720],"usage_in_kernelmode":620000000,"usage_in_usermode":420000000},"system_cpu_usage":1397390000000,"online_cpus":2,"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"precpu_stats":{"cpu_usage":{"total_usage":806672847,"percpu_usage":[498251549,308421298],"usage_in_kernelmode":490000000,"usage_in_usermode":310000000},"system_cpu_usage":1395340000000,"online_cpus":2,"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"memory_stats":{"usage":520192,"max_usage":4083712,"stats":{"active_anon":4096,"active_file":0,"cache":0,"dirty":0,"hierarchical_memory_limit":9223372036854771712,"hierarchical_memsw_limit":9223372036854771712,"inactive_anon":61440,"inactive_file":0,"mapped_file":0,"pgfault":1151,"pgmajfault":0,"pgpgin":838,"pgpgout":822,"rss":65536,"rss_huge":0,"total_active_anon":4096,"total_active_file":0,"total_cache":0,"total_dirty":0,"total_inactive_anon":61440,"total_inactive_file":0,"total_mapped_file":0,"total_pgfault":1151,"total_pgmajfault":0,"total_pgpgin":838,"total_pgpgout":822,"total_rss":65536,"total_rss_huge":0,"total_unevictable":0,"total_writeback":0,"unevictable":0,"writeback":0},"limit":25276502016},"name":"/dwprobe","id":"fde26b28ae2880cbdd927d2e0bdf02003fc00a8fa2255e0f7fe97f46be66af01","networks":{"eth0":{"rx_bytes":736,"rx_packets":8,"rx_errors":0,"rx_dropped":0,"tx_bytes":0,"tx_packets":0,"tx_errors":0,"tx_dropped":0}}}`

// cgroupV1 is shaped like recordedV1, with page cache, block I/O on two
// devices (v1 spells ops "Read", and adds Sync/Async/Total rows), two
// networks, and no online_cpus, as daemons before API 1.27 sent.
const cgroupV1 = `{"read":"2024-05-01T10:00:01.5Z","preread":"2024-05-01T10:00:00.5Z","pids_stats":{"current":3,"limit":100},
"blkio_stats":{"io_service_bytes_recursive":[
 {"major":8,"minor":0,"op":"Read","value":4096},{"major":8,"minor":0,"op":"Write","value":8192},
 {"major":8,"minor":0,"op":"Sync","value":8192},{"major":8,"minor":0,"op":"Async","value":4096},{"major":8,"minor":0,"op":"Total","value":12288},
 {"major":8,"minor":16,"op":"Read","value":1000},{"major":8,"minor":16,"op":"Write","value":0},{"major":8,"minor":16,"op":"Total","value":1000}],
 "io_serviced_recursive":[]},
"cpu_stats":{"cpu_usage":{"total_usage":1400000000,"percpu_usage":[400000000,300000000,500000000,200000000],"usage_in_kernelmode":300000000,"usage_in_usermode":1100000000},"system_cpu_usage":2000000000000},
"precpu_stats":{"cpu_usage":{"total_usage":1000000000,"percpu_usage":[300000000,200000000,300000000,200000000],"usage_in_kernelmode":200000000,"usage_in_usermode":800000000},"system_cpu_usage":1998000000000},
"memory_stats":{"usage":104857600,"max_usage":209715200,"limit":1073741824,"stats":{"cache":8388608,"inactive_file":1048576,"total_inactive_file":4194304,"rss":96468992}},
"name":"/web","id":"aaaa",
"networks":{"eth0":{"rx_bytes":1000,"rx_packets":10,"tx_bytes":200,"tx_packets":2},"eth1":{"rx_bytes":24,"rx_packets":1,"tx_bytes":56,"tx_packets":1,"tx_dropped":3}}}`

// cgroupV2 is shaped like the API 1.52 sample in the specification: no
// percpu_usage, no max_usage, v2 memory.stat keys, lower-case block ops
// and null for the v1-only block fields.
const cgroupV2 = `{"name":"/db","id":"bbbb","os_type":"linux","read":"2024-05-01T10:00:02Z","preread":"2024-05-01T10:00:01Z","pids_stats":{"current":5,"limit":18939},
"blkio_stats":{"io_service_bytes_recursive":[{"major":254,"minor":0,"op":"read","value":7593984},{"major":254,"minor":0,"op":"write","value":100}],"io_serviced_recursive":null,"io_queue_recursive":null,"sectors_recursive":null},
"num_procs":0,"storage_stats":{},
"cpu_stats":{"cpu_usage":{"total_usage":5250000000,"usage_in_kernelmode":250000000,"usage_in_usermode":5000000000},"system_cpu_usage":108000000000000,"online_cpus":2,"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},
"precpu_stats":{"cpu_usage":{"total_usage":5000000000,"usage_in_kernelmode":240000000,"usage_in_usermode":4760000000},"system_cpu_usage":107999000000000,"online_cpus":2,"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},
"memory_stats":{"usage":209715200,"limit":419430400,"stats":{"active_anon":1572864,"anon":1572864,"file":20971520,"inactive_file":10485760,"active_file":10485760}},
"networks":{"eth0":{"rx_bytes":5338,"rx_dropped":0,"rx_errors":0,"rx_packets":36,"tx_bytes":648,"tx_dropped":0,"tx_errors":0,"tx_packets":8}}}`

// firstStreamed is the first sample of a stream (and what one-shot=true
// sends): the daemon has no earlier sample, so precpu_stats is zero.
const firstStreamed = `{"name":"/web","id":"aaaa","read":"2026-11-27T04:52:29.076387706Z","preread":"0001-01-01T00:00:00Z","pids_stats":{"current":1},
"cpu_stats":{"cpu_usage":{"total_usage":1721229878,"percpu_usage":[489546910,1231682968],"usage_in_kernelmode":1080000000,"usage_in_usermode":630000000},"system_cpu_usage":1405820000000,"online_cpus":2},
"precpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},
"memory_stats":{"usage":520192,"limit":25276502016,"stats":{"total_inactive_file":0,"inactive_file":0}}}`

// notRunning is what the daemon sends for a stopped container.
const notRunning = `{"read":"0001-01-01T00:00:00Z","preread":"0001-01-01T00:00:00Z","pids_stats":{},"blkio_stats":{"io_service_bytes_recursive":null},"num_procs":0,"storage_stats":{},"cpu_stats":{"cpu_usage":{"total_usage":0},"throttling_data":{}},"precpu_stats":{"cpu_usage":{"total_usage":0},"throttling_data":{}},"memory_stats":{},"name":"/stopped","id":"cccc"}`

// figures are the computed fields of a StatsResponse.
type figures struct {
	CPUPercent, MemoryPercent          float64
	MemoryUsage, MemoryLimit           uint64
	NetworkRx, NetworkTx               uint64
	BlockRead, BlockWrite, PIDs        uint64
	Name, ID                           string
	ReadZero, PreReadZero, HasNetworks bool
}

func TestStatsFigures(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want figures
	}{
		{"recorded 20.10 cgroup v1", recordedV1, figures{
			// Δtotal 1043395019-806672847 = 236722172 over Δsystem
			// 1397390000000-1395340000000 = 2050000000, times 2 online CPUs.
			CPUPercent:  236722172.0 / 2050000000.0 * 2 * 100,
			MemoryUsage: 520192, MemoryLimit: 25276502016, // total_inactive_file is 0
			MemoryPercent: 520192.0 / 25276502016.0 * 100,
			NetworkRx:     736, PIDs: 1, Name: "/dwprobe", ID: "fde26b28ae2880cbdd927d2e0bdf02003fc00a8fa2255e0f7fe97f46be66af01", HasNetworks: true,
		}},
		{"cgroup v1", cgroupV1, figures{
			// 400e6 / 2e9 × 4 CPUs (len(percpu_usage): no online_cpus) × 100.
			CPUPercent: 80,
			// 100 MiB − 4 MiB total_inactive_file (not the 1 MiB inactive_file, nor the cache) of 1 GiB.
			MemoryUsage: 96 << 20, MemoryLimit: 1 << 30, MemoryPercent: 9.375,
			NetworkRx: 1024, NetworkTx: 256,
			// Read 4096+1000, Write 8192+0; Sync, Async and Total not counted.
			BlockRead: 5096, BlockWrite: 8192, PIDs: 3, Name: "/web", ID: "aaaa", HasNetworks: true,
		}},
		{"cgroup v2", cgroupV2, figures{
			// 250e6 / 1e9 × 2 online CPUs × 100.
			CPUPercent: 50,
			// 200 MiB − 10 MiB inactive_file, of 400 MiB.
			MemoryUsage: 190 << 20, MemoryLimit: 400 << 20, MemoryPercent: 47.5,
			NetworkRx: 5338, NetworkTx: 648, BlockRead: 7593984, BlockWrite: 100, PIDs: 5, Name: "/db", ID: "bbbb", HasNetworks: true,
		}},
		{"first streamed sample", firstStreamed, figures{
			CPUPercent: 0, MemoryUsage: 520192, MemoryLimit: 25276502016, MemoryPercent: 520192.0 / 25276502016.0 * 100,
			PIDs: 1, Name: "/web", ID: "aaaa", PreReadZero: true,
		}},
		{"not running", notRunning, figures{Name: "/stopped", ID: "cccc", ReadZero: true, PreReadZero: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := engine.Decode[engine.StatsResponse](tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			got := figures{
				CPUPercent: s.CPUPercent, MemoryPercent: s.MemoryPercent, MemoryUsage: s.MemoryUsage, MemoryLimit: s.MemoryLimit,
				NetworkRx: s.NetworkRx, NetworkTx: s.NetworkTx, BlockRead: s.BlockRead, BlockWrite: s.BlockWrite, PIDs: s.PIDs,
				Name: s.Name, ID: s.ID, ReadZero: s.Read.IsZero(), PreReadZero: s.PreRead.IsZero(), HasNetworks: s.Networks != nil,
			}
			if !closeTo(got.CPUPercent, tt.want.CPUPercent) || !closeTo(got.MemoryPercent, tt.want.MemoryPercent) {
				t.Errorf("CPU %v%%, memory %v%%; want %v%%, %v%%", got.CPUPercent, got.MemoryPercent, tt.want.CPUPercent, tt.want.MemoryPercent)
			}
			got.CPUPercent, got.MemoryPercent = tt.want.CPUPercent, tt.want.MemoryPercent
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if s.Raw != engine.Raw(tt.doc) {
				t.Error("Raw is not the document")
			}
		})
	}
}

func closeTo(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestStatsNestedFields(t *testing.T) {
	s, err := engine.Decode[engine.StatsResponse](cgroupV1)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Read, time.Date(2024, 5, 1, 10, 0, 1, 5e8, time.UTC); !got.Equal(want) {
		t.Errorf("Read = %v, want %v", got, want)
	}
	if got := s.CPUStats.CPUUsage.PercpuUsage; len(got) != 4 || got[2] != 500000000 {
		t.Errorf("PercpuUsage = %v", got)
	}
	if s.CPUStats.OnlineCPUs != 0 || s.PreCPUStats.SystemUsage != 1998000000000 || s.CPUStats.CPUUsage.UsageInUsermode != 1100000000 {
		t.Errorf("CPUStats = %+v, PreCPUStats = %+v", s.CPUStats, s.PreCPUStats)
	}
	if s.MemoryStats.Stats["cache"] != 8388608 || s.MemoryStats.Usage != 104857600 {
		t.Errorf("MemoryStats = %+v", s.MemoryStats)
	}
	if n := s.Networks["eth1"]; n.TxDropped != 3 || n.RxPackets != 1 {
		t.Errorf("Networks[eth1] = %+v", n)
	}
	if got := s.Get("pids_stats.limit").Uint(); got != 100 {
		t.Errorf(`Get("pids_stats.limit") = %d`, got)
	}
	big, _ := engine.Decode[engine.StatsResponse](recordedV1)
	if got := big.MemoryStats.Stats["hierarchical_memory_limit"]; got != 9223372036854771712 {
		t.Errorf("hierarchical_memory_limit = %d, want it exact", got)
	}
	v2, _ := engine.Decode[engine.StatsResponse](cgroupV2)
	if v2.OSType != "linux" || v2.CPUStats.OnlineCPUs != 2 || v2.CPUStats.CPUUsage.PercpuUsage != nil {
		t.Errorf("v2: OSType %q, CPUStats %+v", v2.OSType, v2.CPUStats)
	}
}

func TestStatsMemoryUsage(t *testing.T) {
	tests := []struct {
		name  string
		stats string
		want  uint64
	}{
		{"v1 total_inactive_file", `{"total_inactive_file":300,"inactive_file":100}`, 700},
		// A v1 total_inactive_file that is not below usage falls back to
		// inactive_file, as docker stats does.
		{"v1 total_inactive_file too large", `{"total_inactive_file":2000,"inactive_file":300}`, 700},
		{"v2 inactive_file", `{"inactive_file":250,"anon":10}`, 750},
		{"v2 inactive_file too large", `{"inactive_file":1000}`, 1000},
		{"no memory.stat", `null`, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := engine.Decode[engine.StatsResponse](`{"memory_stats":{"usage":1000,"limit":4000,"stats":` + tt.stats + `}}`)
			if err != nil {
				t.Fatal(err)
			}
			if s.MemoryUsage != tt.want || s.MemoryPercent != float64(tt.want)/40 {
				t.Errorf("MemoryUsage = %d (%v%%), want %d", s.MemoryUsage, s.MemoryPercent, tt.want)
			}
		})
	}
}

func TestStatsCPUPercentEdges(t *testing.T) {
	tests := []struct {
		name string
		cpu  string
		want float64
	}{
		// After a restart the counters start again below the previous sample.
		{"counter went backwards", `"cpu_stats":{"cpu_usage":{"total_usage":10},"system_cpu_usage":2000,"online_cpus":1},"precpu_stats":{"cpu_usage":{"total_usage":50},"system_cpu_usage":1000,"online_cpus":1}`, 0},
		{"no system delta", `"cpu_stats":{"cpu_usage":{"total_usage":60},"system_cpu_usage":1000,"online_cpus":1},"precpu_stats":{"cpu_usage":{"total_usage":50},"system_cpu_usage":1000,"online_cpus":1}`, 0},
		{"idle", `"cpu_stats":{"cpu_usage":{"total_usage":50},"system_cpu_usage":2000,"online_cpus":1},"precpu_stats":{"cpu_usage":{"total_usage":50},"system_cpu_usage":1000,"online_cpus":1}`, 0},
		{"all of 8 CPUs", `"cpu_stats":{"cpu_usage":{"total_usage":1050},"system_cpu_usage":2000,"online_cpus":8},"precpu_stats":{"cpu_usage":{"total_usage":50},"system_cpu_usage":1000,"online_cpus":8}`, 800},
		{"no CPU count", `"cpu_stats":{"cpu_usage":{"total_usage":1050},"system_cpu_usage":2000},"precpu_stats":{"cpu_usage":{"total_usage":50},"system_cpu_usage":1000}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := engine.Decode[engine.StatsResponse](`{` + tt.cpu + `}`)
			if err != nil {
				t.Fatal(err)
			}
			if s.CPUPercent != tt.want {
				t.Errorf("CPUPercent = %v, want %v", s.CPUPercent, tt.want)
			}
		})
	}
}

func TestStatsNotAnObject(t *testing.T) {
	for _, doc := range []string{`[1]`, `"x"`, `{"read":`} {
		if _, err := engine.Decode[engine.StatsResponse](doc); !errors.Is(err, engine.ErrDecode) {
			t.Errorf("Decode(%s) = %v, want ErrDecode", doc, err)
		}
	}
}

// The typed parts of a sample decode as encoding/json decodes them into the
// same types, field for field (the decoders read each object in one pass,
// by key; this holds them to the API's names), on every sample above and
// on the recorded samples of each engine.
func TestStatsTypedPartsMatchEncodingJSON(t *testing.T) {
	docs := []string{recordedV1, cgroupV1, cgroupV2, firstStreamed, notRunning}
	for _, p := range []string{"../testdata/docker-20.10/0028-container-stats.json", "../testdata/docker-28.5/0028-container-stats.json"} {
		docs = append(docs, fixtureBody(t, p))
	}
	for _, doc := range docs {
		got, err := engine.Decode[engine.StatsResponse](doc)
		if err != nil {
			t.Fatal(err)
		}
		var want struct {
			CPUStats    engine.CPUStats                `json:"cpu_stats"`
			PreCPUStats engine.CPUStats                `json:"precpu_stats"`
			MemoryStats engine.MemoryStats             `json:"memory_stats"`
			Networks    map[string]engine.NetworkStats `json:"networks"`
			PIDs        struct{ Current uint64 }       `json:"pids_stats"`
		}
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want.CPUStats, got.CPUStats); d != "" {
			t.Errorf("%.60s: cpu_stats (-encoding/json +Decode):\n%s", doc, d)
		}
		if d := cmp.Diff(want.PreCPUStats, got.PreCPUStats); d != "" {
			t.Errorf("%.60s: precpu_stats (-encoding/json +Decode):\n%s", doc, d)
		}
		if d := cmp.Diff(want.MemoryStats, got.MemoryStats); d != "" {
			t.Errorf("%.60s: memory_stats (-encoding/json +Decode):\n%s", doc, d)
		}
		if d := cmp.Diff(want.Networks, got.Networks); d != "" {
			t.Errorf("%.60s: networks (-encoding/json +Decode):\n%s", doc, d)
		}
		if got.PIDs != want.PIDs.Current {
			t.Errorf("%.60s: PIDs = %d, pids_stats.current is %d", doc, got.PIDs, want.PIDs.Current)
		}
	}
}

package engine

import (
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// StatsResponse is one sample of a container's resource usage (the API's
// ContainerStatsResponse), with the figures `docker stats` shows already
// computed from it. Linux only: the Windows fields stay in Raw.
//
// Built in Go, a StatsResponse marshals its counters; the computed figures
// (CPUPercent, MemoryUsage, MemoryLimit, MemoryPercent, NetworkRx and
// NetworkTx) are not part of the API's document and are computed again
// from the counters when it is decoded.
type StatsResponse struct {
	Read    time.Time `json:"read"`    // when the daemon took the sample
	PreRead time.Time `json:"preread"` // when it took PreCPUStats; zero when there was no earlier sample
	Name    string    `json:"name"`    // the container's name, with the leading "/"
	ID      string    `json:"id"`
	OSType  string    `json:"os_type,omitempty"` // "linux" or "windows"; sent from API 1.52

	// CPUPercent is the container's CPU use between PreRead and Read, in
	// percent of one CPU: 250 means two and a half CPUs busy. It is 0 when
	// the sample has no earlier one to compare with (see PreRead).
	CPUPercent float64 `json:"-"`
	// MemoryUsage is the memory in use without the page cache the kernel
	// can reclaim at once (inactive files), as `docker stats` shows it.
	MemoryUsage   uint64  `json:"-"`
	MemoryLimit   uint64  `json:"-"` // the container's limit, or the host's memory
	MemoryPercent float64 `json:"-"` // MemoryUsage / MemoryLimit × 100
	NetworkRx     uint64  `json:"-"` // bytes received, summed over the interfaces
	NetworkTx     uint64  `json:"-"` // bytes sent, summed over the interfaces
	BlockRead     uint64  `json:"-"` // bytes read from block devices
	BlockWrite    uint64  `json:"-"` // bytes written to block devices
	PIDs          uint64  `json:"-"` // pids_stats.current: processes and threads in the container

	CPUStats    CPUStats                `json:"cpu_stats"`
	PreCPUStats CPUStats                `json:"precpu_stats"` // the sample before, for the CPU delta
	MemoryStats MemoryStats             `json:"memory_stats"`
	Networks    map[string]NetworkStats `json:"networks,omitempty"` // by interface; nil without networking
	Raw         `json:"-"`
}

// MarshalJSON returns the document s was decoded from, or else s's
// counters under the API's names. BlockRead and BlockWrite go out as one
// "read" and one "write" entry of blkio_stats.io_service_bytes_recursive.
func (s StatsResponse) MarshalJSON() ([]byte, error) {
	type fields StatsResponse
	type blkioEntry struct {
		Major uint64 `json:"major"`
		Minor uint64 `json:"minor"`
		Op    string `json:"op"`
		Value uint64 `json:"value"`
	}
	var blkio struct {
		IOServiceBytes []blkioEntry `json:"io_service_bytes_recursive"`
	}
	if s.BlockRead != 0 || s.BlockWrite != 0 {
		blkio.IOServiceBytes = []blkioEntry{{Op: "read", Value: s.BlockRead}, {Op: "write", Value: s.BlockWrite}}
	}
	return marshalResponse(s.Raw, struct {
		fields
		Blkio any `json:"blkio_stats"`
		PIDs  any `json:"pids_stats"`
	}{fields(s), blkio, struct {
		Current uint64 `json:"current"`
	}{s.PIDs}})
}

// UnmarshalJSON decodes a stats sample as Decode does.
func (s *StatsResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, s) }

// CPUStats is a container's CPU time counters (the API's ContainerCPUStats).
type CPUStats struct {
	CPUUsage    CPUUsage `json:"cpu_usage"`
	SystemUsage uint64   `json:"system_cpu_usage"` // the host's CPU time, in ns, over all CPUs
	// OnlineCPUs is 0 when the daemon did not send it; then the length
	// of CPUUsage.PercpuUsage stands in.
	OnlineCPUs uint32 `json:"online_cpus,omitempty"`
}

// CPUUsage is the CPU time a container used since it started, in ns (the
// API's ContainerCPUUsage).
type CPUUsage struct {
	TotalUsage        uint64   `json:"total_usage"`
	PercpuUsage       []uint64 `json:"percpu_usage,omitempty"` // cgroup v1 only
	UsageInKernelmode uint64   `json:"usage_in_kernelmode"`
	UsageInUsermode   uint64   `json:"usage_in_usermode"`
}

// MemoryStats is a container's memory counters (the API's
// ContainerMemoryStats).
type MemoryStats struct {
	Usage uint64 `json:"usage"`
	Limit uint64 `json:"limit"`
	// Stats is the cgroup's memory.stat. Its keys differ between cgroup v1
	// ("cache", "rss", "total_inactive_file", ...) and v2 ("anon", "file",
	// "inactive_file", ...).
	Stats map[string]uint64 `json:"stats,omitempty"`
}

// NetworkStats is the traffic of one interface (the API's
// ContainerNetworkStats).
type NetworkStats struct {
	RxBytes   uint64 `json:"rx_bytes"`
	RxPackets uint64 `json:"rx_packets"`
	RxErrors  uint64 `json:"rx_errors"`
	RxDropped uint64 `json:"rx_dropped"`
	TxBytes   uint64 `json:"tx_bytes"`
	TxPackets uint64 `json:"tx_packets"`
	TxErrors  uint64 `json:"tx_errors"`
	TxDropped uint64 `json:"tx_dropped"`
}

func (s *StatsResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "stats"); err != nil {
		return err
	}
	*s = StatsResponse{Raw: Raw(r.Raw)}
	r.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "read":
			s.Read = timestamp(v)
		case "preread":
			s.PreRead = timestamp(v)
		case "name":
			s.Name = v.String()
		case "id":
			s.ID = v.String()
		case "os_type":
			s.OSType = v.String()
		case "cpu_stats":
			s.CPUStats = cpuStats(v)
		case "precpu_stats":
			s.PreCPUStats = cpuStats(v)
		case "memory_stats":
			s.MemoryStats = memoryStats(v)
		case "networks":
			s.Networks = networkStats(v)
		case "blkio_stats":
			s.BlockRead, s.BlockWrite = blockIO(v.Get("io_service_bytes_recursive"))
		case "pids_stats":
			s.PIDs = v.Get("current").Uint()
		}
		return true
	})
	s.CPUPercent = cpuPercent(s.PreCPUStats, s.CPUStats)
	s.MemoryUsage = memoryUsage(s.MemoryStats)
	s.MemoryLimit = s.MemoryStats.Limit
	if s.MemoryLimit != 0 {
		s.MemoryPercent = float64(s.MemoryUsage) / float64(s.MemoryLimit) * 100
	}
	for _, n := range s.Networks {
		s.NetworkRx += n.RxBytes
		s.NetworkTx += n.TxBytes
	}
	return nil
}

// The stats decoders read each object in one pass of its members, with a
// switch on the key: a sample is read 20 to 50 times a second per
// container, and a gjson Get per field scans the object from its start
// again, skipping the nested arrays and objects before the field each time.

func cpuStats(r gjson.Result) CPUStats {
	var c CPUStats
	r.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "cpu_usage":
			v.ForEach(func(k, v gjson.Result) bool {
				switch k.Str {
				case "total_usage":
					c.CPUUsage.TotalUsage = v.Uint()
				case "percpu_usage":
					v.ForEach(func(_, v gjson.Result) bool {
						c.CPUUsage.PercpuUsage = append(c.CPUUsage.PercpuUsage, v.Uint())
						return true
					})
				case "usage_in_kernelmode":
					c.CPUUsage.UsageInKernelmode = v.Uint()
				case "usage_in_usermode":
					c.CPUUsage.UsageInUsermode = v.Uint()
				}
				return true
			})
		case "system_cpu_usage":
			c.SystemUsage = v.Uint()
		case "online_cpus":
			c.OnlineCPUs = uint32(v.Uint())
		}
		return true
	})
	return c
}

func memoryStats(r gjson.Result) MemoryStats {
	var m MemoryStats
	r.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "usage":
			m.Usage = v.Uint()
		case "limit":
			m.Limit = v.Uint()
		case "stats":
			m.Stats = uintMap(v)
		}
		return true
	})
	return m
}

// cpuPercent is the container's share of the host's CPU time between two
// samples, scaled to percent of one CPU, as `docker stats` computes it.
//
// Unlike `docker stats`, a sample without an earlier one (a one-shot
// sample, or the first of a stream, whose precpu_stats are all zero) gives
// 0: docker's formula would divide the container's CPU time since it
// started by the host's since boot, a figure that means nothing.
func cpuPercent(pre, cur CPUStats) float64 {
	if pre.SystemUsage == 0 || cur.SystemUsage <= pre.SystemUsage || cur.CPUUsage.TotalUsage <= pre.CPUUsage.TotalUsage {
		return 0
	}
	cpus := float64(cur.OnlineCPUs)
	if cpus == 0 {
		cpus = float64(len(cur.CPUUsage.PercpuUsage))
	}
	cpuDelta := float64(cur.CPUUsage.TotalUsage - pre.CPUUsage.TotalUsage)
	systemDelta := float64(cur.SystemUsage - pre.SystemUsage)
	return cpuDelta / systemDelta * cpus * 100
}

// memoryUsage leaves out inactive file pages, which the kernel reclaims
// before it would fail an allocation: total_inactive_file on cgroup v1
// (where inactive_file covers the cgroup alone, not its children), and
// inactive_file on cgroup v2. This is what `docker stats`, cadvisor and the
// kubelet report.
func memoryUsage(m MemoryStats) uint64 {
	if v, v1 := m.Stats["total_inactive_file"]; v1 && v < m.Usage {
		return m.Usage - v
	}
	if v := m.Stats["inactive_file"]; v < m.Usage {
		return m.Usage - v
	}
	return m.Usage
}

// blockIO sums the bytes read and written over all devices. Cgroup v1
// spells the operations "Read" and "Write" and adds "Sync", "Async",
// "Discard" and "Total" rows, which are not counted; v2 spells them
// "read" and "write".
func blockIO(r gjson.Result) (read, write uint64) {
	r.ForEach(func(_, e gjson.Result) bool {
		var op string
		var value uint64
		e.ForEach(func(k, v gjson.Result) bool {
			switch k.Str {
			case "op":
				op = v.String()
			case "value":
				value = v.Uint()
			}
			return true
		})
		switch {
		case strings.EqualFold(op, "read"):
			read += value
		case strings.EqualFold(op, "write"):
			write += value
		}
		return true
	})
	return read, write
}

func networkStats(r gjson.Result) map[string]NetworkStats {
	if !r.IsObject() {
		return nil
	}
	out := make(map[string]NetworkStats)
	r.ForEach(func(name, n gjson.Result) bool {
		var ns NetworkStats
		n.ForEach(func(k, v gjson.Result) bool {
			switch k.Str {
			case "rx_bytes":
				ns.RxBytes = v.Uint()
			case "rx_packets":
				ns.RxPackets = v.Uint()
			case "rx_errors":
				ns.RxErrors = v.Uint()
			case "rx_dropped":
				ns.RxDropped = v.Uint()
			case "tx_bytes":
				ns.TxBytes = v.Uint()
			case "tx_packets":
				ns.TxPackets = v.Uint()
			case "tx_errors":
				ns.TxErrors = v.Uint()
			case "tx_dropped":
				ns.TxDropped = v.Uint()
			}
			return true
		})
		out[name.Str] = ns
		return true
	})
	return out
}

func uintMap(r gjson.Result) map[string]uint64 {
	if !r.IsObject() {
		return nil
	}
	// Sized from the document (an entry is about 24 bytes, "pgfault": 123,),
	// so that the 30-40 counters of memory_stats.stats fill it without
	// growing it on every sample.
	m := make(map[string]uint64, min(len(r.Raw)/24, 128))
	r.ForEach(func(k, v gjson.Result) bool { m[k.Str] = v.Uint(); return true })
	return m
}

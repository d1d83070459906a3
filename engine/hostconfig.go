package engine

import (
	"encoding/json"
	"fmt"

	"github.com/tidwall/gjson"
)

// HostConfig is the host-dependent part of a container's configuration:
// what ContainerCreate sends and ContainerInspect reports as HostConfig. It
// types every field of the API's HostConfig except KernelMemory and
// KernelMemoryTCP, which API 1.42 removed; the resource limits are in the
// embedded Resources, which ContainerUpdate changes. Zero fields are left
// out, so that the daemon's defaults apply. Annotations needs API 1.43.
type HostConfig struct {
	Resources
	Binds           []string                 `json:",omitempty"` // "/host:/container[:ro]" or "volume:/container"
	ContainerIDFile string                   `json:",omitempty"` // the docker CLI's --cidfile; the daemon ignores it
	LogConfig       LogConfig                `json:",omitempty"`
	NetworkMode     string                   `json:",omitempty"` // bridge, host, none, container:<id> or a network's name
	PortBindings    map[string][]PortBinding `json:",omitempty"` // "80/tcp" -> host ports
	RestartPolicy   RestartPolicy            `json:",omitempty"`
	AutoRemove      bool                     `json:",omitempty"`
	VolumeDriver    string                   `json:",omitempty"` // for the volumes in Binds and Config.Volumes
	VolumesFrom     []string                 `json:",omitempty"` // "container[:ro|:rw]"
	Mounts          []Mount                  `json:",omitempty"`
	ConsoleSize     *[2]uint                 `json:",omitempty"` // the TTY's [height, width]; nil for the daemon's default
	Annotations     map[string]string        `json:",omitempty"` // passed to the OCI runtime; needs API 1.43
	CapAdd          []string                 `json:",omitempty"`
	CapDrop         []string                 `json:",omitempty"`
	CgroupnsMode    string                   `json:",omitempty"` // private or host
	DNS             []string                 `json:"Dns,omitempty"`
	DNSOptions      []string                 `json:"DnsOptions,omitempty"`
	DNSSearch       []string                 `json:"DnsSearch,omitempty"`
	ExtraHosts      []string                 `json:",omitempty"` // "host:ip"
	GroupAdd        []string                 `json:",omitempty"`
	IpcMode         string                   `json:",omitempty"` // none, private, shareable, host or container:<id>
	Cgroup          string                   `json:",omitempty"`
	Links           []string                 `json:",omitempty"` // "container:alias"
	OomScoreAdj     int                      `json:",omitempty"`
	PidMode         string                   `json:",omitempty"` // host or container:<id>
	Privileged      bool                     `json:",omitempty"`
	PublishAllPorts bool                     `json:",omitempty"`
	ReadonlyRootfs  bool                     `json:",omitempty"`
	SecurityOpt     []string                 `json:",omitempty"` // e.g. "no-new-privileges", "seccomp=unconfined"
	StorageOpt      map[string]string        `json:",omitempty"` // e.g. {"size": "10G"}
	Tmpfs           map[string]string        `json:",omitempty"` // path -> mount options
	UTSMode         string                   `json:",omitempty"`
	UsernsMode      string                   `json:",omitempty"`
	ShmSize         int64                    `json:",omitempty"` // bytes
	Sysctls         map[string]string        `json:",omitempty"`
	Runtime         string                   `json:",omitempty"`
	Isolation       string                   `json:",omitempty"` // Windows: default, process or hyperv
	// MaskedPaths and ReadonlyPaths replace the daemon's lists; nil keeps
	// them (an empty list is left out too: use Privileged to unmask).
	MaskedPaths   []string `json:",omitempty"`
	ReadonlyPaths []string `json:",omitempty"`
	Init          *bool    `json:",omitempty"` // run an init as PID 1; nil for the daemon's default
}

// Resources are a container's resource limits: part of its HostConfig,
// and what ContainerUpdate changes. Zero fields are left out, which to an
// update means "as it is": to lift a limit, set it to its unlimited value
// (-1 for MemorySwap and PidsLimit).
type Resources struct {
	CPUShares            int64            `json:"CpuShares,omitempty"` // relative weight, 1024 by default
	Memory               int64            `json:",omitempty"`          // bytes
	CgroupParent         string           `json:",omitempty"`
	BlkioWeight          uint16           `json:",omitempty"` // 10 to 1000
	BlkioWeightDevice    []WeightDevice   `json:",omitempty"`
	BlkioDeviceReadBps   []ThrottleDevice `json:",omitempty"`
	BlkioDeviceWriteBps  []ThrottleDevice `json:",omitempty"`
	BlkioDeviceReadIOps  []ThrottleDevice `json:",omitempty"`
	BlkioDeviceWriteIOps []ThrottleDevice `json:",omitempty"`
	CPUPeriod            int64            `json:"CpuPeriod,omitempty"` // microseconds
	CPUQuota             int64            `json:"CpuQuota,omitempty"`  // microseconds per CPUPeriod
	CPURealtimePeriod    int64            `json:"CpuRealtimePeriod,omitempty"`
	CPURealtimeRuntime   int64            `json:"CpuRealtimeRuntime,omitempty"`
	CpusetCpus           string           `json:",omitempty"` // e.g. "0-3", "0,1"
	CpusetMems           string           `json:",omitempty"`
	Devices              []DeviceMapping  `json:",omitempty"`
	DeviceCgroupRules    []string         `json:",omitempty"`         // e.g. "c 13:* rwm"
	DeviceRequests       []DeviceRequest  `json:",omitempty"`         // GPUs and the like
	MemoryReservation    int64            `json:",omitempty"`         // bytes, a soft limit
	MemorySwap           int64            `json:",omitempty"`         // bytes, memory plus swap; -1 for unlimited
	MemorySwappiness     *int64           `json:",omitempty"`         // 0 to 100; nil for the daemon's default
	NanoCPUs             int64            `json:"NanoCpus,omitempty"` // 1e9 per CPU
	OomKillDisable       *bool            `json:",omitempty"`
	PidsLimit            int64            `json:",omitempty"` // -1 for unlimited
	Ulimits              []Ulimit         `json:",omitempty"`
	// CPUCount, CPUPercent, IOMaximumIOps and IOMaximumBandwidth apply
	// to Windows containers only.
	CPUCount           int64  `json:"CpuCount,omitempty"`
	CPUPercent         int64  `json:"CpuPercent,omitempty"`
	IOMaximumIOps      uint64 `json:",omitempty"`
	IOMaximumBandwidth uint64 `json:",omitempty"` // bytes per second
}

// RestartPolicy says when the daemon restarts a container.
type RestartPolicy struct {
	Name              string `json:",omitempty"` // "", no, always, unless-stopped or on-failure
	MaximumRetryCount int    `json:",omitempty"`
}

// LogConfig is a container's logging driver.
type LogConfig struct {
	Type   string            `json:",omitempty"`
	Config map[string]string `json:",omitempty"`
}

// WeightDevice is a block device's relative I/O weight.
type WeightDevice struct {
	Path   string
	Weight uint16
}

// ThrottleDevice is a block device's I/O limit, in bytes or operations
// per second.
type ThrottleDevice struct {
	Path string
	Rate uint64
}

// DeviceMapping makes a host device available in a container.
type DeviceMapping struct {
	PathOnHost        string
	PathInContainer   string
	CgroupPermissions string `json:",omitempty"` // e.g. "rwm"
}

// DeviceRequest asks a device driver for devices, as docker run --gpus
// does.
type DeviceRequest struct {
	Driver       string            `json:",omitempty"` // e.g. "nvidia"
	Count        int               `json:",omitempty"` // -1 for all
	DeviceIDs    []string          `json:",omitempty"`
	Capabilities [][]string        `json:",omitempty"` // e.g. [["gpu"]]: any one inner list, all of its capabilities
	Options      map[string]string `json:",omitempty"`
}

func (h *HostConfig) decode(r gjson.Result) error {
	if err := wantObject(r, "HostConfig"); err != nil {
		return err
	}
	*h = HostConfig{}
	var err error
	r.ForEach(func(k, v gjson.Result) bool {
		if ok, ferr := h.Resources.decodeField(k.Str, v); ok {
			err = ferr
			return err == nil
		}
		switch k.Str {
		case "Binds":
			h.Binds = strs(v)
		case "ContainerIDFile":
			h.ContainerIDFile = v.String()
		case "LogConfig":
			h.LogConfig = LogConfig{Type: v.Get("Type").String(), Config: strMap(v.Get("Config"))}
		case "NetworkMode":
			h.NetworkMode = v.String()
		case "PortBindings":
			h.PortBindings = portBindings(v)
		case "RestartPolicy":
			h.RestartPolicy = RestartPolicy{Name: v.Get("Name").String(), MaximumRetryCount: int(v.Get("MaximumRetryCount").Int())}
		case "AutoRemove":
			h.AutoRemove = v.Bool()
		case "VolumeDriver":
			h.VolumeDriver = v.String()
		case "VolumesFrom":
			h.VolumesFrom = strs(v)
		case "Mounts":
			err = decodeList(v, "HostConfig.Mounts", &h.Mounts)
		case "ConsoleSize":
			// Get, not Array: Array allocates a slice for two numbers.
			if height, width := v.Get("0").Uint(), v.Get("1").Uint(); v.Get("#").Int() == 2 && (height != 0 || width != 0) {
				h.ConsoleSize = &[2]uint{uint(height), uint(width)}
			}
		case "Annotations":
			h.Annotations = strMap(v)
		case "CapAdd":
			h.CapAdd = strs(v)
		case "CapDrop":
			h.CapDrop = strs(v)
		case "CgroupnsMode":
			h.CgroupnsMode = v.String()
		case "Dns":
			h.DNS = strs(v)
		case "DnsOptions":
			h.DNSOptions = strs(v)
		case "DnsSearch":
			h.DNSSearch = strs(v)
		case "ExtraHosts":
			h.ExtraHosts = strs(v)
		case "GroupAdd":
			h.GroupAdd = strs(v)
		case "IpcMode":
			h.IpcMode = v.String()
		case "Cgroup":
			h.Cgroup = v.String()
		case "Links":
			h.Links = strs(v)
		case "OomScoreAdj":
			h.OomScoreAdj = int(v.Int())
		case "PidMode":
			h.PidMode = v.String()
		case "Privileged":
			h.Privileged = v.Bool()
		case "PublishAllPorts":
			h.PublishAllPorts = v.Bool()
		case "ReadonlyRootfs":
			h.ReadonlyRootfs = v.Bool()
		case "SecurityOpt":
			h.SecurityOpt = strs(v)
		case "StorageOpt":
			h.StorageOpt = strMap(v)
		case "Tmpfs":
			h.Tmpfs = strMap(v)
		case "UTSMode":
			h.UTSMode = v.String()
		case "UsernsMode":
			h.UsernsMode = v.String()
		case "ShmSize":
			h.ShmSize = v.Int()
		case "Sysctls":
			h.Sysctls = strMap(v)
		case "Runtime":
			h.Runtime = v.String()
		case "Isolation":
			h.Isolation = v.String()
		case "MaskedPaths":
			h.MaskedPaths = strs(v)
		case "ReadonlyPaths":
			h.ReadonlyPaths = strs(v)
		case "Init":
			h.Init = optionalBool(v)
		}
		return err == nil
	})
	return err
}

// decodeField decodes one key of a Resources document, reporting whether
// the key is one of Resources'.
func (res *Resources) decodeField(key string, v gjson.Result) (bool, error) {
	var err error
	switch key {
	case "CpuShares":
		res.CPUShares = v.Int()
	case "Memory":
		res.Memory = v.Int()
	case "CgroupParent":
		res.CgroupParent = v.String()
	case "BlkioWeight":
		res.BlkioWeight = uint16(v.Uint())
	case "BlkioWeightDevice":
		err = decodeList(v, "BlkioWeightDevice", &res.BlkioWeightDevice)
	case "BlkioDeviceReadBps":
		err = decodeList(v, "BlkioDeviceReadBps", &res.BlkioDeviceReadBps)
	case "BlkioDeviceWriteBps":
		err = decodeList(v, "BlkioDeviceWriteBps", &res.BlkioDeviceWriteBps)
	case "BlkioDeviceReadIOps":
		err = decodeList(v, "BlkioDeviceReadIOps", &res.BlkioDeviceReadIOps)
	case "BlkioDeviceWriteIOps":
		err = decodeList(v, "BlkioDeviceWriteIOps", &res.BlkioDeviceWriteIOps)
	case "CpuPeriod":
		res.CPUPeriod = v.Int()
	case "CpuQuota":
		res.CPUQuota = v.Int()
	case "CpuRealtimePeriod":
		res.CPURealtimePeriod = v.Int()
	case "CpuRealtimeRuntime":
		res.CPURealtimeRuntime = v.Int()
	case "CpusetCpus":
		res.CpusetCpus = v.String()
	case "CpusetMems":
		res.CpusetMems = v.String()
	case "Devices":
		err = decodeList(v, "Devices", &res.Devices)
	case "DeviceCgroupRules":
		res.DeviceCgroupRules = strs(v)
	case "DeviceRequests":
		err = decodeList(v, "DeviceRequests", &res.DeviceRequests)
	case "MemoryReservation":
		res.MemoryReservation = v.Int()
	case "MemorySwap":
		res.MemorySwap = v.Int()
	case "MemorySwappiness":
		if v.Type == gjson.Number {
			n := v.Int()
			res.MemorySwappiness = &n
		}
	case "NanoCpus":
		res.NanoCPUs = v.Int()
	case "OomKillDisable":
		res.OomKillDisable = optionalBool(v)
	case "PidsLimit":
		res.PidsLimit = v.Int()
	case "Ulimits":
		err = decodeList(v, "Ulimits", &res.Ulimits)
	case "CpuCount":
		res.CPUCount = v.Int()
	case "CpuPercent":
		res.CPUPercent = v.Int()
	case "IOMaximumIOps":
		res.IOMaximumIOps = v.Uint()
	case "IOMaximumBandwidth":
		res.IOMaximumBandwidth = v.Uint()
	default:
		return false, nil
	}
	return true, err
}

// optionalBool is a JSON boolean, or nil for null or anything else.
func optionalBool(v gjson.Result) *bool {
	if v.Type != gjson.True && v.Type != gjson.False {
		return nil
	}
	b := v.Bool()
	return &b
}

// decodeList is decodeJSON for a list, except that an empty list becomes
// an empty slice without encoding/json: the daemon sends [] for most of
// HostConfig's lists, and each json.Unmarshal costs four allocations or
// more (bench: inspect of a container the docker CLI created).
func decodeList[T any](v gjson.Result, what string, dst *[]T) error {
	if emptyArray(v) {
		*dst = []T{}
		return nil
	}
	return decodeJSON(v, what, dst)
}

// decodeJSON decodes a nested list or object through encoding/json, for
// the structured values the daemon rarely sends; null leaves dst as it is.
func decodeJSON(v gjson.Result, what string, dst any) error {
	if v.Type == gjson.Null || !v.Exists() {
		return nil
	}
	if err := json.Unmarshal([]byte(v.Raw), dst); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrDecode, what, err)
	}
	return nil
}

package engine

import (
	"time"

	"github.com/tidwall/gjson"
)

// SystemInfo is the daemon's system-wide report (docker info). It types the
// fields every supported API version sends; the rest (Plugins,
// RegistryConfig, Swarm, Containerd, ...) is in Raw.
type SystemInfo struct {
	ID                 string
	Name               string // the host's name
	ServerVersion      string // the engine release, such as "28.5.2"
	Containers         int
	ContainersRunning  int
	ContainersPaused   int
	ContainersStopped  int
	Images             int
	Driver             string      // the storage driver, such as "overlay2"
	DriverStatus       [][2]string // the storage driver's key/value report
	DockerRootDir      string
	OperatingSystem    string // such as "Debian GNU/Linux 12 (bookworm)"
	OSVersion          string
	OSType             string // linux or windows
	Architecture       string // as uname -m reports it, such as "x86_64"
	KernelVersion      string
	NCPU               int
	MemTotal           int64  // bytes
	CgroupDriver       string // cgroupfs, systemd or none
	CgroupVersion      string // "1" or "2"
	LoggingDriver      string
	DefaultRuntime     string
	Runtimes           []string `json:"-"` // the names of the configured OCI runtimes
	Isolation          string   // Windows only
	InitBinary         string
	SecurityOptions    []string // such as "name=seccomp,profile=default"
	Labels             []string // the daemon's labels, "key=value"
	NFd                int      // open file descriptors of the daemon
	NGoroutines        int
	NEventsListener    int
	SystemTime         time.Time
	Debug              bool
	ExperimentalBuild  bool
	LiveRestoreEnabled bool
	HTTPProxy          string `json:"HttpProxy"`
	HTTPSProxy         string `json:"HttpsProxy"`
	NoProxy            string
	IndexServerAddress string
	SwarmState         string   `json:"-"` // Swarm.LocalNodeState: inactive, pending, active, error or locked
	Warnings           []string // what the daemon thinks its operator should know
	Raw                `json:"-"`
}

// MarshalJSON returns the document i was decoded from, or else i's fields
// under the API's names.
func (i SystemInfo) MarshalJSON() ([]byte, error) {
	type fields SystemInfo
	type swarm struct{ LocalNodeState string }
	var sw *swarm
	if i.SwarmState != "" {
		sw = &swarm{i.SwarmState}
	}
	return marshalResponse(i.Raw, struct {
		fields
		Runtimes orderedSet
		Swarm    *swarm `json:",omitempty"`
	}{fields(i), orderedSet(i.Runtimes), sw})
}

// UnmarshalJSON decodes a system report as Decode does.
func (i *SystemInfo) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, i) }

func (i *SystemInfo) decode(r gjson.Result) error {
	if err := wantObject(r, "info"); err != nil {
		return err
	}
	*i = SystemInfo{
		ID: r.Get("ID").String(), Name: r.Get("Name").String(), ServerVersion: r.Get("ServerVersion").String(),
		Containers: int(r.Get("Containers").Int()), ContainersRunning: int(r.Get("ContainersRunning").Int()),
		ContainersPaused: int(r.Get("ContainersPaused").Int()), ContainersStopped: int(r.Get("ContainersStopped").Int()),
		Images: int(r.Get("Images").Int()), Driver: r.Get("Driver").String(), DockerRootDir: r.Get("DockerRootDir").String(),
		OperatingSystem: r.Get("OperatingSystem").String(), OSVersion: r.Get("OSVersion").String(),
		OSType: r.Get("OSType").String(), Architecture: r.Get("Architecture").String(),
		KernelVersion: r.Get("KernelVersion").String(), NCPU: int(r.Get("NCPU").Int()), MemTotal: r.Get("MemTotal").Int(),
		CgroupDriver: r.Get("CgroupDriver").String(), CgroupVersion: r.Get("CgroupVersion").String(),
		LoggingDriver: r.Get("LoggingDriver").String(), DefaultRuntime: r.Get("DefaultRuntime").String(),
		Runtimes: keys(r.Get("Runtimes")), Isolation: r.Get("Isolation").String(), InitBinary: r.Get("InitBinary").String(),
		SecurityOptions: strs(r.Get("SecurityOptions")), Labels: strs(r.Get("Labels")),
		NFd: int(r.Get("NFd").Int()), NGoroutines: int(r.Get("NGoroutines").Int()), NEventsListener: int(r.Get("NEventsListener").Int()),
		SystemTime: timestamp(r.Get("SystemTime")), Debug: r.Get("Debug").Bool(), ExperimentalBuild: r.Get("ExperimentalBuild").Bool(),
		LiveRestoreEnabled: r.Get("LiveRestoreEnabled").Bool(), HTTPProxy: r.Get("HttpProxy").String(),
		HTTPSProxy: r.Get("HttpsProxy").String(), NoProxy: r.Get("NoProxy").String(),
		IndexServerAddress: r.Get("IndexServerAddress").String(), SwarmState: r.Get("Swarm.LocalNodeState").String(),
		Warnings: strs(r.Get("Warnings")), Raw: Raw(r.Raw),
	}
	r.Get("DriverStatus").ForEach(func(_, kv gjson.Result) bool {
		pair := strs(kv)
		if len(pair) == 2 {
			i.DriverStatus = append(i.DriverStatus, [2]string{pair[0], pair[1]})
		}
		return true
	})
	return nil
}

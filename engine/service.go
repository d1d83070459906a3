package engine

import (
	"encoding/json"
	"time"

	"github.com/tidwall/gjson"
)

// ServiceSpec is what a swarm service is: what ServiceCreate and
// ServiceUpdate send, and what ServiceInspect reports as Spec. Empty fields
// take the daemon's defaults (one replica, restart on any exit, roll one
// task at a time).
//
// A spec decoded from the daemon keeps its document in Raw and marshals
// back to it with only the typed fields the caller changed replaced; Get
// reads any field the struct lacks, such as
// "TaskTemplate.ContainerSpec.Privileges".
type ServiceSpec struct {
	Name           string            `json:",omitempty"`
	Labels         map[string]string `json:",omitempty"`
	TaskTemplate   TaskSpec
	Mode           ServiceMode   `json:",omitempty"`
	UpdateConfig   *UpdateConfig `json:",omitempty"` // how a changed spec rolls out
	RollbackConfig *UpdateConfig `json:",omitempty"` // how a rollback rolls out
	EndpointSpec   *EndpointSpec `json:",omitempty"` // published ports and VIP or DNS round robin
	Raw            Raw           `json:"-"`
}

// Get returns the value at a gjson path of the spec the daemon sent.
func (s ServiceSpec) Get(path string) gjson.Result { return s.Raw.Get(path) }

type serviceSpecFields ServiceSpec

// MarshalJSON encodes the spec with the daemon's field names, over Raw
// when the spec was decoded from the daemon.
func (s ServiceSpec) MarshalJSON() ([]byte, error) {
	f := serviceSpecFields(s)
	return marshalSpec(s.Raw, f, new(serviceSpecFields))
}

// UnmarshalJSON decodes a spec and keeps the document as Raw.
func (s *ServiceSpec) UnmarshalJSON(b []byte) error {
	var f serviceSpecFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	f.Raw = Raw(b)
	*s = ServiceSpec(f)
	return nil
}

// ServiceMode is how many tasks a service runs: set exactly one field.
// The zero value is one replicated task.
type ServiceMode struct {
	Replicated    *ReplicatedService `json:",omitempty"`
	Global        *struct{}          `json:",omitempty"` // one task on every eligible node
	ReplicatedJob *ReplicatedJob     `json:",omitempty"` // tasks that run to completion
	GlobalJob     *struct{}          `json:",omitempty"` // one task to completion on every eligible node
}

// ReplicatedService is a service with a fixed number of tasks.
type ReplicatedService struct {
	Replicas uint64
}

// ReplicatedJob is a job: TotalCompletions tasks must complete, at most
// MaxConcurrent at a time (both default to 1).
type ReplicatedJob struct {
	MaxConcurrent    uint64 `json:",omitempty"`
	TotalCompletions uint64 `json:",omitempty"`
}

// UpdateConfig is how a change to a service (or its rollback) rolls out.
type UpdateConfig struct {
	Parallelism     uint64        // tasks updated at once; 0 for all at once
	Delay           time.Duration `json:",omitempty"` // between batches
	FailureAction   string        `json:",omitempty"` // continue, pause or rollback
	Monitor         time.Duration `json:",omitempty"` // how long a new task is watched for failure
	MaxFailureRatio float64       `json:",omitempty"`
	Order           string        `json:",omitempty"` // stop-first or start-first
}

// EndpointSpec is how a service is reached.
type EndpointSpec struct {
	Mode  string               `json:",omitempty"` // vip (the default) or dnsrr
	Ports []EndpointPortConfig `json:",omitempty"`
}

// EndpointPortConfig is a published port.
type EndpointPortConfig struct {
	Name          string `json:",omitempty"`
	Protocol      string `json:",omitempty"` // tcp (the default), udp or sctp
	TargetPort    uint32 `json:",omitempty"` // in the container
	PublishedPort uint32 `json:",omitempty"` // on the nodes; 0 for one the swarm picks
	PublishMode   string `json:",omitempty"` // ingress (the default) or host
}

// TaskSpec is what each task of a service runs, and where.
type TaskSpec struct {
	ContainerSpec *ContainerSpec            `json:",omitempty"`
	Resources     *ResourceRequirements     `json:",omitempty"`
	RestartPolicy *SwarmRestartPolicy       `json:",omitempty"`
	Placement     *Placement                `json:",omitempty"`
	Networks      []NetworkAttachmentConfig `json:",omitempty"`
	LogDriver     *Driver                   `json:",omitempty"`
	// ForceUpdate is a counter: raising it redeploys the tasks even when
	// nothing else changed.
	ForceUpdate uint64 `json:",omitempty"`
	Runtime     string `json:",omitempty"` // "container" unless a plugin
}

// ContainerSpec is the container each task runs.
type ContainerSpec struct {
	Image           string            `json:",omitempty"`
	Labels          map[string]string `json:",omitempty"`
	Command         []string          `json:",omitempty"` // replaces the image's entrypoint
	Args            []string          `json:",omitempty"` // replaces the image's command
	Hostname        string            `json:",omitempty"`
	Env             []string          `json:",omitempty"` // "KEY=value"
	Dir             string            `json:",omitempty"`
	User            string            `json:",omitempty"`
	Groups          []string          `json:",omitempty"`
	TTY             bool              `json:",omitempty"`
	OpenStdin       bool              `json:",omitempty"`
	ReadOnly        bool              `json:",omitempty"`
	Mounts          []Mount           `json:",omitempty"`
	StopSignal      string            `json:",omitempty"`
	StopGracePeriod time.Duration     `json:",omitempty"`
	HealthCheck     *HealthConfig     `json:",omitempty"`
	Hosts           []string          `json:",omitempty"` // extra /etc/hosts lines, "IP host..."
	DNSConfig       *DNSConfig        `json:",omitempty"`
	Secrets         []SecretReference `json:",omitempty"`
	Configs         []ConfigReference `json:",omitempty"`
	Isolation       string            `json:",omitempty"`
	Init            *bool             `json:",omitempty"` // nil for the daemon's default
	Sysctls         map[string]string `json:",omitempty"`
	CapabilityAdd   []string          `json:",omitempty"`
	CapabilityDrop  []string          `json:",omitempty"`
	Ulimits         []Ulimit          `json:",omitempty"`
	// OomScoreAdj needs API 1.46.
	OomScoreAdj int64 `json:",omitempty"`
}

// Mount is a volume, bind, tmpfs or image mount, of a container
// (HostConfig.Mounts) or of a service's containers. The options that
// newer API versions added say which version they need; dockwire refuses
// them, before sending, below it.
type Mount struct {
	Type          string         `json:",omitempty"` // bind, volume, tmpfs, npipe, cluster or image (API 1.48)
	Source        string         `json:",omitempty"`
	Target        string         `json:",omitempty"`
	ReadOnly      bool           `json:",omitempty"`
	Consistency   string         `json:",omitempty"`
	BindOptions   *BindOptions   `json:",omitempty"`
	VolumeOptions *VolumeOptions `json:",omitempty"`
	// ImageOptions tune an image mount (API 1.48).
	ImageOptions *ImageMountOptions `json:",omitempty"`
	TmpfsOptions *TmpfsOptions      `json:",omitempty"`
}

// BindOptions tune a bind mount.
type BindOptions struct {
	Propagation  string `json:",omitempty"`
	NonRecursive bool   `json:",omitempty"`
	// CreateMountpoint creates the host path if it is missing (API 1.42).
	CreateMountpoint bool `json:",omitempty"`
	// ReadOnlyNonRecursive makes only the mount itself read-only, not the
	// mounts below it; ReadOnlyForceRecursive fails unless all of them
	// can be. Both need API 1.44 and ReadOnly.
	ReadOnlyNonRecursive   bool `json:",omitempty"`
	ReadOnlyForceRecursive bool `json:",omitempty"`
}

// VolumeOptions tune a volume mount.
type VolumeOptions struct {
	NoCopy       bool              `json:",omitempty"`
	Labels       map[string]string `json:",omitempty"`
	DriverConfig *Driver           `json:",omitempty"`
	// Subpath mounts a path inside the volume (API 1.45).
	Subpath string `json:",omitempty"`
}

// ImageMountOptions tune an image mount.
type ImageMountOptions struct {
	Subpath string `json:",omitempty"` // a path inside the image
}

// TmpfsOptions tune a tmpfs mount.
type TmpfsOptions struct {
	SizeBytes int64  `json:",omitempty"`
	Mode      uint32 `json:",omitempty"` // permission bits, such as 0o1777
	// Options are mount options, each a name and an optional value, such
	// as {{"noexec"}, {"nr_inodes", "1000"}} (API 1.46).
	Options [][]string `json:",omitempty"`
}

// HealthConfig is a container's health check.
type HealthConfig struct {
	Test        []string      `json:",omitempty"` // ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"]
	Interval    time.Duration `json:",omitempty"`
	Timeout     time.Duration `json:",omitempty"`
	Retries     int           `json:",omitempty"`
	StartPeriod time.Duration `json:",omitempty"`
	// StartInterval is the interval between checks during StartPeriod;
	// needs API 1.44 (older daemons ignore it).
	StartInterval time.Duration `json:",omitempty"`
}

// DNSConfig is a container's resolver configuration.
type DNSConfig struct {
	Nameservers []string `json:",omitempty"`
	Search      []string `json:",omitempty"`
	Options     []string `json:",omitempty"`
}

// SecretReference mounts a secret into a service's containers.
type SecretReference struct {
	File       *SecretFile `json:",omitempty"` // where; by default /run/secrets/<SecretName>
	SecretID   string
	SecretName string
}

// ConfigReference mounts a config into a service's containers.
type ConfigReference struct {
	File       *SecretFile `json:",omitempty"` // where; by default /<ConfigName>
	ConfigID   string
	ConfigName string
}

// SecretFile is the file a secret or config appears as.
type SecretFile struct {
	Name string // a path relative to /run/secrets for a secret, or absolute for a config
	UID  string
	GID  string
	Mode uint32 // permission bits, such as 0o444
}

// Ulimit is a resource limit of a container's processes.
type Ulimit struct {
	Name string
	Soft int64
	Hard int64
}

// ResourceRequirements bound and reserve a task's resources.
type ResourceRequirements struct {
	Limits       *Limit          `json:",omitempty"`
	Reservations *ResourceObject `json:",omitempty"`
}

// Limit is an upper bound on a task's resources.
type Limit struct {
	NanoCPUs    int64 `json:",omitempty"` // 1e9 per CPU
	MemoryBytes int64 `json:",omitempty"`
	Pids        int64 `json:",omitempty"`
}

// ResourceObject is an amount of resources: what a task reserves, or what
// a node has.
type ResourceObject struct {
	NanoCPUs    int64 `json:",omitempty"`
	MemoryBytes int64 `json:",omitempty"`
}

// SwarmRestartPolicy says when the swarm restarts a service's tasks.
// Zero durations take the daemon's defaults (a 5 s delay, no window).
type SwarmRestartPolicy struct {
	Condition   string        `json:",omitempty"` // none, on-failure or any (the default)
	Delay       time.Duration `json:",omitempty"`
	MaxAttempts uint64        `json:",omitempty"` // 0 for no limit
	Window      time.Duration `json:",omitempty"`
}

// Placement is where a service's tasks may run.
type Placement struct {
	// Constraints are "node.role==manager", "node.labels.zone!=eu", ...
	Constraints []string              `json:",omitempty"`
	Preferences []PlacementPreference `json:",omitempty"`
	// MaxReplicas is the most tasks of the service on one node; 0 for no limit.
	MaxReplicas uint64     `json:",omitempty"`
	Platforms   []Platform `json:",omitempty"`
}

// PlacementPreference spreads tasks over the values of a node label.
type PlacementPreference struct {
	Spread *SpreadOver `json:",omitempty"`
}

// SpreadOver names the label to spread over, such as "node.labels.zone".
type SpreadOver struct {
	SpreadDescriptor string
}

// Platform is an OS and architecture.
type Platform struct {
	Architecture string `json:",omitempty"`
	OS           string `json:",omitempty"`
}

// NetworkAttachmentConfig attaches a service's tasks to a network.
type NetworkAttachmentConfig struct {
	Target     string            // the network's name or ID
	Aliases    []string          `json:",omitempty"`
	DriverOpts map[string]string `json:",omitempty"`
}

// Service is a swarm service as ServiceList and ServiceInspect report it.
type Service struct {
	Meta
	Spec         ServiceSpec
	PreviousSpec *ServiceSpec // the spec before the last update, if any
	Endpoint     ServiceEndpoint
	// UpdateStatus is the state of the last rolling update; nil if the
	// service was never updated.
	UpdateStatus *UpdateStatus
	// ServiceStatus counts the tasks: only in ServiceList with Status set.
	ServiceStatus *ServiceStatus
	// JobStatus is set for job-mode services.
	JobStatus *JobStatus
	Raw       `json:"-"`
}

type serviceFields Service

// MarshalJSON returns the document the value was decoded from, or else
// its fields under the API's names.
func (v Service) MarshalJSON() ([]byte, error) { return marshalResponse(v.Raw, serviceFields(v)) }

// UnmarshalJSON decodes as Decode does, Raw included.
func (v *Service) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, v) }

// ServiceEndpoint is how a service is reached: its ports, including those
// the swarm picked, and its virtual IPs.
type ServiceEndpoint struct {
	Ports      []EndpointPortConfig
	VirtualIPs []VirtualIP
}

// VirtualIP is a service's address on one network.
type VirtualIP struct {
	NetworkID string
	Addr      string // with its prefix length
}

// UpdateStatus is the progress of a rolling update or rollback.
type UpdateStatus struct {
	// State is updating, paused, completed, rollback_started,
	// rollback_paused or rollback_completed.
	State       string
	StartedAt   time.Time
	CompletedAt time.Time
	Message     string
}

// ServiceStatus counts a service's tasks.
type ServiceStatus struct {
	RunningTasks   uint64
	DesiredTasks   uint64
	CompletedTasks uint64 // jobs only
}

// JobStatus is the progress of a job-mode service.
type JobStatus struct {
	JobIteration  ObjectVersion // raised on every run of the job
	LastExecution time.Time
}

func (s *Service) decode(r gjson.Result) error {
	if err := wantObject(r, "service"); err != nil {
		return err
	}
	*s = Service{Raw: Raw(r.Raw)}
	s.decodeMeta(r)
	if err := decodeSpec(r.Get("Spec"), "service Spec", &s.Spec); err != nil {
		return err
	}
	if p := r.Get("PreviousSpec"); p.IsObject() {
		s.PreviousSpec = new(ServiceSpec)
		if err := decodeSpec(p, "service PreviousSpec", s.PreviousSpec); err != nil {
			return err
		}
	}
	if err := decodeSpec(r.Get("Endpoint"), "service Endpoint", &s.Endpoint); err != nil {
		return err
	}
	if u := r.Get("UpdateStatus"); u.IsObject() {
		s.UpdateStatus = &UpdateStatus{State: u.Get("State").String(), StartedAt: timestamp(u.Get("StartedAt")),
			CompletedAt: timestamp(u.Get("CompletedAt")), Message: u.Get("Message").String()}
	}
	if st := r.Get("ServiceStatus"); st.IsObject() {
		s.ServiceStatus = &ServiceStatus{RunningTasks: st.Get("RunningTasks").Uint(), DesiredTasks: st.Get("DesiredTasks").Uint(),
			CompletedTasks: st.Get("CompletedTasks").Uint()}
	}
	if j := r.Get("JobStatus"); j.IsObject() {
		s.JobStatus = &JobStatus{JobIteration: ObjectVersion{j.Get("JobIteration.Index").Uint()}, LastExecution: timestamp(j.Get("LastExecution"))}
	}
	return nil
}

// ServiceCreateResponse is the answer to a service create.
type ServiceCreateResponse struct {
	ID       string
	Warnings []string // problems the daemon tolerated
	Raw      `json:"-"`
}

type serviceCreateResponseFields ServiceCreateResponse

// MarshalJSON returns the document the value was decoded from, or else
// its fields under the API's names.
func (v ServiceCreateResponse) MarshalJSON() ([]byte, error) {
	return marshalResponse(v.Raw, serviceCreateResponseFields(v))
}

// UnmarshalJSON decodes as Decode does, Raw included.
func (v *ServiceCreateResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, v) }

func (s *ServiceCreateResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "service create response"); err != nil {
		return err
	}
	*s = ServiceCreateResponse{ID: r.Get("ID").String(), Warnings: warnings(r), Raw: Raw(r.Raw)}
	return nil
}

// ServiceUpdateResponse is the answer to a service update.
type ServiceUpdateResponse struct {
	Warnings []string // problems the daemon tolerated
	Raw      `json:"-"`
}

type serviceUpdateResponseFields ServiceUpdateResponse

// MarshalJSON returns the document the value was decoded from, or else
// its fields under the API's names.
func (v ServiceUpdateResponse) MarshalJSON() ([]byte, error) {
	return marshalResponse(v.Raw, serviceUpdateResponseFields(v))
}

// UnmarshalJSON decodes as Decode does, Raw included.
func (v *ServiceUpdateResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, v) }

func (s *ServiceUpdateResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "service update response"); err != nil {
		return err
	}
	*s = ServiceUpdateResponse{Warnings: warnings(r), Raw: Raw(r.Raw)}
	return nil
}

// warnings reads "Warnings" (a list), or the single "Warning" that API
// 1.41's documentation names.
func warnings(r gjson.Result) []string {
	w := strs(r.Get("Warnings"))
	if s := r.Get("Warning").String(); s != "" {
		w = append(w, s)
	}
	return w
}

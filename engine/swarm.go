package engine

import (
	"encoding/json"
	"time"

	"github.com/tidwall/gjson"
)

// Swarm is the swarm as a manager reports it (SwarmInspect): its
// ClusterInfo and join tokens.
type Swarm struct {
	Meta
	Spec                   SwarmSpec
	RootRotationInProgress bool
	DataPathPort           uint32
	DefaultAddrPool        []string
	SubnetSize             uint32
	JoinTokens             JoinTokens
	Raw                    `json:"-"`
}

type swarmFields Swarm

// MarshalJSON returns the document the value was decoded from, or else
// its fields under the API's names.
func (v Swarm) MarshalJSON() ([]byte, error) { return marshalResponse(v.Raw, swarmFields(v)) }

// UnmarshalJSON decodes as Decode does, Raw included.
func (v *Swarm) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, v) }

// JoinTokens are the secrets SwarmJoin needs to join as a worker or a
// manager.
type JoinTokens struct {
	Worker  string
	Manager string
}

// SwarmSpec is the swarm's configuration: what SwarmInit and SwarmUpdate
// send. Nil parts take the daemon's defaults. Decoded from the daemon, it
// keeps its document in Raw and marshals back to it with only the typed
// fields the caller changed replaced (CAConfig's external CAs, for
// instance, are kept as they are).
type SwarmSpec struct {
	Name             string               `json:",omitempty"`
	Labels           map[string]string    `json:",omitempty"`
	Orchestration    *OrchestrationConfig `json:",omitempty"`
	Raft             *RaftConfig          `json:",omitempty"`
	Dispatcher       *DispatcherConfig    `json:",omitempty"`
	CAConfig         *CAConfig            `json:",omitempty"`
	EncryptionConfig *EncryptionConfig    `json:",omitempty"`
	TaskDefaults     *TaskDefaults        `json:",omitempty"`
	Raw              Raw                  `json:"-"`
}

// Get returns the value at a gjson path of the spec the daemon sent.
func (s SwarmSpec) Get(path string) gjson.Result { return s.Raw.Get(path) }

type swarmSpecFields SwarmSpec

// MarshalJSON encodes the spec with the daemon's field names, over Raw
// when the spec was decoded from the daemon.
func (s SwarmSpec) MarshalJSON() ([]byte, error) {
	return marshalSpec(s.Raw, swarmSpecFields(s), new(swarmSpecFields))
}

// UnmarshalJSON decodes a spec and keeps the document as Raw.
func (s *SwarmSpec) UnmarshalJSON(b []byte) error {
	var f swarmSpecFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	f.Raw = Raw(b)
	*s = SwarmSpec(f)
	return nil
}

// OrchestrationConfig tunes the orchestrator.
type OrchestrationConfig struct {
	// TaskHistoryRetentionLimit is how many old tasks are kept per slot.
	TaskHistoryRetentionLimit *int64 `json:",omitempty"`
}

// RaftConfig tunes the managers' Raft consensus.
type RaftConfig struct {
	SnapshotInterval           uint64  `json:",omitempty"`
	KeepOldSnapshots           *uint64 `json:",omitempty"`
	LogEntriesForSlowFollowers uint64  `json:",omitempty"`
	ElectionTick               int     `json:",omitempty"`
	HeartbeatTick              int     `json:",omitempty"`
}

// DispatcherConfig tunes how managers hear from nodes.
type DispatcherConfig struct {
	HeartbeatPeriod time.Duration `json:",omitempty"`
}

// CAConfig tunes the swarm's certificate authority; the rest of it
// (external CAs, signing keys) is in the spec's Raw.
type CAConfig struct {
	NodeCertExpiry time.Duration `json:",omitempty"`
	ForceRotate    uint64        `json:",omitempty"`
}

// EncryptionConfig says whether managers lock their keys at rest.
type EncryptionConfig struct {
	// AutoLockManagers makes a restarted manager wait for SwarmUnlock.
	AutoLockManagers bool
}

// TaskDefaults are the defaults of every task in the swarm.
type TaskDefaults struct {
	LogDriver *Driver `json:",omitempty"`
}

func (s *Swarm) decode(r gjson.Result) error {
	if err := wantObject(r, "swarm"); err != nil {
		return err
	}
	*s = Swarm{Raw: Raw(r.Raw), RootRotationInProgress: r.Get("RootRotationInProgress").Bool(),
		DataPathPort: uint32(r.Get("DataPathPort").Uint()), DefaultAddrPool: strs(r.Get("DefaultAddrPool")),
		SubnetSize: uint32(r.Get("SubnetSize").Uint()),
		JoinTokens: JoinTokens{Worker: r.Get("JoinTokens.Worker").String(), Manager: r.Get("JoinTokens.Manager").String()}}
	s.decodeMeta(r)
	return decodeSpec(r.Get("Spec"), "swarm Spec", &s.Spec)
}

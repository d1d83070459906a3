package engine

import (
	"encoding/json"

	"github.com/tidwall/gjson"
)

// Node is a member of a swarm, as NodeList and NodeInspect report it.
type Node struct {
	Meta
	Spec          NodeSpec
	Description   NodeDescription
	Status        NodeStatus
	ManagerStatus *ManagerStatus // nil for workers
	Raw           `json:"-"`
}

type nodeFields Node

// MarshalJSON returns the document the value was decoded from, or else
// its fields under the API's names.
func (v Node) MarshalJSON() ([]byte, error) { return marshalResponse(v.Raw, nodeFields(v)) }

// UnmarshalJSON decodes as Decode does, Raw included.
func (v *Node) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, v) }

// NodeSpec is what an operator sets on a node: what NodeUpdate sends.
// Decoded from the daemon, it keeps its document in Raw and marshals back
// to it with only the typed fields the caller changed replaced.
type NodeSpec struct {
	Name         string            `json:",omitempty"`
	Labels       map[string]string `json:",omitempty"`
	Role         string            `json:",omitempty"` // worker or manager
	Availability string            `json:",omitempty"` // active, pause or drain
	Raw          Raw               `json:"-"`
}

// Get returns the value at a gjson path of the spec the daemon sent.
func (s NodeSpec) Get(path string) gjson.Result { return s.Raw.Get(path) }

type nodeSpecFields NodeSpec

// MarshalJSON encodes the spec with the daemon's field names, over Raw
// when the spec was decoded from the daemon.
func (s NodeSpec) MarshalJSON() ([]byte, error) {
	return marshalSpec(s.Raw, nodeSpecFields(s), new(nodeSpecFields))
}

// UnmarshalJSON decodes a spec and keeps the document as Raw.
func (s *NodeSpec) UnmarshalJSON(b []byte) error {
	var f nodeSpecFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	f.Raw = Raw(b)
	*s = NodeSpec(f)
	return nil
}

// NodeDescription is what a node reports about itself.
type NodeDescription struct {
	Hostname      string
	Platform      Platform
	Resources     ResourceObject
	EngineVersion string            // Engine.EngineVersion, such as "28.5.2"
	EngineLabels  map[string]string // Engine.Labels: the daemon's --label values
}

// MarshalJSON encodes the description under the API's names, with the
// engine's version and labels in "Engine".
func (d NodeDescription) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Hostname  string
		Platform  Platform
		Resources ResourceObject
		Engine    struct {
			EngineVersion string
			Labels        map[string]string `json:",omitempty"`
		}
	}{d.Hostname, d.Platform, d.Resources, struct {
		EngineVersion string
		Labels        map[string]string `json:",omitempty"`
	}{d.EngineVersion, d.EngineLabels}})
}

// NodeStatus is whether the manager hears from a node.
type NodeStatus struct {
	State   string // unknown, down, ready or disconnected
	Message string
	Addr    string // the address the node is reached at
}

// ManagerStatus is a manager's place in the Raft quorum.
type ManagerStatus struct {
	Leader       bool
	Reachability string // unknown, unreachable or reachable
	Addr         string // the manager's listen address
}

func (n *Node) decode(r gjson.Result) error {
	if err := wantObject(r, "node"); err != nil {
		return err
	}
	*n = Node{Raw: Raw(r.Raw)}
	n.decodeMeta(r)
	if err := decodeSpec(r.Get("Spec"), "node Spec", &n.Spec); err != nil {
		return err
	}
	d := r.Get("Description")
	n.Description = NodeDescription{Hostname: d.Get("Hostname").String(),
		Platform:      Platform{Architecture: d.Get("Platform.Architecture").String(), OS: d.Get("Platform.OS").String()},
		Resources:     ResourceObject{NanoCPUs: d.Get("Resources.NanoCPUs").Int(), MemoryBytes: d.Get("Resources.MemoryBytes").Int()},
		EngineVersion: d.Get("Engine.EngineVersion").String(), EngineLabels: strMap(d.Get("Engine.Labels"))}
	s := r.Get("Status")
	n.Status = NodeStatus{State: s.Get("State").String(), Message: s.Get("Message").String(), Addr: s.Get("Addr").String()}
	if m := r.Get("ManagerStatus"); m.IsObject() {
		n.ManagerStatus = &ManagerStatus{Leader: m.Get("Leader").Bool(), Reachability: m.Get("Reachability").String(), Addr: m.Get("Addr").String()}
	}
	return nil
}

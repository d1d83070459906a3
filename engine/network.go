package engine

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// Network is a network as NetworkList reports it (the API's Network and
// NetworkSummary). Swarm-only fields (Peers, Services) are in Raw.
type Network struct {
	Name       string
	ID         string    `json:"Id"`
	Created    time.Time // zero for the predefined host and none networks
	Scope      string    // local, global or swarm
	Driver     string    // such as bridge, overlay, macvlan
	EnableIPv4 bool      // from API 1.47; before, true when IPAM holds an IPv4 subnet
	EnableIPv6 bool
	IPAM       IPAM
	Internal   bool
	Attachable bool
	Ingress    bool
	ConfigOnly bool
	ConfigFrom string `json:"-"` // ConfigFrom.Network: the config-only network this one takes its configuration from
	Options    map[string]string
	Labels     map[string]string
	Raw        `json:"-"`
}

// MarshalJSON returns the document n was decoded from, or else n's fields
// under the API's names.
func (n Network) MarshalJSON() ([]byte, error) {
	type fields Network
	return marshalResponse(n.Raw, struct {
		fields
		ConfigFrom struct{ Network string }
	}{fields(n), struct{ Network string }{n.ConfigFrom}})
}

// UnmarshalJSON decodes a network as Decode does.
func (n *Network) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, n) }

func (n *Network) decode(r gjson.Result) error {
	if err := wantObject(r, "network"); err != nil {
		return err
	}
	*n = Network{
		Name: r.Get("Name").String(), ID: r.Get("Id").String(), Created: timestamp(r.Get("Created")),
		Scope: r.Get("Scope").String(), Driver: r.Get("Driver").String(),
		EnableIPv6: r.Get("EnableIPv6").Bool(), IPAM: ipam(r.Get("IPAM")),
		Internal: r.Get("Internal").Bool(), Attachable: r.Get("Attachable").Bool(), Ingress: r.Get("Ingress").Bool(),
		ConfigOnly: r.Get("ConfigOnly").Bool(), ConfigFrom: r.Get("ConfigFrom.Network").String(),
		Options: strMap(r.Get("Options")), Labels: strMap(r.Get("Labels")), Raw: Raw(r.Raw),
	}
	if v := r.Get("EnableIPv4"); v.Exists() {
		n.EnableIPv4 = v.Bool()
	} else {
		for _, c := range n.IPAM.Config {
			if strings.Contains(c.Subnet, ".") {
				n.EnableIPv4 = true
			}
		}
	}
	return nil
}

// NetworkInspect is the detail of one network: a Network and the
// endpoints attached to it.
type NetworkInspect struct {
	Network
	// Containers holds the endpoints of the containers attached to the
	// network, keyed by container ID.
	Containers map[string]EndpointResource
}

// MarshalJSON returns the document n was decoded from, or else n's fields
// under the API's names.
func (n NetworkInspect) MarshalJSON() ([]byte, error) {
	if n.Raw != "" {
		return []byte(n.Raw), nil
	}
	// Network's own MarshalJSON is promoted to a type made from
	// NetworkInspect: merge its object with Containers by hand.
	b, err := n.Network.MarshalJSON()
	if err != nil {
		return nil, err
	}
	c, err := json.Marshal(n.Containers)
	if err != nil {
		return nil, err
	}
	b = append(b[:len(b)-1], `,"Containers":`...)
	return append(append(b, c...), '}'), nil
}

// UnmarshalJSON decodes a network as Decode does.
func (n *NetworkInspect) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, n) }

func (n *NetworkInspect) decode(r gjson.Result) error {
	if err := n.Network.decode(r); err != nil {
		return err
	}
	c := r.Get("Containers")
	if err := wantObject(c, "Containers"); err != nil {
		return err
	}
	n.Containers = make(map[string]EndpointResource)
	c.ForEach(func(id, e gjson.Result) bool {
		n.Containers[id.Str] = EndpointResource{
			Name: e.Get("Name").String(), EndpointID: e.Get("EndpointID").String(), MacAddress: e.Get("MacAddress").String(),
			IPv4Address: e.Get("IPv4Address").String(), IPv6Address: e.Get("IPv6Address").String(),
		}
		return true
	})
	return nil
}

// EndpointResource is a container's endpoint on a network, as network
// inspect reports it.
type EndpointResource struct {
	Name        string // the container's name
	EndpointID  string
	MacAddress  string
	IPv4Address string // with its prefix length, such as "172.19.0.2/16"
	IPv6Address string // with its prefix length, or ""
}

// IPAM is a network's IP address management: the driver and the address
// ranges it hands out. In a create request, empty fields take the daemon's
// defaults.
type IPAM struct {
	Driver  string            `json:",omitempty"` // "default" unless a plugin is used
	Config  []IPAMConfig      `json:",omitempty"`
	Options map[string]string `json:",omitempty"`
}

// IPAMConfig is one address range of a network.
type IPAMConfig struct {
	Subnet             string            `json:",omitempty"` // CIDR, such as "10.213.7.0/24"
	IPRange            string            `json:",omitempty"` // CIDR within Subnet that containers get addresses from
	Gateway            string            `json:",omitempty"`
	AuxiliaryAddresses map[string]string `json:",omitempty"` // host name -> address reserved in Subnet
}

func ipam(r gjson.Result) IPAM {
	v := IPAM{Driver: r.Get("Driver").String(), Options: strMap(r.Get("Options"))}
	r.Get("Config").ForEach(func(_, c gjson.Result) bool {
		v.Config = append(v.Config, IPAMConfig{
			Subnet: c.Get("Subnet").String(), IPRange: c.Get("IPRange").String(), Gateway: c.Get("Gateway").String(),
			AuxiliaryAddresses: strMap(c.Get("AuxiliaryAddresses")),
		})
		return true
	})
	return v
}

// NetworkCreateResponse is the answer to a network create.
type NetworkCreateResponse struct {
	ID      string `json:"Id"`
	Warning string // a problem the daemon tolerated, or ""
	Raw     `json:"-"`
}

// MarshalJSON returns the document n was decoded from, or else n's fields
// under the API's names.
func (n NetworkCreateResponse) MarshalJSON() ([]byte, error) {
	type fields NetworkCreateResponse
	return marshalResponse(n.Raw, fields(n))
}

// UnmarshalJSON decodes a network create response as Decode does.
func (n *NetworkCreateResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, n) }

// NetworkPruneResponse is what a network prune removed.
type NetworkPruneResponse struct {
	NetworksDeleted []string // names
	Raw             `json:"-"`
}

func (p *NetworkPruneResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "network prune response"); err != nil {
		return err
	}
	*p = NetworkPruneResponse{NetworksDeleted: strs(r.Get("NetworksDeleted")), Raw: Raw(r.Raw)}
	return nil
}

// MarshalJSON returns the document p was decoded from, or else p's fields
// under the API's names.
func (p NetworkPruneResponse) MarshalJSON() ([]byte, error) {
	type fields NetworkPruneResponse
	return marshalResponse(p.Raw, fields(p))
}

// UnmarshalJSON decodes a prune response as Decode does.
func (p *NetworkPruneResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, p) }

func (n *NetworkCreateResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "network create response"); err != nil {
		return err
	}
	*n = NetworkCreateResponse{ID: r.Get("Id").String(), Warning: r.Get("Warning").String(), Raw: Raw(r.Raw)}
	return nil
}

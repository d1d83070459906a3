package engine

import (
	"fmt"

	"github.com/tidwall/gjson"
)

// ExecInspectResponse is the state of an exec instance.
type ExecInspectResponse struct {
	ID          string
	ContainerID string
	Running     bool
	// ExitCode is nil while the process runs or before it started: the
	// daemon sends null then, and null is never 0.
	ExitCode      *int
	Pid           int
	OpenStdin     bool
	OpenStdout    bool
	OpenStderr    bool
	CanRemove     bool
	DetachKeys    string
	ProcessConfig ProcessConfig
	Raw           `json:"-"`
}

// MarshalJSON returns the document e was decoded from, or else e's fields
// under the API's names.
func (e ExecInspectResponse) MarshalJSON() ([]byte, error) {
	type fields ExecInspectResponse
	return marshalResponse(e.Raw, fields(e))
}

// UnmarshalJSON decodes an exec instance as Decode does.
func (e *ExecInspectResponse) UnmarshalJSON(b []byte) error { return unmarshalResponse(b, e) }

// ProcessConfig is the command an exec instance runs.
type ProcessConfig struct {
	Entrypoint string   `json:"entrypoint"`
	Arguments  []string `json:"arguments"`
	User       string   `json:"user,omitempty"`
	Tty        bool     `json:"tty"`
	Privileged bool     `json:"privileged,omitempty"`
}

func (e *ExecInspectResponse) decode(r gjson.Result) error {
	if err := wantObject(r, "exec"); err != nil {
		return err
	}
	p := r.Get("ProcessConfig")
	*e = ExecInspectResponse{
		ID: r.Get("ID").String(), ContainerID: r.Get("ContainerID").String(), Running: r.Get("Running").Bool(),
		Pid: int(r.Get("Pid").Int()), OpenStdin: r.Get("OpenStdin").Bool(), OpenStdout: r.Get("OpenStdout").Bool(),
		OpenStderr: r.Get("OpenStderr").Bool(), CanRemove: r.Get("CanRemove").Bool(), DetachKeys: r.Get("DetachKeys").String(),
		ProcessConfig: ProcessConfig{
			Entrypoint: p.Get("entrypoint").String(), Arguments: strs(p.Get("arguments")), User: p.Get("user").String(),
			Tty: p.Get("tty").Bool(), Privileged: p.Get("privileged").Bool(),
		},
		Raw: Raw(r.Raw),
	}
	if c := r.Get("ExitCode"); c.Exists() && c.Type != gjson.Null {
		n, err := exactInt(c, "ExitCode")
		if err != nil {
			return err
		}
		if int64(int32(n)) != n {
			return fmt.Errorf("%w: ExitCode %d is out of range", ErrDecode, n)
		}
		code := int(n)
		e.ExitCode = &code
	}
	return nil
}

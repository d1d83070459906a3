package dockwire

import (
	"errors"
	"testing"

	"github.com/dockwire/dockwire/internal/detachkeys"
)

// writeFunc is an io.Writer made of a function.
type writeFunc func([]byte) (int, error)

func (f writeFunc) Write(p []byte) (int, error) { return f(p) }

// The detach is known before the keys reach the daemon: once they arrive
// it ends the output, and a reader that then calls Wait must get
// ErrDetached, not a wait for an exit that never comes. (The demo's attach
// test hung 1 run in ~100 under -race when the flag was set after the
// write returned.)
func TestAttachmentDetachedBeforeKeysSent(t *testing.T) {
	a := &Attachment{host: "unix:///test.sock", id: "c1", detach: &detachkeys.Scanner{Keys: detachkeys.Default}}
	var sent []string
	a.stdin = writeFunc(func(p []byte) (int, error) {
		sent = append(sent, string(p))
		if got := a.Detached(); got != (string(p) == "\x10\x11") {
			t.Errorf("while %q is sent, Detached() = %v", p, got)
		}
		return len(p), nil
	})
	if _, err := a.Write([]byte("ls\n")); err != nil {
		t.Fatalf("Write(ls): %v", err)
	}
	if _, err := a.Write([]byte("\x10\x11")); !errors.Is(err, ErrDetached) {
		t.Fatalf("Write(keys) = %v; want ErrDetached", err)
	}
	if code, err := a.Wait(); code != -1 || !errors.Is(err, ErrDetached) {
		t.Errorf("Wait after the detach = %d, %v; want -1, ErrDetached", code, err)
	}
	if len(sent) != 2 {
		t.Errorf("sent %q; want ls and the keys", sent)
	}
}

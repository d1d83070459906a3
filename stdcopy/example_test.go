package stdcopy_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/dockwire/dockwire/stdcopy"
)

// A fake daemon writes a multiplexed body; Copy splits it again.
func Example() {
	var body bytes.Buffer
	stdcopy.NewWriter(&body, stdcopy.Stdout).Write([]byte("hello\n"))
	stdcopy.NewWriter(&body, stdcopy.Stderr).Write([]byte("warning: low disk\n"))
	stdcopy.NewWriter(&body, stdcopy.Systemerr).Write([]byte("container removed\n"))

	var stdout, stderr strings.Builder
	n, err := stdcopy.Copy(&stdout, &stderr, &body)
	fmt.Printf("%d bytes: stdout %q, stderr %q\n", n, stdout.String(), stderr.String())

	var derr *stdcopy.DaemonError
	if errors.As(err, &derr) {
		fmt.Println(err)
	}
	// Output:
	// 24 bytes: stdout "hello\n", stderr "warning: low disk\n"
	// stdcopy: daemon error: container removed
}

// Frames keeps frame boundaries, which matter for logs: one frame per message.
func ExampleFrames() {
	var body bytes.Buffer
	stdcopy.NewWriter(&body, stdcopy.Stdout).Write([]byte("line 1\n"))
	stdcopy.NewWriter(&body, stdcopy.Stderr).Write([]byte("line 2\n"))
	body.WriteString("raw bytes, not a frame")

	for f, err := range stdcopy.Frames(&body) {
		if err != nil {
			fmt.Println(err)
			break
		}
		fmt.Printf("%s: %q\n", f.Stream, f.Payload)
	}
	// Output:
	// stdout: "line 1\n"
	// stderr: "line 2\n"
	// stdcopy: invalid stream byte 0x72 at offset 30: the stream is probably raw (TTY), not multiplexed; nothing of this frame was delivered
}

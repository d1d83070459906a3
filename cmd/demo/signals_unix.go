//go:build unix

package main

import (
	"os"
	"syscall"
)

// forwardable leaves out what is the demo's own business rather than the
// container's: a child's exit (ssh hosts run ssh), a broken pipe, the Go
// runtime's preemption signal, and a resize of a terminal the container
// does not have. The docker CLI leaves out the first three.
func forwardable(sig os.Signal) bool {
	switch sig {
	case syscall.SIGCHLD, syscall.SIGPIPE, syscall.SIGURG, syscall.SIGWINCH:
		return false
	}
	return true
}

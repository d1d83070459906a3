//go:build unix && (!linux || 386)

package dockwire

import (
	"errors"
	"syscall"
)

// peekWouldBlock peeks at a socket without blocking and reports whether it
// found nothing to read (neither data nor EOF).
func peekWouldBlock(fd uintptr, buf []byte) bool {
	_, _, err := syscall.Recvfrom(int(fd), buf, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK)
}

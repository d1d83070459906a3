//go:build !386

package dockwire

import (
	"syscall"
	"unsafe"
)

// peekWouldBlock peeks at a socket without blocking and reports whether it
// found nothing to read (neither data nor EOF). It calls recvfrom(2)
// itself because syscall.Recvfrom allocates the peer's address. (On
// 386 recvfrom goes through socketcall: conncheck_peek.go serves it.)
func peekWouldBlock(fd uintptr, buf []byte) bool {
	_, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)),
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	return errno == syscall.EAGAIN || errno == syscall.EWOULDBLOCK
}

//go:build linux

package main

import (
	"io"
	"os"
	"os/signal"
	"syscall"
	"unsafe"
)

// rawTerminal puts the terminal in, if it is one, into raw mode, as docker
// run -it does: keys reach the container as typed (Ctrl-C included, for
// the container's TTY to turn into SIGINT) and nothing is echoed twice. It
// returns what restores the terminal, and false for anything else.
func rawTerminal(in io.Reader) (restore func(), ok bool) {
	f, isFile := in.(*os.File)
	if !isFile {
		return nil, false
	}
	var saved syscall.Termios
	if ioctl(f.Fd(), syscall.TCGETS, unsafe.Pointer(&saved)) != nil {
		return nil, false
	}
	raw := saved
	raw.Iflag &^= syscall.IGNBRK | syscall.BRKINT | syscall.PARMRK | syscall.ISTRIP | syscall.INLCR | syscall.IGNCR | syscall.ICRNL | syscall.IXON
	raw.Oflag &^= syscall.OPOST
	raw.Lflag &^= syscall.ECHO | syscall.ECHONL | syscall.ICANON | syscall.ISIG | syscall.IEXTEN
	raw.Cflag &^= syscall.CSIZE | syscall.PARENB
	raw.Cflag |= syscall.CS8
	raw.Cc[syscall.VMIN], raw.Cc[syscall.VTIME] = 1, 0
	if ioctl(f.Fd(), syscall.TCSETS, unsafe.Pointer(&raw)) != nil {
		return nil, false
	}
	return func() { ioctl(f.Fd(), syscall.TCSETS, unsafe.Pointer(&saved)) }, true
}

// terminalSize returns the [height, width] of the terminal out, if it is one.
func terminalSize(out io.Writer) ([2]uint, bool) {
	f, isFile := out.(*os.File)
	if !isFile {
		return [2]uint{}, false
	}
	var ws struct{ Row, Col, X, Y uint16 }
	if ioctl(f.Fd(), syscall.TIOCGWINSZ, unsafe.Pointer(&ws)) != nil || ws.Row == 0 {
		return [2]uint{}, false
	}
	return [2]uint{uint(ws.Row), uint(ws.Col)}, true
}

// watchSize sends the terminal's size on each SIGWINCH until stop, which
// closes sizes.
func watchSize(out io.Writer) (sizes <-chan [2]uint, stop func()) {
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	ch := make(chan [2]uint, 1)
	done := make(chan struct{})
	go func() {
		defer close(ch)
		for {
			select {
			case <-winch:
				if size, ok := terminalSize(out); ok {
					select {
					case ch <- size:
					case <-done:
						return
					}
				}
			case <-done:
				return
			}
		}
	}()
	return ch, func() { signal.Stop(winch); close(done) }
}

func ioctl(fd uintptr, req uint, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, uintptr(req), uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

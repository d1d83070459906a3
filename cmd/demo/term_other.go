//go:build !linux

package main

import "io"

// rawTerminal is not done here: input stays line-buffered and echoed by the
// local terminal, and the TTY keeps the daemon's size.
func rawTerminal(io.Reader) (restore func(), ok bool) { return nil, false }

func terminalSize(io.Writer) ([2]uint, bool) { return [2]uint{}, false }

func watchSize(io.Writer) (sizes <-chan [2]uint, stop func()) { return nil, func() {} }

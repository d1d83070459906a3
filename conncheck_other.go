//go:build !unix

package dockwire

import "net"

// aliveChecker cannot peek without blocking here; a dead idle connection
// is caught when the exchange fails instead.
func aliveChecker(net.Conn) func() bool { return func() bool { return true } }

//go:build !unix

package dockwire

import (
	"context"
	"errors"
	"net"
	"time"
)

func sshDialer(sshTarget, []string, time.Duration) func(ctx context.Context) (net.Conn, error) {
	return func(context.Context) (net.Conn, error) {
		return nil, errors.New("ssh:// hosts are supported on Unix-like systems only")
	}
}

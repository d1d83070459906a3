package dockwire

import (
	"net"
	"path/filepath"
	"testing"
	"time"
)

func TestConnAliveSeesPeerClose(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "s.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	c, err := net.Dial("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	peer := <-accepted
	alive := aliveChecker(c)
	if !alive() {
		t.Fatal("an open idle connection reported dead")
	}
	peer.Write([]byte("x"))
	time.Sleep(10 * time.Millisecond)
	if alive() {
		t.Error("a connection with stray bytes reported alive")
	}
	peer.Close()
	time.Sleep(10 * time.Millisecond)
	if alive() {
		t.Error("a connection closed by the peer reported alive")
	}
}

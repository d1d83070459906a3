package dockwire_test

import (
	"errors"
	"io"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/dockwire/dockwire"
)

// TestFault_H6_NothingLogged redirects file descriptors 1 and 2 themselves,
// so that a logger holding the original *os.File (as go-retryablehttp's
// default one does) would still be caught.
func TestFault_H6_NothingLogged(t *testing.T) {
	d := newDaemon(t, "1.41", func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 503, `{"message":"busy"}`)
	})
	c := d.client(t, dockwire.WithRetry(3, time.Millisecond))
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var saved [3]int
	for _, fd := range []int{1, 2} {
		if saved[fd], err = syscall.Dup(fd); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Dup3(int(w.Fd()), fd, 0); err != nil {
			t.Fatal(err)
		}
	}
	_, callErr := c.ContainerList(testContext(t), dockwire.ContainerListOptions{Filters: dockwire.Filters{"label": {"secret=hunter2"}}})
	for _, fd := range []int{1, 2} {
		syscall.Dup3(saved[fd], fd, 0)
		syscall.Close(saved[fd])
	}
	w.Close()
	logged, _ := io.ReadAll(r)
	if !errors.Is(callErr, dockwire.ErrUnavailable) || d.requests.Load() != 3 {
		t.Fatalf("err = %v after %d requests; want three tries ending in 503", callErr, d.requests.Load())
	}
	if len(logged) > 0 {
		t.Errorf("retries wrote to stdout/stderr: %q", logged)
	}
}

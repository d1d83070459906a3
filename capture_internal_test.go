package dockwire

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"runtime"
	"testing"
)

// Output written in pieces of every size comes back whole, past the
// heap-allocated chunks into the large ones, and the cap counts both
// streams.
func TestCaptureBuffer(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	want := make([]byte, 3*largeChunk+12345)
	for i := range want {
		want[i] = byte(rng.Uint32())
	}
	c := newCapture(int64(len(want)) + 10)
	for p := want; len(p) > 0; {
		n := min(len(p), 1+rng.IntN(70000))
		if k, err := c.stdout.Write(p[:n]); k != n || err != nil {
			t.Fatalf("Write(%d bytes) = %d, %v", n, k, err)
		}
		p = p[n:]
	}
	if _, err := c.stderr.Write([]byte("0123456789")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.stderr.Write([]byte("!")); !errors.Is(err, ErrOutputTooLarge) {
		t.Errorf("a byte over the cap: %v, want ErrOutputTooLarge", err)
	}
	mapped := 0
	for _, ch := range c.stdout.chunks {
		if ch.mapped {
			mapped++
		}
	}
	if runtime.GOOS == "linux" && mapped != 3 {
		t.Errorf("%d mapped chunks, want 3", mapped)
	}
	if got := c.stdout.String(); got != string(want) {
		t.Errorf("stdout differs: %d bytes, want %d", len(got), len(want))
	}
	if got := c.stderr.String(); got != "0123456789" {
		t.Errorf("stderr %q", got)
	}
	if c.stdout.chunks != nil || c.stdout.String() != "" {
		t.Error("String did not release the chunks")
	}
	c.release()
	c.release()
}

// Capturing allocates about the output once: no doubling buffer, no copy
// of it into the string.
func TestCaptureBufferAllocations(t *testing.T) {
	const size = 16 << 20
	piece := bytes.Repeat([]byte("x"), 32<<10)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := newCapture(DefaultMaxOutput)
	for n := 0; n < size; n += len(piece) {
		c.stdout.Write(piece)
	}
	s := c.stdout.String()
	runtime.ReadMemStats(&after)
	if len(s) != size {
		t.Fatalf("%d bytes", len(s))
	}
	limit := uint64(size + 2<<20)
	if runtime.GOOS != "linux" {
		limit += size // the large chunks come from the heap
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > limit {
		t.Errorf("capturing %d MiB allocated %.1f MiB, want at most %.1f MiB", size>>20, float64(got)/(1<<20), float64(limit)/(1<<20))
	}
}

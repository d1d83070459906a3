package stdcopy

import (
	"bytes"
	"testing"
	"testing/iotest"
)

// TestFillKeepsStreamAlignment: whatever was consumed before, and after
// the direct path moved the stream on without the buffer, fill puts the
// byte at stream offset x at an index equal to x mod align, and the bytes
// in the buffer are the stream's.
func TestFillKeepsStreamAlignment(t *testing.T) {
	stream := make([]byte, 3*bufSize)
	for i := range stream {
		stream[i] = byte(i * 7)
	}
	d := newDecoder(iotest.HalfReader(bytes.NewReader(stream)))
	defer d.release()
	check := func(when string) {
		t.Helper()
		if d.base%align != 0 {
			t.Fatalf("%s: buf[0] is stream offset %d, not a multiple of %d", when, d.base, align)
		}
		if got, want := d.buf[d.r:d.w], stream[d.base+int64(d.r):d.base+int64(d.w)]; !bytes.Equal(got, want) {
			t.Fatalf("%s: buffered bytes differ from the stream at offset %d", when, d.base+int64(d.r))
		}
	}
	for i, consume := range []int{0, 5, 8, 63, 64, 65, 1000, 4093} {
		if err := d.fill(); err != nil {
			t.Fatal(err)
		}
		check("after fill")
		d.r += min(consume, d.w-d.r)
		if i == 4 {
			// As readDirect leaves it: the stream went on past the buffer.
			d.base += int64(d.w) + 1001
			d.r, d.w = 0, 0
			d.src = iotest.HalfReader(bytes.NewReader(stream[d.base:]))
		}
	}
	d.r = d.w // as the copier has it when it reads a header only
	if err := d.fillTo(headerLen); err != nil {
		t.Fatal(err)
	}
	check("after fillTo(headerLen)")
	if d.w-d.r > headerLen {
		t.Errorf("fillTo(%d) left %d bytes unconsumed", headerLen, d.w-d.r)
	}
}

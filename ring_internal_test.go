package dockwire

import "testing"

// The ring against a slice used as a queue, through growth while wrapped
// around and through draining and refilling.
func TestRingIsAFIFO(t *testing.T) {
	var q ring[int]
	var want []int
	next := 0
	step := func(pushes, pops int) {
		for range pushes {
			q.push(next)
			want = append(want, next)
			next++
			if got := *q.last(); got != next-1 {
				t.Fatalf("last = %d after pushing %d", got, next-1)
			}
		}
		for range pops {
			if got := q.pop(); got != want[0] {
				t.Fatalf("pop = %d, want %d", got, want[0])
			}
			want = want[1:]
		}
		if q.len() != len(want) {
			t.Fatalf("len = %d, want %d", q.len(), len(want))
		}
	}
	step(10, 7) // head moves off 0
	step(20, 0) // grows while wrapped
	step(5, 28) // drains
	step(100, 50)
	step(0, 50)
	q.push(1)
	*q.last() = 42
	if got := q.pop(); got != 42 {
		t.Fatalf("last did not update in place: popped %d", got)
	}
	for i := range q.buf {
		if q.buf[i] != 0 {
			t.Fatalf("slot %d still holds %d after popping all", i, q.buf[i])
		}
	}
}

package dockwire

// ring is a first-in first-out queue in a circular buffer, which doubles
// when full and is reused from then on: a queue that fills and drains
// over and over (Events' between its reading goroutine and the loop)
// allocates only while it grows, where a slice popped from the front is
// reallocated, and its live items copied, each time append reaches its
// capacity. The zero ring is empty and ready to use.
type ring[T any] struct {
	buf  []T
	head int // index of the oldest item
	n    int // number of items
}

func (q *ring[T]) len() int { return q.n }

// push adds v at the back.
func (q *ring[T]) push(v T) {
	if q.n == len(q.buf) {
		buf := make([]T, max(16, 2*len(q.buf)))
		k := copy(buf, q.buf[q.head:])
		copy(buf[k:], q.buf[:q.head])
		q.buf, q.head = buf, 0
	}
	q.buf[(q.head+q.n)%len(q.buf)] = v
	q.n++
}

// pop removes and returns the oldest item; the ring must not be empty.
// Its slot is zeroed, so that the ring keeps nothing alive.
func (q *ring[T]) pop() T {
	var zero T
	v := q.buf[q.head]
	q.buf[q.head] = zero
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return v
}

// last returns the newest item, to update in place; the ring must not be
// empty.
func (q *ring[T]) last() *T { return &q.buf[(q.head+q.n-1)%len(q.buf)] }

package dockwire

import "syscall"

// allocChunk maps size bytes of anonymous memory, which freeChunk gives
// back to the system at once, where the Go heap would keep it until its
// scavenger runs. Its pages count only once written. It returns nil if the
// mapping fails; the caller then uses the heap.
func allocChunk(size int) []byte {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	return b
}

func freeChunk(b []byte) { syscall.Munmap(b) }

package stdcopy

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"sync"
)

var errWriteTooLarge = errors.New("stdcopy: write larger than the 4 GiB frame limit")

// NewWriter returns a writer that sends each Write to w as one frame of the
// given stream, including an empty frame for an empty Write. The stream byte is
// written as given, so a fake daemon can also send Systemerr or invalid frames.
//
// The writer is safe for concurrent use. Each frame reaches w in a single Write
// call, so writers for different streams sharing w keep frames whole when w
// serializes concurrent Writes, as net.Conn and os.File do; guard a
// bytes.Buffer with a mutex of your own.
func NewWriter(w io.Writer, stream StreamType) io.Writer {
	return &muxWriter{w: w, stream: stream}
}

type muxWriter struct {
	w      io.Writer
	stream StreamType
	mu     sync.Mutex
	buf    []byte // header plus payload, reused so that steady-state writes do not allocate; grows to the largest Write
}

// Write returns the number of payload bytes that reached w.
func (m *muxWriter) Write(p []byte) (int, error) {
	if uint64(len(p)) > math.MaxUint32 {
		return 0, errWriteTooLarge
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buf = append(m.buf[:0], byte(m.stream), 0, 0, 0, 0, 0, 0, 0)
	binary.BigEndian.PutUint32(m.buf[4:], uint32(len(p)))
	m.buf = append(m.buf, p...)
	n, err := m.w.Write(m.buf)
	n = max(0, min(n-headerLen, len(p)))
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return n, err
}

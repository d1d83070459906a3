package dockwire

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/dockwire/dockwire/stdcopy"
)

// logBenchStreams are logs of about 16 MiB as the daemon sends them.
func logBenchStreams() []struct {
	name       string
	framing    framing
	timestamps bool
	in         []byte
} {
	const size = 2 << 20
	framed := func(msg func(i int) string) []byte {
		var buf bytes.Buffer
		out, errw := stdcopy.NewWriter(&buf, stdcopy.Stdout), stdcopy.NewWriter(&buf, stdcopy.Stderr)
		for i := 0; buf.Len() < size; i++ {
			w := out
			if i%5 == 0 {
				w = errw
			}
			io.WriteString(w, msg(i))
		}
		return buf.Bytes()
	}
	line := strings.Repeat("a log line of some length ", 3) + "\n"
	ts := "2026-12-02T10:00:00.123456789Z "
	long := strings.Repeat("l", 16<<10)
	return []struct {
		name       string
		framing    framing
		timestamps bool
		in         []byte
	}{
		{"framed/lines=short", framingMultiplexed, false, framed(func(int) string { return line })},
		{"framed/lines=short/timestamps", framingMultiplexed, true, framed(func(int) string { return ts + line })},
		{"framed/lines=long", framingMultiplexed, false, framed(func(i int) string {
			if i%4 == 3 {
				return long[:100] + "\n"
			}
			return long // the daemon's 16 KiB parts of one long line
		})},
		{"framed/frames=16KiB", framingMultiplexed, false, framed(func(int) string { return strings.Repeat(line, (16<<10)/len(line)) })},
		{"raw/lines=short", framingRaw, false, bytes.Repeat([]byte(line), size/len(line))},
		{"raw/lines=short/timestamps", framingRaw, true, bytes.Repeat([]byte(ts+line), size/len(ts+line))},
	}
}

func BenchmarkLogLines(b *testing.B) {
	for _, bs := range logBenchStreams() {
		b.Run(bs.name, func(b *testing.B) {
			b.SetBytes(int64(len(bs.in)))
			b.ReportAllocs()
			for range b.N {
				s := &LogStream{body: io.NopCloser(bytes.NewReader(bs.in)), framing: bs.framing, timestamps: bs.timestamps}
				n := 0
				for _, err := range s.Lines() {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n == 0 {
					b.Fatal("no lines")
				}
			}
		})
	}
}

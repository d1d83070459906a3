package stdcopy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/dockwire/dockwire/internal/await"
	"github.com/google/go-cmp/cmp"
)

// Fault rows D1-D11 follow. D12 is FuzzCopy; D13 (raw streams pass through)
// cannot apply here: choosing raw or multiplexed is the caller's job, and D5
// covers decoding a raw stream by mistake.

func TestFault_D1_EmptyStream(t *testing.T) {
	got, err := copyAll(t, bytes.NewReader(nil))
	if err != nil || got != (copyResult{}) {
		t.Fatalf("Copy(empty) = %+v, %v; want zero result and nil", got, err)
	}
}

func TestFault_D2_SplitReads(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 4000) // 64000 bytes: more than one buffer
	in := join(frame(1, "hello "), frame(2, "oops\n"), frame(0, "in"), header(1, 0),
		frame(1, big), frame(2, big[:40000]), frame(1, "end"))
	want := copyResult{"hello in" + big + "end", "oops\n" + big[:40000], int64(len("hello in"+big+"end") + 5 + 40000)}
	for name, wrap := range readers {
		t.Run(name, func(t *testing.T) {
			got, err := copyAll(t, wrap(bytes.NewReader(in)))
			if err != nil {
				t.Fatalf("Copy: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Copy mismatch (-want +got):\n%.500s", diff)
			}
		})
	}
}

func TestFault_D3_TruncatedHeader(t *testing.T) {
	for k := 1; k < headerLen; k++ {
		for name, wrap := range readers {
			in := join(frame(1, "ok"), frame(2, "warn"), header(2, 10)[:k])
			got, err := copyAll(t, wrap(bytes.NewReader(in)))
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%s, %d header bytes: err = %v, want io.ErrUnexpectedEOF", name, k, err)
			}
			if want := (copyResult{"ok", "warn", 6}); got != want {
				t.Errorf("%s, %d header bytes: got %+v, want %+v", name, k, got, want)
			}
		}
	}
}

func TestFault_D4_TruncatedPayload(t *testing.T) {
	partial := strings.Repeat("p", 40)
	for name, wrap := range readers {
		in := join(frame(1, "ok"), header(2, 100), []byte(partial))
		got, err := copyAll(t, wrap(bytes.NewReader(in)))
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: err = %v, want io.ErrUnexpectedEOF", name, err)
		}
		if want := (copyResult{"ok", partial, 42}); got != want {
			t.Errorf("%s: got %+v, want %+v", name, got, want)
		}
	}
}

func TestFault_D5_UnknownStreamByte(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want copyResult
		err  InvalidStreamError
	}{
		{"4", join(frame(1, "ok"), frame(4, "abcde")), copyResult{"ok", "", 2}, InvalidStreamError{4, 10}},
		{"255", join(frame(2, "ok"), frame(255, "abcde")), copyResult{"", "ok", 2}, InvalidStreamError{255, 10}},
		{"raw timestamp", []byte("2024-05-01T10:00:00Z started\n"), copyResult{}, InvalidStreamError{'2', 0}},
		{"raw error text", []byte("Error: no such file\r\n"), copyResult{}, InvalidStreamError{'E', 0}},
		{"raw short", []byte("T\n"), copyResult{}, InvalidStreamError{'T', 0}},
		{"after empty frame", join(header(1, 0), []byte("Traceback")), copyResult{}, InvalidStreamError{'T', 8}},
	}
	for _, tt := range tests {
		for name, wrap := range readers {
			got, err := copyAll(t, wrap(bytes.NewReader(tt.in)))
			var ise *InvalidStreamError
			if !errors.As(err, &ise) || *ise != tt.err {
				t.Errorf("%s/%s: err = %v, want %+v", tt.name, name, err, tt.err)
				continue
			}
			if got != tt.want {
				t.Errorf("%s/%s: got %+v, want %+v", tt.name, name, got, tt.want)
			}
			if msg := err.Error(); !strings.Contains(msg, "raw (TTY)") || !strings.Contains(msg, "nothing of this frame") {
				t.Errorf("%s: message %q does not explain the raw stream", tt.name, msg)
			}
		}
	}
}

func TestFault_D6_StdinToStdout(t *testing.T) {
	got, err := copyAll(t, bytes.NewReader(join(frame(0, "in,"), frame(1, "out,"), frame(0, "in"))))
	if want := (copyResult{"in,out,in", "", 9}); err != nil || got != want {
		t.Fatalf("got %+v, %v; want %+v, nil", got, err, want)
	}
}

func TestFault_D7_SystemerrFrame(t *testing.T) {
	long := strings.Repeat("x", 10000)
	tests := []struct {
		name    string
		in      []byte
		message string
		errText string
	}{
		{"plain", join(frame(3, "boom\n"), frame(1, "never")), "boom\n", "stdcopy: daemon error: boom"},
		{"capped", frame(3, long), long[:maxDaemonMessage], "stdcopy: daemon error: " + long[:maxDaemonMessage]},
		{"control chars", frame(3, "\x1b[31mred\x1b[0m\r\nnext\x00\u202e"), "\x1b[31mred\x1b[0m\r\nnext\x00\u202e", "stdcopy: daemon error: [31mred [0m  next"},
		{"truncated", join(header(3, 100), []byte("cut")), "cut", "stdcopy: daemon error: cut"},
	}
	for _, tt := range tests {
		for name, wrap := range readers {
			in := join(frame(1, "a"), frame(2, "bc"), frame(1, "d"), tt.in)
			got, err := copyAll(t, wrap(bytes.NewReader(in)))
			if want := (copyResult{"ad", "bc", 4}); got != want {
				t.Errorf("%s/%s: got %+v, want %+v", tt.name, name, got, want)
			}
			var de *DaemonError
			if !errors.As(err, &de) {
				t.Fatalf("%s/%s: err = %v, want *DaemonError", tt.name, name, err)
			}
			if de.Message != tt.message {
				t.Errorf("%s/%s: Message = %q, want %q", tt.name, name, de.Message, tt.message)
			}
			if de.Error() != tt.errText {
				t.Errorf("%s/%s: Error() = %q, want %q", tt.name, name, de.Error(), tt.errText)
			}
		}
	}
}

func TestFault_D8_OversizeFrameHeader(t *testing.T) {
	const streamed = 8 << 20
	// Pool and buffer for one call, with slack for the runtime: far below the
	// 4 GiB the header claims and below the 8 MiB that actually streams through.
	const limit = 128 << 10

	var n int64
	var err error
	used := allocatedBytes(func() {
		n, err = Copy(io.Discard, nil, &patternReader{header(1, 0xFFFFFFFF), streamed})
	})
	if n != streamed || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Copy = %d, %v; want %d, io.ErrUnexpectedEOF", n, err, streamed)
	}
	if used > limit {
		t.Errorf("Copy allocated %d bytes for a 4 GiB header, want <= %d", used, limit)
	}

	var total, largest int
	used = allocatedBytes(func() {
		for f, ferr := range Frames(&patternReader{header(2, 0xFFFFFFFF), streamed}) {
			total += len(f.Payload)
			largest = max(largest, len(f.Payload))
			err = ferr
		}
	})
	if total != streamed || largest != bufSize || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Frames: %d bytes in chunks of at most %d, err %v; want %d in chunks of %d, io.ErrUnexpectedEOF", total, largest, err, streamed, bufSize)
	}
	if used > limit {
		t.Errorf("Frames allocated %d bytes for a 4 GiB header, want <= %d", used, limit)
	}
}

func TestFault_D9_ZeroLengthFrames(t *testing.T) {
	in := join(bytes.Repeat(header(1, 0), 1_000_000), frame(2, "done"))
	var got copyResult
	var err error
	allocs := testing.AllocsPerRun(3, func() {
		got, err = copyAll(t, bytes.NewReader(in))
	})
	if want := (copyResult{"", "done", 4}); err != nil || got != want {
		t.Fatalf("got %+v, %v; want %+v, nil", got, err, want)
	}
	// bytes.Buffers, the reader and perhaps a pool refill: a constant, not 10^6.
	if allocs > 20 {
		t.Errorf("Copy of 10^6 empty frames made %v allocations, want O(1)", allocs)
	}
}

func TestFault_D10_WriterErrorAndShortWrite(t *testing.T) {
	errBoom := errors.New("boom")
	in := join(frame(1, "0123456789"), frame(2, "abcdef"), frame(1, "never"))
	tests := []struct {
		name           string
		stdout, stderr *failingWriter
		written        int64
		err            error
	}{
		{"stdout error", &failingWriter{n: 3, err: errBoom}, &failingWriter{n: 100}, 3, errBoom},
		{"stdout short", &failingWriter{n: 4}, &failingWriter{n: 100}, 4, io.ErrShortWrite},
		{"stderr error", &failingWriter{n: 100}, &failingWriter{n: 2, err: errBoom}, 12, errBoom},
		{"stderr short", &failingWriter{n: 100}, &failingWriter{n: 0}, 10, io.ErrShortWrite},
		{"broken writer count", &failingWriter{n: -5}, &failingWriter{n: 100}, 0, io.ErrShortWrite},
	}
	for _, tt := range tests {
		n, err := Copy(tt.stdout, tt.stderr, bytes.NewReader(in))
		if n != tt.written || !errors.Is(err, tt.err) {
			t.Errorf("%s: Copy = %d, %v; want %d, %v", tt.name, n, err, tt.written, tt.err)
		}
		if calls := tt.stdout.calls + tt.stderr.calls; calls > 2 {
			t.Errorf("%s: %d Write calls, want Copy to stop at the failing one", tt.name, calls)
		}
	}
}

func TestFault_D11_DataWithError(t *testing.T) {
	errReset := errors.New("connection reset")
	complete := join(frame(1, "out"), frame(2, "err"))
	tests := []struct {
		name string
		src  io.Reader
		want copyResult
		err  error
	}{
		{"eof with data", iotest.DataErrReader(bytes.NewReader(complete)), copyResult{"out", "err", 6}, nil},
		{"eof with truncated data", &dataThenErrReader{join(complete, header(1, 9), []byte("par")), io.EOF}, copyResult{"outpar", "err", 9}, io.ErrUnexpectedEOF},
		{"error with data", &dataThenErrReader{complete, errReset}, copyResult{"out", "err", 6}, errReset},
	}
	for _, tt := range tests {
		got, err := copyAll(t, tt.src)
		if got != tt.want || !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Errorf("%s: got %+v, %v; want %+v, %v", tt.name, got, err, tt.want, tt.err)
		}
	}
}

func TestCopyCoalescesSmallFrames(t *testing.T) {
	payload := strings.Repeat("y", 64)
	in := bytes.Repeat(frame(1, payload), 1000)
	var calls []string
	n, err := Copy(recordingWriter{"out", &calls}, nil, bytes.NewReader(in))
	if n != 64000 || err != nil {
		t.Fatalf("Copy = %d, %v; want 64000, nil", n, err)
	}
	// 72000 input bytes arrive in three 32 KiB reads: one Write per read.
	if len(calls) > 3 {
		t.Errorf("1000 frames of 64 bytes took %d Write calls, want <= 3", len(calls))
	}
}

func TestCopyKeepsOrderAcrossStreams(t *testing.T) {
	in := join(frame(1, "a"), frame(1, "b"), header(2, 0), frame(1, "c"), frame(2, "d"),
		frame(0, "e"), frame(1, "f"), frame(2, "g"))
	var calls []string
	if _, err := Copy(recordingWriter{"out", &calls}, recordingWriter{"err", &calls}, bytes.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	want := []string{"out:abc", "err:d", "out:ef", "err:g"}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("Write calls (-want +got):\n%s", diff)
	}
}

func TestCopyNilWriterDiscards(t *testing.T) {
	var errb bytes.Buffer
	n, err := Copy(nil, &errb, bytes.NewReader(join(frame(1, "dropped"), frame(2, "kept"), frame(0, "dropped"))))
	if n != 4 || err != nil || errb.String() != "kept" {
		t.Fatalf("Copy = %d, %v, stderr %q; want 4, nil, %q", n, err, errb.String(), "kept")
	}
}

func TestCopyWritesBeforeBlockingRead(t *testing.T) {
	pr, pw := io.Pipe()
	got := make(chanWriter, 1)
	done := make(chan error, 1)
	go func() {
		_, err := Copy(got, nil, pr)
		done <- err
	}()
	for _, msg := range []string{"first", "second"} {
		if _, err := pw.Write(frame(1, msg)); err != nil {
			t.Fatal(err)
		}
		// Held back, it would never come: the pipe sends nothing more.
		if s := await.Recv(t, fmt.Sprintf("Copy to write %q before more input comes", msg), got); s != msg {
			t.Fatalf("wrote %q, want %q", s, msg)
		}
	}
	pw.Close()
	if err := await.Recv(t, "Copy to end at EOF", done); err != nil {
		t.Fatalf("Copy: %v", err)
	}
}

func TestStreamTypeString(t *testing.T) {
	got := []string{Stdin.String(), Stdout.String(), Stderr.String(), Systemerr.String(), StreamType(7).String()}
	want := []string{"stdin", "stdout", "stderr", "systemerr", "StreamType(7)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("String (-want +got):\n%s", diff)
	}
}

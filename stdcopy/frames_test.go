package stdcopy

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// collect renders each yielded frame as "stream:payload", or "stream+:payload"
// for a Continued piece, and returns the error that ended the iteration. It
// fails the test if anything follows an error.
func collect(t *testing.T, src io.Reader) ([]string, error) {
	t.Helper()
	var frames []string
	var end error
	for f, err := range Frames(src) {
		if end != nil {
			t.Fatalf("Frames yielded (%v, %v) after error %v", f.Stream, err, end)
		}
		if err != nil {
			end = err
			continue
		}
		cont := ""
		if f.Continued {
			cont = "+"
		}
		frames = append(frames, f.Stream.String()+cont+":"+string(f.Payload))
	}
	return frames, end
}

func TestFramesWholeUpToBufferSize(t *testing.T) {
	full := strings.Repeat("f", bufSize)
	big := strings.Repeat("0123456789", 7000)
	in := join(frame(1, "hello"), header(2, 0), frame(2, "warn"), frame(0, "in"), frame(1, full), frame(2, big))
	want := []string{"stdout:hello", "stderr:warn", "stdin:in", "stdout:" + full,
		"stderr:" + big[:bufSize], "stderr+:" + big[bufSize:2*bufSize], "stderr+:" + big[2*bufSize:]}
	for name, wrap := range readers {
		got, err := collect(t, wrap(bytes.NewReader(in)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: frames (-want +got):\n%.800s", name, diff)
		}
	}
}

func TestFramesFaults(t *testing.T) {
	errReset := errors.New("connection reset")
	tests := []struct {
		name   string
		src    io.Reader
		want   []string
		wantIs error
		wantAs any
	}{
		{"D1 empty", bytes.NewReader(nil), nil, nil, nil},
		{"D3 truncated header", bytes.NewReader(join(frame(1, "ok"), header(2, 5)[:5])), []string{"stdout:ok"}, io.ErrUnexpectedEOF, nil},
		{"D4 truncated payload", bytes.NewReader(join(frame(1, "ok"), header(2, 50), []byte("part"))), []string{"stdout:ok", "stderr:part"}, io.ErrUnexpectedEOF, nil},
		{"D4 large payload truncated", bytes.NewReader(join(header(1, bufSize+10), []byte(strings.Repeat("x", bufSize+4)))), []string{"stdout:" + strings.Repeat("x", bufSize), "stdout+:xxxx"}, io.ErrUnexpectedEOF, nil},
		{"D4 payload missing", bytes.NewReader(join(frame(1, "ok"), header(2, 50))), []string{"stdout:ok"}, io.ErrUnexpectedEOF, nil},
		{"D5 raw stream", strings.NewReader("Error: x"), nil, nil, &InvalidStreamError{'E', 0}},
		{"D5 after frame", bytes.NewReader(join(frame(1, "ok"), frame(4, "zz"))), []string{"stdout:ok"}, nil, &InvalidStreamError{4, 10}},
		{"D7 systemerr", bytes.NewReader(join(frame(1, "ok"), frame(3, "gone\n"), frame(1, "never"))), []string{"stdout:ok"}, nil, &DaemonError{"gone\n"}},
		{"D11 error with data", &dataThenErrReader{join(frame(2, "e"), header(1, 3), []byte("ab")), errReset}, []string{"stderr:e", "stdout:ab"}, errReset, nil},
	}
	for _, tt := range tests {
		got, err := collect(t, tt.src)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: frames (-want +got):\n%s", tt.name, diff)
		}
		switch want := tt.wantAs.(type) {
		case nil:
			if !errors.Is(err, tt.wantIs) || (err == nil) != (tt.wantIs == nil) {
				t.Errorf("%s: err = %v, want %v", tt.name, err, tt.wantIs)
			}
		case *InvalidStreamError:
			var got *InvalidStreamError
			if !errors.As(err, &got) || *got != *want {
				t.Errorf("%s: err = %v, want %+v", tt.name, err, want)
			}
		case *DaemonError:
			var got *DaemonError
			if !errors.As(err, &got) || *got != *want {
				t.Errorf("%s: err = %v, want %+v", tt.name, err, want)
			}
		}
	}
}

// countingReader counts Read calls.
type countingReader struct {
	r     io.Reader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p)
}

func TestFramesStopsWhenLoopBreaks(t *testing.T) {
	src := &countingReader{r: io.MultiReader(bytes.NewReader(frame(1, "one")), bytes.NewReader(frame(1, "two")))}
	var got []string
	for f, err := range Frames(src) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(f.Payload))
		break
	}
	if len(got) != 1 || got[0] != "one" || src.reads != 1 {
		t.Errorf("got %q after %d reads; want [one] after 1 read", got, src.reads)
	}
}

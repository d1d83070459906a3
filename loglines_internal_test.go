package dockwire

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dockwire/dockwire/stdcopy"
	"github.com/google/go-cmp/cmp"
)

// framedLog is a multiplexed log of the given stdout messages.
func framedLog(msgs ...string) *LogStream {
	var buf bytes.Buffer
	w := stdcopy.NewWriter(&buf, stdcopy.Stdout)
	for _, m := range msgs {
		io.WriteString(w, m)
	}
	return &LogStream{body: io.NopCloser(&buf), framing: framingMultiplexed}
}

func linesOf(t *testing.T, s *LogStream) []LogLine {
	t.Helper()
	var got []LogLine
	for l, err := range s.Lines() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, l)
	}
	return got
}

// A message larger than stdcopy's 32 KiB pieces has one prefix: text that
// looks like a timestamp where the second piece begins is text.
func TestLogLinesLargeMessages(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	ts0 := t0.Format(time.RFC3339Nano) + " "
	ts1 := t0.Add(time.Second).Format(time.RFC3339Nano) + " "
	fake := "2001-01-01T00:00:00Z "
	text := strings.Repeat("x", 32<<10-len(ts0)) + fake + strings.Repeat("y", 10<<10)
	s := framedLog(ts0+text+"\n", ts1+"short\n")
	s.timestamps = true
	want := []LogLine{{Stream: stdcopy.Stdout, Time: t0, Text: text}, {Stream: stdcopy.Stdout, Time: t0.Add(time.Second), Text: "short"}}
	if diff := cmp.Diff(want, linesOf(t, s)); diff != "" {
		t.Errorf("lines (-want +got):\n%.300s", diff)
	}

	// A details prefix that goes on into the next piece.
	details := "k=" + strings.Repeat("v", 40<<10)
	s = framedLog(ts0 + details + " text\n")
	s.timestamps, s.details = true, true
	want = []LogLine{{Stream: stdcopy.Stdout, Time: t0, Details: map[string]string{"k": details[2:]}, Text: "text"}}
	if diff := cmp.Diff(want, linesOf(t, s)); diff != "" {
		t.Errorf("lines (-want +got):\n%.300s", diff)
	}
}

// A line takes the time of the message that began it; the next line in
// the same message takes that message's.
func TestLogLinesTimeOfEachLine(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	ts := func(s int) string { return t0.Add(time.Duration(s)*time.Second).Format(time.RFC3339Nano) + " " }
	s := framedLog(ts(0)+"begun ", ts(1)+"ended\nnext\n", ts(2)+"\n")
	s.timestamps = true
	want := []LogLine{
		{Stream: stdcopy.Stdout, Time: t0, Text: "begun ended"},
		{Stream: stdcopy.Stdout, Time: t0.Add(time.Second), Text: "next"},
		{Stream: stdcopy.Stdout, Time: t0.Add(2 * time.Second), Text: ""},
	}
	if diff := cmp.Diff(want, linesOf(t, s)); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestLogLinesSecondRange(t *testing.T) {
	s := framedLog("one\n", "two\n")
	for range s.Lines() {
		break
	}
	var errs []error
	for l, err := range s.Lines() {
		if err == nil {
			t.Errorf("second range yielded %q", l.Text)
		}
		errs = append(errs, err)
	}
	if len(errs) != 1 || !errors.Is(errs[0], ErrInvalidArgument) {
		t.Errorf("second range: %v, want one error matching ErrInvalidArgument", errs)
	}
}

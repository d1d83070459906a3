package detachkeys

import (
	"bytes"
	"testing"
)

func TestParse(t *testing.T) {
	for spec, want := range map[string][]byte{
		"": {16, 17}, "ctrl-p,ctrl-q": {16, 17}, "a,Z": {'a', 'Z'}, `ctrl-@,ctrl-[,ctrl-\,ctrl-],ctrl-^,ctrl-_`: {0, 27, 28, 29, 30, 31},
	} {
		if got, err := Parse(spec); err != nil || !bytes.Equal(got, want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", spec, got, err, want)
		}
	}
	for _, spec := range []string{"ab", "ctrl-1", "a,", "ctrl-", "1", "ctrl-pp"} {
		if _, err := Parse(spec); err == nil {
			t.Errorf("Parse(%q): no error", spec)
		}
	}
}

func TestScan(t *testing.T) {
	s := Scanner{Keys: []byte{16, 17}}
	if end, found := s.Scan([]byte("ab\x10")); found || end != 3 {
		t.Errorf("partial: %d, %v", end, found)
	}
	if end, found := s.Scan([]byte("\x11rest")); !found || end != 1 {
		t.Errorf("completed across calls: %d, %v", end, found)
	}
	if end, found := s.Scan([]byte("\x10x\x11\x10\x10\x11z")); !found || end != 6 {
		t.Errorf("restart on the first key: %d, %v", end, found)
	}
}

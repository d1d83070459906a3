// Package detachkeys parses the key sequence that detaches a client from a
// container's TTY, as the daemon does, and finds it in a stream of input.
// The client watches what it sends for it, and the fake engine what it
// receives.
package detachkeys

import (
	"fmt"
	"strings"
)

// Default is the daemon's sequence when none is given: ctrl-p, ctrl-q.
var Default = []byte{16, 17}

// Parse reads keys separated by commas, each a letter or ctrl- and one of
// a-z @ [ \ ] ^ _; "" is Default.
func Parse(spec string) ([]byte, error) {
	if spec == "" {
		return Default, nil
	}
	var keys []byte
	for _, k := range strings.Split(spec, ",") {
		switch {
		case len(k) == 1 && (k[0] >= 'a' && k[0] <= 'z' || k[0] >= 'A' && k[0] <= 'Z'):
			keys = append(keys, k[0])
		case len(k) == 6 && strings.HasPrefix(k, "ctrl-") && k[5] >= 'a' && k[5] <= 'z':
			keys = append(keys, k[5]-'a'+1)
		case len(k) == 6 && strings.HasPrefix(k, "ctrl-") && strings.IndexByte(`@[\]^_`, k[5]) >= 0:
			keys = append(keys, map[byte]byte{'@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, '_': 31}[k[5]])
		default:
			return nil, fmt.Errorf("%q is not a letter or ctrl- and one of a-z @ [ \\ ] ^ _", k)
		}
	}
	return keys, nil
}

// Scanner finds a sequence in input that arrives in pieces.
type Scanner struct {
	Keys    []byte
	matched int // how much of Keys the input so far ended with
}

// Scan looks for the end of the sequence in p, carrying a partial match
// over from the previous call, and returns the index just past it.
func (s *Scanner) Scan(p []byte) (end int, found bool) {
	for i, b := range p {
		switch {
		case b == s.Keys[s.matched]:
			s.matched++
		case b == s.Keys[0]:
			s.matched = 1
		default:
			s.matched = 0
		}
		if s.matched == len(s.Keys) {
			s.matched = 0
			return i + 1, true
		}
	}
	return len(p), false
}

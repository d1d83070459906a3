// Package jsonvalid validates JSON without recursion, so that no nesting
// in a daemon's answer can overflow a goroutine's stack.
package jsonvalid

import "math/bits"

// Valid reports whether doc is one JSON value with only whitespace
// around it: what gjson.Valid reports (FuzzValidJSON holds it to that),
// in about a third of its time on the daemon's documents. Those are mostly
// long strings (IDs, paths, environments, labels), whose bytes it checks
// eight at a time. It keeps its own stack of open objects and arrays rather
// than recursing, so that no nesting, however deep, can overflow the
// goroutine's stack.
func Valid(doc string) bool {
	_, ok := Count(doc)
	return ok
}

// Count validates doc as Valid does and, in the same pass, counts the
// elements of its top-level array or the members of its top-level object
// (0 for any other value), so that a decoder can size a list without
// walking the document again.
func Count(doc string) (n int, valid bool) {
	var stackBuf [64]byte
	stack := stackBuf[:0] // '{' or '[' per open container
	i := skipSpace(doc, 0)
	for {
		// A value starts at i.
		if i >= len(doc) {
			return 0, false
		}
		var ok bool
		switch c := doc[i]; c {
		case '{', '[':
			i = skipSpace(doc, i+1)
			if i < len(doc) && doc[i] == c+2 { // '}' is '{'+2, ']' is '['+2
				i++
				break
			}
			stack = append(stack, c)
			if len(stack) == 1 {
				n = 1
			}
			if c == '{' {
				if i, ok = validKey(doc, i); !ok {
					return 0, false
				}
			}
			continue
		case '"':
			if i, ok = validString(doc, i+1); !ok {
				return 0, false
			}
		case 't':
			if i, ok = validWord(doc, i, "true"); !ok {
				return 0, false
			}
		case 'f':
			if i, ok = validWord(doc, i, "false"); !ok {
				return 0, false
			}
		case 'n':
			if i, ok = validWord(doc, i, "null"); !ok {
				return 0, false
			}
		default:
			if i, ok = validNumber(doc, i); !ok {
				return 0, false
			}
		}
		// A value ended before i: close what it ends, then expect the next.
		for {
			i = skipSpace(doc, i)
			if len(stack) == 0 {
				return n, i == len(doc)
			}
			if i >= len(doc) {
				return 0, false
			}
			open := stack[len(stack)-1]
			if doc[i] == open+2 {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			if doc[i] != ',' {
				return 0, false
			}
			if len(stack) == 1 {
				n++
			}
			i = skipSpace(doc, i+1)
			if open == '{' {
				if i, ok = validKey(doc, i); !ok {
					return 0, false
				}
			}
			break
		}
	}
}

func skipSpace(doc string, i int) int {
	for i < len(doc) && (doc[i] == ' ' || doc[i] == '\n' || doc[i] == '\r' || doc[i] == '\t') {
		i++
	}
	return i
}

// validKey checks an object key and its colon at i, and returns where the
// value starts.
func validKey(doc string, i int) (int, bool) {
	if i >= len(doc) || doc[i] != '"' {
		return i, false
	}
	i, ok := validString(doc, i+1)
	if !ok {
		return i, false
	}
	i = skipSpace(doc, i)
	if i >= len(doc) || doc[i] != ':' {
		return i, false
	}
	return skipSpace(doc, i+1), true
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// specials flags the bytes of the 8-byte word w that a string may not hold
// as they are: a quote, a backslash or a control character. With v the
// word XORed with the byte sought, (v - ones) &^ v & highs flags the bytes
// of v that are zero; (w - 0x20*ones) &^ w & highs flags those below 0x20.
// A flag can be spurious only above a byte flagged rightly, so the lowest
// flag always marks the first such byte.
func specials(w uint64) uint64 {
	q := w ^ ('"' * ones)
	b := w ^ ('\\' * ones)
	return ((q-ones)&^q | (b-ones)&^b | (w-0x20*ones)&^w) & highs
}

// nextSpecial returns the index of the first quote, backslash or control
// character at or after i, or len(doc). It reads eight bytes at a time, and
// jumps to the byte the lowest flag marks.
func nextSpecial(doc string, i int) int {
	for ; i+8 <= len(doc); i += 8 {
		s := doc[i : i+8]
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		if m := specials(w); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(doc); i++ {
		if c := doc[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return i
}

// validString checks a string whose opening quote is before i and returns
// the index after its closing quote. Bytes from 0x80 up are taken as they
// are, as gjson does: the JSON is not checked for valid UTF-8.
func validString(doc string, i int) (int, bool) {
	for {
		i = nextSpecial(doc, i)
		if i >= len(doc) {
			return i, false
		}
		switch c := doc[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		}
		// An escape at i.
		i++
		if i >= len(doc) {
			return i, false
		}
		switch doc[i] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i++
		case 'u':
			if i+4 >= len(doc) || !isHex(doc[i+1]) || !isHex(doc[i+2]) || !isHex(doc[i+3]) || !isHex(doc[i+4]) {
				return i, false
			}
			i += 5
		default:
			return i, false
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func validWord(doc string, i int, word string) (int, bool) {
	if len(doc)-i < len(word) || doc[i:i+len(word)] != word {
		return i, false
	}
	return i + len(word), true
}

// validNumber checks a number at i: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(doc string, i int) (int, bool) {
	if i < len(doc) && doc[i] == '-' {
		i++
	}
	switch {
	case i >= len(doc):
		return i, false
	case doc[i] == '0':
		i++
	case '1' <= doc[i] && doc[i] <= '9':
		i = digits(doc, i+1)
	default:
		return i, false
	}
	if i < len(doc) && doc[i] == '.' {
		j := digits(doc, i+1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < len(doc) && (doc[i] == 'e' || doc[i] == 'E') {
		i++
		if i < len(doc) && (doc[i] == '+' || doc[i] == '-') {
			i++
		}
		j := digits(doc, i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}

func digits(doc string, i int) int {
	for i < len(doc) && '0' <= doc[i] && doc[i] <= '9' {
		i++
	}
	return i
}

// Package protowire reads the protocol buffers wire format: enough of it
// to decode the few messages the Engine API passes through as bytes (the
// BuildKit trace of a build), without a protobuf module. It reads a
// message's fields in order and leaves their meaning to the caller; it
// knows no schema. Append encodes, for tests and fakes.
//
// Every length is checked against the bytes that remain, so no input
// makes it allocate, loop without end or panic; a malformed message is an
// error that says where it went wrong.
package protowire

import (
	"errors"
	"fmt"
	"iter"
)

// Type is a field's wire type, which says how its value is encoded.
type Type int8

const (
	Varint     Type = 0 // int32, int64, uint32, uint64, sint32, sint64, bool, enum
	Fixed64    Type = 1 // fixed64, sfixed64, double
	Bytes      Type = 2 // string, bytes, embedded messages, packed repeated fields
	StartGroup Type = 3 // the start of a group (deprecated; skipped)
	EndGroup   Type = 4 // the end of a group
	Fixed32    Type = 5 // fixed32, sfixed32, float
)

// maxFieldNumber is the largest field number protobuf allows.
const maxFieldNumber = 1<<29 - 1

// maxGroupDepth bounds the nesting of groups being skipped.
const maxGroupDepth = 100

// ErrMalformed is what every error of this package matches.
var ErrMalformed = errors.New("malformed protobuf")

// Field is one field of a message as it was encoded.
type Field struct {
	Num  int32 // the field number, 1 or more
	Type Type  // Varint, Fixed64, Bytes or Fixed32; groups are skipped
	// Int is the value of a Varint, Fixed64 or Fixed32 field, as the
	// unsigned integer of its bits.
	Int uint64
	// Bytes is the value of a Bytes field. It shares the message's
	// memory: copy it to keep it beyond the message.
	Bytes []byte
}

// String returns the value of a Bytes field as a string, "" for any other
// type.
func (f Field) String() string { return string(f.Bytes) }

// Fields yields the fields of the encoded message b in the order they
// were encoded; a message that repeats a field yields each occurrence.
// Groups, a wire type protobuf has deprecated, are skipped whole. The
// sequence ends after the first error, which matches ErrMalformed.
func Fields(b []byte) iter.Seq2[Field, error] {
	return func(yield func(Field, error) bool) {
		for off := 0; off < len(b); {
			f, n, err := next(b[off:])
			if err != nil {
				yield(Field{}, fmt.Errorf("%w: at byte %d of %d: %v", ErrMalformed, off+n, len(b), err))
				return
			}
			off += n
			if f.Type == StartGroup || f.Type == EndGroup {
				continue
			}
			if !yield(f, nil) {
				return
			}
		}
	}
}

// next decodes the field at the start of b, skipping a group whole, and
// returns it with the bytes it took; on error, n is where the fault is.
func next(b []byte) (f Field, n int, err error) {
	key, n, err := varint(b)
	if err != nil {
		return Field{}, 0, fmt.Errorf("field key: %w", err)
	}
	num, typ := key>>3, Type(key&7)
	if num == 0 || num > maxFieldNumber {
		return Field{}, 0, fmt.Errorf("field number %d out of range", num)
	}
	f = Field{Num: int32(num), Type: typ}
	switch typ {
	case Varint:
		v, m, err := varint(b[n:])
		if err != nil {
			return Field{}, n, fmt.Errorf("field %d: %w", num, err)
		}
		f.Int, n = v, n+m
	case Fixed64, Fixed32:
		size := 8
		if typ == Fixed32 {
			size = 4
		}
		if len(b)-n < size {
			return Field{}, n, fmt.Errorf("field %d: %d-byte value cut short", num, size)
		}
		for i := size - 1; i >= 0; i-- {
			f.Int = f.Int<<8 | uint64(b[n+i])
		}
		n += size
	case Bytes:
		size, m, err := varint(b[n:])
		if err != nil {
			return Field{}, n, fmt.Errorf("field %d length: %w", num, err)
		}
		n += m
		if size > uint64(len(b)-n) {
			return Field{}, n, fmt.Errorf("field %d: length %d but %d bytes left", num, size, len(b)-n)
		}
		f.Bytes, n = b[n:n+int(size):n+int(size)], n+int(size)
	case StartGroup:
		m, err := skipGroup(b[n:], num)
		if err != nil {
			return Field{}, n, err
		}
		n += m
	case EndGroup:
		return Field{}, 0, fmt.Errorf("end of group %d without its start", num)
	default:
		return Field{}, 0, fmt.Errorf("field %d: unknown wire type %d", num, typ)
	}
	return f, n, nil
}

// skipGroup returns the length of the group whose start, field num, came
// just before b: its fields and its end.
func skipGroup(b []byte, num uint64) (int, error) {
	open := []uint64{num} // the groups entered and not yet ended
	n := 0
	for len(open) > 0 {
		if n == len(b) {
			return n, fmt.Errorf("group %d not ended", open[len(open)-1])
		}
		key, m, err := varint(b[n:])
		if err != nil {
			return n, fmt.Errorf("field key in group %d: %w", open[len(open)-1], err)
		}
		switch Type(key & 7) {
		case StartGroup:
			if len(open) == maxGroupDepth {
				return n, fmt.Errorf("groups nested deeper than %d", maxGroupDepth)
			}
			if key>>3 == 0 || key>>3 > maxFieldNumber {
				return n, fmt.Errorf("field number %d out of range", key>>3)
			}
			open = append(open, key>>3)
			n += m
		case EndGroup:
			if key>>3 != open[len(open)-1] {
				return n, fmt.Errorf("group %d ended by the end of group %d", open[len(open)-1], key>>3)
			}
			open = open[:len(open)-1]
			n += m
		default:
			_, m, err := next(b[n:])
			if err != nil {
				return n + m, err
			}
			n += m
		}
	}
	return n, nil
}

// varint decodes the base-128 varint at the start of b and returns it with
// its length: at most 10 bytes, the last of which holds only the 64th bit.
func varint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		c := b[i]
		if i == 9 && c > 1 {
			return 0, 0, errors.New("varint overflows 64 bits")
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1, nil
		}
	}
	if len(b) < 10 {
		return 0, 0, errors.New("varint cut short")
	}
	return 0, 0, errors.New("varint longer than 10 bytes")
}

// Append appends f, encoded, to b: the key, then the value as f.Type
// says (varints minimal). Groups are not encoded.
func Append(b []byte, f Field) []byte {
	b = appendVarint(b, uint64(f.Num)<<3|uint64(f.Type))
	switch f.Type {
	case Varint:
		b = appendVarint(b, f.Int)
	case Fixed64, Fixed32:
		size := 8
		if f.Type == Fixed32 {
			size = 4
		}
		for i := 0; i < size; i++ {
			b = append(b, byte(f.Int>>(8*i)))
		}
	case Bytes:
		b = appendVarint(b, uint64(len(f.Bytes)))
		b = append(b, f.Bytes...)
	}
	return b
}

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

package protowire

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// appendKey encodes a key alone, for groups, which Append does not encode.
func appendKey(b []byte, num int32, typ Type) []byte {
	return appendVarint(b, uint64(num)<<3|uint64(typ))
}

func collect(b []byte) ([]Field, error) {
	var fs []Field
	for f, err := range Fields(b) {
		if err != nil {
			return fs, err
		}
		fs = append(fs, f)
	}
	return fs, nil
}

func TestFields(t *testing.T) {
	want := []Field{
		{Num: 1, Type: Varint, Int: 150},
		{Num: 2, Type: Bytes, Bytes: []byte("testing")},
		{Num: 3, Type: Fixed32, Int: 0xdeadbeef},
		{Num: 4, Type: Fixed64, Int: math.MaxUint64 - 1},
		{Num: 5, Type: Varint, Int: math.MaxUint64}, // int64(-1): ten bytes
		{Num: maxFieldNumber, Type: Bytes, Bytes: []byte{}},
		{Num: 2, Type: Bytes, Bytes: []byte("again")},
	}
	var b []byte
	for _, f := range want {
		b = Append(b, f)
	}
	got, err := collect(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

// The examples of the protobuf encoding guide, byte for byte.
func TestFieldsSpecExamples(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want Field
	}{
		{[]byte{0x08, 0x96, 0x01}, Field{Num: 1, Type: Varint, Int: 150}},
		{[]byte{0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'}, Field{Num: 2, Type: Bytes, Bytes: []byte("testing")}},
		{[]byte{0x1a, 0x03, 0x08, 0x96, 0x01}, Field{Num: 3, Type: Bytes, Bytes: []byte{0x08, 0x96, 0x01}}},
		// A varint need not be minimal.
		{[]byte{0x08, 0x81, 0x80, 0x00}, Field{Num: 1, Type: Varint, Int: 1}},
	} {
		got, err := collect(tc.in)
		if err != nil {
			t.Errorf("% x: %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff([]Field{tc.want}, got); diff != "" {
			t.Errorf("% x (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestFieldsSkipsGroups(t *testing.T) {
	var b []byte
	b = Append(b, Field{Num: 1, Type: Varint, Int: 7})
	b = appendKey(b, 2, StartGroup)
	b = Append(b, Field{Num: 1, Type: Bytes, Bytes: []byte("inside")})
	b = appendKey(b, 3, StartGroup)
	b = Append(b, Field{Num: 9, Type: Fixed32, Int: 1})
	b = appendKey(b, 3, EndGroup)
	b = appendKey(b, 2, EndGroup)
	b = Append(b, Field{Num: 4, Type: Bytes, Bytes: []byte("after")})
	got, err := collect(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []Field{{Num: 1, Type: Varint, Int: 7}, {Num: 4, Type: Bytes, Bytes: []byte("after")}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

func TestFieldsMalformed(t *testing.T) {
	deep := []byte{}
	for i := 0; i <= maxGroupDepth; i++ {
		deep = appendKey(deep, 1, StartGroup)
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"key cut short", []byte{0x80}, "field key: varint cut short"},
		{"field number 0", []byte{0x00, 0x01}, "field number 0 out of range"},
		{"field number too large", appendKey(nil, maxFieldNumber+1, Varint), "out of range"},
		{"varint cut short", []byte{0x08, 0xff}, "field 1: varint cut short"},
		{"varint of 11 bytes", append([]byte{0x08}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0x01), "varint overflows 64 bits"},
		{"varint over 64 bits", append([]byte{0x08}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02), "varint overflows 64 bits"},
		{"length past the end", []byte{0x12, 0x05, 'a', 'b'}, "length 5 but 2 bytes left"},
		{"huge length", append([]byte{0x12}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), "bytes left"},
		{"fixed32 cut short", []byte{0x1d, 1, 2, 3}, "4-byte value cut short"},
		{"fixed64 cut short", []byte{0x19, 1, 2, 3, 4, 5, 6, 7}, "8-byte value cut short"},
		{"wire type 6", []byte{0x0e}, "unknown wire type 6"},
		{"wire type 7", []byte{0x0f}, "unknown wire type 7"},
		{"end without start", []byte{0x0c}, "end of group 1 without its start"},
		{"group not ended", appendKey(nil, 1, StartGroup), "group 1 not ended"},
		{"group ended by another", appendKey(appendKey(nil, 1, StartGroup), 2, EndGroup), "group 1 ended by the end of group 2"},
		{"groups too deep", deep, "nested deeper than"},
		{"bad field in group", append(appendKey(nil, 1, StartGroup), 0x0e), "unknown wire type 6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := collect(tc.in)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an ErrMalformed saying %q", err, tc.want)
			}
		})
	}
}

func TestFieldsStopsWhenAsked(t *testing.T) {
	b := Append(Append(nil, Field{Num: 1, Type: Varint, Int: 1}), Field{Num: 2, Type: Varint, Int: 2})
	n := 0
	for range Fields(b) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("yielded %d fields after break", n)
	}
}

// FuzzFields holds the reader to its promise on any input: no panic, and
// what it reads encodes back (minimally) to a message that reads the same.
func FuzzFields(f *testing.F) {
	f.Add([]byte{0x08, 0x96, 0x01, 0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'})
	f.Add([]byte{0x0b, 0x08, 0x01, 0x0c, 0x1d, 1, 2, 3, 4})
	f.Add([]byte{0x19, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		fields, err := collect(b)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error not matching ErrMalformed: %v", err)
		}
		var again []byte
		for _, fl := range fields {
			if fl.Num < 1 || fl.Num > maxFieldNumber {
				t.Fatalf("field number %d yielded", fl.Num)
			}
			again = Append(again, fl)
		}
		got, err := collect(again)
		if err != nil {
			t.Fatalf("re-encoded fields do not read: %v", err)
		}
		if diff := cmp.Diff(fields, got); diff != "" {
			t.Fatalf("re-encoded fields read differently (-first +second):\n%s", diff)
		}
	})
}

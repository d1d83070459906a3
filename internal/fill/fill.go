// Package fill builds values for tests with every field set: each
// exported field, all the way down, holds a value that is not zero and
// differs from its neighbours, so that a field a test drops or renames
// shows up in a diff or a check against the API's spec.
package fill

import (
	"fmt"
	"reflect"
	"time"

	"github.com/dockwire/dockwire/engine"
)

// Time is what every time.Time field is set to.
var Time = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// New returns a T with every field set, after fix, if not nil, has
// adjusted it. Fields of type engine.Raw stay empty: a value built in Go
// has no document.
func New[T any](fix func(*T)) T {
	var v T
	n := 0
	value(reflect.ValueOf(&v).Elem(), &n)
	if fix != nil {
		fix(&v)
	}
	return v
}

func value(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		if v.Type() != reflect.TypeOf(engine.Raw("")) {
			v.SetString(fmt.Sprintf("s%d", *n))
		}
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(*n))
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		value(p.Elem(), n)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		value(s.Index(0), n)
		v.Set(s)
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			value(v.Index(i), n)
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		value(k, n)
		value(e, n)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(Time))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				value(v.Field(i), n)
			}
		}
	}
}

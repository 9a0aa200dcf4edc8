package store

import (
	"math"
	"reflect"
	"testing"
)

// FuzzBackupRow reads arbitrary row lines of a backup file (outside data:
// a file someone hands to nudge restore) into a table with a column of each
// kind. No panic; a refused line says why.
func FuzzBackupRow(f *testing.F) {
	for _, s := range []string{
		`[1,2.5,true,"text",{"base64":"AP8="},7]`,
		`[null,null,null,null,null,null]`,
		`[9223372036854775807,-0.0,0,"",{"base64":""},"any"]`,
		`[1,{"float":"NaN"},1,"\u00e9\ud83d\ude00",{"base64":"////"},1.5]`,
		`[9223372036854775808,1e400,2,3,"x",[1]]`,
		`[1.0,1,false,{"base64":"!!"},{"float":"1"},{}]`,
		`[1,2,3]`, `[]`, `{}`, ``, `[`, `["a",`, `[1,2,true,"t",{"base64":"AA=="},null] trailing`,
	} {
		f.Add([]byte(s))
	}
	cols := []string{"i", "r", "b", "t", "x", "a"}
	kinds := []string{kindInteger, kindReal, kindBoolean, kindText, kindBlob, kindAny}
	f.Fuzz(func(t *testing.T, line []byte) {
		row, err := decodeRow(line, cols, kinds)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("a refusal without a reason")
			}
			return
		}
		if len(row) != len(cols) {
			t.Fatalf("%d values for %d columns", len(row), len(cols))
		}
		for i, v := range row {
			switch v.(type) {
			case nil, int64, float64, bool, string, []byte:
			default:
				t.Fatalf("column %s decoded as %T", cols[i], v)
			}
		}
	})
}

// FuzzBackupValues writes a row of every kind of value as Backup does and
// reads it back as Restore does: the same values, bit for bit (NaN, -0 and
// 2^63-1 included; text that is not UTF-8 travels as bytes).
func FuzzBackupValues(f *testing.F) {
	f.Add(int64(0), 0.0, "", []byte{}, false)
	f.Add(int64(math.MaxInt64), math.Copysign(0, -1), "Zoë 李 \"q\" \\ \n\t\x01", []byte{0, 0xff}, true)
	f.Add(int64(math.MinInt64), math.NaN(), "\xff\xfe not UTF-8", []byte("x"), false)
	f.Add(int64(-1), math.Inf(-1), "\u2028\u2029", []byte(nil), true)
	f.Add(int64(9007199254740993), 9.0, "9", []byte("9"), true)
	f.Add(int64(1), 1e21, "1e21", []byte{}, false)
	f.Add(int64(2), 5e-324, "<script>&amp;", []byte{}, false)
	cols := []string{"i", "r", "t", "x", "b", "n"}
	kinds := []string{kindInteger, kindReal, kindText, kindBlob, kindBoolean, kindInteger}
	f.Fuzz(func(t *testing.T, i int64, r float64, s string, x []byte, b bool) {
		if x == nil {
			x = []byte{}
		}
		line := []byte{'['}
		for k, v := range []any{i, r, s, x, b, nil} {
			if k > 0 {
				line = append(line, ',')
			}
			var err error
			if line, err = appendValue(line, v); err != nil {
				t.Fatal(err)
			}
		}
		line = append(line, ']')
		row, err := decodeRow(line, cols, kinds)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		got, ok := row[1].(float64)
		if !ok || math.Float64bits(got) != math.Float64bits(r) && !(math.IsNaN(got) && math.IsNaN(r)) {
			t.Fatalf("real %v came back as %#v (%s)", r, row[1], line)
		}
		row[1] = r
		if want := []any{i, r, s, x, b, nil}; !reflect.DeepEqual(row[0], want[0]) || !reflect.DeepEqual(row[2:], want[2:]) {
			t.Fatalf("wrote %#v\n read %#v\n line %s", want, row, line)
		}
	})
}

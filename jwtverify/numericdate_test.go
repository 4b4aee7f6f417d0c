package jwtverify

import (
	"math"
	"strconv"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/jwtguard/jwtguard/internal/strictjson"
)

// numericDateFromText is numericDate as it was before it read gjson's parsed value: the
// number's JSON text through strconv.ParseFloat, refused on any error.
func numericDateFromText(v gjson.Result) (int64, bool) {
	if v.Type != gjson.Number {
		return 0, false
	}
	f, err := strconv.ParseFloat(v.Raw, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > maxNumericDate {
		return 0, false
	}
	return int64(f), true
}

// TestNumericDateMatchesParseFloat: reading v.Num instead of parsing v.Raw again changes no
// verdict and no value, for values read by a token's parse (strictjson.Object) and by a claim
// path's lookup (gjson.Get), at the edges of float64 and of the year-9999 bound.
func TestNumericDateMatchesParseFloat(t *testing.T) {
	for _, text := range []string{
		"0", "-0", "1", "-1", "0.5", "-0.5", "1767225600", "1767225600.999",
		"253402300799", "253402300799.5", "253402300800", "1e3", "1E3", "1e+3", "1e-3",
		"1e400", "-1e400", "1e-400", "-1e-400", "4.9e-324", "1.7976931348623157e308",
		"1.7976931348623159e308", "9007199254740993", "123456789012345", "1234567890123456",
		"99999999999999999999", "0.0000000000000000000001e22", `"1767225600"`, "true", "null",
	} {
		doc := `{"exp":` + text + `}`
		members, _, _, ok := strictjson.Object(nil, doc)
		if !ok {
			t.Fatalf("%s: not read", doc)
		}
		for _, v := range []gjson.Result{members[0].Value, gjson.Get(doc, "exp")} {
			got, gotOK := numericDate(v)
			want, wantOK := numericDateFromText(v)
			if got != want || gotOK != wantOK {
				t.Errorf("%s: numericDate = %d, %v; from the text %d, %v", text, got, gotOK, want, wantOK)
			}
		}
	}
}

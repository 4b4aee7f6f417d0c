package main

import "testing"

func TestPkgOf(t *testing.T) {
	for _, tc := range []struct{ sym, want string }{
		{"crypto_internal_fips140_rsa.VerifyPKCS1v15", "crypto_internal_fips140_rsa"},
		{"github.com_tidwall_gjson.Get", "github.com_tidwall_gjson"},
		{"github.com_jwtguard_jwtguard_config.__reader_.provider", "github.com_jwtguard_jwtguard_config"},
		{"vendor_golang.org_x_crypto_cryptobyte.String.Skip", "vendor_golang.org_x_crypto_cryptobyte"},
		{"type_.eq.internal_abi.UncommonType", "internal_abi"},
		{"runtime.mallocgc", "runtime"},
		{"_rt0_wasm_wasip1", "_rt0_wasm_wasip1"},
		{"", "(unnamed)"},
	} {
		if got := pkgOf(tc.sym); got != tc.want {
			t.Errorf("pkgOf(%q) = %q, want %q", tc.sym, got, tc.want)
		}
	}
}

package jwtverify

import "slices"

// A compact JWS is three base64url segments (RFC 7515 §7.1), and a new token's three are
// decoded on the request path. encoding/base64 decodes them at ~5 ns a character in wasm
// (where it has no assembly); the loop below, one table lookup per character and four
// characters per step, takes a fraction of that. It only decides what it can decide alone:
// input it does not take goes to the standard library, which gives the verdict and the
// bytes, so the accepted encodings are exactly b64url's (FuzzAppendBase64URL).

// b64urlValue maps each character of the base64url alphabet (RFC 4648 §5) to its six bits
// and every other byte to 0xff.
var b64urlValue = func() (t [256]byte) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// appendBase64URL appends the decoding of s, unpadded base64url with zero trailing bits
// (b64url: RawURLEncoding.Strict(), as RFC 7515 §2 wants it), to dst. It decides alone for
// input of alphabet characters only; anything else (a character outside the alphabet,
// among them the CR and LF the standard library skips; a length of 4k+1; non-zero trailing
// bits) goes to b64url.
func appendBase64URL(dst []byte, s string) ([]byte, error) {
	n := len(s)
	start := len(dst)
	if n%4 == 1 {
		return decodeStd(dst, s)
	}
	size := n / 4 * 3
	switch n % 4 {
	case 2:
		size++
	case 3:
		size += 2
	}
	dst = slices.Grow(dst, size)
	out := dst[start : start+size]
	o := 0
	for i := 0; i+4 <= n; i += 4 {
		a, b, c, d := b64urlValue[s[i]], b64urlValue[s[i+1]], b64urlValue[s[i+2]], b64urlValue[s[i+3]]
		if (a|b|c|d)&0xc0 != 0 {
			return decodeStd(dst[:start], s)
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		out[o], out[o+1], out[o+2] = byte(v>>16), byte(v>>8), byte(v)
		o += 3
	}
	switch tail := s[n/4*4:]; len(tail) {
	case 2:
		a, b := b64urlValue[tail[0]], b64urlValue[tail[1]]
		if (a|b)&0xc0 != 0 || b&0x0f != 0 {
			return decodeStd(dst[:start], s)
		}
		out[o] = a<<2 | b>>4
	case 3:
		a, b, c := b64urlValue[tail[0]], b64urlValue[tail[1]], b64urlValue[tail[2]]
		if (a|b|c)&0xc0 != 0 || c&0x03 != 0 {
			return decodeStd(dst[:start], s)
		}
		out[o], out[o+1] = a<<2|b>>4, b<<4|c>>2
	}
	return dst[:start+size], nil
}

// decodeStd is appendBase64URL by the standard library.
func decodeStd(dst []byte, s string) ([]byte, error) {
	b, err := b64url.DecodeString(s)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

package jwtverify

import (
	"bytes"
	"crypto"
)

// digestInfoPrefix is the DER encoding of DigestInfo up to the digest, for the hashes JWS
// uses with RSASSA-PKCS1-v1_5 (RFC 8017 §9.2 note 1; RFC 7518 §3.3: RS256, RS384, RS512).
// The parameters are an explicit NULL: the form without it is "acceptable" to Wycheproof and
// refused here, as crypto/rsa refuses it.
func digestInfoPrefix(hash crypto.Hash) []byte {
	switch hash {
	case crypto.SHA256:
		return []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}
	case crypto.SHA384:
		return []byte{0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30}
	case crypto.SHA512:
		return []byte{0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40}
	}
	return nil
}

// verifyPKCS1v15 is RSASSA-PKCS1-V1_5-VERIFY (RFC 8017 §8.2.2) with the recovered encoded
// message compared, byte for byte, to the one EMSA-PKCS1-v1_5 (§9.2) builds from digest:
// 0x00 0x01 0xff…0xff 0x00 DigestInfo. That is what crypto/rsa does, and the only check
// that cannot be fooled by a lenient parse of the padding (Bleichenbacher 2006).
func (m *rsaModulus) verifyPKCS1v15(hash crypto.Hash, digest, sig []byte) bool {
	prefix := digestInfoPrefix(hash)
	if prefix == nil || len(digest) != hash.Size() {
		return false
	}
	tLen := len(prefix) + len(digest)
	if m.size < tLen+11 { // §9.2 step 3: "intended encoded message length too short"
		return false
	}
	em, sc, ok := m.encodedMessage(sig)
	if !ok {
		return false
	}
	defer m.release(sc)
	ps := em[2 : m.size-tLen-1]
	if em[0] != 0 || em[1] != 1 || em[m.size-tLen-1] != 0 {
		return false
	}
	for _, b := range ps {
		if b != 0xff {
			return false
		}
	}
	t := em[m.size-tLen:]
	return bytes.Equal(t[:len(prefix)], prefix) && bytes.Equal(t[len(prefix):], digest)
}

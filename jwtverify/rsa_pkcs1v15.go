package jwtverify

import "crypto"

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

// verifyPKCS1v15 is RSASSA-PKCS1-V1_5-VERIFY (RFC 8017 §8.2.2): s^e mod n must equal the
// encoded message EMSA-PKCS1-v1_5 (§9.2) builds from digest, 0x00 0x01 0xff…0xff 0x00
// DigestInfo, as a whole. That is what crypto/rsa checks (byte for byte), and the only check
// that cannot be fooled by a lenient parse of the padding (Bleichenbacher 2006). The
// comparison is made in the shifted domain (rsa_pkcs1v15_target.go), which is the same
// equality.
func (m *rsaModulus) verifyPKCS1v15(hash crypto.Hash, digest, sig []byte) bool {
	// No target: not a PKCS#1 hash of JWS. !t.ok: §9.2 step 3, "intended encoded message
	// length too short".
	t := m.target(hash)
	if t == nil || !t.ok || len(digest) != hash.Size() {
		return false
	}
	sc, ok := m.representative(sig)
	if !ok {
		return false
	}
	defer m.release(sc)
	m.expShifted(sc)
	m.digestTimesK(sc.t, t, digest)
	w := m.words
	for i, v := range sc.a[:w] {
		if v != sc.t[i] {
			return false
		}
	}
	return true
}

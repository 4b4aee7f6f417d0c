package jwtverify

import (
	"crypto"
	"math/bits"
	"sync"
)

// PKCS#1 v1.5 verification without leaving the Montgomery domain (issue 19). RSAVP1 gives
// s^e mod n, which must equal the encoded message EM that EMSA-PKCS1-v1_5 builds from the
// digest (RFC 8017 §8.2.2 steps 2–4). exp enters the Montgomery domain (s·R) and leaves it by
// its last product; expShifted starts from s itself, one product of the 18 for e = 65537
// fewer, and ends at s^e·R^−j mod n, j fixed by e. The comparison is then made on both
// sides multiplied by K = R^−j mod n, which is exact because R is invertible mod n and both
// sides are fully reduced: s^e ≡ EM ⇔ s^e·K ≡ EM·K (mod n). EM = P + D, with P the
// encoding of a zero digest (fixed by the key's size and the hash) and D the digest as an
// integer of 4 to 8 words, so EM·K = P·K + D·K mod n: P·K is computed once per key and hash,
// and D·K is a short product (D's few words by a constant) and as many Montgomery reduction
// steps, a quarter of a full product or less. EM < n (its first byte is zero), so
// "s^e mod n = EM" is the byte-for-byte comparison of verifyPKCS1v15's encoding check.

// pkcs1Target is what the shifted comparison needs for one hash.
type pkcs1Target struct {
	once sync.Once
	pk   []uint64 // P·K mod n
	kd   []uint64 // K·2^(64·d) mod n, d = digest words: D·kd·2^(−64·d) = D·K (mod n)
	ok   bool     // the modulus is long enough for the hash's encoding (§9.2 step 3)
}

// pkcs1Hashes are the hashes of RS256, RS384 and RS512, by their index in rsaModulus.pkcs1.
var pkcs1Hashes = [3]crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512}

// target returns the comparison constants for hash, computed on first use (a key set may
// hold many keys, and a key is usually used with one hash), or nil for another hash.
func (m *rsaModulus) target(hash crypto.Hash) *pkcs1Target {
	for i, h := range pkcs1Hashes {
		if h == hash {
			t := &m.pkcs1[i]
			t.once.Do(func() { m.prepareTarget(t, hash) })
			return t
		}
	}
	return nil
}

// prepareTarget computes t for hash: K by running expShifted on 1 (1^e·R^−j = K), then
// P·K and K·2^(64·d) as Montgomery products with K·R.
func (m *rsaModulus) prepareTarget(t *pkcs1Target, hash crypto.Hash) {
	prefix := digestInfoPrefix(hash)
	tLen := len(prefix) + hash.Size()
	if m.size < tLen+11 {
		return
	}
	w := m.words
	sc := m.scratch()
	defer m.release(sc)
	clear(sc.s)
	sc.s[0] = 1
	m.expShifted(sc) // sc.a = K
	kr := make([]uint64, w+1)
	m.mul(kr, sc.a[:w], m.rr) // K·R mod n
	// P: 0x00 0x01 0xff…0xff 0x00 DigestInfo prefix, then hash.Size() zero bytes.
	em := make([]byte, m.size)
	em[1] = 1
	for i := 2; i < m.size-tLen-1; i++ {
		em[i] = 0xff
	}
	copy(em[m.size-tLen:], prefix)
	p := make([]uint64, w)
	loadWords(p, em)
	pk := make([]uint64, w+1)
	m.mul(pk, p, kr) // P·K·R·R⁻¹
	pow := make([]uint64, w)
	pow[hash.Size()/8] = 1 // 2^(64·d) < n: d ≤ 8 words, the modulus has at least 32
	kd := make([]uint64, w+1)
	m.mul(kd, pow, kr)
	t.pk, t.kd, t.ok = pk[:w], kd[:w], true
}

// digestTimesK sets z[:w] to (P·K + D·K) mod n = EM·K mod n for the digest D of the target's
// hash, fully reduced; z has at least w + 9 words.
func (m *rsaModulus) digestTimesK(z []uint64, t *pkcs1Target, digest []byte) {
	w, d := m.words, len(digest)/8
	var dw [8]uint64
	loadWords(dw[:], digest)
	// z[:w+d+1] = D·kd, schoolbook (d rows of w words).
	z = z[:w+d+1]
	clear(z)
	for i := 0; i < d; i++ {
		z[i+w] = addMulRow(z[i:i+w], t.kd, dw[i])
	}
	// d Montgomery reduction steps: the low d words become zero, and z[d:] = D·kd·2^(−64·d)
	// = D·K mod n, below 2n because D < 2^(64·d) and kd < n.
	for i := 0; i < d; i++ {
		carry := addMulRow(z[i:i+w], m.n, z[i]*m.nInv)
		for k := i + w; carry != 0 && k < len(z); k++ {
			z[k], carry = bits.Add64(z[k], carry, 0)
		}
	}
	u := z[d : d+w+1]
	m.reduceOnce(u)
	// + P·K, then once more below n.
	var c uint64
	for j := 0; j < w; j++ {
		u[j], c = bits.Add64(u[j], t.pk[j], c)
	}
	u[w] = c
	m.reduceOnce(u)
	copy(z[:w], u[:w])
}

// addMulRow adds x·v to z (len(z) = len(v)) and returns the word carried out; carries by
// comparison (one wasm i64.lt_u), as rsa_montmul_wasm.s does, because math/bits.Add64 is not
// an intrinsic in wasm.
func addMulRow(z, v []uint64, x uint64) (carry uint64) {
	for j := range z {
		hi, lo := bits.Mul64(x, v[j])
		lo += z[j]
		if lo < z[j] {
			hi++
		}
		lo += carry
		if lo < carry {
			hi++
		}
		z[j], carry = lo, hi
	}
	return carry
}

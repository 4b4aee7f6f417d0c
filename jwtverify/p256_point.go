package jwtverify

// Points of P-256 (y² = x³ - 3x + b) for the verification-only ES256 of p256_verify.go.
//
// The sum is accumulated in Jacobian coordinates (x = X/Z², y = Y/Z³, Z = 0 the point at
// infinity) and every point added to it comes from a table of affine points, so each step
// is a doubling or a mixed addition (Z2 = 1). The addition formulas of the Explicit-Formulas
// Database are incomplete, so every exceptional case is handled explicitly: the accumulator
// at infinity, the two points equal (→ doubling) and opposite (→ infinity). A doubling has
// no exceptional case but infinity: P-256's group order n is an odd prime (cofactor 1), so
// no point of the curve has y = 0.

// p256Jacobian is a point in Jacobian coordinates; z = 0 is the point at infinity.
type p256Jacobian struct{ x, y, z p256Element }

// p256Affine is a point other than infinity in affine coordinates (Montgomery domain).
type p256Affine struct{ x, y p256Element }

func (q *p256Jacobian) isInfinity() bool { return q.z.isZero() }

func (q *p256Jacobian) setAffine(a *p256Affine) { q.x, q.y, q.z = a.x, a.y, p256One }

// double sets q = 2q: "dbl-2001-b" of the Explicit-Formulas Database (a = -3), 3M + 5S.
func (q *p256Jacobian) double() {
	if q.isInfinity() {
		return
	}
	var delta, gamma, beta, alpha, t, u p256Element
	p256Sqr(&delta, &q.z)
	p256Sqr(&gamma, &q.y)
	p256Mul(&beta, &q.x, &gamma)
	p256Sub(&t, &q.x, &delta)
	p256Add(&u, &q.x, &delta)
	p256Mul(&alpha, &t, &u)
	p256Add(&t, &alpha, &alpha)
	p256Add(&alpha, &t, &alpha) // alpha = 3(X-delta)(X+delta)
	// Z3 = (Y+Z)² - gamma - delta
	p256Add(&t, &q.y, &q.z)
	p256Sqr(&t, &t)
	p256Sub(&t, &t, &gamma)
	p256Sub(&q.z, &t, &delta)
	// X3 = alpha² - 8 beta
	p256Add(&beta, &beta, &beta)
	p256Add(&beta, &beta, &beta) // 4 beta
	p256Sqr(&t, &alpha)
	p256Add(&u, &beta, &beta)
	p256Sub(&q.x, &t, &u)
	// Y3 = alpha(4 beta - X3) - 8 gamma²
	p256Sub(&t, &beta, &q.x)
	p256Mul(&t, &alpha, &t)
	p256Sqr(&gamma, &gamma)
	p256Add(&gamma, &gamma, &gamma)
	p256Add(&gamma, &gamma, &gamma)
	p256Add(&gamma, &gamma, &gamma)
	p256Sub(&q.y, &t, &gamma)
}

// addAffine sets q = q + a, or q - a when negate: "madd-2004-hmv" (8M + 3S) with the
// exceptional cases handled before the formula divides by them.
func (q *p256Jacobian) addAffine(a *p256Affine, negate bool) {
	y2 := a.y
	if negate {
		p256Sub(&y2, &p256Element{}, &a.y)
	}
	if q.isInfinity() {
		q.x, q.y, q.z = a.x, y2, p256One
		return
	}
	var t1, t2, t3, t4 p256Element
	p256Sqr(&t1, &q.z)      // Z1²
	p256Mul(&t2, &t1, &q.z) // Z1³
	p256Mul(&t1, &t1, &a.x) // U2 = x2·Z1²
	p256Mul(&t2, &t2, &y2)  // S2 = y2·Z1³
	p256Sub(&t1, &t1, &q.x) // H = U2 - X1
	p256Sub(&t2, &t2, &q.y) // R = S2 - Y1
	if t1.isZero() {
		if t2.isZero() { // q = a: the formula would give (0, 0, 0)
			q.x, q.y, q.z = a.x, y2, p256One
			q.double()
			return
		}
		*q = p256Jacobian{} // q = -a
		return
	}
	p256Mul(&q.z, &q.z, &t1) // Z3 = Z1·H
	p256Sqr(&t4, &t1)        // H²
	p256Mul(&t3, &t4, &t1)   // H³
	p256Mul(&t4, &t4, &q.x)  // X1·H²
	p256Sqr(&t1, &t2)        // R²
	p256Sub(&t1, &t1, &t3)
	p256Sub(&t1, &t1, &t4)
	p256Sub(&q.x, &t1, &t4) // X3 = R² - H³ - 2·X1·H²
	p256Sub(&t4, &t4, &q.x) // X1·H² - X3
	p256Mul(&t4, &t4, &t2)  // R·(X1·H² - X3)
	p256Mul(&t3, &t3, &q.y) // Y1·H³
	p256Sub(&q.y, &t4, &t3) // Y3
}

// p256ToAffine converts points, none at infinity, with one inversion (Montgomery's
// simultaneous inversion: prefix products of the Z, one inverse, walked back).
func p256ToAffine(dst []p256Affine, src []p256Jacobian) {
	prefix := make([]p256Element, len(src))
	acc := p256One
	for i := range src {
		prefix[i] = acc
		p256Mul(&acc, &acc, &src[i].z)
	}
	var inv, zi, zi2 p256Element
	p256Invert(&inv, &acc)
	for i := len(src) - 1; i >= 0; i-- {
		p256Mul(&zi, &inv, &prefix[i]) // 1/Z_i
		p256Mul(&inv, &inv, &src[i].z) // 1/(Z_0···Z_{i-1})
		p256Sqr(&zi2, &zi)             // 1/Z²
		p256Mul(&dst[i].x, &src[i].x, &zi2)
		p256Mul(&zi2, &zi2, &zi) // 1/Z³
		p256Mul(&dst[i].y, &src[i].y, &zi2)
	}
}

// p256Tables returns, for each of the pieces bases B_j = 2^(j·p256PieceBits)·B, the odd
// multiples B_j, 3B_j, …, (2·size-1)·B_j in affine coordinates: table j, entry i is
// (2i+1)·B_j. It is the per-key (B = Q) and the generator's (B = G) precomputation.
func p256Tables(b *p256Affine, pieces, size int) [][]p256Affine {
	bases := make([]p256Jacobian, pieces)
	doubles := make([]p256Jacobian, pieces)
	bases[0].setAffine(b)
	for j := range bases {
		if j > 0 {
			bases[j] = bases[j-1]
			for k := 0; k < p256PieceBits; k++ {
				bases[j].double()
			}
		}
		doubles[j] = bases[j]
		doubles[j].double()
	}
	twice := make([]p256Affine, pieces)
	p256ToAffine(twice, doubles)
	all := make([]p256Jacobian, pieces*size)
	for j := range bases {
		row := all[j*size : (j+1)*size]
		row[0] = bases[j]
		for i := 1; i < size; i++ {
			row[i] = row[i-1]
			row[i].addAffine(&twice[j], false)
		}
	}
	flat := make([]p256Affine, pieces*size)
	p256ToAffine(flat, all)
	tables := make([][]p256Affine, pieces)
	for j := range tables {
		tables[j] = flat[j*size : (j+1)*size : (j+1)*size]
	}
	return tables
}

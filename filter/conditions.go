package filter

import (
	"github.com/jwtguard/jwtguard/config"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// bitset holds one bit per claim condition of the configuration (config.Condition.ID).
type bitset []uint64

func (b bitset) has(i int) bool { return i/64 < len(b) && b[i/64]&(1<<(i%64)) != 0 }

// evalConditions evaluates every claim condition of the configuration on a verified token,
// once: the cache keeps the bits, not the claims, so a cached token is judged by any rule
// without its payload (cache entries do not pin decoded payloads; cache.go).
func evalConditions(tok *jwtverify.Token, conds []*config.Condition) bitset {
	if len(conds) == 0 {
		return nil
	}
	b := make(bitset, (len(conds)+63)/64)
	for _, c := range conds {
		if c.Holds(tok) {
			b[c.ID/64] |= 1 << (c.ID % 64)
		}
	}
	return b
}

// conditionsHold: every condition of require.claims holds, and one of require.any_claims
// when it lists any.
func conditionsHold(b bitset, req *config.Requirement) bool {
	for _, c := range req.Claims {
		if !b.has(c.ID) {
			return false
		}
	}
	if len(req.AnyClaims) == 0 {
		return true
	}
	for _, c := range req.AnyClaims {
		if b.has(c.ID) {
			return true
		}
	}
	return false
}

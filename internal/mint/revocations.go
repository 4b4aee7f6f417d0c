package mint

import "encoding/json"

// Revocations is a revocation list as a publisher writes it (docs/revocation.md), for tests,
// benchmarks and the demo IdP. It is encoded with encoding/json, independently of the
// plugin's parser.
type Revocations struct {
	Version int            `json:"version"`
	JTI     []RevokedJTI   `json:"jti,omitempty"`
	Sub     []RevokedSub   `json:"sub,omitempty"`
	All     *RevokedCutoff `json:"all,omitempty"`
}

// RevokedJTI revokes one token.
type RevokedJTI struct {
	JTI     string `json:"jti"`
	Expires int64  `json:"expires"`
}

// RevokedSub revokes a subject's tokens issued before IATBefore.
type RevokedSub struct {
	Sub       string `json:"sub"`
	IATBefore int64  `json:"iat_before"`
	Expires   int64  `json:"expires"`
}

// RevokedCutoff revokes every token of the provider issued before IATBefore.
type RevokedCutoff struct {
	IATBefore int64 `json:"iat_before"`
	Expires   int64 `json:"expires"`
}

// JSON encodes the list (version 1 when Version is 0).
func (r Revocations) JSON() []byte {
	if r.Version == 0 {
		r.Version = 1
	}
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // only strings and integers: cannot fail
	}
	return b
}

// RevokeJTI, RevokeSub and RevokeAll build entries.
func RevokeJTI(jti string, expires int64) RevokedJTI { return RevokedJTI{JTI: jti, Expires: expires} }

func RevokeSub(sub string, iatBefore, expires int64) RevokedSub {
	return RevokedSub{Sub: sub, IATBefore: iatBefore, Expires: expires}
}

func RevokeAll(iatBefore, expires int64) *RevokedCutoff {
	return &RevokedCutoff{IATBefore: iatBefore, Expires: expires}
}

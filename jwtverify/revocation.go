package jwtverify

import (
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/jwtguard/jwtguard/internal/strictjson"
)

// A revocation list names tokens that must be refused before they expire (issue 20; the
// format is documented in docs/revocation.md). It is a versioned JSON object:
//
//	{"version": 1,
//	 "jti": [{"jti": "4f1c…", "expires": 1800000600}],
//	 "sub": [{"sub": "alice", "iat_before": 1800000000, "expires": 1800003600}],
//	 "all": {"iat_before": 1799990000, "expires": 1800003600}}
//
// Every entry carries expires, the latest exp of the tokens it can match: past it the entry
// matches nothing that is still valid, so a publisher drops it and the document stays small.
// The parser is strict (RFC 8259 §4 duplicate members, exact types, bounded sizes): a list
// one reader would understand differently from another must not decide who is let in.

// RevocationVersion is the only document version this parser reads.
const RevocationVersion = 1

// Defaults and bounds of RevocationLimits.
const (
	DefaultMaxRevocationBytes   = 8 << 20
	DefaultMaxRevocationEntries = 100_000
	// MaxRevocationIDBytes bounds one jti or sub: identifiers are short (a UUID is 36
	// bytes); a longer one is a broken publisher, not an identifier.
	MaxRevocationIDBytes = 256
)

// RevocationLimits bound a document; 0 selects the default.
type RevocationLimits struct {
	MaxBytes   int
	MaxEntries int // jti and sub entries together, plus one for "all"
}

// RevocationList is a parsed list, indexed for O(1) lookups whatever its size
// (revocation_index.go). It is immutable after parsing and safe to share.
type RevocationList struct {
	seed   [2]uint64
	jti    table // slots of jtiSlotWords
	sub    table // slots of subSlotWords
	all    cutoff
	hasAll bool
}

// cutoff revokes tokens issued before iatBefore (iat < iatBefore) while now < expires.
type cutoff struct{ iatBefore, expires int64 }

// TokenIDs are the claims a revocation can match: jti and sub when they are strings ("" when
// absent or of another type), iat when it is a valid NumericDate.
type TokenIDs struct {
	JTI, Sub string
	IAT      int64
	HasIAT   bool
}

// jtiPath names the top-level jti claim (RFC 7519 §4.1.7).
var jtiPath = ClaimPath{segs: []string{"jti"}}

// RevocationIDs reads the token's jti, sub and iat for Revokes.
func (t *Token) RevocationIDs() TokenIDs {
	var ids TokenIDs
	if v, l := t.Claim(jtiPath); l == ClaimFound && v.Type == gjson.String {
		ids.JTI = v.Str
	}
	if t.sub.Type == gjson.String {
		ids.Sub = t.sub.Str
	}
	ids.IAT, ids.HasIAT = numericDate(t.iat)
	return ids
}

// Len is the number of entries ("all" counts as one).
func (l *RevocationList) Len() int {
	if l == nil {
		return 0
	}
	n := l.jti.n + l.sub.n
	if l.hasAll {
		n++
	}
	return n
}

// Revokes reports whether an entry that still applies at now (Unix seconds; entries with
// expires <= now are spent) matches the token. A token without iat cannot be shown to have
// been issued after a cut-off, so a sub entry for its subject, or the provider-wide cut-off,
// revokes it (fail closed); jti entries need no iat. A nil list revokes nothing. Two table
// lookups at most: the cost does not grow with the list.
func (l *RevocationList) Revokes(ids TokenIDs, now int64) bool {
	if l == nil {
		return false
	}
	if l.hasAll && l.all.matches(ids, now) {
		return true
	}
	if ids.JTI != "" {
		if i := l.jti.find(hashID(l.seed, ids.JTI)); i >= 0 && now < int64(l.jti.words[i*jtiSlotWords+2]) {
			return true
		}
	}
	if ids.Sub != "" {
		if i := l.sub.find(hashID(l.seed, ids.Sub)); i >= 0 {
			w := l.sub.words[i*subSlotWords:]
			if (cutoff{iatBefore: int64(w[2]), expires: int64(w[3])}).matches(ids, now) {
				return true
			}
		}
	}
	return false
}

func (c cutoff) matches(ids TokenIDs, now int64) bool {
	return now < c.expires && (!ids.HasIAT || ids.IAT < c.iatBefore)
}

// ParseRevocations parses and indexes a revocation list. Any problem refuses the whole
// document with ErrBadRevocationList and a detail naming the member (never a token).
func ParseRevocations(doc []byte, lim RevocationLimits) (*RevocationList, error) {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = DefaultMaxRevocationBytes
	}
	if lim.MaxEntries <= 0 {
		lim.MaxEntries = DefaultMaxRevocationEntries
	}
	if len(doc) > lim.MaxBytes {
		return nil, badList("the document is " + strconv.Itoa(len(doc)) + " bytes, more than the limit of " + strconv.Itoa(lim.MaxBytes))
	}
	if problem := strictjson.Problem(doc); problem != "" {
		return nil, badList("the document " + problem)
	}
	root := gjson.ParseBytes(doc)
	if !root.IsObject() {
		return nil, badList("the document is not a JSON object")
	}
	members, dup, found := strictjson.Members(nil, root)
	if found {
		return nil, badList("member " + strconv.Quote(dup) + " appears twice")
	}
	p := revParser{lim: lim}
	var jtis, subs gjson.Result
	for _, m := range members {
		switch m.Name {
		case "version":
			if m.Value.Type != gjson.Number || m.Value.Raw != strconv.Itoa(RevocationVersion) {
				return nil, badList(`"version" must be ` + strconv.Itoa(RevocationVersion) + ", got " + truncated(m.Value.Raw))
			}
			p.version = true
		case "jti":
			jtis = m.Value
		case "sub":
			subs = m.Value
		case "all":
			p.entries++
			if err := p.all(m.Value); err != nil {
				return nil, err
			}
		default:
			return nil, badList("unknown member " + strconv.Quote(truncated(m.Name)) + ` (allowed: version, jti, sub, all)`)
		}
	}
	if !p.version {
		return nil, badList(`"version" is required`)
	}
	if err := p.list("jti", jtis, p.jtiEntry); err != nil {
		return nil, err
	}
	if err := p.list("sub", subs, p.subEntry); err != nil {
		return nil, err
	}
	return p.index()
}

// index builds the tables from the entries read, refusing an identifier listed twice.
func (p *revParser) index() (*RevocationList, error) {
	// A new value, not &p.out: a pointer into the parser would keep the parser alive, and
	// with it the entries read and the document their identifiers point into.
	out := &RevocationList{all: p.out.all, hasAll: p.out.hasAll}
	out.seed = newSeed()
	out.jti = newTable(len(p.jtis), jtiSlotWords)
	for i, e := range p.jtis {
		if !out.jti.insert(hashID(out.seed, e.id), uint64(e.expires)) {
			return nil, badList(entryPath{"jti", i}.String() + ".jti repeats an earlier entry")
		}
	}
	out.sub = newTable(len(p.subs), subSlotWords)
	for i, e := range p.subs {
		if !out.sub.insert(hashID(out.seed, e.id), uint64(e.c.iatBefore), uint64(e.c.expires)) {
			return nil, badList(entryPath{"sub", i}.String() + ".sub repeats an earlier entry")
		}
	}
	return out, nil
}

// revParser holds the state of one ParseRevocations call.
type revParser struct {
	lim     RevocationLimits
	out     RevocationList
	entries int
	version bool
	buf     []strictjson.Member // reused for every entry's members
	// The entries read, indexed once they are all known (the tables are sized for them).
	jtis []jtiEntry
	subs []subEntry
}

type (
	jtiEntry struct {
		id      string
		expires int64
	}
	subEntry struct {
		id string
		c  cutoff
	}
)

func badList(detail string) error { return withDetail(reasonBadRevocationList, detail) }

// truncated bounds text copied from a document into an error message.
func truncated(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// list reads an optional array of entry objects.
func (p *revParser) list(name string, v gjson.Result, entry func(path entryPath, e gjson.Result) error) error {
	if !v.Exists() {
		return nil
	}
	if !v.IsArray() {
		return badList(strconv.Quote(name) + " must be an array")
	}
	var err error
	i := 0
	v.ForEach(func(_, e gjson.Result) bool {
		p.entries++
		if p.entries > p.lim.MaxEntries {
			err = badList("more than " + strconv.Itoa(p.lim.MaxEntries) + " entries")
			return false
		}
		err = entry(entryPath{name, i}, e)
		i++
		return err == nil
	})
	return err
}

// entryPath names an entry in error messages ("jti[3]"); it is only formatted when there
// is an error to report, so that a list of 10^5 good entries builds no strings for it.
type entryPath struct {
	list  string
	index int
}

func (e entryPath) String() string {
	if e.index < 0 {
		return e.list
	}
	return e.list + "[" + strconv.Itoa(e.index) + "]"
}

// allPath names the "all" entry.
var allPath = entryPath{"all", -1}

// fields reads an entry object whose members are exactly the names given (every one
// required), into values in that order.
func (p *revParser) fields(at entryPath, e gjson.Result, names []string, values []gjson.Result) error {
	if !e.IsObject() {
		return badList(at.String() + " must be an object")
	}
	var dup string
	var twice bool
	p.buf, dup, twice = strictjson.Members(p.buf[:0], e)
	if twice {
		return badList(at.String() + ": member " + strconv.Quote(truncated(dup)) + " appears twice")
	}
	found := 0
	for _, m := range p.buf {
		known := false
		for i, n := range names {
			if m.Name == n {
				values[i], known = m.Value, true
				found++
			}
		}
		if !known {
			return badList(at.String() + ": unknown member " + strconv.Quote(truncated(m.Name)))
		}
	}
	if found != len(names) {
		for i, n := range names {
			if !values[i].Exists() {
				return badList(at.String() + "." + n + " is required")
			}
		}
	}
	return nil
}

var (
	jtiFields = []string{"jti", "expires"}
	subFields = []string{"sub", "iat_before", "expires"}
	allFields = []string{"iat_before", "expires"}
)

func (p *revParser) jtiEntry(at entryPath, e gjson.Result) error {
	var v [2]gjson.Result
	if err := p.fields(at, e, jtiFields, v[:]); err != nil {
		return err
	}
	id, err := identifier(at, ".jti", v[0])
	if err != nil {
		return err
	}
	exp, err := seconds(at, ".expires", v[1])
	if err != nil {
		return err
	}
	p.jtis = append(p.jtis, jtiEntry{id, exp})
	return nil
}

func (p *revParser) subEntry(at entryPath, e gjson.Result) error {
	var v [3]gjson.Result
	if err := p.fields(at, e, subFields, v[:]); err != nil {
		return err
	}
	id, err := identifier(at, ".sub", v[0])
	if err != nil {
		return err
	}
	c, err := cutoffOf(at, v[1], v[2])
	if err != nil {
		return err
	}
	p.subs = append(p.subs, subEntry{id, c})
	return nil
}

func (p *revParser) all(e gjson.Result) error {
	var v [2]gjson.Result
	if err := p.fields(allPath, e, allFields, v[:]); err != nil {
		return err
	}
	c, err := cutoffOf(allPath, v[0], v[1])
	if err != nil {
		return err
	}
	p.out.all, p.out.hasAll = c, true
	return nil
}

func cutoffOf(at entryPath, iatBefore, expires gjson.Result) (cutoff, error) {
	before, err := seconds(at, ".iat_before", iatBefore)
	if err != nil {
		return cutoff{}, err
	}
	exp, err := seconds(at, ".expires", expires)
	if err != nil {
		return cutoff{}, err
	}
	return cutoff{iatBefore: before, expires: exp}, nil
}

// identifier reads a jti or sub: a non-empty string of at most MaxRevocationIDBytes.
func identifier(at entryPath, member string, v gjson.Result) (string, error) {
	if v.Type != gjson.String {
		return "", badList(at.String() + member + " must be a string")
	}
	if v.Str == "" || len(v.Str) > MaxRevocationIDBytes {
		return "", badList(at.String() + member + " must be 1 to " + strconv.Itoa(MaxRevocationIDBytes) + " bytes")
	}
	return v.Str, nil
}

// seconds reads a time: whole seconds since the epoch as a plain JSON integer (no sign,
// fraction or exponent), at most 9999-12-31 (the bound of numericDate). Stricter than a
// token's NumericDate on purpose: a publisher writes these, and one spelling per value
// leaves nothing to interpret.
func seconds(at entryPath, member string, v gjson.Result) (int64, error) {
	if v.Type != gjson.Number {
		return 0, badList(at.String() + member + " must be an integer number of seconds since 1970")
	}
	raw := v.Raw
	ok := raw != "" && len(raw) <= 12 && (raw == "0" || raw[0] != '0')
	for i := 0; ok && i < len(raw); i++ {
		ok = raw[i] >= '0' && raw[i] <= '9'
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if !ok || err != nil || n > maxNumericDate {
		return 0, badList(at.String() + member + " must be an integer number of seconds since 1970, at most 253402300799, got " + truncated(raw))
	}
	return n, nil
}

package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/jwtguard/jwtguard/jwtverify"
)

// Revocation is a provider's revocation section (issue 20; docs/revocation.md): a list
// fetched like the JWKS, static entries, or both.
type Revocation struct {
	// Fetched list; Cluster == "" when only static entries are configured.
	Cluster, Authority, Path string
	RefreshInterval          time.Duration
	Timeout                  time.Duration
	// Static entries, in the document format; nil when none.
	Static *jwtverify.RevocationList
	// AllowUnavailable: with no list fetched yet, serve without revocation (and count it)
	// instead of answering 503 (on_unavailable "allow"; the default is "deny").
	AllowUnavailable bool
	Limits           jwtverify.RevocationLimits
}

// Remote reports whether a list is fetched.
func (r *Revocation) Remote() bool { return r.Cluster != "" }

// Defaults and ranges of the revocation section. The refresh interval is short: it is how
// long a revocation takes to reach every proxy; an unchanged list costs a 304.
const (
	DefaultRevocationRefresh = 10 * time.Second
	DefaultRevocationTimeout = 2 * time.Second
)

var (
	fieldsRevocation = []string{"cluster", "authority", "path", "refresh_interval", "timeout", "static", "on_unavailable", "max_bytes", "max_entries"}

	rangeRevocationRefresh    = durationRange{DefaultRevocationRefresh, time.Second, time.Hour}
	rangeRevocationTimeout    = durationRange{DefaultRevocationTimeout, time.Millisecond, time.Minute}
	rangeRevocationMaxBytes   = intRange{jwtverify.DefaultMaxRevocationBytes, 1 << 10, 64 << 20}
	rangeRevocationMaxEntries = intRange{jwtverify.DefaultMaxRevocationEntries, 1, 1_000_000}
)

func (r *reader) revocation(v gjson.Result, path string) *Revocation {
	if !r.object(v, path, fieldsRevocation) {
		return nil
	}
	rv := &Revocation{
		RefreshInterval: r.duration(v, path, "refresh_interval", rangeRevocationRefresh),
		Timeout:         r.duration(v, path, "timeout", rangeRevocationTimeout),
		Limits: jwtverify.RevocationLimits{
			MaxBytes:   r.integer(v, path, "max_bytes", rangeRevocationMaxBytes),
			MaxEntries: r.integer(v, path, "max_entries", rangeRevocationMaxEntries),
		},
	}
	remote := v.Get("cluster").Exists() || v.Get("authority").Exists() || v.Get("path").Exists()
	if remote {
		rv.Cluster = r.text(v, path, "cluster", true)
		rv.Authority = r.text(v, path, "authority", true)
		rv.Path = r.text(v, path, "path", true)
		if strings.ContainsRune(rv.Authority, ' ') {
			r.fail(join(path, "authority"), "must not contain spaces")
		}
		if rv.Path != "" && (rv.Path[0] != '/' || strings.ContainsRune(rv.Path, ' ')) {
			r.fail(join(path, "path"), `must start with "/" and contain no spaces, got `+strconv.Quote(rv.Path))
		}
		if rv.Timeout >= rv.RefreshInterval {
			r.fail(join(path, "timeout"), "must be shorter than refresh_interval ("+rv.RefreshInterval.String()+")")
		}
	} else {
		for _, f := range []string{"refresh_interval", "timeout", "on_unavailable"} {
			if v.Get(f).Exists() {
				r.fail(join(path, f), "applies to a fetched list: set cluster, authority and path too")
			}
		}
	}
	switch u := v.Get("on_unavailable"); {
	case !u.Exists():
	case u.Type == gjson.String && u.Str == "deny":
	case u.Type == gjson.String && u.Str == "allow":
		rv.AllowUnavailable = true
	default:
		r.fail(join(path, "on_unavailable"), `must be "deny" or "allow", got `+truncatedRaw(u))
	}
	if s := v.Get("static"); s.Exists() {
		sp := join(path, "static")
		if !s.IsObject() {
			r.fail(sp, "must be a revocation document (an object), got "+typeName(s))
		} else if l, err := jwtverify.ParseRevocations([]byte(s.Raw), rv.Limits); err != nil {
			r.fail(sp, err.Error())
		} else {
			rv.Static = l
		}
	}
	if !remote && !v.Get("static").Exists() {
		r.fail(path, "needs cluster, authority and path (a fetched list), static entries, or both")
	}
	return rv
}

// truncatedRaw is a JSON value's text for a message, bounded.
func truncatedRaw(v gjson.Result) string {
	if len(v.Raw) > 40 {
		return v.Raw[:40] + "…"
	}
	return v.Raw
}

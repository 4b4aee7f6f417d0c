package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/internal/strictjson"
	"github.com/tidwall/gjson"
)

// Discovery is an OpenID Connect discovery document (OpenID Connect Discovery 1.0 §4) fetched
// with proxy_http_call from an Envoy cluster; the provider's keys are then fetched from the
// document's jwks_uri, with the same refresh interval and timeout and the default
// refetch_min_interval and backoff of remote_jwks.
type Discovery struct {
	Cluster         string
	Authority       string
	Path            string
	RefreshInterval time.Duration // of the document and of the keys
	Timeout         time.Duration // of one fetch of either
	// JWKSClusters names the cluster for each jwks_uri authority (host, or host:port as the
	// URI writes it) other than Authority, which uses Cluster. A jwks_uri whose authority has
	// no cluster is refused.
	JWKSClusters map[string]string
}

// DefaultDiscoveryPath is where OpenID Connect Discovery 1.0 §4 puts the document.
const DefaultDiscoveryPath = "/.well-known/openid-configuration"

var fieldsDiscovery = []string{"cluster", "authority", "path", "refresh_interval", "timeout", "jwks_clusters"}

func (r *reader) discovery(v gjson.Result, path string) *Discovery {
	if !r.object(v, path, fieldsDiscovery) {
		return nil
	}
	d := &Discovery{
		Cluster:         r.text(v, path, "cluster", true),
		Authority:       r.text(v, path, "authority", true),
		Path:            DefaultDiscoveryPath,
		RefreshInterval: r.duration(v, path, "refresh_interval", rangeRefreshInterval),
		Timeout:         r.duration(v, path, "timeout", rangeTimeout),
		JWKSClusters:    map[string]string{},
	}
	if v.Get("path").Exists() {
		d.Path = r.text(v, path, "path", true)
	}
	if strings.ContainsRune(d.Authority, ' ') {
		r.fail(join(path, "authority"), "must not contain spaces")
	}
	if d.Path != "" && (d.Path[0] != '/' || strings.ContainsRune(d.Path, ' ')) {
		r.fail(join(path, "path"), `must start with "/" and contain no spaces, got `+strconv.Quote(d.Path))
	}
	if d.Timeout >= d.RefreshInterval {
		r.fail(join(path, "timeout"), "must be shorter than refresh_interval ("+d.RefreshInterval.String()+")")
	}
	if jc := v.Get("jwks_clusters"); jc.Exists() {
		p := join(path, "jwks_clusters")
		if r.mapObject(jc, p) {
			jc.ForEach(func(host, cluster gjson.Result) bool {
				hp := join(p, host.Str)
				switch {
				case host.Str == "" || strings.ContainsAny(host.Str, " /?#@") || strictjson.HasControl(host.Str):
					r.fail(hp, "must be a host name, or host:port, as the jwks_uri writes it")
				case cluster.Type != gjson.String || cluster.Str == "" || strictjson.HasControl(cluster.Str):
					r.fail(hp, "must be the name of an Envoy cluster, got "+typeName(cluster))
				default:
					d.JWKSClusters[strings.ToLower(host.Str)] = cluster.Str
				}
				return true
			})
		}
	}
	return d
}

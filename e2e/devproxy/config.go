// Package devproxy serves an Envoy bootstrap file with the Envoy-like wasm host: static
// listeners with an HTTP connection manager, routes to clusters, the wasm filter, the
// router, static or strict-DNS clusters with optional upstream TLS, and an admin endpoint.
// The file is parsed with Envoy's own API types (go-control-plane) and validated by their
// generated validators, so the file it accepts is one Envoy's parser accepts. Anything
// outside that subset is refused at start with the field named, never silently ignored.
//
// In the e2e module this is a tool users run; e2e/doc.go gives the layout.
package devproxy

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	wasmfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	wasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"sigs.k8s.io/yaml"
)

// Config is the part of a bootstrap devproxy serves.
type Config struct {
	Listeners []Listener
	Clusters  map[string]ClusterConfig
	Admin     string // host:port, "" for none
	// StatsTags are stats_config.stats_tags, applied in /stats/prometheus.
	StatsTags []StatsTag
}

// Listener is one HTTP listener.
type Listener struct {
	Name    string
	Address string
	Routes  []Route
	Wasm    *WasmFilter // nil: no wasm filter
	// AccessLogs are the connection manager's stdout access logs, written after each request.
	AccessLogs []*AccessLog
}

// Route sends matching requests to a cluster.
type Route struct {
	Prefix, Path string
	Cluster      string
}

// WasmFilter is envoy.filters.http.wasm's PluginConfig.
type WasmFilter struct {
	Name, RootID, VMID string
	Filename           string
	Configuration      []byte
	FailOpen           bool
	Env                []string // vm_config.environment_variables, "KEY=VALUE"
}

// ClusterConfig is one upstream.
type ClusterConfig struct {
	Address string // host:port of the (first) endpoint
	TLS     bool
	SNI     string
}

// Load parses and validates a bootstrap YAML (or JSON) file.
func Load(doc []byte) (*Config, *bootstrapv3.Bootstrap, error) {
	js, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("not YAML: %w", err)
	}
	var b bootstrapv3.Bootstrap
	if err := protojson.Unmarshal(js, &b); err != nil {
		return nil, nil, fmt.Errorf("not an Envoy bootstrap: %w", err)
	}
	if err := b.ValidateAll(); err != nil {
		return nil, nil, fmt.Errorf("invalid bootstrap: %w", err)
	}
	c, err := translate(&b)
	return c, &b, err
}

// only reports every populated field of m that is not in allowed, with its path.
func only(errs *[]error, m proto.Message, path string, allowed ...string) {
	m.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		name := string(fd.Name())
		for _, a := range allowed {
			if a == name {
				return true
			}
		}
		*errs = append(*errs, fmt.Errorf("%s.%s: not supported by devproxy (supported: %s)", path, name, strings.Join(allowed, ", ")))
		return true
	})
}

func socketAddress(errs *[]error, a *corev3.Address, path string) string {
	if a == nil {
		*errs = append(*errs, fmt.Errorf("%s: required", path))
		return ""
	}
	only(errs, a, path, "socket_address")
	sa := a.GetSocketAddress()
	if sa == nil {
		*errs = append(*errs, fmt.Errorf("%s.socket_address: required", path))
		return ""
	}
	only(errs, sa, path+".socket_address", "address", "port_value", "protocol")
	return net.JoinHostPort(sa.GetAddress(), strconv.Itoa(int(sa.GetPortValue())))
}

func translate(b *bootstrapv3.Bootstrap) (*Config, error) {
	var errs []error
	only(&errs, b, "", "static_resources", "admin", "node", "stats_config")
	c := &Config{Clusters: map[string]ClusterConfig{}}
	c.StatsTags = translateStatsConfig(&errs, b.GetStatsConfig())
	if b.Admin != nil {
		only(&errs, b.Admin, "admin", "address", "access_log")
		c.Admin = socketAddress(&errs, b.Admin.Address, "admin.address")
	}
	sr := b.GetStaticResources()
	if sr == nil {
		return nil, errors.New("static_resources: required")
	}
	only(&errs, sr, "static_resources", "listeners", "clusters")
	for i, cl := range sr.Clusters {
		c.translateCluster(&errs, cl, fmt.Sprintf("static_resources.clusters[%d]", i))
	}
	for i, l := range sr.Listeners {
		path := fmt.Sprintf("static_resources.listeners[%d]", i)
		only(&errs, l, path, "name", "address", "filter_chains")
		lst := Listener{Name: l.Name, Address: socketAddress(&errs, l.Address, path+".address")}
		if len(l.FilterChains) != 1 {
			errs = append(errs, fmt.Errorf("%s.filter_chains: exactly one filter chain is supported", path))
			continue
		}
		fc := l.FilterChains[0]
		only(&errs, fc, path+".filter_chains[0]", "filters")
		if len(fc.Filters) != 1 || fc.Filters[0].GetTypedConfig() == nil {
			errs = append(errs, fmt.Errorf("%s.filter_chains[0].filters: exactly one http_connection_manager is supported", path))
			continue
		}
		var hcm hcmv3.HttpConnectionManager
		if err := anypb.UnmarshalTo(fc.Filters[0].GetTypedConfig(), &hcm, proto.UnmarshalOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("%s.filter_chains[0].filters[0].typed_config: not an HttpConnectionManager: %v", path, err))
			continue
		}
		c.translateHCM(&errs, &hcm, path+".filter_chains[0].filters[0].typed_config", &lst)
		c.Listeners = append(c.Listeners, lst)
	}
	if len(c.Listeners) == 0 {
		errs = append(errs, errors.New("static_resources.listeners: at least one listener is required"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

func (c *Config) translateCluster(errs *[]error, cl *clusterv3.Cluster, path string) {
	only(errs, cl, path, "name", "type", "connect_timeout", "lb_policy", "load_assignment", "transport_socket", "dns_lookup_family")
	switch cl.GetType() {
	case clusterv3.Cluster_STATIC, clusterv3.Cluster_STRICT_DNS, clusterv3.Cluster_LOGICAL_DNS:
	default:
		*errs = append(*errs, fmt.Errorf("%s.type: %s is not supported (STATIC, STRICT_DNS, LOGICAL_DNS)", path, cl.GetType()))
	}
	cc := ClusterConfig{}
	eps := cl.GetLoadAssignment().GetEndpoints()
	if len(eps) == 0 || len(eps[0].GetLbEndpoints()) == 0 {
		*errs = append(*errs, fmt.Errorf("%s.load_assignment: at least one endpoint is required", path))
	} else {
		cc.Address = socketAddress(errs, eps[0].GetLbEndpoints()[0].GetEndpoint().GetAddress(), path+".load_assignment.endpoints[0].lb_endpoints[0].endpoint.address")
	}
	if ts := cl.GetTransportSocket(); ts != nil {
		var tlsCtx tlsv3.UpstreamTlsContext
		if err := anypb.UnmarshalTo(ts.GetTypedConfig(), &tlsCtx, proto.UnmarshalOptions{}); err != nil {
			*errs = append(*errs, fmt.Errorf("%s.transport_socket: only UpstreamTlsContext is supported: %v", path, err))
		} else {
			only(errs, &tlsCtx, path+".transport_socket.typed_config", "sni", "common_tls_context")
			cc.TLS, cc.SNI = true, tlsCtx.GetSni()
		}
	}
	c.Clusters[cl.Name] = cc
}

func (c *Config) translateHCM(errs *[]error, hcm *hcmv3.HttpConnectionManager, path string, lst *Listener) {
	only(errs, hcm, path, "stat_prefix", "codec_type", "route_config", "http_filters", "access_log")
	rc := hcm.GetRouteConfig()
	if rc == nil {
		*errs = append(*errs, fmt.Errorf("%s.route_config: an inline route_config is required", path))
		return
	}
	for vi, vh := range rc.VirtualHosts {
		for ri, r := range vh.Routes {
			rpath := fmt.Sprintf("%s.route_config.virtual_hosts[%d].routes[%d]", path, vi, ri)
			only(errs, r, rpath, "match", "route", "name")
			only(errs, r.GetMatch(), rpath+".match", "prefix", "path")
			only(errs, r.GetRoute(), rpath+".route", "cluster", "timeout")
			cluster := r.GetRoute().GetCluster()
			if _, ok := c.Clusters[cluster]; !ok {
				*errs = append(*errs, fmt.Errorf("%s.route.cluster: unknown cluster %q", rpath, cluster))
			}
			lst.Routes = append(lst.Routes, Route{Prefix: r.GetMatch().GetPrefix(), Path: r.GetMatch().GetPath(), Cluster: cluster})
		}
	}
	lst.AccessLogs = translateAccessLogs(errs, hcm, path)
	filters := hcm.GetHttpFilters()
	if len(filters) == 0 || !filters[len(filters)-1].GetTypedConfig().MessageIs(&routerv3.Router{}) {
		*errs = append(*errs, fmt.Errorf("%s.http_filters: the last filter must be envoy.filters.http.router", path))
	}
	for i, f := range filters[:max(0, len(filters)-1)] {
		fpath := fmt.Sprintf("%s.http_filters[%d]", path, i)
		var w wasmfilterv3.Wasm
		if err := anypb.UnmarshalTo(f.GetTypedConfig(), &w, proto.UnmarshalOptions{}); err != nil {
			*errs = append(*errs, fmt.Errorf("%s: only envoy.filters.http.wasm is supported before the router", fpath))
			continue
		}
		if lst.Wasm != nil {
			*errs = append(*errs, fmt.Errorf("%s: one wasm filter per listener is supported", fpath))
			continue
		}
		lst.Wasm = translateWasm(errs, w.GetConfig(), fpath+".typed_config.config")
	}
}

func translateWasm(errs *[]error, pc *wasmv3.PluginConfig, path string) *WasmFilter {
	only(errs, pc, path, "name", "root_id", "vm_config", "configuration", "failure_policy", "fail_open")
	vm := pc.GetVmConfig()
	only(errs, vm, path+".vm_config", "vm_id", "runtime", "code", "environment_variables")
	// fail_open is deprecated but Envoy still honours it (docs/host.md#envoys-wasm-filter).
	//lint:ignore SA1019 devproxy reads what Envoy reads
	failOpen := pc.GetFailOpen()
	w := &WasmFilter{Name: pc.GetName(), RootID: pc.GetRootId(), VMID: vm.GetVmId(), FailOpen: failOpen || pc.GetFailurePolicy() == wasmv3.FailurePolicy_FAIL_OPEN}
	// environment_variables: key_values inline, host_env_keys copied from devproxy's own
	// environment (Envoy's), sorted so that every VM sees the same order.
	env := vm.GetEnvironmentVariables()
	for _, k := range env.GetHostEnvKeys() {
		if v, ok := os.LookupEnv(k); ok {
			w.Env = append(w.Env, k+"="+v)
		}
	}
	for k, v := range env.GetKeyValues() {
		w.Env = append(w.Env, k+"="+v)
	}
	sort.Strings(w.Env)
	w.Filename = vm.GetCode().GetLocal().GetFilename()
	if w.Filename == "" {
		*errs = append(*errs, fmt.Errorf("%s.vm_config.code.local.filename: required (only local files are supported)", path))
	}
	if cfg := pc.GetConfiguration(); cfg != nil {
		// StringValue / BytesValue are passed unwrapped (docs/host.md#envoys-wasm-filter).
		var s wrapperspb.StringValue
		var bv wrapperspb.BytesValue
		switch {
		case cfg.MessageIs(&s):
			_ = cfg.UnmarshalTo(&s)
			w.Configuration = []byte(s.Value)
		case cfg.MessageIs(&bv):
			_ = cfg.UnmarshalTo(&bv)
			w.Configuration = bv.Value
		default:
			*errs = append(*errs, fmt.Errorf("%s.configuration: only google.protobuf.StringValue or BytesValue is supported", path))
		}
	}
	return w
}

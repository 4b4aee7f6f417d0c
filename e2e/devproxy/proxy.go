package devproxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

// Options are devproxy's command-line settings.
type Options struct {
	Concurrency int // worker threads (Envoy's --concurrency)
	Profile     envoyhost.Profile
	Log         func(level int, msg string)
	// BaseDir resolves relative wasm filenames (Envoy resolves them against its cwd).
	BaseDir string
	// AccessLog receives the lines of the listeners' stdout access logs (Envoy's stdout);
	// nil: they are dropped. The commands pass os.Stdout.
	AccessLog io.Writer
}

// Proxy is a running devproxy.
type Proxy struct {
	Host      *envoyhost.Host
	servers   []*http.Server
	plugins   []*envoyhost.Plugin
	Listeners []net.Listener // in the order of the bootstrap's listeners, then admin
}

// Start loads the plugins (refusing to start if one refuses its configuration, as Envoy
// does) and starts serving.
func Start(ctx context.Context, cfg *Config, opts Options) (*Proxy, error) {
	clusters := map[string]*envoyhost.Cluster{}
	for name, c := range cfg.Clusters {
		clusters[name] = &envoyhost.Cluster{Address: c.Address, TLS: c.TLS, SNI: c.SNI}
	}
	// Locked: a connection's goroutine runs the VM's callbacks itself, as an Envoy worker
	// thread does, rather than handing each one to the VM's goroutine and waiting.
	h, err := envoyhost.New(ctx, envoyhost.Options{Profile: opts.Profile, Workers: opts.Concurrency, Clusters: clusters, Log: opts.Log, Locked: true})
	if err != nil {
		return nil, err
	}
	p := &Proxy{Host: h}
	for _, l := range cfg.Listeners {
		var plugin *envoyhost.Plugin
		if l.Wasm != nil {
			file := l.Wasm.Filename
			if !strings.HasPrefix(file, "/") && opts.BaseDir != "" {
				file = opts.BaseDir + "/" + file
			}
			code, err := os.ReadFile(file)
			if err != nil {
				p.Close(ctx)
				return nil, fmt.Errorf("listener %s: wasm code: %w", l.Name, err)
			}
			plugin, err = h.LoadPlugin(ctx, code, envoyhost.PluginConfig{Name: l.Wasm.Name, RootID: l.Wasm.RootID,
				VMID: l.Wasm.VMID, Configuration: l.Wasm.Configuration, FailOpen: l.Wasm.FailOpen, Env: l.Wasm.Env})
			if err != nil {
				p.Close(ctx)
				return nil, fmt.Errorf("listener %s: %w", l.Name, err)
			}
			p.plugins = append(p.plugins, plugin)
		}
		ln, err := net.Listen("tcp", l.Address)
		if err != nil {
			p.Close(ctx)
			return nil, err
		}
		logOut := opts.AccessLog
		if logOut == nil {
			logOut = io.Discard
		}
		srv := &http.Server{Handler: p.handler(l, plugin, cfg.Clusters, logOut), ReadHeaderTimeout: 10 * time.Second}
		p.serve(srv, ln)
	}
	if cfg.Admin != "" {
		ln, err := net.Listen("tcp", cfg.Admin)
		if err != nil {
			p.Close(ctx)
			return nil, err
		}
		p.serve(&http.Server{Handler: adminHandler(h, cfg.StatsTags), ReadHeaderTimeout: 10 * time.Second}, ln)
	}
	return p, nil
}

func (p *Proxy) serve(srv *http.Server, ln net.Listener) {
	p.servers = append(p.servers, srv)
	p.Listeners = append(p.Listeners, ln)
	go srv.Serve(ln)
}

// Close stops serving and shuts the plugins down.
func (p *Proxy) Close(ctx context.Context) {
	for _, s := range p.servers {
		s.Close()
	}
	for _, pl := range p.plugins {
		pl.Close(ctx)
	}
	p.Host.Close(ctx)
}

// hostRequest is what Envoy's connection manager hands the filter chain: the request with
// hop-by-hop headers dropped, names in lower case, and x-forwarded-proto added
// (docs/host.md#header-maps).
func hostRequest(r *http.Request) *envoyhost.Request {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	req := &envoyhost.Request{Method: r.Method, Path: r.URL.RequestURI(), Authority: r.Host, Scheme: "http", Body: body}
	for k, vs := range r.Header {
		if hopByHop[strings.ToLower(k)] {
			continue
		}
		for _, v := range vs {
			req.Headers = append(req.Headers, [2]string{strings.ToLower(k), v})
		}
	}
	req.Headers = append(req.Headers, [2]string{"x-forwarded-proto", "http"})
	return req
}

// forwarder is the router: it sends a request the filters let through to the cluster of its
// route, like Envoy's router with no redirects followed and Accept-Encoding and bodies passed
// through as they are (no transparent decompression).
func forwarder(routes []Route, clusters map[string]ClusterConfig) func(context.Context, *envoyhost.Request) (*envoyhost.Response, error) {
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tlsClient := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{}, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return func(ctx context.Context, fr *envoyhost.Request) (*envoyhost.Response, error) {
		cluster, ok := route(routes, fr.Path)
		if !ok {
			return &envoyhost.Response{Status: 404, Details: "route_not_found"}, nil
		}
		cc := clusters[cluster]
		scheme, c := "http", client
		if cc.TLS {
			scheme, c = "https", tlsClient
		}
		ur, err := http.NewRequestWithContext(ctx, fr.Method, scheme+"://"+cc.Address+fr.Path, strings.NewReader(string(fr.Body)))
		if err != nil {
			return nil, err
		}
		ur.Host = fr.Authority
		for _, kv := range fr.Headers {
			ur.Header.Add(kv[0], kv[1])
		}
		resp, err := c.Do(ur)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		out := &envoyhost.Response{Status: resp.StatusCode, Body: data}
		for k, vs := range resp.Header {
			if hopByHop[strings.ToLower(k)] || strings.EqualFold(k, "content-length") {
				continue
			}
			for _, v := range vs {
				out.Headers = append(out.Headers, [2]string{strings.ToLower(k), v})
			}
		}
		return out, nil
	}
}

// hopByHop headers are not forwarded (RFC 9110 §7.6.1).
var hopByHop = map[string]bool{"connection": true, "keep-alive": true, "proxy-connection": true, "te": true,
	"trailer": true, "transfer-encoding": true, "upgrade": true}

func (p *Proxy) handler(l Listener, plugin *envoyhost.Plugin, clusters map[string]ClusterConfig, logOut io.Writer) http.Handler {
	var logMu sync.Mutex
	upstream := forwarder(l.Routes, clusters)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		req := hostRequest(r)
		var resp *envoyhost.Response
		if plugin != nil {
			resp = plugin.Handle(r.Context(), req, upstream)
		} else {
			var err error
			if resp, err = upstream(r.Context(), req); err != nil {
				resp = &envoyhost.Response{Status: 503, Body: []byte("upstream connect error or disconnect/reset before headers. reset reason: connection failure")}
			}
		}
		if resp == nil {
			return // the client went away
		}
		if len(l.AccessLogs) > 0 {
			logMu.Lock()
			for _, al := range l.AccessLogs {
				io.WriteString(logOut, al.Line(start, req, resp))
			}
			logMu.Unlock()
		}
		if resp.Status == 0 { // proxy_close_stream: reset
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
				}
			}
			return
		}
		for _, kv := range resp.Headers {
			if kv[0] == "content-length" {
				continue
			}
			w.Header().Add(kv[0], kv[1])
		}
		if resp.Details != "" {
			w.Header().Set("x-devproxy-response-code-details", resp.Details)
		}
		w.WriteHeader(resp.Status)
		if r.Method != http.MethodHead {
			w.Write(resp.Body)
		}
	})
}

func route(routes []Route, path string) (string, bool) {
	p := path
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	for _, r := range routes {
		if (r.Path != "" && r.Path == p) || (r.Path == "" && strings.HasPrefix(p, r.Prefix)) {
			return r.Cluster, true
		}
	}
	return "", false
}

// ErrUsage is returned for bad command lines.
var ErrUsage = errors.New("usage: devproxy -c FILE [--concurrency N] [--log-level LEVEL] [--wasi-profile pre533|post533]")

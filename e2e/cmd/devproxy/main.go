// Command devproxy serves an Envoy bootstrap file (the subset jwtguard's demo and tests
// need) with an Envoy-like proxy-wasm host, for machines without Envoy:
//
//	devproxy -c envoy/demo.yaml [--concurrency N] [--log-level LEVEL] [--wasi-profile pre533]
//	devproxy --help   what part of Envoy's configuration it serves, and what it refuses
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/jwtguard/jwtguard/e2e/devproxy"
	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, nil))
}

// subset is what --help says about the bootstrap devproxy serves; devproxy.Load enforces it.
const subset = `devproxy serves an Envoy bootstrap (YAML or JSON, parsed with Envoy's own API types and
validated by them) with a proxy-wasm host that behaves like Envoy for what jwtguard uses.

Supported:
  admin                      address (/, /help, /ready, /stats[?format=json|prometheus],
                             /stats/prometheus), access_log
  node, stats_config         stats_tags apply to /stats/prometheus
  static_resources.listeners one filter chain holding one http_connection_manager:
                             stat_prefix, codec_type, an inline route_config (routes matching
                             on prefix or path, route.cluster, route.timeout), access_log to
                             stdout (START_TIME, REQ, RESPONSE_CODE, RESPONSE_CODE_DETAILS,
                             PROTOCOL, FILTER_STATE), http_filters: at most one
                             envoy.filters.http.wasm, then envoy.filters.http.router
  wasm filter                name, root_id, configuration, failure_policy, fail_open,
                             vm_config (vm_id, runtime, code.local.filename,
                             environment_variables)
  static_resources.clusters  STATIC, STRICT_DNS or LOGICAL_DNS, the first endpoint of
                             load_assignment, connect_timeout, lb_policy, dns_lookup_family,
                             an UpstreamTlsContext (sni, common_tls_context)

Refused at start, naming the field: anything else, e.g. dynamic resources (xDS), several
filter chains or listener filters, other HTTP filters, route actions other than a cluster,
other cluster types or transport sockets, other access-log operators.

Flags:
`

var levels = map[string]int{"trace": 0, "debug": 1, "info": 2, "warning": 3, "warn": 3, "error": 4, "critical": 5, "off": 6}

// run is devproxy; it returns the exit status. ready, if not nil, receives the proxy once it
// serves, and stop ends it (tests); otherwise it runs until SIGINT or SIGTERM.
func run(args []string, stdout, stderr io.Writer, ready chan<- *devproxy.Proxy) int {
	fs := flag.NewFlagSet("devproxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	file := fs.String("c", "", "Envoy bootstrap YAML")
	concurrency := fs.Int("concurrency", 2, "worker threads")
	logLevel := fs.String("log-level", "info", "trace, debug, info, warning, error, critical, off")
	profile := fs.String("wasi-profile", "post533", "post533 or pre533 (proxy-wasm-cpp-host before #533)")
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, devproxy.ErrUsage)
		fmt.Fprintln(stdout)
		io.WriteString(stdout, subset)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return 0
	}
	if err != nil || *file == "" {
		fmt.Fprintln(stderr, devproxy.ErrUsage)
		return 2
	}
	min, ok := levels[strings.ToLower(*logLevel)]
	if !ok {
		fmt.Fprintln(stderr, "devproxy: unknown --log-level", *logLevel)
		return 2
	}
	doc, err := os.ReadFile(*file)
	if err != nil {
		fmt.Fprintln(stderr, "devproxy:", err)
		return 1
	}
	cfg, _, err := devproxy.Load(doc)
	if err != nil {
		fmt.Fprintln(stderr, "devproxy: "+*file+": "+err.Error())
		return 1
	}
	opts := devproxy.Options{Concurrency: *concurrency, AccessLog: os.Stdout, Log: func(level int, msg string) {
		if level >= min {
			fmt.Fprintln(stderr, msg)
		}
	}}
	if *profile == "pre533" {
		opts.Profile = envoyhost.Pre533
	}
	ctx := context.Background()
	p, err := devproxy.Start(ctx, cfg, opts)
	if err != nil {
		fmt.Fprintln(stderr, "devproxy: "+err.Error())
		return 1
	}
	for i, l := range cfg.Listeners {
		fmt.Fprintf(stderr, "devproxy: listener %s on %s\n", l.Name, p.Listeners[i].Addr())
	}
	if cfg.Admin != "" {
		fmt.Fprintf(stderr, "devproxy: admin on %s\n", p.Listeners[len(p.Listeners)-1].Addr())
	}
	if ready != nil {
		ready <- p
		return 0
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	p.Close(ctx)
	return 0
}

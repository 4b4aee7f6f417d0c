// Command demo is `make run`: the demo IdP on 127.0.0.1:10001, an echo upstream on
// 127.0.0.1:10002, and devproxy serving envoy/demo.yaml (jwtguard on 127.0.0.1:10000,
// admin on 127.0.0.1:9901). It prints curl lines to try, and stops on Ctrl-C.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jwtguard/jwtguard/e2e/demoidp"
	"github.com/jwtguard/jwtguard/e2e/devproxy"
)

func main() {
	file := flag.String("c", "envoy/demo.yaml", "Envoy bootstrap to serve")
	concurrency := flag.Int("concurrency", 2, "worker threads")
	flag.Parse()
	if err := run(*file, *concurrency); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func listen(addr string, h http.Handler) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return srv, nil
}

func run(file string, concurrency int) error {
	idp, err := demoidp.New("http://127.0.0.1:10001/", "demo-api")
	if err != nil {
		return err
	}
	idpSrv, err := listen("127.0.0.1:10001", idp)
	if err != nil {
		return fmt.Errorf("demo IdP: %w", err)
	}
	defer idpSrv.Close()
	upSrv, err := listen("127.0.0.1:10002", http.HandlerFunc(demoidp.Echo))
	if err != nil {
		return fmt.Errorf("echo upstream: %w", err)
	}
	defer upSrv.Close()
	doc, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	cfg, _, err := devproxy.Load(doc)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	ctx := context.Background()
	p, err := devproxy.Start(ctx, cfg, devproxy.Options{Concurrency: concurrency, AccessLog: os.Stdout, Log: func(level int, msg string) {
		if level >= 2 {
			fmt.Fprintln(os.Stderr, msg)
		}
	}})
	if err != nil {
		return err
	}
	defer p.Close(ctx)

	tok := func(alg, scope string, ttl, nbf time.Duration) string {
		t, err := idp.Token(alg, "alice", scope, ttl, nbf)
		if err != nil {
			panic(err)
		}
		return t
	}
	valid := tok("RS256", "orders:read", 10*time.Minute, 0)
	victim, victimJTI, err := idp.TokenWithJTI("RS256", "bob", "orders:read", 10*time.Minute, 0)
	if err != nil {
		return err
	}
	fmt.Print(hints(valid, tok("ES256", "", 10*time.Minute, 0), tok("RS256", "orders:read", -time.Hour, 0), valid, valid, victim, victimJTI))
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	fmt.Println("\njwtguard demo stopped")
	return nil
}

// hints is what the demo prints once it serves: the addresses, every /token parameter, and
// curl lines with fresh tokens (valid RS256, valid ES256, expired, then valid twice, then a
// token to revoke and its jti).
func hints(valid, es256, expired, valid2, valid3, victim, victimJTI string) string {
	var params strings.Builder
	for _, tp := range demoidp.TokenParams {
		fmt.Fprintf(&params, "  %-6s %s\n", tp.Name, tp.Help)
	}
	return fmt.Sprintf(`
jwtguard demo is up: proxy http://127.0.0.1:10000  (admin http://127.0.0.1:9901/help)
  demo IdP http://127.0.0.1:10001 (JWKS, /token, POST /rotate, POST /revoke, /revoked.json)   echo upstream http://127.0.0.1:10002

Try (tokens are valid for 10 minutes; mint more with curl 'http://127.0.0.1:10001/token?scope=orders:read').
GET /token takes (e.g. /token?alg=ES256&sub=bob&scope=admin&ttl=1h):
%sThe echo upstream answers with what it received (method, path, headers) in the response body.

# 200: a valid RS256 token; the body shows that the upstream saw x-jwt-sub and no Authorization
curl -i http://127.0.0.1:10000/orders/42 -H 'Authorization: Bearer %s'

# 200: a valid ES256 token
curl -i http://127.0.0.1:10000/api/profile -H 'Authorization: Bearer %s'

# 401 invalid_token (token_expired)
curl -i http://127.0.0.1:10000/orders/42 -H 'Authorization: Bearer %s'

# 403 insufficient_scope, scope="admin"
curl -i http://127.0.0.1:10000/admin/users -H 'Authorization: Bearer %s'

# 401 without a token; 200 on the open route; 403 on a route no rule lists
curl -i http://127.0.0.1:10000/orders/42
curl -i http://127.0.0.1:10000/healthz
curl -i http://127.0.0.1:10000/unlisted -H 'Authorization: Bearer %s'

# key rotation: the IdP signs with a new kid; the first request with it is held for one refetch, then 200
curl -X POST http://127.0.0.1:10001/rotate
curl -i http://127.0.0.1:10000/orders/42 -H "Authorization: Bearer $(curl -s 'http://127.0.0.1:10001/token?scope=orders:read')"

# revocation: bob's token passes; revoke it by jti (or every token of bob: ?sub=bob), and
# within the refresh interval (10 s) it is refused with 401 invalid_token, reason token_revoked
curl -i http://127.0.0.1:10000/orders/42 -H 'Authorization: Bearer %s'
curl -X POST 'http://127.0.0.1:10001/revoke?jti=%s'
sleep 12; curl -i http://127.0.0.1:10000/orders/42 -H 'Authorization: Bearer %s'
curl http://127.0.0.1:10001/revoked.json

Ctrl-C stops the demo.
`, params.String(), valid, es256, expired, valid2, valid3, victim, victimJTI, victim)
}

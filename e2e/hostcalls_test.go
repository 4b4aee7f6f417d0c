package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
	"github.com/jwtguard/jwtguard/internal/mint"
	"github.com/jwtguard/jwtguard/internal/pollfix"
)

func guestPlugin(t *testing.T, profile envoyhost.Profile) (*envoyhost.Plugin, *logSink) {
	t.Helper()
	code := wasmCode(t, "JWTGUARD_GUEST_WASM", "./internal/abi/testdata/guest")
	ctx := context.Background()
	logs := &logSink{}
	h, err := envoyhost.New(ctx, envoyhost.Options{Profile: profile, Workers: 1, ManualTicks: true, Log: logs.add,
		Clusters: map[string]*envoyhost.Cluster{"upstream": {Address: "127.0.0.1:1"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(ctx) })
	p, err := h.LoadPlugin(ctx, code, envoyhost.PluginConfig{Name: "guest", VMID: "guest", Configuration: []byte("cfg")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(ctx) })
	return p, logs
}

// TestHostcallStatusCodes: the host answers bad hostcalls with Envoy's status codes
// (docs/host.md#hostcalls-jwtguard-uses), seen through our binding's error values.
func TestHostcallStatusCodes(t *testing.T) {
	p, _ := guestPlugin(t, envoyhost.Post533)
	r := p.Handle(context.Background(), &envoyhost.Request{Method: "GET", Path: "/status", Authority: "x"}, (&upstreamRecorder{}).serve)
	want := "http_call unknown cluster: error status returned by host: bad argument\n" +
		"http_call without :authority: error status returned by host: bad argument\n" +
		"set_effective_context unknown id: error status returned by host: bad argument\n" +
		"get_shared_data missing key: error status returned by host: not found\n" +
		"set_shared_data new key: ok\n" +
		"set_shared_data current cas: ok\n" +
		"set_shared_data stale cas: error status returned by host: cas mismatch\n" +
		"response header during request: error status returned by host: bad argument\n" +
		"http call body outside its callback: error status returned by host: not found\n" +
		"plugin configuration outside configure: error status returned by host: not found\n"
	if string(r.Body) != want {
		t.Fatalf("status report:\n%s\nwant:\n%s", r.Body, want)
	}
}

// TestPollOneoffProfiles: a sleep makes Go's runtime call poll_oneoff. Before cpp-host #533
// Envoy answers ENOSYS and the runtime dies (golang/go#78513): the VM traps. With #533 it
// works. This is why the plugin never sleeps.
func TestPollOneoffProfiles(t *testing.T) {
	for _, tc := range []struct {
		profile envoyhost.Profile
		status  int
	}{{envoyhost.Post533, 200}, {envoyhost.Pre533, 503}} {
		t.Run(tc.profile.String(), func(t *testing.T) {
			p, logs := guestPlugin(t, tc.profile)
			r := p.Handle(context.Background(), &envoyhost.Request{Method: "GET", Path: "/sleep", Authority: "x"}, (&upstreamRecorder{}).serve)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d\n%s", r.Status, tc.status, logs.text())
			}
		})
	}
}

// TestEnvironmentVariables: vm_config.environment_variables reach the VM's WASI environ
// (docs/host.md#wasi-before-and-after-cpp-host-533), read by the Go runtime in _initialize — how an
// operator sets GOGC.
func TestEnvironmentVariables(t *testing.T) {
	code := wasmCode(t, "JWTGUARD_GUEST_WASM", "./internal/abi/testdata/guest")
	ctx := context.Background()
	h, err := envoyhost.New(ctx, envoyhost.Options{Workers: 1, ManualTicks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	p, err := h.LoadPlugin(ctx, code, envoyhost.PluginConfig{Name: "guest", Configuration: []byte("cfg"),
		Env: []string{"GOGC=400", "JWTGUARD_GUEST=a=b"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	r := p.Handle(ctx, &envoyhost.Request{Method: "GET", Path: "/env", Authority: "x"}, (&upstreamRecorder{}).serve)
	if want := "GOGC=400 JWTGUARD_GUEST=a=b n=2"; string(r.Body) != want {
		t.Fatalf("guest saw %q, want %q", r.Body, want)
	}
}

// newTokenStream serves up to n requests, each with a new ES256 token, through one worker
// of a host with profile, until the VM fails. It returns how many were served, the host and
// its log.
func newTokenStream(t *testing.T, code []byte, profile envoyhost.Profile, n int) (int, *envoyhost.Host, string) {
	t.Helper()
	cfg := `{"providers":{"idp":{"issuer":"` + e2eIssuer + `","audiences":["orders"],"local_jwks":` + string(mint.JWKS(e2eKeys.EC)) + `}},
	  "rules":[{"match":{"prefix":"/"},"require":{}}]}`
	ctx := context.Background()
	var logs strings.Builder
	h, err := envoyhost.New(ctx, envoyhost.Options{Workers: 1, Locked: true, ManualTicks: true, Profile: profile,
		Log: func(_ int, msg string) { logs.WriteString(msg + "\n") }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(ctx) })
	p, err := h.LoadPlugin(ctx, code, envoyhost.PluginConfig{Name: "jwtguard", Configuration: []byte(cfg)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(ctx) })
	// Every tenth request also carries a large header: its buffer is garbage after the
	// request (buffers over 64 KiB are not reused), so the heap grows and shrinks as a
	// proxy's does under real traffic, and the runtime's scavenger, whose sleep is a runtime
	// timer, has work, whatever the token path itself allocates.
	filler := [2]string{"x-filler", strings.Repeat("f", 256<<10)}
	served := 0
	for ; served < n; served++ {
		tok := tokenFor(t, e2eKeys.EC, map[string]any{"jti": strconv.Itoa(served)})
		headers := [][2]string{auth(tok)}
		if served%10 == 0 {
			headers = append(headers, filler)
		}
		r := p.Handle(ctx, &envoyhost.Request{Method: "GET", Path: "/x", Authority: "api", Headers: headers}, (&upstreamRecorder{}).serve)
		if r.Status != 200 {
			if r.Status != 503 || r.Details != "wasm_fail_stream" {
				t.Fatalf("request %d: %d %s (%s), want 200 or a failed VM's 503", served, r.Status, r.Body, r.Details)
			}
			break
		}
	}
	return served, h, logs.String()
}

// TestUnrewrittenModuleTrapsUnderPre533 pins why the shipped module is rewritten
// (internal/pollfix): the plugin as the compiler leaves it never sleeps, but Go's runtime
// reaches poll_oneoff by itself once a runtime timer exists and the collector has run
// (restarting the world after a stop polls for I/O), and a pre-#533 host answers ENOSYS,
// which the runtime treats as fatal (golang/go#78513), or refuses the call outright when it
// comes during proxy_on_memory_allocate (docs/host.md#poll_oneoff-and-the-go-runtime). The stream of new tokens, with a large
// header now and then (newTokenStream), makes the heap grow and shrink; with #533 the same
// stream is served to the end. Without the large headers, once issue 19 cut what a new
// token allocates, the trap came after 2 944 tokens in some runs, ~20 300 or none within
// 40 000 in others: it waits for the scavenger's timer, which waits for memory to return.
func TestUnrewrittenModuleTrapsUnderPre533(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	profileIndependent(t)
	code := rawPluginCode(t)
	if _, err := pollfix.Check(code); err == nil {
		t.Fatal("the raw module is already rewritten")
	}
	const requests = 3000
	for _, tc := range []struct {
		profile envoyhost.Profile
		traps   bool
	}{{envoyhost.Post533, false}, {envoyhost.Pre533, true}} {
		t.Run(tc.profile.String(), func(t *testing.T) {
			served, _, logs := newTokenStream(t, code, tc.profile, requests)
			trapped := served < requests
			if trapped != tc.traps {
				t.Fatalf("served %d of %d new tokens, trapped %v, want trapped %v\n%s", served, requests, trapped, tc.traps, logs)
			}
			// Either "fatal error: poll_oneoff failed" (ENOSYS), or the host refusing the call
			// inside proxy_on_memory_allocate, where pre-#533 hosts allow no poll_oneoff.
			if trapped && !strings.Contains(logs, "poll_oneoff") {
				t.Fatalf("the VM failed after %d requests, but not in poll_oneoff:\n%.3000s", served, logs)
			}
			t.Logf("%s: served %d of %d new tokens", tc.profile, served, requests)
		})
	}
}

// TestShippedModuleServesUnderPre533: the shipped (rewritten) module serves 20 000 new
// tokens on a pre-#533 host — Envoy 1.33–1.38, Istio 1.25–1.30 — and not one poll_oneoff
// call reaches the host: the runtime's calls end in the module's own replacement.
func TestShippedModuleServesUnderPre533(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	profileIndependent(t)
	code := wasmCode(t, "JWTGUARD_WASM", ".")
	if _, err := pollfix.Check(code); err != nil {
		t.Fatalf("the shipped module: %v", err)
	}
	const requests = 20000
	served, h, logs := newTokenStream(t, code, envoyhost.Pre533, requests)
	if served != requests {
		t.Fatalf("served %d of %d new tokens\n%.3000s", served, requests, logs)
	}
	if n := h.PollOneoffCalls(); n != 0 {
		t.Fatalf("%d poll_oneoff calls reached the host", n)
	}
}

# jwtguard — build, test and run the proxy-wasm JWT filter.
#
#   make build   build/jwtguard.wasm (the plugin) and build/devproxy (the local Envoy-like host)
#   make test    everything CI runs: unit tests with vectors, both toolchains, the compiled .wasm end to end
#   make run     the demo: a local IdP, an echo upstream and devproxy serving envoy/demo.yaml
#   make lint    gofmt, go vet (native and wasip1), staticcheck
#   make bench   benchmarks (see README, Performance)
#   make soak    10^6 mixed requests through the compiled plugin (not in CI: a few minutes)
#   make fuzz    every fuzz target for FUZZTIME (10m) each
#   make oci     build/oci: the .wasm as an OCI image layout for Istio

GO              ?= go
GO124           ?= go1.24.13
# Fuzzing runs with Go 1.27.3 (fetched through the module proxy like Go 1.24): before 1.27 a
# duration-bounded run can end in "context deadline exceeded" with no crasher, a race in the
# fuzz coordinator itself (golang/go#75804, fixed in 1.27), which failed CI once.
GO_FUZZ         ?= GOTOOLCHAIN=go1.27.3 go
STATICCHECK     ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
BUILD           := build
WASM            := $(BUILD)/jwtguard.wasm
WASM_RAW        := $(BUILD)/jwtguard.raw.wasm
WASM_GO124      := $(BUILD)/jwtguard-go124.wasm
WASM_GO124_RAW  := $(BUILD)/jwtguard-go124.raw.wasm
POLLFIX         := $(BUILD)/pollfix
GUEST_WASM      := $(BUILD)/abi-guest.wasm
WASM_ENV        := GOOS=wasip1 GOARCH=wasm
WASM_FLAGS      := -buildmode=c-shared -trimpath
FUZZTIME        ?= 10m
TEST_FUZZTIME   ?= 20s
export JWTGUARD_TESTVECTORS ?= $(abspath ../shared/testvectors)

# A failed rewrite must leave no module behind (pollfix writes nothing; make removes the rest).
.DELETE_ON_ERROR:

.PHONY: all build wasm devproxy oci fuzz soak test test-unit test-wasm-vectors test-fuzz test-toolchains test-e2e run lint bench clean

all: build

build: wasm devproxy

# The local Envoy-like proxy (e2e/ is its own module, with go-control-plane and wazero).
devproxy:
	@mkdir -p $(BUILD)
	cd e2e && $(GO) build -o ../$(BUILD)/devproxy ./cmd/devproxy

# An OCI image layout of the .wasm for Istio's oci:// URLs (prints the digests).
oci: $(WASM)
	cd e2e && $(GO) run ./cmd/oci -wasm ../$(WASM) -out ../$(BUILD)/oci -tag $(or $(TAG),latest)

# The demo: IdP + echo upstream + devproxy on envoy/demo.yaml. Ctrl-C stops it.
run: $(WASM)
	@mkdir -p $(BUILD)
	cd e2e && $(GO) build -o ../$(BUILD)/demo ./cmd/demo
	$(BUILD)/demo -c envoy/demo.yaml

wasm: $(WASM)

# The plugin: a WASI reactor built by the gc compiler (Go ≥ 1.24) with our own ABI binding,
# then rewritten so the Go runtime never calls the host's poll_oneoff (internal/pollfix: fatal
# on Envoy 1.33–1.38 / Istio 1.25–1.30, proxy-wasm-cpp-host before #533). Only the rewritten
# module is shipped; `$(POLLFIX) -check FILE` verifies one.
$(WASM): $(POLLFIX) FORCE
	@mkdir -p $(BUILD)
	$(WASM_ENV) $(GO) build $(WASM_FLAGS) -o $(WASM_RAW) .
	$(POLLFIX) -in $(WASM_RAW) -out $@

$(POLLFIX): FORCE
	@mkdir -p $(BUILD)
	$(GO) build -o $@ ./internal/pollfix/cmd/pollfix

# A small guest that exercises internal/abi on its own, for the binding's end-to-end test.
$(GUEST_WASM): FORCE
	@mkdir -p $(BUILD)
	$(WASM_ENV) $(GO) build $(WASM_FLAGS) -o $@ ./internal/abi/testdata/guest

test: lint test-unit test-wasm-vectors test-fuzz test-toolchains test-e2e

# Native unit tests under the SDK's proxytest emulator, with the Wycheproof vectors.
# internal/gjsonpretty is its own module (it replaces github.com/tidwall/pretty, see its doc).
test-unit:
	$(GO) test ./...
	cd internal/gjsonpretty && $(GO) test ./...

# jwtverify's vector and adversarial tests compiled to wasm and run in wazero (e2e/cmd/wasiexec),
# once with the wasm build's own RSA (rsaModulus) and once with -tags jwtguard_stdcrypto
# (crypto/rsa): the token path's verdicts are the same in both builds (issue 19).
test-wasm-vectors:
	@mkdir -p $(BUILD)
	cd e2e && $(GO) build -o ../$(BUILD)/wasiexec ./cmd/wasiexec
	JWTGUARD_REQUIRE_VECTORS=1 $(WASM_ENV) $(GO) test -exec $(abspath $(BUILD)/wasiexec) -run 'Wycheproof|Adversarial' ./jwtverify
	JWTGUARD_REQUIRE_VECTORS=1 $(WASM_ENV) $(GO) test -tags jwtguard_stdcrypto -exec $(abspath $(BUILD)/wasiexec) -run 'Wycheproof|Adversarial' ./jwtverify

# Every fuzz target for TEST_FUZZTIME (20s) beyond its seed corpus, which test-unit already ran.
test-fuzz:
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

# The plugin must build with a real Go 1.24 (fetched through the module proxy) as well as with
# the installed Go, and both builds must pass the same end-to-end checks.
test-toolchains: $(WASM) $(POLLFIX)
	@mkdir -p $(BUILD)
	GOTOOLCHAIN=$(GO124) $(WASM_ENV) go build $(WASM_FLAGS) -o $(WASM_GO124_RAW) .
	$(POLLFIX) -in $(WASM_GO124_RAW) -out $(WASM_GO124)
	GOTOOLCHAIN=$(GO124) go version

# The compiled .wasm in the wazero host that behaves like Envoy (e2e/ is its own module),
# once per WASI profile: cpp-host from #533 on, and before it (Envoy 1.33–1.38); tests that
# set their own profiles run in the second pass only.
E2E_ENV = JWTGUARD_WASM=$(abspath $(WASM)) JWTGUARD_WASM_RAW=$(abspath $(WASM_RAW)) \
	JWTGUARD_WASM_GO124=$(abspath $(WASM_GO124)) JWTGUARD_WASM_GO124_RAW=$(abspath $(WASM_GO124_RAW)) \
	JWTGUARD_GUEST_WASM=$(abspath $(GUEST_WASM))
test-e2e: $(WASM) $(GUEST_WASM) test-toolchains
	cd e2e && $(E2E_ENV) JWTGUARD_WASI_PROFILE=post533 $(GO) test ./...
	cd e2e && $(E2E_ENV) JWTGUARD_WASI_PROFILE=pre533 $(GO) test ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(WASM_ENV) $(GO) vet ./...
	cd e2e && $(GO) vet ./...
	cd internal/gjsonpretty && $(GO) vet ./...
	GOBIN=$(abspath $(BUILD)) $(GO) install $(STATICCHECK)
	$(BUILD)/staticcheck ./...
	# staticcheck does not know that //go:wasmexport functions are used by the host, so the
	# wasip1 pass leaves out the unused-code check (the native pass keeps it).
	$(WASM_ENV) $(BUILD)/staticcheck -checks inherit,-U1000 ./...
	cd e2e && ../$(BUILD)/staticcheck ./...

# Native benchmarks (jwtverify against the stdlib floor, config matching, the request path
# under proxytest), then the compiled plugin in the Envoy-like host against the floors, then
# cmd/perf: HTTP through devproxy with and without the filter, memory under cache churn, and
# one table with every ratio and target (README, Performance).
bench: $(WASM)
	$(GO) test -run '^$$' -bench . -benchmem ./jwtverify ./config
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3000x ./filter
	cd e2e && JWTGUARD_WASM=$(abspath $(WASM)) $(GO) test -run '^$$' -bench . -benchmem -benchtime 2s -count 3 . \
		> ../$(BUILD)/bench-e2e.txt || { cat ../$(BUILD)/bench-e2e.txt; exit 1; }
	cat $(BUILD)/bench-e2e.txt
	cd e2e && $(GO) run ./cmd/perf -wasm ../$(WASM) -bench ../$(BUILD)/bench-e2e.txt

# 10^6 mixed requests through the compiled plugin with 4 workers while keys rotate and the
# IdP flaps (see e2e/soak); exits non-zero on any wrong verdict, failed VM or panic.
SOAK_REQUESTS ?= 1000000
SOAK_PROFILE  ?= pre533
soak: $(WASM)
	cd e2e && $(GO) run ./cmd/soak -wasm ../$(WASM) -requests $(SOAK_REQUESTS) -concurrency 4 -profile $(SOAK_PROFILE)

# Every fuzz target, one after the other, FUZZTIME each (default 10m; e.g. make fuzz FUZZTIME=30s).
fuzz:
	$(GO_FUZZ) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./jwtverify
	$(GO_FUZZ) test -run '^$$' -fuzz '^FuzzParseJWKS$$' -fuzztime $(FUZZTIME) ./jwtverify
	$(GO_FUZZ) test -run '^$$' -fuzz '^FuzzVerify$$' -fuzztime $(FUZZTIME) ./jwtverify
	$(GO_FUZZ) test -run '^$$' -fuzz '^FuzzRSAPKCS1v15$$' -fuzztime $(FUZZTIME) ./jwtverify
	$(GO_FUZZ) test -run '^$$' -fuzz '^FuzzRSAModulus$$' -fuzztime $(FUZZTIME) ./jwtverify
	$(GO_FUZZ) test -run '^$$' -fuzz '^FuzzRSAPSS$$' -fuzztime $(FUZZTIME) ./jwtverify
	$(GO_FUZZ) test -run '^$$' -fuzz '^FuzzClaimLookup$$' -fuzztime $(FUZZTIME) ./jwtverify
	$(GO_FUZZ) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./config
	$(GO_FUZZ) test -run '^$$' -fuzz '^FuzzDeserializePairs$$' -fuzztime $(FUZZTIME) ./internal/abi
	$(GO_FUZZ) test -run '^$$' -fuzz '^FuzzRequestPath$$' -fuzztime $(FUZZTIME) ./filter
	cd internal/gjsonpretty && $(GO_FUZZ) test -run '^$$' -fuzz '^FuzzPretty$$' -fuzztime $(FUZZTIME) .

clean:
	rm -rf $(BUILD)

FORCE:

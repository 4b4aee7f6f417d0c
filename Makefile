# jwtguard — build, test and run the proxy-wasm JWT filter. `make help` lists the targets.

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

.PHONY: all help build wasm devproxy oci fuzz fuzz-list soak test check test-unit test-unit-short test-wasm-vectors test-fuzz test-toolchains test-e2e test-e2e-short run lint bench clean

all: build

# Every target with a `## ` comment, as `make help` prints it.
help: ## this list
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-z0-9-]+:[^#]*## / {printf "  make %-16s %s\n", $$1, $$2}' $(firstword $(MAKEFILE_LIST))

build: wasm devproxy ## build/jwtguard.wasm (the plugin) and build/devproxy (the local Envoy-like host)

# The local Envoy-like proxy (e2e/ is its own module, with go-control-plane and wazero).
devproxy: ## build/devproxy only
	@mkdir -p $(BUILD)
	cd e2e && $(GO) build -o ../$(BUILD)/devproxy ./cmd/devproxy

# An OCI image layout of the .wasm for Istio's oci:// URLs (prints the digests). Images already
# in build/oci under other tags stay.
oci: $(WASM) ## add build/jwtguard.wasm to the OCI image layout build/oci as TAG (default latest)
	cd e2e && $(GO) run ./cmd/oci -wasm ../$(WASM) -out ../$(BUILD)/oci -tag $(or $(TAG),latest)

# The demo: IdP + echo upstream + devproxy on envoy/demo.yaml. Ctrl-C stops it. devproxy is
# built too, so that build/devproxy -c FILE (README) works after make run.
run: $(WASM) devproxy ## the demo: a local IdP, an echo upstream and devproxy serving envoy/demo.yaml
	@mkdir -p $(BUILD)
	cd e2e && $(GO) build -o ../$(BUILD)/demo ./cmd/demo
	$(BUILD)/demo -c envoy/demo.yaml

wasm: $(WASM) ## build/jwtguard.wasm only

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

test: lint test-unit test-wasm-vectors test-fuzz test-toolchains test-e2e ## everything CI runs

# The edit-test loop: lint, unit tests and the end-to-end tests in short mode (one WASI
# profile, long runs cut down). It is not a substitute for make test.
check: lint test-unit-short test-e2e-short ## quick loop: lint, unit tests and e2e in short mode

# Native unit tests under the SDK's proxytest emulator, with the Wycheproof vectors.
# internal/gjsonpretty is its own module (it replaces github.com/tidwall/pretty, see its doc).
test-unit: ## unit tests (with the Wycheproof vectors when JWTGUARD_TESTVECTORS has them)
	$(GO) test ./...
	cd internal/gjsonpretty && $(GO) test ./...

# jwtverify's vector and adversarial tests compiled to wasm and run in wazero (e2e/cmd/wasiexec),
# once with the wasm build's own RSA (rsaModulus) and once with -tags jwtguard_stdcrypto
# (crypto/rsa): the token path's verdicts are the same in both builds (issue 19). The own RSA
# arithmetic tests and the verdict differential against crypto/rsa (10^4 cases; 10^5
# natively) run in wasm too, where the Montgomery product is assembly
# (jwtverify/rsa_montmul_wasm.s), and so do the token cache's hash and comparison
# (internal/textword/textword_wasm.s).
test-wasm-vectors: ## jwtverify's vector, adversarial, SHA-256 and RSA arithmetic tests and internal/textword compiled to wasm, own and standard-library crypto
	@mkdir -p $(BUILD)
	cd e2e && $(GO) build -o ../$(BUILD)/wasiexec ./cmd/wasiexec
	JWTGUARD_REQUIRE_VECTORS=1 $(WASM_ENV) $(GO) test -exec $(abspath $(BUILD)/wasiexec) -run 'Wycheproof|Adversarial|SHA256|MontMul|RSAArithmetic|RSAEdges|PKCS1Shifted' ./jwtverify
	JWTGUARD_REQUIRE_VECTORS=1 $(WASM_ENV) $(GO) test -tags jwtguard_stdcrypto -exec $(abspath $(BUILD)/wasiexec) -run 'Wycheproof|Adversarial|SHA256' ./jwtverify
	$(WASM_ENV) $(GO) test -short -exec $(abspath $(BUILD)/wasiexec) -run 'RSAVerdictDifferential' ./jwtverify
	$(WASM_ENV) $(GO) test -exec $(abspath $(BUILD)/wasiexec) ./internal/textword

# Every fuzz target for TEST_FUZZTIME (20s) beyond its seed corpus, which test-unit already ran.
test-fuzz: ## every fuzz target for TEST_FUZZTIME (20s)
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

# The plugin must build with a real Go 1.24 (fetched through the module proxy) as well as with
# the installed Go, and both builds must pass the same end-to-end checks.
test-toolchains: $(WASM) $(POLLFIX) ## the plugin built with Go 1.24.13 as well
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
test-e2e: $(WASM) $(GUEST_WASM) test-toolchains ## the compiled plugin end to end, under both WASI profiles
	cd e2e && $(E2E_ENV) JWTGUARD_WASI_PROFILE=post533 $(GO) test ./...
	cd e2e && $(E2E_ENV) JWTGUARD_WASI_PROFILE=pre533 $(GO) test ./...

# Short mode: the pre-#533 profile only (the stricter host), tests that take long skip or
# shrink (testing.Short), no Go 1.24 build.
# The unit tests in short mode: the long differential runs (10^5 RSA cases) drop to 10^4.
test-unit-short: ## unit tests in short mode (make check)
	$(GO) test -short ./...
	cd internal/gjsonpretty && $(GO) test -short ./...

test-e2e-short: $(WASM) $(GUEST_WASM) ## the end-to-end tests in short mode, one WASI profile
	cd e2e && JWTGUARD_WASM=$(abspath $(WASM)) JWTGUARD_WASM_RAW=$(abspath $(WASM_RAW)) \
		JWTGUARD_GUEST_WASM=$(abspath $(GUEST_WASM)) JWTGUARD_WASI_PROFILE=pre533 $(GO) test -short ./...

lint: ## gofmt, go vet (native and wasip1), staticcheck
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
bench: $(WASM) ## benchmarks and the performance table README shows (about 30 minutes)
	$(GO) test -run '^$$' -bench . -benchmem ./jwtverify ./config > $(BUILD)/bench-native.txt \
		|| { cat $(BUILD)/bench-native.txt; exit 1; }
	cat $(BUILD)/bench-native.txt
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3000x ./filter
	cd e2e && JWTGUARD_WASM=$(abspath $(WASM)) $(GO) test -run '^$$' -bench . -benchmem -benchtime 2s -count 3 . \
		> ../$(BUILD)/bench-e2e.txt || { cat ../$(BUILD)/bench-e2e.txt; exit 1; }
	cat $(BUILD)/bench-e2e.txt
	cd e2e && $(GO) run ./cmd/perf -wasm ../$(WASM) -bench ../$(BUILD)/bench-e2e.txt,../$(BUILD)/bench-native.txt

# 10^6 mixed requests through the compiled plugin with 4 workers while keys rotate and the
# IdP flaps (see e2e/soak); exits non-zero on any wrong verdict, failed VM or panic.
SOAK_REQUESTS ?= 1000000
SOAK_PROFILE  ?= pre533
soak: $(WASM) ## 10^6 mixed requests through the compiled plugin (SOAK_REQUESTS)
	cd e2e && $(GO) run ./cmd/soak -wasm ../$(WASM) -requests $(SOAK_REQUESTS) -concurrency 4 -profile $(SOAK_PROFILE)

# Every fuzz target, one after the other, FUZZTIME each (default 10m; e.g. make fuzz FUZZTIME=30s).
# The targets are whatever `go test -list '^Fuzz'` finds in each package of each module
# (the plugin's and internal/gjsonpretty), so a new one is run without editing this file.
FUZZ_MODULES := . internal/gjsonpretty
fuzz: ## every fuzz target for FUZZTIME (10m) each
	@set -e; for mod in $(FUZZ_MODULES); do \
		for pkg in $$(cd $$mod && $(GO) list ./...); do \
			list=$$(cd $$mod && $(GO) test -list '^Fuzz' $$pkg) || { echo "$$list"; exit 1; }; \
			for target in $$(echo "$$list" | grep '^Fuzz'); do \
				echo "fuzz: $$pkg $$target"; \
				(cd $$mod && $(GO_FUZZ) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg); \
			done; \
		done; \
	done

fuzz-list: ## the fuzz targets make fuzz runs
	@set -e; for mod in $(FUZZ_MODULES); do \
		for pkg in $$(cd $$mod && $(GO) list ./...); do \
			list=$$(cd $$mod && $(GO) test -list '^Fuzz' $$pkg) || { echo "$$list"; exit 1; }; \
			for target in $$(echo "$$list" | grep '^Fuzz'); do echo "$$pkg $$target"; done; \
		done; \
	done

clean: ## remove build/
	rm -rf $(BUILD)

FORCE:

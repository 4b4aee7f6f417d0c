// Package e2e holds jwtguard's end-to-end tests. The e2e module (this directory, its own
// go.mod, so the plugin's module needs none of go-control-plane, wazero or the oracles) holds
// three kinds of things, told apart by where they live:
//
// The end-to-end tests and wasm benchmarks: this package's *_test.go files and testdata/.
// They run the compiled plugin (JWTGUARD_WASM, built by make) in envoyhost and through
// devproxy; make test-e2e runs them under both WASI profiles, make check in short mode.
//
// Tools users run, each a library package and a command under cmd/:
//
//   - envoyhost: the proxy-wasm host on wazero that behaves like Envoy (docs/host.md);
//   - devproxy, cmd/devproxy: an Envoy bootstrap served by envoyhost (build/devproxy);
//   - demoidp, cmd/demo: the demo IdP and echo upstream of make run;
//   - load, cmd/perf: the HTTP load generator and make bench's table;
//   - soak, cmd/soak: make soak;
//   - cmd/wasmsize: what a module's code size is made of, per package.
//
// Release packaging: ocilayout and cmd/oci, which write the Wasm OCI image of make oci.
package e2e

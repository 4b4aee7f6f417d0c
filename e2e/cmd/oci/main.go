// Command oci adds build/jwtguard.wasm to a Wasm OCI image layout under a tag (make oci),
// keeping the images the layout already holds under other tags:
//
//	oci -wasm build/jwtguard.wasm -out build/oci -tag 0.1.0
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/jwtguard/jwtguard/e2e/ocilayout"
)

func main() {
	wasm := flag.String("wasm", "build/jwtguard.wasm", "the plugin")
	out := flag.String("out", "build/oci", "OCI layout directory to write")
	tag := flag.String("tag", "latest", "the image's tag (ref name annotation); an image already under it is replaced")
	flag.Parse()
	code, err := os.ReadFile(*wasm)
	if err != nil {
		fmt.Fprintln(os.Stderr, "oci:", err)
		os.Exit(1)
	}
	manifest, module, err := ocilayout.Write(*out, code, *tag)
	if err != nil {
		fmt.Fprintln(os.Stderr, "oci:", err)
		os.Exit(1)
	}
	// Istio checks WasmPlugin.sha256 against the image (manifest) digest for oci:// URLs, and
	// against the module itself for http(s):// and file:// URLs.
	fmt.Printf("wrote OCI layout %s\nWasmPlugin.sha256 for an oci:// URL (image digest): %s\nsha256 of the .wasm (for http:// or file:// URLs): %s\n", *out, manifest.Hex, module.Hex)
}

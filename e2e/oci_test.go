package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/jwtguard/jwtguard/e2e/ocilayout"
)

// TestOCILayout: the layout holds one OCI manifest whose config and single layer have the
// media types Istio's Wasm image fetcher expects, and the layer is the .wasm byte for byte.
func TestOCILayout(t *testing.T) {
	code := wasmCode(t, "JWTGUARD_WASM", ".")
	dir := t.TempDir()
	manifest, module, err := ocilayout.Write(dir, code, "test")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(code)
	if module.Hex != hex.EncodeToString(sum[:]) {
		t.Fatalf("module digest %s is not the sha256 of the .wasm", module.Hex)
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	img, err := p.Image(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if mt, _ := img.MediaType(); mt != types.OCIManifestSchema1 {
		t.Fatalf("manifest media type %s", mt)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.MediaType != ocilayout.ConfigMediaType {
		t.Fatalf("config media type %s", m.Config.MediaType)
	}
	if len(m.Layers) != 1 || m.Layers[0].MediaType != ocilayout.LayerMediaType {
		t.Fatalf("layers %+v", m.Layers)
	}
	layers, _ := img.Layers()
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, _ := io.ReadAll(rc)
	if !bytes.Equal(got, code) {
		t.Fatal("the layer is not the .wasm")
	}
}

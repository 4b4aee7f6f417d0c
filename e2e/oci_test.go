package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
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

// TestOCILayoutKeepsOtherTags: writing a tag adds to the layout and replaces only the image
// under that tag (make oci TAG=x once replaced the whole layout), and every file and directory
// of the layout has one mode whichever path of the writer created it.
func TestOCILayoutKeepsOtherTags(t *testing.T) {
	dir := t.TempDir()
	write := func(code, tag string) v1.Hash {
		t.Helper()
		m, _, err := ocilayout.Write(dir, []byte(code), tag)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	first := write("\x00asm module one", "0.1.0")
	second := write("\x00asm module two", "0.2.0")
	third := write("\x00asm module three", "0.1.0") // retags 0.1.0
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]v1.Hash{}
	for _, d := range im.Manifests {
		tags[d.Annotations[ocilayout.RefName]] = d.Digest
	}
	want := map[string]v1.Hash{"0.1.0": third, "0.2.0": second}
	if len(tags) != len(want) || len(im.Manifests) != len(want) || tags["0.1.0"] != third || tags["0.2.0"] != second {
		t.Fatalf("index holds %v (%d manifests), want %v; the first 0.1.0 was %s", tags, len(im.Manifests), want, first)
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		wantMode := fs.FileMode(0o644)
		if d.IsDir() {
			wantMode = 0o755
		}
		if info.Mode().Perm() != wantMode {
			t.Errorf("%s: mode %v, want %v", path, info.Mode().Perm(), wantMode)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Package ocilayout packs the plugin as a Wasm OCI image in the "OCI spec" variant that
// Istio's WasmPlugin `oci://` URLs accept (istio pkg/wasm image fetcher; the Wasm image
// spec of solo-io/wasm): an OCI manifest whose config has media type
// application/vnd.module.wasm.config.v1+json and whose single layer is the raw .wasm with
// media type application/vnd.module.wasm.content.layer.v1+wasm. It is written as an OCI
// image layout directory (push it with e.g. `crane push --index` or `oras cp`).
//
// In the e2e module this is release packaging (make oci); e2e/doc.go gives the layout.
package ocilayout

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/match"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Media types of the Wasm OCI image spec.
const (
	ConfigMediaType types.MediaType = "application/vnd.module.wasm.config.v1+json"
	LayerMediaType  types.MediaType = "application/vnd.module.wasm.content.layer.v1+wasm"
)

// Image builds the image of a .wasm module.
func Image(wasm []byte) (v1.Image, error) {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, ConfigMediaType)
	img, err := mutate.Append(img, mutate.Addendum{
		Layer:       static.NewLayer(wasm, LayerMediaType),
		Annotations: map[string]string{"org.opencontainers.image.title": "plugin.wasm"},
	})
	if err != nil {
		return nil, err
	}
	return mutate.ConfigFile(img, &v1.ConfigFile{Architecture: "wasm", OS: "wasip1"})
}

// RefName is the annotation that names an image in a layout's index (its tag).
const RefName = "org.opencontainers.image.ref.name"

// Write adds the image to the OCI layout at dir under tag, creating the layout if there is
// none, and returns its manifest digest and the sha256 of the .wasm layer. An image already
// in the layout under the same tag is replaced; images under other tags are kept, so that
// `make oci TAG=0.2.0` after `make oci TAG=0.1.0` holds both.
func Write(dir string, wasm []byte, tag string) (manifest v1.Hash, module v1.Hash, err error) {
	img, err := Image(wasm)
	if err != nil {
		return v1.Hash{}, v1.Hash{}, err
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "oci-layout")); statErr == nil {
			return v1.Hash{}, v1.Hash{}, fmt.Errorf("%s: an OCI layout that cannot be read: %w", dir, err)
		}
		if p, err = layout.Write(dir, empty.Index); err != nil {
			return v1.Hash{}, v1.Hash{}, err
		}
	}
	if err := p.ReplaceImage(img, match.Annotation(RefName, tag), layout.WithAnnotations(map[string]string{RefName: tag})); err != nil {
		return v1.Hash{}, v1.Hash{}, err
	}
	if err := normalizeModes(dir); err != nil {
		return v1.Hash{}, v1.Hash{}, err
	}
	manifest, err = img.Digest()
	if err != nil {
		return v1.Hash{}, v1.Hash{}, err
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		return v1.Hash{}, v1.Hash{}, fmt.Errorf("want one layer: %v", err)
	}
	module, err = layers[0].Digest()
	return manifest, module, err
}

// normalizeModes gives every directory of the layout 0755 and every file 0644:
// go-containerregistry writes index.json and oci-layout with 0777 (less the umask) and blobs
// with 0666 or, through a temporary file, 0600, and a layout copied or served as is should
// not depend on which path wrote a file.
func normalizeModes(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if d.IsDir() {
			mode = 0o755
		}
		return os.Chmod(path, mode)
	})
}

// ManifestJSON is the raw manifest, for inspection.
func ManifestJSON(img v1.Image) (map[string]any, error) {
	raw, err := img.RawManifest()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(raw, &m)
}

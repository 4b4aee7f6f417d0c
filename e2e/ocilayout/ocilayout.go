// Package ocilayout packs the plugin as a Wasm OCI image in the "OCI spec" variant that
// Istio's WasmPlugin `oci://` URLs accept (istio pkg/wasm image fetcher; the Wasm image
// spec of solo-io/wasm): an OCI manifest whose config has media type
// application/vnd.module.wasm.config.v1+json and whose single layer is the raw .wasm with
// media type application/vnd.module.wasm.content.layer.v1+wasm. It is written as an OCI
// image layout directory (push it with e.g. `crane push --index` or `oras cp`).
package ocilayout

import (
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
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

// Write writes the image as an OCI layout at dir and returns its manifest digest and the
// sha256 of the .wasm layer.
func Write(dir string, wasm []byte, tag string) (manifest v1.Hash, module v1.Hash, err error) {
	img, err := Image(wasm)
	if err != nil {
		return v1.Hash{}, v1.Hash{}, err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return v1.Hash{}, v1.Hash{}, err
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag})); err != nil {
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

// ManifestJSON is the raw manifest, for inspection.
func ManifestJSON(img v1.Image) (map[string]any, error) {
	raw, err := img.RawManifest()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(raw, &m)
}

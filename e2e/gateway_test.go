package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	envoygateway "github.com/envoyproxy/gateway"
	egv1a1 "github.com/envoyproxy/gateway/api/v1alpha1"
	"github.com/santhosh-tekuri/jsonschema/v6"
	gwapiv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"

	"github.com/jwtguard/jwtguard/config"
)

// The Envoy Gateway example (envoy/gateway/) is checked the way Envoy Gateway's API server would
// check it: each object is decoded strictly into Envoy Gateway's own Go API types (unknown
// fields refused) and validated against the OpenAPI schema of the CRD Envoy Gateway v1.9 ships
// (envoygateway.GatewayCRDs: types, enums, patterns, required fields; the CEL rules of the CRDs
// are not evaluated here). Then what only jwtguard knows: the plugin configuration parses, the
// policy fails closed, and the JWKS cluster the plugin names is one Envoy Gateway creates.

// gatewayObjects is one file's objects, decoded.
type gatewayObjects struct {
	gateways []gwapiv1.Gateway
	routes   []gwapiv1.HTTPRoute
	backends []egv1a1.Backend
	policies []egv1a1.EnvoyExtensionPolicy
}

// crdSchemas compiles the openAPIV3Schema of every CRD Envoy Gateway embeds, by kind (the
// served version of each, v1 for the Gateway API and v1alpha1 for Envoy Gateway's own).
func crdSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	out := map[string]*jsonschema.Schema{}
	c := jsonschema.NewCompiler()
	for i, doc := range bytes.Split(envoygateway.GatewayCRDs, []byte("\n---")) {
		var crd struct {
			Kind string `json:"kind"`
			Spec struct {
				Names    struct{ Kind string } `json:"names"`
				Versions []struct {
					Name   string `json:"name"`
					Served bool   `json:"served"`
					Schema struct {
						OpenAPIV3Schema json.RawMessage `json:"openAPIV3Schema"`
					} `json:"schema"`
				} `json:"versions"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(doc, &crd); err != nil || crd.Kind != "CustomResourceDefinition" {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if !v.Served || (v.Name != "v1" && v.Name != "v1alpha1") || len(v.Schema.OpenAPIV3Schema) == 0 {
				continue
			}
			schema, err := jsonschema.UnmarshalJSON(bytes.NewReader(v.Schema.OpenAPIV3Schema))
			if err != nil {
				t.Fatal(err)
			}
			url := fmt.Sprintf("crd%d-%s.json", i, v.Name)
			if err := c.AddResource(url, schema); err != nil {
				t.Fatal(err)
			}
			s, err := c.Compile(url)
			if err != nil {
				t.Fatalf("%s %s: %v", crd.Spec.Names.Kind, v.Name, err)
			}
			out[crd.Spec.Names.Kind] = s
		}
	}
	for _, k := range []string{"Gateway", "HTTPRoute", "Backend", "EnvoyExtensionPolicy"} {
		if out[k] == nil {
			t.Fatalf("Envoy Gateway's CRDs have no schema for %s", k)
		}
	}
	return out
}

// decodeGatewayFile validates and decodes every object of a multi-document manifest.
func decodeGatewayFile(schemas map[string]*jsonschema.Schema, doc []byte) (*gatewayObjects, error) {
	objs := &gatewayObjects{}
	for _, part := range regexp.MustCompile(`(?m)^---$`).Split(string(doc), -1) {
		js, err := yaml.YAMLToJSON([]byte(part))
		if err != nil {
			return nil, err
		}
		if string(js) == "null" {
			continue
		}
		var head struct{ APIVersion, Kind string }
		if err := json.Unmarshal(js, &head); err != nil {
			return nil, err
		}
		if s := schemas[head.Kind]; s == nil {
			return nil, fmt.Errorf("kind %q is not an Envoy Gateway or Gateway API kind", head.Kind)
		} else {
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
			if err != nil {
				return nil, err
			}
			if err := s.Validate(inst); err != nil {
				return nil, fmt.Errorf("%s: %v", head.Kind, err)
			}
		}
		var target any
		switch head.Kind {
		case "Gateway":
			objs.gateways = append(objs.gateways, gwapiv1.Gateway{})
			target = &objs.gateways[len(objs.gateways)-1]
		case "HTTPRoute":
			objs.routes = append(objs.routes, gwapiv1.HTTPRoute{})
			target = &objs.routes[len(objs.routes)-1]
		case "Backend":
			objs.backends = append(objs.backends, egv1a1.Backend{})
			target = &objs.backends[len(objs.backends)-1]
		case "EnvoyExtensionPolicy":
			objs.policies = append(objs.policies, egv1a1.EnvoyExtensionPolicy{})
			target = &objs.policies[len(objs.policies)-1]
		default:
			return nil, fmt.Errorf("kind %s is not expected in the example", head.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(part), target); err != nil {
			return nil, fmt.Errorf("%s: %v", head.Kind, err)
		}
	}
	return objs, nil
}

// checkJWTGuardPolicy checks what Envoy Gateway cannot: the policy fails closed and pins the
// module, its configuration is jwtguard's, and every JWKS cluster it names is the cluster Envoy
// Gateway creates for an HTTPRoute rule of the file (httproute/<ns>/<name>/rule/<i>,
// internal/gatewayapi/helpers.go irRouteDestinationName) whose backend serves the authority.
func checkJWTGuardPolicy(objs *gatewayObjects) error {
	if len(objs.policies) != 1 || len(objs.policies[0].Spec.Wasm) != 1 {
		return errors.New("want one EnvoyExtensionPolicy with one wasm extension")
	}
	pol := objs.policies[0]
	w := pol.Spec.Wasm[0]
	if w.FailOpen == nil || *w.FailOpen {
		return errors.New("the wasm extension must say failOpen: false")
	}
	img := w.Code.Image
	if w.Code.Type != egv1a1.ImageWasmCodeSourceType || img == nil || img.SHA256 == nil ||
		!regexp.MustCompile(`^[a-f0-9]{64}$`).MatchString(*img.SHA256) {
		return errors.New("the module must come from an OCI image pinned by its sha256")
	}
	if len(pol.Spec.TargetRefs) != 1 || pol.Spec.TargetRefs[0].Kind != "Gateway" ||
		len(objs.gateways) != 1 || string(pol.Spec.TargetRefs[0].Name) != objs.gateways[0].Name {
		return errors.New("the policy must target the Gateway of the file")
	}
	if w.Config == nil {
		return errors.New("the wasm extension has no config")
	}
	cfg, err := config.Parse(w.Config.Raw)
	if err != nil {
		return fmt.Errorf("plugin config: %v", err)
	}
	for _, p := range cfg.Providers {
		if p.Remote == nil {
			continue
		}
		if err := checkCluster(objs, pol.Namespace, p.Remote.Cluster, p.Remote.Authority); err != nil {
			return fmt.Errorf("provider %s: %v", p.Name, err)
		}
	}
	return nil
}

func checkCluster(objs *gatewayObjects, ns, cluster, authority string) error {
	for _, r := range objs.routes {
		for i, rule := range r.Spec.Rules {
			if fmt.Sprintf("httproute/%s/%s/rule/%d", r.Namespace, r.Name, i) != cluster {
				continue
			}
			if r.Namespace != ns || len(rule.BackendRefs) != 1 {
				return fmt.Errorf("cluster %s: the route must be in the policy's namespace with one backend", cluster)
			}
			ref := rule.BackendRefs[0]
			for _, b := range objs.backends {
				if ref.Kind != nil && *ref.Kind == "Backend" && string(ref.Name) == b.Name &&
					len(b.Spec.Endpoints) == 1 && b.Spec.Endpoints[0].FQDN != nil &&
					b.Spec.Endpoints[0].FQDN.Hostname == authority {
					return nil
				}
			}
			return fmt.Errorf("cluster %s: its backend is not a Backend serving %s", cluster, authority)
		}
	}
	return fmt.Errorf("no HTTPRoute rule of the file makes Envoy Gateway create cluster %q", cluster)
}

func TestEnvoyGatewayExample(t *testing.T) {
	schemas := crdSchemas(t)
	path := filepath.Join("..", "envoy", "gateway", "jwtguard.yaml")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	check := func(doc []byte) error {
		objs, err := decodeGatewayFile(schemas, doc)
		if err != nil {
			return err
		}
		return checkJWTGuardPolicy(objs)
	}
	if err := check(doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	// Broken copies: each must be refused, by Envoy Gateway's schema or types, or by our checks.
	for _, c := range []struct{ name, from, to, want string }{
		{"unknown code type (CRD enum)", "type: Image", "type: OCI", "EnvoyExtensionPolicy"},
		{"failOpen as a string (CRD type)", "failOpen: false", `failOpen: "false"`, "EnvoyExtensionPolicy"},
		{"unknown field (strict Go types)", "rootID: jwtguard", "rootName: jwtguard", "rootName"},
		{"unknown CA source (CRD enum)", "wellKnownCACertificates: System", "wellKnownCACertificates: Everything", "Backend"},
		{"fail open", "failOpen: false", "failOpen: true", "failOpen: false"},
		{"module not pinned", "        sha256: \"0000000000000000000000000000000000000000000000000000000000000000\"\n", "", "sha256"},
		{"plugin config typo", "require: {}", "requires: {}", "plugin config"},
		{"cluster of no route", "cluster: httproute/orders/jwtguard-idp/rule/0", "cluster: httproute/orders/jwtguard-idp/rule/1", "no HTTPRoute rule"},
		{"authority served by no Backend", "authority: idp.example.com", "authority: other.example.com", "not a Backend serving"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := strings.Replace(string(doc), c.from, c.to, 1)
			if bad == string(doc) {
				t.Fatalf("edit %q did not apply", c.from)
			}
			err := check([]byte(bad))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	extensionsv1alpha1 "istio.io/api/extensions/v1alpha1"
	networkingv1 "istio.io/api/networking/v1"
	"sigs.k8s.io/yaml"

	"github.com/jwtguard/jwtguard/config"
	"github.com/jwtguard/jwtguard/e2e/devproxy"
)

// Every configuration shipped under envoy/ is checked by the API definitions Envoy and Istio
// use, and the plugin configuration inside it by our own config.Parse. A deliberately broken
// copy of each must fail.

func TestEnvoyBootstraps(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "envoy", "*.yaml"))
	if len(files) < 2 {
		t.Fatalf("bootstraps found: %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			doc, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			cfg, b, err := devproxy.Load(doc) // protojson into Bootstrap, then ValidateAll()
			if err != nil {
				t.Fatal(err)
			}
			if err := b.ValidateAll(); err != nil {
				t.Fatal(err)
			}
			for _, l := range cfg.Listeners {
				if l.Wasm == nil {
					t.Fatalf("listener %s has no jwtguard filter", l.Name)
				}
				if _, err := config.Parse(l.Wasm.Configuration); err != nil {
					t.Fatalf("listener %s: plugin configuration: %v", l.Name, err)
				}
			}
			// Broken copies: an Envoy validation failure, and a plugin configuration typo.
			for _, edit := range [][2]string{
				{"connect_timeout: 1s", "connect_timeout: -1s"},
				{`"require": {}`, `"requires": {}`},
			} {
				bad := strings.Replace(string(doc), edit[0], edit[1], 1)
				if bad == string(doc) {
					t.Fatalf("edit %q did not apply", edit[0])
				}
				cfg, _, err := devproxy.Load([]byte(bad))
				if err == nil {
					_, err = config.Parse(cfg.Listeners[0].Wasm.Configuration)
				}
				if err == nil {
					t.Fatalf("a copy with %q → %q was accepted", edit[0], edit[1])
				}
			}
		})
	}
}

// istioSpec reads a Kubernetes manifest and unmarshals its spec into msg with protojson,
// refusing unknown fields, as Istio's API validation does; kind must match.
func istioSpec(doc []byte, kind string, msg proto.Message) error {
	js, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return err
	}
	var obj struct {
		APIVersion string         `json:"apiVersion"`
		Kind       string         `json:"kind"`
		Spec       map[string]any `json:"spec"`
	}
	if err := yaml.Unmarshal(js, &obj); err != nil {
		return err
	}
	if obj.Kind != kind {
		return errKind(obj.Kind)
	}
	spec, err := yaml.Marshal(obj.Spec)
	if err != nil {
		return err
	}
	specJSON, err := yaml.YAMLToJSON(spec)
	if err != nil {
		return err
	}
	return protojson.Unmarshal(specJSON, msg)
}

type errKind string

func (e errKind) Error() string { return "unexpected kind " + string(e) }

func TestIstioManifests(t *testing.T) {
	dir := filepath.Join("..", "envoy", "istio")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Run("WasmPlugin", func(t *testing.T) {
		doc := read("wasmplugin.yaml")
		var wp extensionsv1alpha1.WasmPlugin
		if err := istioSpec(doc, "WasmPlugin", &wp); err != nil {
			t.Fatal(err)
		}
		if wp.Phase != extensionsv1alpha1.PluginPhase_AUTHN || wp.FailStrategy != extensionsv1alpha1.FailStrategy_FAIL_CLOSE ||
			!strings.HasPrefix(wp.Url, "oci://") || wp.GetSelector().GetMatchLabels()["app"] != "orders" {
			t.Fatalf("WasmPlugin %v", &wp)
		}
		// Istio hands pluginConfig to the plugin as JSON in a StringValue
		// (docs/host.md#istios-wasmplugin).
		js, err := protojson.Marshal(wp.PluginConfig)
		if err != nil {
			t.Fatal(err)
		}
		c, err := config.Parse(js)
		if err != nil {
			t.Fatalf("pluginConfig: %v", err)
		}
		if c.Providers[0].Remote.Cluster != "outbound|443||idp.example.com" {
			t.Fatalf("JWKS cluster %q", c.Providers[0].Remote.Cluster)
		}
		for _, edit := range [][2]string{{"phase: AUTHN", "phase: AUTHENTICATE"}, {"failStrategy: FAIL_CLOSE", "failStrategy: FAIL_CLOSED"}, {"pluginName:", "plugin_name_typo:"}} {
			var bad extensionsv1alpha1.WasmPlugin
			if istioSpec([]byte(strings.Replace(string(doc), edit[0], edit[1], 1)), "WasmPlugin", &bad) == nil {
				t.Errorf("a copy with %q → %q parsed", edit[0], edit[1])
			}
		}
		var bad extensionsv1alpha1.WasmPlugin
		if err := istioSpec([]byte(strings.Replace(string(doc), "require: {scopes: [admin]}", "requires: {scopes: [admin]}", 1)), "WasmPlugin", &bad); err != nil {
			t.Fatal(err)
		}
		js, _ = protojson.Marshal(bad.PluginConfig)
		if _, err := config.Parse(js); err == nil {
			t.Error("a pluginConfig with a typo was accepted")
		}
	})
	t.Run("ServiceEntry", func(t *testing.T) {
		var se networkingv1.ServiceEntry
		if err := istioSpec(read("idp-serviceentry.yaml"), "ServiceEntry", &se); err != nil {
			t.Fatal(err)
		}
		if se.Hosts[0] != "idp.example.com" || se.Ports[0].Number != 443 {
			t.Fatalf("ServiceEntry %v: the plugin's cluster is outbound|443||idp.example.com", &se)
		}
		var bad networkingv1.ServiceEntry
		if istioSpec([]byte(strings.Replace(string(read("idp-serviceentry.yaml")), "resolution: DNS", "resolution: MAGIC", 1)), "ServiceEntry", &bad) == nil {
			t.Error("a broken ServiceEntry parsed")
		}
	})
	t.Run("DestinationRule", func(t *testing.T) {
		var dr networkingv1.DestinationRule
		if err := istioSpec(read("idp-destinationrule.yaml"), "DestinationRule", &dr); err != nil {
			t.Fatal(err)
		}
		pls := dr.GetTrafficPolicy().GetPortLevelSettings()
		if dr.Host != "idp.example.com" || len(pls) != 1 || pls[0].GetTls().GetSni() != "idp.example.com" {
			t.Fatalf("DestinationRule %v", &dr)
		}
		var bad networkingv1.DestinationRule
		if istioSpec([]byte(strings.Replace(string(read("idp-destinationrule.yaml")), "mode: SIMPLE", "mode: SIMPLEST", 1)), "DestinationRule", &bad) == nil {
			t.Error("a broken DestinationRule parsed")
		}
	})
}

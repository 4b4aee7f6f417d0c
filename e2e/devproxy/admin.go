package devproxy

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

// statsSource is what the admin reads from the host (*envoyhost.Host).
type statsSource interface {
	Stats() []envoyhost.StatSnapshot
	StatsText() string
}

// adminEndpoint is one path of the admin listener and what Envoy's admin says about it
// (source/server/admin/admin.cc, the handler table that /help prints).
type adminEndpoint struct {
	path, help string
	handle     func(http.ResponseWriter, *http.Request)
}

// adminHandler answers the admin endpoints devproxy has, as Envoy's admin answers them: /help
// (and /) list them, /ready says LIVE, /stats prints the plugin's metrics as text or, with
// ?format=json, as {"stats": [{"name", "value"}]}, /stats/prometheus in the exposition format.
// Any other path is a 404 whose body is the list, which is what Envoy answers too.
func adminHandler(h statsSource, tags []StatsTag) http.Handler {
	var endpoints []adminEndpoint
	list := func(w io.Writer) {
		io.WriteString(w, "admin commands are:\n")
		for _, e := range endpoints {
			fmt.Fprintf(w, "  %s: %s\n", e.path, e.help)
		}
	}
	help := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("content-type", "text/plain; charset=UTF-8")
		list(w)
	}
	endpoints = []adminEndpoint{
		{"/", "this list (Envoy serves an HTML page here)", help},
		{"/help", "print out list of admin commands", help},
		{"/ready", "print server state, return 200 if LIVE, otherwise return 503", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("content-type", "text/plain; charset=UTF-8")
			io.WriteString(w, "LIVE\n")
		}},
		{"/stats", "print server stats (the plugin's metrics); ?format=json or ?format=prometheus", func(w http.ResponseWriter, r *http.Request) {
			serveStats(w, r, h, tags)
		}},
		{"/stats/prometheus", "print server stats in prometheus format", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("content-type", "text/plain; version=0.0.4")
			io.WriteString(w, PrometheusText(h.Stats(), tags))
		}},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, e := range endpoints {
			if r.URL.Path == e.path {
				e.handle(w, r)
				return
			}
		}
		w.Header().Set("content-type", "text/plain; charset=UTF-8")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "invalid path. ")
		list(w)
	})
}

func serveStats(w http.ResponseWriter, r *http.Request, h statsSource, tags []StatsTag) {
	switch format := r.URL.Query().Get("format"); format {
	case "", "text":
		w.Header().Set("content-type", "text/plain; charset=UTF-8")
		io.WriteString(w, h.StatsText())
	case "json":
		type stat struct {
			Name  string `json:"name"`
			Value int64  `json:"value"`
		}
		out := struct {
			Stats []stat `json:"stats"`
		}{Stats: []stat{}}
		for _, s := range h.Stats() {
			if s.Kind == 2 { // Envoy lists histograms apart, with quantiles devproxy does not compute
				continue
			}
			out.Stats = append(out.Stats, stat{s.Name, s.Value})
		}
		w.Header().Set("content-type", "application/json")
		json.NewEncoder(w).Encode(out)
	case "prometheus":
		w.Header().Set("content-type", "text/plain; version=0.0.4")
		io.WriteString(w, PrometheusText(h.Stats(), tags))
	default:
		w.Header().Set("content-type", "text/plain; charset=UTF-8")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "usage: /stats?format=(json|prometheus|text); devproxy does not serve format="+strings.ToValidUTF8(format, "?")+"\n")
	}
}

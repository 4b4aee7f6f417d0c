package devproxy

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	metricsv3 "github.com/envoyproxy/go-control-plane/envoy/config/metrics/v3"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

// StatsTag is one stats_config.stats_tags entry with a regex (Envoy's TagSpecifier).
type StatsTag struct {
	Name  string
	Regex *regexp.Regexp
}

// customNamespace is where Envoy files the metrics a wasm plugin defines
// (source/extensions/common/wasm/context.cc, Context::defineMetric), and what its admin
// endpoints strip again (Stats::CustomStatNamespaces).
const customNamespace = "wasmcustom."

func translateStatsConfig(errs *[]error, sc *metricsv3.StatsConfig) []StatsTag {
	if sc == nil {
		return nil
	}
	only(errs, sc, "stats_config", "stats_tags", "use_all_default_tags")
	var out []StatsTag
	for i, t := range sc.GetStatsTags() {
		path := fmt.Sprintf("stats_config.stats_tags[%d]", i)
		only(errs, t, path, "tag_name", "regex")
		re, err := regexp.Compile(t.GetRegex())
		if err != nil {
			*errs = append(*errs, fmt.Errorf("%s.regex: %v", path, err))
			continue
		}
		if re.NumSubexp() < 2 {
			// Envoy takes the value from the second group when there is one; the rules here
			// always have two, and devproxy supports only that form.
			*errs = append(*errs, fmt.Errorf("%s.regex: devproxy needs two capture groups (the part to remove, the value)", path))
			continue
		}
		out = append(out, StatsTag{Name: t.GetTagName(), Regex: re})
	}
	return out
}

// extractTags applies the tag regexes to a full stat name as Envoy's TagProducerImpl does:
// each regex to the original name; its first group is removed from the name, its second is
// the tag's value. It returns the tag-extracted name and the tags in regex order.
func extractTags(full string, tags []StatsTag) (string, [][2]string) {
	remove := make([]bool, len(full))
	var out [][2]string
	for _, t := range tags {
		m := t.Regex.FindStringSubmatchIndex(full)
		if m == nil || m[2] < 0 || m[4] < 0 {
			continue
		}
		for i := m[2]; i < m[3]; i++ {
			remove[i] = true
		}
		out = append(out, [2]string{t.Name, full[m[4]:m[5]]})
	}
	var b strings.Builder
	for i := 0; i < len(full); i++ {
		if !remove[i] {
			b.WriteByte(full[i])
		}
	}
	return b.String(), out
}

// sanitizeName makes a Prometheus metric or label name as Envoy's PrometheusStatsFormatter
// does: every character outside [a-zA-Z0-9_] becomes '_'.
func sanitizeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

// sanitizeValue escapes a label value for the text exposition format.
func sanitizeValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// PrometheusText renders the plugin's metrics as Envoy's /stats/prometheus renders custom
// (wasm) metrics: the namespace stripped and no "envoy_" prefix, tags from stats_tags as
// labels, one "# TYPE" line per tag-extracted name. Histograms, which the host keeps as a
// sum and a count only, are shown as summaries of those two.
func PrometheusText(stats []envoyhost.StatSnapshot, tags []StatsTag) string {
	type series struct {
		labels string
		stat   envoyhost.StatSnapshot
	}
	groups := map[string][]series{}
	kinds := map[string]uint32{}
	for _, s := range stats {
		extracted, tv := extractTags(customNamespace+s.Name, tags)
		name := sanitizeName(strings.TrimPrefix(extracted, customNamespace))
		if name == "" || name[0] >= '0' && name[0] <= '9' {
			continue // Envoy drops custom names that cannot be Prometheus names
		}
		labels := make([]string, len(tv))
		for i, kv := range tv {
			labels[i] = sanitizeName(kv[0]) + `="` + sanitizeValue(kv[1]) + `"`
		}
		groups[name] = append(groups[name], series{strings.Join(labels, ","), s})
		kinds[name] = s.Kind
	}
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		ss := groups[n]
		sort.Slice(ss, func(i, j int) bool { return ss[i].labels < ss[j].labels })
		switch kinds[n] {
		case 0:
			fmt.Fprintf(&b, "# TYPE %s counter\n", n)
		case 1:
			fmt.Fprintf(&b, "# TYPE %s gauge\n", n)
		default:
			fmt.Fprintf(&b, "# TYPE %s summary\n", n)
		}
		for _, s := range ss {
			if s.stat.Kind == 2 {
				fmt.Fprintf(&b, "%s_sum{%s} %d\n%s_count{%s} %d\n", n, s.labels, s.stat.Value, n, s.labels, s.stat.Count)
				continue
			}
			b.WriteString(n + "{" + s.labels + "} " + strconv.FormatInt(s.stat.Value, 10) + "\n")
		}
	}
	return b.String()
}

package devproxy

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	streamv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/stream/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

// AccessLog is an HTTP connection manager's stdout access log with a text format: the
// subset of Envoy's command operators devproxy prints (Envoy's docs, "Access logging",
// command operators). An operator outside it is refused at start.
type AccessLog struct {
	parts []logPart
}

// logPart is literal text, or one operator with its argument.
type logPart struct {
	literal string
	op, arg string
}

var operator = regexp.MustCompile(`%([A-Z_]+)(?:\(([^)]*)\))?%`)

// parseAccessLogFormat splits a text format into literals and supported operators.
func parseAccessLogFormat(format string) (*AccessLog, error) {
	al := &AccessLog{}
	last := 0
	for _, m := range operator.FindAllStringSubmatchIndex(format, -1) {
		if m[0] > last {
			al.parts = append(al.parts, logPart{literal: format[last:m[0]]})
		}
		op := format[m[2]:m[3]]
		arg := ""
		if m[4] >= 0 {
			arg = format[m[4]:m[5]]
		}
		switch op {
		case "START_TIME", "RESPONSE_CODE", "RESPONSE_CODE_DETAILS", "PROTOCOL":
			if arg != "" {
				return nil, fmt.Errorf("%%%s%% takes no argument in devproxy", op)
			}
		case "REQ":
			if arg == "" {
				return nil, fmt.Errorf("%%REQ(...)%% needs a header name")
			}
		case "FILTER_STATE":
			// Envoy: FILTER_STATE(KEY:F) with F PLAIN (serializeAsString) or TYPED (the proto
			// as JSON, the default). devproxy keeps wasm state as the bytes set, so only PLAIN.
			if !strings.HasSuffix(arg, ":PLAIN") {
				return nil, fmt.Errorf("%%FILTER_STATE(%s)%%: devproxy prints only KEY:PLAIN", arg)
			}
		default:
			return nil, fmt.Errorf("%%%s%% is not supported by devproxy (START_TIME, REQ, RESPONSE_CODE, RESPONSE_CODE_DETAILS, PROTOCOL, FILTER_STATE)", op)
		}
		al.parts = append(al.parts, logPart{op: op, arg: arg})
		last = m[1]
	}
	if last < len(format) {
		al.parts = append(al.parts, logPart{literal: format[last:]})
	}
	return al, nil
}

// Line renders the access-log line of one request as Envoy would: "-" for what is absent.
func (al *AccessLog) Line(start time.Time, req *envoyhost.Request, resp *envoyhost.Response) string {
	var b strings.Builder
	for _, p := range al.parts {
		if p.op == "" {
			b.WriteString(p.literal)
			continue
		}
		b.WriteString(orDash(al.value(p, start, req, resp)))
	}
	return b.String()
}

func (al *AccessLog) value(p logPart, start time.Time, req *envoyhost.Request, resp *envoyhost.Response) string {
	switch p.op {
	case "START_TIME":
		// Envoy's default START_TIME format, %Y-%m-%dT%H:%M:%S.%3fZ in UTC.
		return start.UTC().Format("2006-01-02T15:04:05.000Z")
	case "RESPONSE_CODE":
		return strconv.Itoa(resp.Status)
	case "RESPONSE_CODE_DETAILS":
		// devproxy names every local reply's details; a response without them came from
		// the upstream, which Envoy logs as via_upstream.
		if resp.Details == "" {
			return "via_upstream"
		}
		return resp.Details
	case "PROTOCOL":
		return "HTTP/1.1"
	case "REQ":
		return requestHeader(p.arg, req, resp)
	case "FILTER_STATE":
		return resp.FilterState[strings.TrimSuffix(p.arg, ":PLAIN")]
	}
	return ""
}

// requestHeader is REQ(X) or REQ(X?Y): the request headers as the filters left them
// (Envoy logs the header map after the filter chain), the first of X, else Y.
func requestHeader(arg string, req *envoyhost.Request, resp *envoyhost.Response) string {
	headers := resp.RequestHeaders
	if headers == nil {
		headers = append([][2]string{{":method", req.Method}, {":path", req.Path}, {":authority", req.Authority}}, req.Headers...)
	}
	for _, name := range strings.Split(arg, "?") {
		name = strings.ToLower(name)
		if name == "host" {
			name = ":authority"
		}
		for _, kv := range headers {
			if kv[0] == name {
				return kv[1]
			}
		}
	}
	return ""
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// translateAccessLogs reads an HTTP connection manager's access_log: stdout loggers with a
// text format (inline text_format_source or text_format).
func translateAccessLogs(errs *[]error, hcm *hcmv3.HttpConnectionManager, path string) []*AccessLog {
	var out []*AccessLog
	for i, l := range hcm.GetAccessLog() {
		lpath := fmt.Sprintf("%s.access_log[%d]", path, i)
		only(errs, l, lpath, "name", "typed_config")
		var so streamv3.StdoutAccessLog
		if err := anypb.UnmarshalTo(l.GetTypedConfig(), &so, proto.UnmarshalOptions{}); err != nil {
			*errs = append(*errs, fmt.Errorf("%s.typed_config: only envoy.extensions.access_loggers.stream.v3.StdoutAccessLog is supported", lpath))
			continue
		}
		lf := so.GetLogFormat()
		// text_format is deprecated in Envoy's API; only text_format_source is read.
		format := lf.GetTextFormatSource().GetInlineString()
		if format == "" {
			*errs = append(*errs, fmt.Errorf("%s.typed_config.log_format: a text_format_source.inline_string is required", lpath))
			continue
		}
		al, err := parseAccessLogFormat(format)
		if err != nil {
			*errs = append(*errs, fmt.Errorf("%s.typed_config.log_format: %w", lpath, err))
			continue
		}
		out = append(out, al)
	}
	return out
}

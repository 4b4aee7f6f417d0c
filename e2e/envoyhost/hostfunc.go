package envoyhost

import (
	"context"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// export registers a host function. wazero's WithFunc calls a Go function of any signature
// through reflection, which costs more than most of our hostcalls themselves (it showed at
// the top of the request-path profile); the signatures on the request path are therefore
// adapted to api.GoModuleFunc by hand, which reads the arguments straight off the stack.
// That includes WASI clock_time_get: Go's scheduler reads the clock whenever the plugin
// yields to it (proxy_on_delete, every few streams), and through reflection each reading
// cost ~3 µs, which Envoy's native WASI does not. Anything else keeps WithFunc.
func export(b wazero.HostModuleBuilder, name string, f any) {
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	u := func(stack []uint64, i int) uint32 { return api.DecodeU32(stack[i]) }
	var fn api.GoModuleFunc
	var params []api.ValueType
	switch f := f.(type) {
	case func(context.Context, uint32) uint32:
		fn = func(ctx context.Context, _ api.Module, s []uint64) { s[0] = uint64(f(ctx, u(s, 0))) }
		params = []api.ValueType{i32}
	case func(context.Context, api.Module, uint32) uint32:
		fn = func(ctx context.Context, m api.Module, s []uint64) { s[0] = uint64(f(ctx, m, u(s, 0))) }
		params = []api.ValueType{i32}
	case func(context.Context, api.Module, uint32, uint32) uint32:
		fn = func(ctx context.Context, m api.Module, s []uint64) { s[0] = uint64(f(ctx, m, u(s, 0), u(s, 1))) }
		params = []api.ValueType{i32, i32}
	case func(context.Context, api.Module, uint32, uint32, uint32) uint32:
		fn = func(ctx context.Context, m api.Module, s []uint64) {
			s[0] = uint64(f(ctx, m, u(s, 0), u(s, 1), u(s, 2)))
		}
		params = []api.ValueType{i32, i32, i32}
	case func(context.Context, api.Module, uint32, uint32, uint32, uint32) uint32:
		fn = func(ctx context.Context, m api.Module, s []uint64) {
			s[0] = uint64(f(ctx, m, u(s, 0), u(s, 1), u(s, 2), u(s, 3)))
		}
		params = []api.ValueType{i32, i32, i32, i32}
	case func(context.Context, api.Module, uint32, uint32, uint32, uint32, uint32) uint32:
		fn = func(ctx context.Context, m api.Module, s []uint64) {
			s[0] = uint64(f(ctx, m, u(s, 0), u(s, 1), u(s, 2), u(s, 3), u(s, 4)))
		}
		params = []api.ValueType{i32, i32, i32, i32, i32}
	case func(context.Context, api.Module, uint32, uint32, uint32, uint32, uint32, uint32, uint32, int32) uint32:
		fn = func(ctx context.Context, m api.Module, s []uint64) {
			s[0] = uint64(f(ctx, m, u(s, 0), u(s, 1), u(s, 2), u(s, 3), u(s, 4), u(s, 5), u(s, 6), api.DecodeI32(s[7])))
		}
		params = []api.ValueType{i32, i32, i32, i32, i32, i32, i32, i32}
	case func(context.Context, api.Module, uint32, uint64, uint32) uint32: // clock_time_get
		fn = func(ctx context.Context, m api.Module, s []uint64) { s[0] = uint64(f(ctx, m, u(s, 0), s[1], u(s, 2))) }
		params = []api.ValueType{i32, i64, i32}
	case func(context.Context, uint32, int64) uint32:
		fn = func(ctx context.Context, _ api.Module, s []uint64) { s[0] = uint64(f(ctx, u(s, 0), int64(s[1]))) }
		params = []api.ValueType{i32, i64}
	default:
		b.NewFunctionBuilder().WithFunc(f).Export(name)
		return
	}
	b.NewFunctionBuilder().WithGoModuleFunction(fn, params, []api.ValueType{i32}).Export(name)
}

package textword

// hashWords is hashWordsGo in wasm assembly (textword_wasm.s): one i64.load, xor, multiply,
// shift and xor per word.
//
//go:noescape
func hashWords(p *byte, n int, h uint64) uint64

// equalWords is equalWordsGo in wasm assembly (textword_wasm.s): two i64.load and one
// comparison per word.
//
//go:noescape
func equalWords(a, b *byte, n int) bool

//go:build !wasm

package textword

func hashWords(p *byte, n int, h uint64) uint64 { return hashWordsGo(p, n, h) }

func equalWords(a, b *byte, n int) bool { return equalWordsGo(a, b, n) }

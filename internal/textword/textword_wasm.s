// The word loops of textword.go (hashWordsGo, equalWordsGo) in wasm. n is a positive
// multiple of 8.

#include "textflag.h"

// wordMul (0x9E3779B97F4A7C15) as the signed constant wasm's i64.const takes.
#define WORDMUL $-7046029254386353131

// ADD(r, n): r += n.
#define ADD(r, n) Get r; I64Const $n; I64Add; Set r

// LEAVE_AT(end): leave the loop (the block around it) once the cursor R0 reaches end.
#define LEAVE_AT(end) Get R0; Get end; I64GeU; BrIf $1

// MIX(h, o): h = mix(h, the word at R0+o).
#define MIX(h, o) \
	Get h; Get R0; I32WrapI64; I64Load $o; I64Xor; I64Const WORDMUL; I64Mul; Tee h; \
	I64Const $32; I64ShrU; Get h; I64Xor; Set h

// FOLD(h, w): h = mix(h, w), w a lane.
#define FOLD(h, w) \
	Get h; Get w; I64Xor; I64Const WORDMUL; I64Mul; Tee h; \
	I64Const $32; I64ShrU; Get h; I64Xor; Set h

// func hashWords(p *byte, n int, h uint64) uint64
// R0 the cursor, R1 the end of the whole 32-byte blocks, R6 the end; R2–R5 the lanes.
TEXT ·hashWords(SB), NOSPLIT, $0-32
	I64Load p+0(FP)
	Set R0
	I64Load p+0(FP)
	I64Load n+8(FP)
	I64Add
	Set R6
	I64Load p+0(FP)
	I64Load n+8(FP)
	I64Const $-32
	I64And
	I64Add
	Set R1
	I64Load h+16(FP)
	Tee R2
	I64Const $0x243F6A8885A308D3
	I64Xor
	Set R3
	Get R2
	I64Const $0x13198A2E03707344
	I64Xor
	Set R4
	Get R2
	I64Const $0x299F31D0082EFA98
	I64Xor
	Set R5
	Block
		Loop
			LEAVE_AT(R1)
			MIX(R2, 0)
			MIX(R3, 8)
			MIX(R4, 16)
			MIX(R5, 24)
			ADD(R0, 32)
			Br $0
		End
	End
	Block
		Loop
			LEAVE_AT(R6)
			MIX(R2, 0)
			ADD(R0, 8)
			Br $0
		End
	End
	FOLD(R2, R3)
	FOLD(R2, R4)
	FOLD(R2, R5)
	Get SP
	Get R2
	I64Store ret+24(FP)
	RET

// XORW(o): the word of a at R0+o xor the word of b at R1+o.
#define XORW(o) Get R0; I32WrapI64; I64Load $o; Get R1; I32WrapI64; I64Load $o; I64Xor

// func equalWords(a, b *byte, n int) bool
// R0, R1 the cursors; R4 the end of a's whole 32-byte blocks, R2 the end of a; R3 the
// result. A block's four words are compared together (the or of their xors), so that the
// loop's test and branch are paid once per four words.
TEXT ·equalWords(SB), NOSPLIT, $0-25
	I64Load a+0(FP)
	Set R0
	I64Load b+8(FP)
	Set R1
	I64Load a+0(FP)
	I64Load n+16(FP)
	I64Add
	Set R2
	I64Load a+0(FP)
	I64Load n+16(FP)
	I64Const $-32
	I64And
	I64Add
	Set R4
	I64Const $0
	Set R3
	Block // left early on a difference
	Block
		Loop
			LEAVE_AT(R4)
			XORW(0)
			XORW(8)
			I64Or
			XORW(16)
			I64Or
			XORW(24)
			I64Or
			I64Const $0
			I64Ne
			BrIf $2
			ADD(R0, 32)
			ADD(R1, 32)
			Br $0
		End
	End
	Block
		Loop
			LEAVE_AT(R2)
			XORW(0)
			I64Const $0
			I64Ne
			BrIf $2
			ADD(R0, 8)
			ADD(R1, 8)
			Br $0
		End
	End
	I64Const $1
	Set R3
	End
	Get SP
	Get R3
	I64Store8 ret+24(FP)
	RET

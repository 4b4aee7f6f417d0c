// montMulWasm (rsa_montmul_wasm.go): montMulGo's FIOS Montgomery product (rsa_montmul.go)
// written in wasm. Each step is the same as montMulGo's inner loop; eight words per loop
// iteration, so that the offsets are constants.

#include "textflag.h"

// i64 locals. Per row: y_i and its halves, m and its halves, the carries of the x·y_i and m·n
// chains. Per pass: cursors into x, n and t (TC points one word behind the word read, so the
// word written, t[j-1], is at a non-negative offset). T0–T4 are temporaries. The y cursor
// lives in y's argument slot: no local is left for it.
#define BI R0
#define B0 R1
#define B1 R2
#define M0 R3
#define M1 R4
#define CA R5
#define CM R6
#define XC R7
#define NC R8
#define TC R9
#define T0 R10
#define T1 R11
#define T2 R12
#define T3 R13
#define T4 R14
#define MF R15

// The low and the high half of the i64 on top of the stack.
#define LO32 I32WrapI64; I64ExtendI32U
#define HI32 I64Const $32; I64ShrU

// HIGH(b0, b1) leaves in T1 the high word of v·b, for v on top of the stack (kept in T4) and
// b's halves in b0, b1: wasm has no widening multiply, so it is built from four 32×32-bit
// products. The callers take the low word with one i64.mul of the full words.
#define HIGH(b0, b1) \
	Tee T4; HI32; Set T1; \
	Get T4; LO32; Set T0; \
	Get T0; Get b0; I64Mul; HI32; Get T1; Get b0; I64Mul; I64Add; Set T3; \
	Get T3; LO32; Get T0; Get b1; I64Mul; I64Add; Set T0; \
	Get T1; Get b1; I64Mul; Get T3; HI32; I64Add; Get T0; HI32; I64Add; Set T1

// XSIDE: T2, T1 = low and high word of x[k]·y_i + t[k] (x[k] at XC+xo, t[k] at TC+to).
#define XSIDE(xo, to) \
	Get XC; I32WrapI64; I64Load $xo; HIGH(B0, B1); \
	Get T4; Get BI; I64Mul; \
	Get TC; I32WrapI64; I64Load $to; Tee T3; I64Add; Tee T2; \
	Get T3; I64LtU; I64ExtendI32U; Get T1; I64Add; Set T1

// STEP: word k ≥ 1 of a pass, at offset o (t[k] at o+8): lo = x[k]·y_i + t[k] + cA,
// t[k-1] = low(n[k]·m + lo + cM), and the two carries move on.
#define STEP(o, to) \
	XSIDE(o, to); \
	Get T2; Get CA; I64Add; Tee T2; Get CA; I64LtU; I64ExtendI32U; Get T1; I64Add; Set CA; \
	Get NC; I32WrapI64; I64Load $o; HIGH(M0, M1); \
	Get T4; Get MF; I64Mul; \
	Get T2; I64Add; Tee T0; \
	Get T2; I64LtU; I64ExtendI32U; Get T1; I64Add; Set T1; \
	Get T0; Get CM; I64Add; Tee T0; Get CM; I64LtU; I64ExtendI32U; Get T1; I64Add; Set CM; \
	Get TC; I32WrapI64; Get T0; I64Store $o

#define SEVEN \
	STEP(8, 16); STEP(16, 24); STEP(24, 32); STEP(32, 40); STEP(40, 48); STEP(48, 56); STEP(56, 64)

#define ADVANCE \
	Get XC; I64Const $64; I64Add; Set XC; \
	Get NC; I64Const $64; I64Add; Set NC; \
	Get TC; I64Const $64; I64Add; Set TC

// func montMulWasm(t, x, y, n *uint64, s int, nInv uint64, yEnd uintptr)
TEXT ·montMulWasm(SB), NOSPLIT, $0-56
	// clear(t[:s+1])
	I64Load t+0(FP)
	Set T0
	I64Load t+0(FP)
	I64Load s+32(FP)
	I64Const $3
	I64Shl
	I64Add
	Set T1
	Loop
		Get T0
		I32WrapI64
		I64Const $0
		I64Store $0
		Get T0
		I64Const $8
		I64Add
		Tee T0
		Get T1
		I64LeU
		BrIf $0
	End

	Block
	Loop
		// A row: y_i, then the cursors to the start of x, n and t (TC = &t[-1]).
		I64Load y+16(FP); I32WrapI64; I64Load $0; Tee BI; LO32; Set B0
		Get BI; HI32; Set B1
		I64Load x+8(FP)
		Set XC
		I64Load n+24(FP)
		Set NC
		I64Load t+0(FP)
		I64Const $8
		I64Sub
		Set TC

		// Word 0 fixes m = lo·nInv, so that n[0]·m + lo is 0 mod 2^64: its carry is
		// exactly lo ≠ 0, and only its high word is needed.
		XSIDE(0, 8)
		Get T1; Set CA
		Get T2; I64Load nInv+40(FP); I64Mul; Tee MF; LO32; Set M0
		Get MF; HI32; Set M1
		Get NC; I32WrapI64; I64Load $0; HIGH(M0, M1)
		Get T2; I64Eqz; I32Eqz; I64ExtendI32U; Get T1; I64Add; Set CM
		SEVEN
		ADVANCE

		// The other eight-word blocks of the pass.
		Block
			Loop
				Get XC
				I64Load x+8(FP)
				I64Load s+32(FP)
				I64Const $3
				I64Shl
				I64Add
				I64GeU
				BrIf $1
				STEP(0, 8)
				SEVEN
				ADVANCE
				Br $0
			End
		End

		// The top: t[s] (0 or 1) plus both carries fits in 65 bits. TC is &t[s-1].
		Get TC; I32WrapI64; I64Load $8; Get CA; I64Add; Tee T0; Get CA; I64LtU; I64ExtendI32U; Set T1
		Get T0; Get CM; I64Add; Tee T0; Get CM; I64LtU; I64ExtendI32U; Get T1; I64Add; Set T1
		Get TC; I32WrapI64; Get T0; I64Store $0
		Get TC; I32WrapI64; Get T1; I64Store $8

		// Next row while y's cursor stays below yEnd (the slot, typed *uint64, never holds
		// the address past the end).
		I64Load y+16(FP)
		I64Const $8
		I64Add
		Tee T0
		I64Load yEnd+48(FP)
		I64GeU
		BrIf $1
		Get SP
		Get T0
		I64Store y+16(FP)
		Br $0
	End
	End
	RET

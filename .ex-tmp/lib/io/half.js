"use strict";
/**
 * IEEE half precision (f16) and bfloat16 (bf16) <-> float32 conversion.
 *
 * Both directions are exact bit manipulations: float32 -> f16/bf16 rounds to nearest, ties to
 * even (the rounding PyTorch and numpy use), overflows to +-Infinity, keeps the sign of zero and
 * keeps NaN a (quiet) NaN; f16/bf16 -> float32 is exact (every f16/bf16 value is a float32).
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.toF16Bits = toF16Bits;
exports.fromF16Bits = fromF16Bits;
exports.toBf16Bits = toBf16Bits;
exports.fromBf16Bits = fromBf16Bits;
exports.f32ToF16 = f32ToF16;
exports.f16ToF32 = f16ToF32;
exports.f32ToBf16 = f32ToBf16;
exports.bf16ToF32 = bf16ToF32;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** Rounds a float32 bit pattern to the f16 bit pattern (round to nearest, ties to even). */
function f32BitsToF16Bits(b) {
    const sign = (b >>> 16) & 0x8000;
    const exp = (b >>> 23) & 0xff;
    let mant = b & 0x7fffff;
    if (exp === 0xff)
        return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0); // Inf / NaN
    const e = exp - 112; // rebias 127 -> 15
    if (e >= 0x1f)
        return sign | 0x7c00; // too large: Inf
    if (e <= 0) {
        // f16 subnormal (or zero): value = m * 2^-24 with m = (1.mant) * 2^(e - 14 + 23 - 23)
        if (e < -10)
            return sign; // below half the smallest subnormal: +-0
        mant |= 0x800000;
        const shift = 14 - e; // 14..24
        let h = mant >>> shift;
        const rem = mant & ((1 << shift) - 1);
        const half = 1 << (shift - 1);
        if (rem > half || (rem === half && (h & 1) === 1))
            h++;
        return sign | h;
    }
    let h = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1))
        h++; // a carry may reach Inf: correct
    return sign | h;
}
/** Exact f16 bit pattern -> float32 bit pattern. */
function f16BitsToF32Bits(h) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    let mant = h & 0x3ff;
    if (exp === 0x1f)
        return (sign | 0x7f800000 | (mant << 13)) >>> 0; // Inf / NaN (payload kept)
    if (exp === 0) {
        if (mant === 0)
            return sign >>> 0;
        // subnormal: normalize
        let e = 113; // 127 - 15 + 1
        while ((mant & 0x400) === 0) {
            mant <<= 1;
            e--;
        }
        return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
    }
    return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
}
/** Rounds a float32 bit pattern to bfloat16 bits (round to nearest, ties to even; NaN stays NaN). */
function f32BitsToBf16Bits(b) {
    if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0)
        return ((b >>> 16) | 0x40) & 0xffff;
    return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}
/** float32 -> f16 bits for one number. */
function toF16Bits(x) {
    f32[0] = x;
    return f32BitsToF16Bits(u32[0]);
}
/** f16 bits -> number (exact). */
function fromF16Bits(h) {
    u32[0] = f16BitsToF32Bits(h & 0xffff);
    return f32[0];
}
/** float32 -> bf16 bits for one number. */
function toBf16Bits(x) {
    f32[0] = x;
    return f32BitsToBf16Bits(u32[0]);
}
/** bf16 bits -> number (exact). */
function fromBf16Bits(h) {
    u32[0] = (h & 0xffff) << 16;
    return f32[0];
}
/** Converts a Float32Array to f16 bit patterns. */
function f32ToF16(src, out = new Uint16Array(src.length)) {
    const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
    for (let i = 0; i < bits.length; i++)
        out[i] = f32BitsToF16Bits(bits[i]);
    return out;
}
let f16Table = null;
/** Converts f16 bit patterns to a Float32Array (exact; uses a 256 KiB table built on first use). */
function f16ToF32(src, out = new Float32Array(src.length)) {
    if (f16Table === null) {
        f16Table = new Uint32Array(65536);
        for (let h = 0; h < 65536; h++)
            f16Table[h] = f16BitsToF32Bits(h);
    }
    const t = f16Table;
    const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
    for (let i = 0; i < src.length; i++)
        bits[i] = t[src[i]];
    return out;
}
/** Converts a Float32Array to bf16 bit patterns. */
function f32ToBf16(src, out = new Uint16Array(src.length)) {
    const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
    for (let i = 0; i < bits.length; i++)
        out[i] = f32BitsToBf16Bits(bits[i]);
    return out;
}
/** Converts bf16 bit patterns to a Float32Array (exact). */
function bf16ToF32(src, out = new Float32Array(src.length)) {
    const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
    for (let i = 0; i < src.length; i++)
        bits[i] = src[i] << 16;
    return out;
}

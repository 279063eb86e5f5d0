// bfloat16 rounding as the AVX512_BF16 conversion does it (vcvtne2ps2bf16): round to nearest
// even on the top 16 bits of the float, denormal inputs flushed to a signed zero, NaN stays NaN.
const f = new Float32Array(1);
const u = new Uint32Array(f.buffer);

export function bf16(x: number): number {
  f[0] = x;
  const v = u[0];
  if ((v & 0x7f800000) === 0) {
    u[0] = v & 0x80000000;
    return f[0];
  }
  if ((v & 0x7fffffff) > 0x7f800000) return NaN;
  u[0] = ((v + 0x7fff + ((v >>> 16) & 1)) >>> 0) & 0xffff0000;
  return f[0];
}

export function bf16Array(a: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = bf16(a[i]);
  return out;
}

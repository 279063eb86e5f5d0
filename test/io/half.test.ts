import { describe, it, expect } from 'vitest';
import {
  toF16Bits, fromF16Bits, toBf16Bits, fromBf16Bits, f32ToF16, f16ToF32, f32ToBf16, bf16ToF32,
} from '../../lib/io/half';

const f32 = (x: number): number => Math.fround(x);
const isNaNBits16 = (h: number, expMask: number, mantMask: number): boolean =>
  (h & expMask) === expMask && (h & mantMask) !== 0;

describe('f16', () => {
  it('converts known values', () => {
    expect(toF16Bits(1)).toBe(0x3c00);
    expect(toF16Bits(-2)).toBe(0xc000);
    expect(toF16Bits(65504)).toBe(0x7bff); // largest finite
    expect(toF16Bits(65519)).toBe(0x7bff); // below the midpoint to Inf
    expect(toF16Bits(65520)).toBe(0x7c00); // midpoint rounds to even = Inf
    expect(toF16Bits(1e10)).toBe(0x7c00);
    expect(toF16Bits(-Infinity)).toBe(0xfc00);
    expect(toF16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toF16Bits(2 ** -25)).toBe(0x0000); // tie between 0 and 2^-24: even (0)
    expect(toF16Bits(3 * 2 ** -26)).toBe(0x0001);
    expect(toF16Bits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(toF16Bits(-0)).toBe(0x8000);
    expect(toF16Bits(1 / 3)).toBe(0x3555);
    expect(isNaNBits16(toF16Bits(NaN), 0x7c00, 0x3ff)).toBe(true);
    expect(fromF16Bits(0x3555)).toBe(f32(0.333251953125));
    expect(fromF16Bits(0x0001)).toBe(2 ** -24);
    expect(Object.is(fromF16Bits(0x8000), -0)).toBe(true);
    expect(fromF16Bits(0xfc00)).toBe(-Infinity);
    expect(fromF16Bits(0x7e00)).toBeNaN();
  });

  it('round-trips every f16 value exactly and rounds every midpoint to even', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const asF32 = f16ToF32(all);
    const back = f32ToF16(asF32);
    for (let h = 0; h < 65536; h++) {
      if (isNaNBits16(h, 0x7c00, 0x3ff)) {
        expect(Number.isNaN(asF32[h])).toBe(true);
        expect(isNaNBits16(back[h], 0x7c00, 0x3ff)).toBe(true);
        continue;
      }
      if (back[h] !== h) expect(back[h]).toBe(h);
      if (!Object.is(fromF16Bits(h), asF32[h])) expect(fromF16Bits(h)).toBe(asF32[h]);
    }
    // positive finite neighbours a < b: midpoint -> even one; just above/below -> nearest
    for (let h = 0; h < 0x7bff; h++) {
      const a = asF32[h];
      const b = asF32[h + 1];
      const mid = (a + b) / 2; // 12 significant bits: exact in float32
      const even = (h & 1) === 0 ? h : h + 1;
      if (toF16Bits(mid) !== even) expect([h, toF16Bits(mid)]).toEqual([h, even]);
      const up = mid + (b - a) / 4096;
      const down = mid - (b - a) / 4096;
      if (toF16Bits(up) !== h + 1 || toF16Bits(down) !== h) expect([h, toF16Bits(up), toF16Bits(down)]).toEqual([h, h + 1, h]);
      if (toF16Bits(-mid) !== (even | 0x8000)) expect(toF16Bits(-mid)).toBe(even | 0x8000);
    }
  });

  it('bulk conversions match the scalar ones', () => {
    const src = new Float32Array([0, -0, 1.5, -3.25, 70000, 1e-8, 6e-5, NaN, Infinity]);
    const bits = f32ToF16(src);
    expect(Array.from(bits)).toEqual(Array.from(src, (x) => toF16Bits(x)));
    const out = f16ToF32(bits);
    expect(Array.from(out).slice(0, 7)).toEqual([0, -0, 1.5, -3.25, Infinity, 0, fromF16Bits(toF16Bits(6e-5))]);
  });
});

describe('bf16', () => {
  it('converts known values', () => {
    expect(toBf16Bits(1)).toBe(0x3f80);
    expect(toBf16Bits(Math.PI)).toBe(0x4049);
    expect(fromBf16Bits(0x4049)).toBe(3.140625);
    expect(toBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie -> even
    expect(toBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie -> even (up)
    expect(toBf16Bits(-0)).toBe(0x8000);
    expect(toBf16Bits(3.4e38)).toBe(0x7f80); // rounds past the largest finite bf16 -> Inf
    expect(toBf16Bits(Infinity)).toBe(0x7f80);
    expect(fromBf16Bits(toBf16Bits(NaN))).toBeNaN();
    expect(fromBf16Bits(0xff80)).toBe(-Infinity);
  });

  it('round-trips every bf16 value and rounds midpoints to even', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const asF32 = bf16ToF32(all);
    const back = f32ToBf16(asF32);
    for (let h = 0; h < 65536; h++) {
      if (isNaNBits16(h, 0x7f80, 0x7f)) {
        expect(Number.isNaN(asF32[h])).toBe(true);
        expect(isNaNBits16(back[h], 0x7f80, 0x7f)).toBe(true);
        continue;
      }
      if (back[h] !== h) expect(back[h]).toBe(h);
    }
    for (let h = 0; h < 0x7f7f; h++) {
      const a = asF32[h];
      const b = asF32[h + 1];
      const mid = (a + b) / 2;
      const even = (h & 1) === 0 ? h : h + 1;
      if (toBf16Bits(mid) !== even) expect([h, toBf16Bits(mid)]).toEqual([h, even]);
    }
  });
});

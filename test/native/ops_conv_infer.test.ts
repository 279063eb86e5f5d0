// i13-inf: CPU inference kernels against double-precision references. conv2dForwardAdd (out =
// act(out + conv2d(x) + bias): a residual block's last conv adding onto its shortcut, the ReLU
// after the sum in the epilogue) on every path of conv2d_forward: direct (flat same-size
// segments, row segments), phase planes (strided), im2col + GEMM with the bias as a GEMM row and
// with the bias filled (a depth over one K block), 1x1, groups, depthwise, batch 1, with and
// without bias. conv2dMaxPool2Forward (MaxPool2d(2) of act(conv)): the reference and the bits of
// the two kernels in turn, odd output sizes (floor), the paths that pool in cache (direct) and
// the others. conv2dResidualBlockForward / conv2dProjectionBlockForward (whole ResNet blocks): the
// bits of the per-layer kernels on every ISA, in place and not, the whole-batch fallback, errors.
import { describe, expect, it } from 'vitest';
import { native, sameForThreads } from '../helpers/native';
import { Arr, rng, randF32, expectClose } from '../helpers/kernels';
import * as R from '../autograd/reference';
import type { ConvGeom } from '../autograd/reference';
import { cg } from '../autograd/op_table';

type Conv = ConvGeom & { bias: boolean; act: 0 | 1 };
const geom = (c: Conv): number[] => [c.N, c.C, c.H, c.W, c.OC, c.KH, c.KW, c.sh, c.sw, c.ph, c.pw, c.dh, c.dw, c.groups];
const conv = (o: Partial<Conv> & Pick<Conv, 'N' | 'C' | 'H' | 'W' | 'OC' | 'KH' | 'KW'>): Conv => ({ ...cg(o), bias: true, act: 1, ...o });
const convRef = (c: Conv, x: Arr, w: Arr, b: Arr | null): Float64Array => R.conv2d(x, w, b, c, false).data;

const CASES: Array<[string, Conv]> = [
  ['16->16 3x3/p1 28x28 (direct, flat segments) no bias', conv({ N: 2, C: 16, H: 28, W: 28, OC: 16, KH: 3, KW: 3, ph: 1, pw: 1, bias: false })],
  ['9->12 3x3/p1 13x27 (direct, block tail)', conv({ N: 2, C: 9, H: 13, W: 27, OC: 12, KH: 3, KW: 3, ph: 1, pw: 1 })],
  ['8->8 7x7/p5 9x16 (direct row segments: padding > half)', conv({ N: 1, C: 8, H: 9, W: 16, OC: 8, KH: 7, KW: 7, ph: 5, pw: 5 })],
  ['8->8 5x2 valid 12x17 no act', conv({ N: 2, C: 8, H: 12, W: 17, OC: 8, KH: 5, KW: 2, act: 0 })],
  ['16->32 3x3/s2/p1 15x15 (phase planes)', conv({ N: 2, C: 16, H: 15, W: 15, OC: 32, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1 })],
  ['groups 2 3x3/s2/p1 10x21 (phase planes) no act', conv({ N: 2, C: 16, H: 10, W: 21, OC: 16, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1, groups: 2, act: 0 })],
  ['16->32 1x1/s2 9x14 (GEMM, input as operand rows) no bias', conv({ N: 2, C: 16, H: 9, W: 14, OC: 32, KH: 1, KW: 1, sh: 2, sw: 2, bias: false })],
  ['16->16 1x1 9x13 (GEMM, bias row)', conv({ N: 1, C: 16, H: 9, W: 13, OC: 16, KH: 1, KW: 1 })],
  ['4->4 9x9/p4 11x10 (GEMM, depth 324: bias filled)', conv({ N: 2, C: 4, H: 11, W: 10, OC: 4, KH: 9, KW: 9, ph: 4, pw: 4 })],
  ['depthwise 16 3x3/p1 dil2 9x18 (GEMM)', conv({ N: 1, C: 16, H: 9, W: 18, OC: 16, KH: 3, KW: 3, ph: 2, pw: 2, dh: 2, dw: 2, groups: 16 })],
  ['3->5 3x3/s3/p2 7x8 (GEMM, stride 3)', conv({ N: 3, C: 3, H: 7, W: 8, OC: 5, KH: 3, KW: 3, sh: 3, sw: 3, ph: 2, pw: 2 })],
];

describe('conv2dForwardAdd (inference: out = act(out + conv(x) + bias))', () => {
  for (const [name, c] of CASES) {
    it(`${name}: against out + the reference convolution`, () => {
      const r = rng(c.N * 31 + c.C * 7 + c.KH + c.sh * 3 + c.groups + c.act);
      const x = randF32(c.N * c.C * c.H * c.W, r, -1, 1);
      const w = randF32(c.OC * (c.C / c.groups) * c.KH * c.KW, r, -0.5, 0.5);
      const b = c.bias ? randF32(c.OC, r, -0.5, 0.5) : null;
      const conv0 = convRef(c, x, w, b);
      const before = randF32(conv0.length, r, -1, 1);
      const want = conv0.map((v, i) => (c.act === 1 ? Math.max(0, v + before[i]) : v + before[i]));
      const out = Float32Array.from(before);
      native.conv2dForwardAdd(out, x, w, b, ...geom(c), c.act);
      const terms = (c.C / c.groups) * c.KH * c.KW;
      expectClose(out, want, 1e-5, 2e-7 * terms, 'out');
      if (c.act === 1) expect(out.some((v, i) => v === 0 && before[i] !== 0)).toBe(true);  // the relu acted
    });
  }

  it('identical results at 1 and 2 threads (a batch that runs in parallel), direct and strided', () => {
    for (const c of [
      conv({ N: 9, C: 16, H: 28, W: 28, OC: 16, KH: 3, KW: 3, ph: 1, pw: 1 }),
      conv({ N: 8, C: 16, H: 28, W: 28, OC: 32, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1, bias: false }),
    ]) {
      const r = rng(c.OC + c.sh);
      const x = randF32(c.N * c.C * c.H * c.W, r);
      const w = randF32(c.OC * c.C * 9, r, -0.3, 0.3);
      const b = c.bias ? randF32(c.OC, r) : null;
      const before = randF32(c.N * c.OC * (c.sh === 1 ? c.H * c.W : 14 * 14), r);
      sameForThreads(() => {
        const out = Float32Array.from(before);
        native.conv2dForwardAdd(out, x, w, b, ...geom(c), c.act);
        return out;
      });
    }
  });

  it('argument errors name the argument (the conv2d kind checks)', () => {
    const c = conv({ N: 1, C: 8, H: 5, W: 5, OC: 8, KH: 3, KW: 3, ph: 1, pw: 1 });
    const x = new Float32Array(200);
    const w = new Float32Array(8 * 8 * 9);
    expect(() => native.conv2dForwardAdd(new Float32Array(199), x, w, null, ...geom(c), 1)).toThrow(/out/);
    expect(() => native.conv2dForwardAdd(new Float32Array(200), x, w, null, ...geom({ ...c, KH: 9 }), 1)).toThrow(/KH/);
  });
});

/** MaxPool2d(2) (floor) of planes (N, C, H, W) in double precision. */
function pool2Ref(y: ArrayLike<number>, N: number, C: number, H: number, W: number): Float64Array {
  const OH = Math.floor(H / 2), OW = Math.floor(W / 2);
  const out = new Float64Array(N * C * OH * OW);
  for (let p = 0; p < N * C; p++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++) {
        const at = (di: number, dj: number): number => y[p * H * W + (2 * i + di) * W + 2 * j + dj];
        out[(p * OH + i) * OW + j] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
      }
  return out;
}

const POOLED: Array<[string, Conv]> = [
  ['1->16 5x5/p2 28x28 relu (LeNet conv 1: direct, flat segments)', conv({ N: 2, C: 1, H: 28, W: 28, OC: 16, KH: 5, KW: 5, ph: 2, pw: 2 })],
  ['16->32 5x5/p2 14x14 relu (LeNet conv 2)', conv({ N: 1, C: 16, H: 14, W: 14, OC: 32, KH: 5, KW: 5, ph: 2, pw: 2 })],
  ['9->12 3x3/p1 13x27 no act, odd sizes (floor), block tail', conv({ N: 3, C: 9, H: 13, W: 27, OC: 12, KH: 3, KW: 3, ph: 1, pw: 1, act: 0 })],
  ['8->8 7x7/p5 9x16 (direct row segments)', conv({ N: 2, C: 8, H: 9, W: 16, OC: 8, KH: 7, KW: 7, ph: 5, pw: 5 })],
  ['groups 2 3x3/p1 10x21 no bias', conv({ N: 2, C: 16, H: 10, W: 21, OC: 16, KH: 3, KW: 3, ph: 1, pw: 1, groups: 2, bias: false })],
  ['16->16 3x3/s2/p1 15x15 (phase planes, not fused)', conv({ N: 2, C: 16, H: 15, W: 15, OC: 16, KH: 3, KW: 3, sh: 2, sw: 2, ph: 1, pw: 1 })],
  ['3->5 3x3/p1 dil2 11x9 (GEMM, not fused)', conv({ N: 2, C: 3, H: 11, W: 9, OC: 5, KH: 3, KW: 3, ph: 2, pw: 2, dh: 2, dw: 2 })],
  ['8->8 3x3 valid 4x5: a 2x3 output, one window', conv({ N: 1, C: 8, H: 4, W: 5, OC: 8, KH: 3, KW: 3 })],
];

const outHW = (c: Conv): [number, number] => [
  Math.floor((c.H + 2 * c.ph - c.dh * (c.KH - 1) - 1) / c.sh) + 1, Math.floor((c.W + 2 * c.pw - c.dw * (c.KW - 1) - 1) / c.sw) + 1];

describe('conv2dMaxPool2Forward (inference: MaxPool2d(2) of act(conv), one kernel)', () => {
  for (const [name, c] of POOLED) {
    it(`${name}: the bits of conv2dForward then maxPool2dForward, and the reference`, () => {
      const r = rng(c.N * 13 + c.C * 5 + c.KH + c.sh + c.groups + c.act);
      const x = randF32(c.N * c.C * c.H * c.W, r, -1, 1);
      const w = randF32(c.OC * (c.C / c.groups) * c.KH * c.KW, r, -0.5, 0.5);
      const b = c.bias ? randF32(c.OC, r, -0.5, 0.5) : null;
      const [OH, OW] = outHW(c);
      const y = convRef(c, x, w, b).map((v) => (c.act === 1 ? Math.max(0, v) : v));
      const want = pool2Ref(y, c.N, c.OC, OH, OW);
      const out = new Float32Array(want.length);
      native.conv2dMaxPool2Forward(out, x, w, b, ...geom(c), c.act);
      expectClose(out, want, 1e-5, 2e-7 * (c.C / c.groups) * c.KH * c.KW, 'pooled');
      const full = new Float32Array(c.N * c.OC * OH * OW);
      native.conv2dForward(full, x, w, b, ...geom(c), c.act);
      const pooled = new Float32Array(want.length);
      native.maxPool2dForward(pooled, null, full, c.N, c.OC, OH, OW, 2, 2, 2, 2, 0, 0, 1, 1, false);
      expect(Array.from(out)).toEqual(Array.from(pooled));
    });
  }

  it('identical results at 1 and 2 threads (a batch that runs in parallel)', () => {
    const c = conv({ N: 16, C: 16, H: 14, W: 14, OC: 32, KH: 5, KW: 5, ph: 2, pw: 2 });
    const r = rng(99);
    const x = randF32(c.N * c.C * c.H * c.W, r);
    const w = randF32(c.OC * c.C * 25, r, -0.2, 0.2);
    const b = randF32(c.OC, r);
    sameForThreads(() => {
      const out = new Float32Array(c.N * c.OC * 49);
      native.conv2dMaxPool2Forward(out, x, w, b, ...geom(c), 1);
      return out;
    });
  });

  it('argument errors name the argument', () => {
    const c = conv({ N: 1, C: 8, H: 6, W: 6, OC: 8, KH: 3, KW: 3, ph: 1, pw: 1 });
    const x = new Float32Array(8 * 36);
    const w = new Float32Array(8 * 8 * 9);
    expect(() => native.conv2dMaxPool2Forward(new Float32Array(8 * 9 - 1), x, w, null, ...geom(c), 1)).toThrow(/out/);
    expect(() => native.conv2dMaxPool2Forward(new Float32Array(8), x, w, null, ...geom({ ...c, H: 3, W: 3, ph: 0, pw: 0 }), 1))
      .toThrow(/at least 2/);
  });
});

/** Random operands of a residual block: x, conv1 (C -> mid, k1), conv2 (mid -> OC, k2), the projection (kp; 0: none). */
function blockOperands(b: { N: number; C: number; H: number; W: number; mid: number; OC: number; k1: number; k2: number;
  kp: number; bias: boolean }, seed: number) {
  const r = rng(seed);
  return {
    x: randF32(b.N * b.C * b.H * b.W, r, -1, 1),
    w1: randF32(b.mid * b.C * b.k1 * b.k1, r, -0.4, 0.4),
    b1: b.bias ? randF32(b.mid, r, -0.3, 0.3) : null,
    w2: randF32(b.OC * b.mid * b.k2 * b.k2, r, -0.4, 0.4),
    b2: b.bias ? randF32(b.OC, r, -0.3, 0.3) : null,
    wp: randF32(b.OC * b.C * b.kp * b.kp, r, -0.5, 0.5),
    bp: b.bias && b.kp > 0 ? randF32(b.OC, r, -0.3, 0.3) : null,
  };
}

// Inference: an identity residual block (BatchNorms folded), relu(x + b2 + conv2(relu(b1 +
// conv1(x)))), image by image on the direct kernels, else the two whole-batch convolutions: the
// bits of conv2dForward (relu) then conv2dForwardAdd (relu) onto a copy of x, in place or not.
describe('conv2dResidualBlockForward (inference: an identity residual block in one kernel)', () => {
  type Block = { N: number; C: number; H: number; W: number; mid: number; k1: number; k2: number; bias: boolean };
  const BLOCKS: Array<[string, Block]> = [
    ['16->16->16 3x3 28x28 (the bench, direct, image by image)', { N: 3, C: 16, H: 28, W: 28, mid: 16, k1: 3, k2: 3, bias: true }],
    ['12->8->12 3x3 13x11 (direct, block tails) no bias', { N: 2, C: 12, H: 13, W: 11, mid: 8, k1: 3, k2: 3, bias: false }],
    ['9->24->9 5x5 then 3x3 7x9 (direct)', { N: 1, C: 9, H: 7, W: 9, mid: 24, k1: 5, k2: 3, bias: true }],
    ['8->4->8 3x3 6x5 (mid below a block of 8: the whole-batch path)', { N: 2, C: 8, H: 6, W: 5, mid: 4, k1: 3, k2: 3, bias: true }],
    ['8->8->8 1x1 then 3x3 5x7 (a 1x1 first: the whole-batch path)', { N: 2, C: 8, H: 5, W: 7, mid: 8, k1: 1, k2: 3, bias: true }],
  ];
  const convOf = (b: Block, cin: number, cout: number, k: number): Conv =>
    conv({ N: b.N, C: cin, H: b.H, W: b.W, OC: cout, KH: k, KW: k, ph: (k - 1) / 2, pw: (k - 1) / 2, bias: b.bias });
  // kernel radii: a k x k kernel with padding (k - 1) / 2
  const blockArgs = (b: Block): number[] => [b.N, b.C, b.H, b.W, b.mid, (b.k1 - 1) / 2, (b.k1 - 1) / 2, (b.k2 - 1) / 2, (b.k2 - 1) / 2];
  const operands = (b: Block, seed: number) => blockOperands({ ...b, OC: b.C, kp: 0 }, seed);
  /** The two kernels the block replaces, in turn. */
  const twoKernels = (b: Block, o: ReturnType<typeof operands>): Float32Array => {
    const hidden = new Float32Array(b.N * b.mid * b.H * b.W);
    native.conv2dForward(hidden, o.x, o.w1, o.b1, ...geom(convOf(b, b.C, b.mid, b.k1)), 1);
    const out = Float32Array.from(o.x);
    native.conv2dForwardAdd(out, hidden, o.w2, o.b2, ...geom(convOf(b, b.mid, b.C, b.k2)), 1);
    return out;
  };

  for (const [name, b] of BLOCKS) {
    it(`${name}: the bits of the two kernels, in place and into another buffer, and the reference`, () => {
      const o = operands(b, b.N * 7 + b.C + b.mid * 3 + b.k1);
      const want = twoKernels(b, o);
      const out = new Float32Array(o.x.length).fill(NaN);
      native.conv2dResidualBlockForward(out, o.x, o.w1, o.b1, o.w2, o.b2, ...blockArgs(b));
      expect(Array.from(out)).toEqual(Array.from(want));
      const inPlace = Float32Array.from(o.x);
      native.conv2dResidualBlockForward(inPlace, inPlace, o.w1, o.b1, o.w2, o.b2, ...blockArgs(b));
      expect(Array.from(inPlace)).toEqual(Array.from(want));
      // the double reference: relu(x + conv2(relu(conv1(x))))
      const h = convRef(convOf(b, b.C, b.mid, b.k1), o.x, o.w1, o.b1).map((v) => Math.max(0, v));
      const ref = convRef(convOf(b, b.mid, b.C, b.k2), h, o.w2, o.b2).map((v, i) => Math.max(0, v + o.x[i]));
      expectClose(out, ref, 1e-5, 2e-7 * b.mid * b.k2 * b.k2 * b.C * b.k1, 'out');
      expect(out.some((v) => v === 0) && out.some((v) => v > 0)).toBe(true);
    });
  }

  it('on every ISA (the direct path on AVX-512, the whole-batch one elsewhere) the bits of the two kernels; 1 or 2 threads alike', () => {
    const b: Block = { N: 9, C: 16, H: 14, W: 14, mid: 16, k1: 3, k2: 3, bias: true };
    const o = operands(b, 5);
    const run = (): Float32Array => {
      const out = new Float32Array(o.x.length);
      native.conv2dResidualBlockForward(out, o.x, o.w1, o.b1, o.w2, o.b2, ...blockArgs(b));
      return out;
    };
    sameForThreads(run);
    const original: string = native.getIsa();
    const order = ['generic', 'avx2', 'avx512'];
    try {
      for (const isa of order.filter((i) => order.indexOf(i) <= order.indexOf(native.detectIsa()))) {
        native.setIsa(isa);
        expect(Array.from(run())).toEqual(Array.from(twoKernels(b, o)));
      }
    } finally {
      native.setIsa(original);
    }
  });

  it('argument errors name the argument', () => {
    const b: Block = { N: 1, C: 8, H: 6, W: 6, mid: 8, k1: 3, k2: 3, bias: false };
    const o = operands(b, 9);
    const call = (out: Float32Array, x: Float32Array, args: number[]) =>
      () => native.conv2dResidualBlockForward(out, x, o.w1, null, o.w2, null, ...args);
    const args = blockArgs(b);
    expect(call(new Float32Array(o.x.length - 1), o.x, args)).toThrow(/out/);
    const shared = new Float32Array(o.x.length + 4);
    expect(call(shared.subarray(4), shared.subarray(0, o.x.length), args)).toThrow(/overlap/);
    // radius 2 (5x5) needs a longer w1 than the 3x3 one given
    expect(call(new Float32Array(o.x.length), o.x, [...args.slice(0, 5), 2, 2, ...args.slice(7)])).toThrow(/w1/);
    expect(call(new Float32Array(o.x.length), o.x, [...args.slice(0, 5), -1, 1, ...args.slice(7)])).toThrow(/radiusH1/);
    expect(() => native.conv2dResidualBlockForward(new Float32Array(o.x.length), o.x, o.w1, null, o.w1.subarray(1), null, ...args))
      .toThrow(/w2/);
    // nothing to do for an empty batch
    native.conv2dResidualBlockForward(new Float32Array(0), new Float32Array(0), o.w1, null, o.w2, null, 0, ...args.slice(1));
  });
});

// Inference: a residual block with a projection shortcut, relu(conv(x, wp) + bp + b2 +
// conv2(relu(b1 + conv1(x)))), image by image where every convolution runs on the direct kernels
// (conv1 and the projection strided: phase planes): the bits of conv2dForward (projection, no
// act), conv2dForward (conv1, relu), then conv2dForwardAdd (conv2, relu) onto the projection.
describe('conv2dProjectionBlockForward (inference: a residual block with a projection shortcut in one kernel)', () => {
  type Block = { N: number; C: number; H: number; W: number; mid: number; OC: number; s: number; k1: number; k2: number; kp: number; bias: boolean };
  const BLOCKS: Array<[string, Block]> = [
    ['16->32 s2 28x28, 1x1 projection (the bench)', { N: 3, C: 16, H: 28, W: 28, mid: 32, OC: 32, s: 2, k1: 3, k2: 3, kp: 1, bias: false }],
    ['9->16->24 s2 15x13, 3x3 projection, biases (odd sizes)', { N: 2, C: 9, H: 15, W: 13, mid: 16, OC: 24, s: 2, k1: 3, k2: 3, kp: 3, bias: true }],
    ['8->8->16 s3 11x10, 5x5 conv1', { N: 2, C: 8, H: 11, W: 10, mid: 8, OC: 16, s: 3, k1: 5, k2: 3, kp: 1, bias: true }],
    ['8->16->12 stride 1 (channels only) 9x9', { N: 1, C: 8, H: 9, W: 9, mid: 16, OC: 12, s: 1, k1: 3, k2: 3, kp: 1, bias: true }],
    ['8->4->16 s2 8x8 (mid below a block of 8: the whole-batch path)', { N: 2, C: 8, H: 8, W: 8, mid: 4, OC: 16, s: 2, k1: 3, k2: 3, kp: 1, bias: true }],
  ];
  const convOf = (b: Block, cin: number, cout: number, k: number, s: number, H: number, W: number): Conv =>
    conv({ N: b.N, C: cin, H, W, OC: cout, KH: k, KW: k, sh: s, sw: s, ph: (k - 1) / 2, pw: (k - 1) / 2, bias: b.bias });
  const outHW2 = (b: Block): [number, number] => [Math.ceil(b.H / b.s), Math.ceil(b.W / b.s)];
  const args = (b: Block): number[] => [b.N, b.C, b.H, b.W, b.mid, b.OC, b.s, (b.k1 - 1) / 2, (b.k1 - 1) / 2,
    (b.k2 - 1) / 2, (b.k2 - 1) / 2, (b.kp - 1) / 2, (b.kp - 1) / 2];
  const operands = (b: Block, seed: number) => blockOperands(b, seed);
  const threeKernels = (b: Block, o: ReturnType<typeof operands>): Float32Array => {
    const [OH, OW] = outHW2(b);
    const out = new Float32Array(b.N * b.OC * OH * OW);
    native.conv2dForward(out, o.x, o.wp, o.bp, ...geom(convOf(b, b.C, b.OC, b.kp, b.s, b.H, b.W)), 0);
    const hidden = new Float32Array(b.N * b.mid * OH * OW);
    native.conv2dForward(hidden, o.x, o.w1, o.b1, ...geom(convOf(b, b.C, b.mid, b.k1, b.s, b.H, b.W)), 1);
    native.conv2dForwardAdd(out, hidden, o.w2, o.b2, ...geom(convOf(b, b.mid, b.OC, b.k2, 1, OH, OW)), 1);
    return out;
  };
  const run = (b: Block, o: ReturnType<typeof operands>): Float32Array => {
    const [OH, OW] = outHW2(b);
    const out = new Float32Array(b.N * b.OC * OH * OW).fill(NaN);
    native.conv2dProjectionBlockForward(out, o.x, o.w1, o.b1, o.w2, o.b2, o.wp, o.bp, ...args(b));
    return out;
  };

  for (const [name, b] of BLOCKS) {
    it(`${name}: the bits of the three kernels, and the reference`, () => {
      const o = operands(b, b.N * 5 + b.C + b.mid + b.OC * 3 + b.s);
      const got = run(b, o);
      expect(Array.from(got)).toEqual(Array.from(threeKernels(b, o)));
      const [OH, OW] = outHW2(b);
      const proj = convRef(convOf(b, b.C, b.OC, b.kp, b.s, b.H, b.W), o.x, o.wp, o.bp);
      const h = convRef(convOf(b, b.C, b.mid, b.k1, b.s, b.H, b.W), o.x, o.w1, o.b1).map((v) => Math.max(0, v));
      const ref = convRef(convOf(b, b.mid, b.OC, b.k2, 1, OH, OW), h, o.w2, o.b2).map((v, i) => Math.max(0, v + proj[i]));
      expectClose(got, ref, 1e-5, 2e-7 * b.mid * b.k2 * b.k2 * b.C * b.k1, 'out');
      expect(got.some((v) => v === 0) && got.some((v) => v > 0)).toBe(true);
    });
  }

  it('on every ISA the bits of the three kernels; 1 or 2 threads alike', () => {
    const b: Block = { N: 9, C: 16, H: 14, W: 14, mid: 16, OC: 24, s: 2, k1: 3, k2: 3, kp: 1, bias: true };
    const o = operands(b, 6);
    sameForThreads(() => run(b, o));
    const original: string = native.getIsa();
    const order = ['generic', 'avx2', 'avx512'];
    try {
      for (const isa of order.filter((i) => order.indexOf(i) <= order.indexOf(native.detectIsa()))) {
        native.setIsa(isa);
        expect(Array.from(run(b, o))).toEqual(Array.from(threeKernels(b, o)));
      }
    } finally {
      native.setIsa(original);
    }
  });

  it('argument errors name the argument', () => {
    const b: Block = { N: 1, C: 8, H: 6, W: 6, mid: 8, OC: 8, s: 2, k1: 3, k2: 3, kp: 1, bias: false };
    const o = operands(b, 10);
    const a = args(b);
    const call = (out: Float32Array, x: Float32Array, wp = o.wp) =>
      () => native.conv2dProjectionBlockForward(out, x, o.w1, null, o.w2, null, wp, null, ...a);
    expect(call(new Float32Array(8 * 9 - 1), o.x)).toThrow(/out/);
    expect(call(new Float32Array(8 * 9), o.x, o.wp.subarray(1))).toThrow(/wp/);
    const shared = new Float32Array(o.x.length + 8 * 9);
    expect(call(shared.subarray(o.x.length - 4, o.x.length - 4 + 8 * 9), shared.subarray(0, o.x.length))).toThrow(/overlap/);
    expect(() => native.conv2dProjectionBlockForward(new Float32Array(72), o.x, o.w1, null, o.w2, null, o.wp, null, ...a.slice(0, 6), 0,
      ...a.slice(7))).toThrow(/stride/);
  });
});

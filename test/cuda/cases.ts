/**
 * The op cases the GPU test runs on both backends: every op the CUDA backend implements, on
 * awkward sizes (not multiples of the tiles, single rows, broadcasting, tails), with gradients
 * that start non-zero (backward kernels accumulate). Tolerances per op class: elementwise fp32
 * close to the CPU's fast exp/tanh; reductions (double accumulation) tight; GEMM per precision.
 */
import { rand, randInt } from './harness';
import { native } from '../../lib/native';

/** The CPU's argmax indices of a max pooling (valid indices for the backward cases). */
function cpuMaxPool(out: Float32Array, idx: Int32Array, x: Float32Array, geom: readonly (number | boolean)[]): void {
  (native.backends.cpu.maxPool2dForward as (...a: unknown[]) => void)(out, idx, x, ...geom);
}

export interface OpCase {
  name: string;
  op: string;
  args: unknown[];
  rtol: number;
  atol: number;
  /** GEMM precision the case needs ('fp32' unless it tests the tensor-core paths). */
  precision?: 'fp32' | 'tf32' | 'bf16';
}

const EW = { rtol: 2e-5, atol: 2e-6 };
const RED = { rtol: 1e-5, atol: 1e-5 };
const MM = { rtol: 1e-4, atol: 1e-4 };

const UNARY: [string, number[], number, number][] = [
  // op, attrs, input range lo, hi
  ['reluForward', [], -2, 2], ['leakyReluForward', [0.1], -2, 2], ['eluForward', [0.7], -3, 2], ['seluForward', [], -3, 2],
  ['geluForward', [], -4, 4], ['geluTanhForward', [], -4, 4], ['siluForward', [], -6, 6], ['sigmoidForward', [], -8, 8],
  ['tanhForward', [], -4, 4], ['softplusForward', [2, 5], -6, 6], ['hardswishForward', [], -5, 5], ['negForward', [], -2, 2],
  ['expForward', [], -5, 5], ['logForward', [], 0.01, 5], ['sqrtForward', [], 0, 9], ['absForward', [], -2, 2],
  ['squareForward', [], -3, 3], ['addScalarForward', [0.25], -2, 2], ['mulScalarForward', [-1.5], -2, 2],
  ['powScalarForward', [1.7], 0.1, 3], ['rdivScalarForward', [2], 0.5, 3], ['clampForward', [-0.5, 0.75], -2, 2],
  ['negBackward', [], -2, 2], ['mulScalarBackward', [3], -2, 2], ['addInto', [], -2, 2], ['copy', [], -2, 2],
  ['log1pForward', [], -0.9, 5], ['sinForward', [], -7, 7], ['cosForward', [], -7, 7],
];

const UNARY_BWD: [string, number[], number, number][] = [
  ['reluBackward', [], -2, 2], ['leakyReluBackward', [0.1], -2, 2], ['eluBackward', [0.7], -3, 2],
  ['seluBackward', [], -3, 2], ['geluBackward', [], -4, 4], ['geluTanhBackward', [], -4, 4], ['siluBackward', [], -6, 6],
  ['sigmoidBackward', [], 0.01, 0.99], ['tanhBackward', [], -0.99, 0.99], ['softplusBackward', [2, 5], -6, 6],
  ['hardswishBackward', [], -5, 5], ['expBackward', [], 0.1, 5], ['logBackward', [], 0.1, 5], ['sqrtBackward', [], 0.1, 3],
  ['absBackward', [], -2, 2], ['squareBackward', [], -2, 2], ['powScalarBackward', [1.7], 0.1, 3],
  ['rdivScalarBackward', [2], 0.5, 3], ['clampBackward', [-0.5, 0.75], -2, 2],
  ['log1pBackward', [], -0.9, 5], ['sinBackward', [], -7, 7], ['cosBackward', [], -7, 7],
];

export function opCases(): OpCase[] {
  const cases: OpCase[] = [];
  const n = 1000 + 37;  // not a multiple of any block size
  UNARY.forEach(([op, attrs, lo, hi], i) => {
    cases.push({ name: op, op, args: [rand(n, 100 + i), rand(n, 200 + i, lo, hi), n, ...attrs], ...EW });
  });
  UNARY_BWD.forEach(([op, attrs, lo, hi], i) => {
    cases.push({ name: op, op, args: [rand(n, 300 + i), rand(n, 400 + i, lo, hi), rand(n, 500 + i), n, ...attrs], ...EW });
  });

  // Broadcasting binary ops: a (3, 1, 5), b (4, 5) -> out (3, 4, 5); b scalar; same shapes.
  const shapes: [number[], number[], number[]][] = [[[3, 1, 5], [4, 5], [3, 4, 5]], [[2, 3, 7], [1], [2, 3, 7]],
    [[6, 33], [6, 33], [6, 33]], [[2, 1, 4, 1], [1, 3, 1, 5], [2, 3, 4, 5]]];
  const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
  ['add', 'sub', 'mul', 'div'].forEach((op, i) => {
    shapes.forEach(([as, bs, os], j) => {
      const a = rand(size(as), 600 + 10 * i + j), b = rand(size(bs), 700 + 10 * i + j, 0.5, 2);
      cases.push({ name: `${op}Forward ${as}x${bs}`, op: `${op}Forward`, args: [rand(size(os), 1), a, as, b, bs], ...EW });
      cases.push({ name: `${op}Backward ${as}x${bs}`, op: `${op}Backward`,
        args: [rand(size(as), 800 + j), rand(size(bs), 900 + j), rand(size(os), 1000 + j), a, as, b, bs], rtol: 1e-4, atol: 1e-5 });
    });
  });

  // Masks: comparisons of grid values (ties) with broadcasting, float32 and int32; where and its
  // backward (accumulating), casts both ways (exact).
  const grid = (n: number, seed: number) => Float32Array.from(rand(n, seed, -2, 2), (v) => Math.round(v * 2) / 2);
  shapes.forEach(([as, bs, os], j) => {
    for (let code = 0; code < 6; code++) {
      cases.push({ name: `compareF32 ${code} ${as}x${bs}`, op: 'compareF32',
        args: [rand(size(os), 1), grid(size(as), 1100 + j), as, grid(size(bs), 1200 + j), bs, code], rtol: 0, atol: 0 });
      cases.push({ name: `compareI32 ${code} ${as}x${bs}`, op: 'compareI32',
        args: [rand(size(os), 1), randInt(size(as), 1300 + j, 5), as, randInt(size(bs), 1400 + j, 5), bs, code], rtol: 0, atol: 0 });
    }
  });
  const cond = Float32Array.from(randInt(n, 1500, 2));
  cases.push({ name: 'whereForward', op: 'whereForward', args: [rand(n, 1), cond, rand(n, 1501), rand(n, 1502), n], rtol: 0, atol: 0 });
  cases.push({ name: 'whereBackward', op: 'whereBackward', args: [rand(n, 1503), rand(n, 1504), rand(n, 1505), cond, n], ...EW });
  cases.push({ name: 'whereBackward (db only)', op: 'whereBackward', args: [null, rand(n, 1506), rand(n, 1507), cond, n], ...EW });
  cases.push({ name: 'castI32ToF32', op: 'castI32ToF32', args: [rand(n, 1), randInt(n, 1508, 1 << 30), n], rtol: 0, atol: 0 });
  const toInt = rand(n, 1509, -1e6, 1e6);
  toInt[0] = NaN; toInt[1] = Infinity; toInt[2] = -3e9;
  cases.push({ name: 'castF32ToI32', op: 'castF32ToI32', args: [new Int32Array(n), toInt, n], rtol: 0, atol: 0 });

  // Permute: merged axes, a kept last axis, rank 8, a size-1 axis; backward accumulates.
  for (const [shape, perm] of [[[2, 3, 17], [2, 0, 1]], [[5, 7, 33], [0, 2, 1]], [[2, 3, 5, 7], [1, 0, 2, 3]],
    [[2, 2, 1, 3, 2, 1, 2, 3], [7, 0, 6, 1, 5, 2, 4, 3]], [[64, 65], [1, 0]]] as [number[], number[]][]) {
    const m = size(shape);
    cases.push({ name: `permuteForward ${shape}/${perm}`, op: 'permuteForward', args: [rand(m, 1), rand(m, 1600 + m), shape, perm], rtol: 0, atol: 0 });
    cases.push({ name: `permuteBackward ${shape}/${perm}`, op: 'permuteBackward', args: [rand(m, 1601), rand(m, 1602 + m), shape, perm], ...EW });
  }

  // Rows: softmax / logSoftmax on (N, C) with C past one block and C = 1.
  for (const [N, C] of [[7, 1000], [33, 10], [5, 1], [2, 4099]]) {
    const x = rand(N * C, N + C, -6, 6);
    cases.push({ name: `softmaxForward ${N}x${C}`, op: 'softmaxForward', args: [rand(N * C, 2), x, N, C], ...EW });
    cases.push({ name: `logSoftmaxForward ${N}x${C}`, op: 'logSoftmaxForward', args: [rand(N * C, 3), x, N, C], ...EW });
    const y = new Float32Array(N * C);
    for (let r = 0; r < N; r++) {  // a real softmax output row
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp(x[r * C + c]);
      for (let c = 0; c < C; c++) y[r * C + c] = Math.exp(x[r * C + c]) / s;
    }
    const ly = Float32Array.from(y, Math.log);
    cases.push({ name: `softmaxBackward ${N}x${C}`, op: 'softmaxBackward', args: [rand(N * C, 4), y, rand(N * C, 5), N, C], ...RED });
    cases.push({ name: `logSoftmaxBackward ${N}x${C}`, op: 'logSoftmaxBackward', args: [rand(N * C, 6), ly, rand(N * C, 7), N, C], ...RED });
  }

  // Reductions over (outer, dim, inner).
  for (const [o, d, i] of [[1, 100000, 1], [37, 513, 1], [3, 17, 129], [1, 5, 1000], [4, 1, 3]]) {
    const x = rand(o * d * i, o + d + i);
    for (const op of ['sumForward', 'meanForward']) cases.push({ name: `${op} ${o},${d},${i}`, op, args: [rand(o * i, 9), x, o, d, i], ...RED });
    for (const op of ['sumBackward', 'meanBackward']) cases.push({ name: `${op} ${o},${d},${i}`, op, args: [rand(o * d * i, 10), rand(o * i, 11), o, d, i], ...RED });
    const idx = randInt(o * i, 12, d);
    cases.push({ name: `maxForward ${o},${d},${i}`, op: 'maxForward', args: [rand(o * i, 13), new Int32Array(o * i), x, o, d, i], rtol: 0, atol: 0 });
    cases.push({ name: `argmax ${o},${d},${i}`, op: 'argmax', args: [new Int32Array(o * i), x, o, d, i], rtol: 0, atol: 0 });
    cases.push({ name: `maxBackward ${o},${d},${i}`, op: 'maxBackward', args: [rand(o * d * i, 14), rand(o * i, 15), idx, o, d, i], ...RED });
  }
  const withNan = rand(40, 16);
  withNan[13] = NaN;
  cases.push({ name: 'maxForward with NaN', op: 'maxForward', args: [new Float32Array(2), new Int32Array(2), withNan, 2, 20, 1], rtol: 0, atol: 0 });

  // GEMM: every transpose, odd sizes, leading dimensions > width, bias + relu, beta, K = 0.
  for (const [M, N, K] of [[1, 1, 1], [17, 33, 65], [130, 127, 257], [256, 200, 64], [5, 300, 0]]) {
    for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]]) {
      const lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 1, ldc = N + 2;
      const A = rand((ta ? K : M) * lda, M + K + 1), B = rand((tb ? N : K) * ldb, N + K + 2), C = rand(M * ldc, 3);
      const bias = rand(N, 4);
      cases.push({ name: `gemm fp32 ${M}x${N}x${K} ${ta}${tb}`, op: 'gemm', precision: 'fp32',
        args: [ta, tb, M, N, K, 1.25, A, lda, B, ldb, 0.5, C, ldc, bias, 1], ...MM });
      cases.push({ name: `gemm tf32 ${M}x${N}x${K} ${ta}${tb}`, op: 'gemm', precision: 'tf32',
        args: [ta, tb, M, N, K, 1, A, lda, B, ldb, 0, C, ldc, null, 0], rtol: 1e-2, atol: 2e-2 });
      cases.push({ name: `gemm bf16 ${M}x${N}x${K} ${ta}${tb}`, op: 'gemm', precision: 'bf16',
        args: [ta, tb, M, N, K, 1, A, lda, B, ldb, 1, C, ldc, bias, 0], rtol: 3e-2, atol: 1.5e-1 });
    }
  }

  // Linear with each activation (forward and backward), one batch row, odd widths.
  for (const [B, C, OC] of [[1, 7, 3], [64, 100, 33], [129, 257, 130]]) {
    for (let act = 0; act <= 5; act++) {
      const x = rand(B * C, B + act), w = rand(OC * C, C + act, -0.3, 0.3), bias = rand(OC, OC);
      const pre = new Float32Array(B * OC), out = new Float32Array(B * OC);
      cases.push({ name: `linearForward ${B}x${C}x${OC} act ${act}`, op: 'linearForward', precision: 'fp32',
        args: [out, x, w, bias, B, C, OC, act, act >= 4 ? pre : null], ...MM });
      // Backward needs a consistent (out, pre): computed on the host.
      const p = new Float32Array(B * OC), o = new Float32Array(B * OC);
      for (let b = 0; b < B; b++) for (let j = 0; j < OC; j++) {
        let s = bias[j];
        for (let c = 0; c < C; c++) s += x[b * C + c] * w[j * C + c];
        p[b * OC + j] = s;
        o[b * OC + j] = act === 1 ? Math.max(s, 0) : act === 2 ? 1 / (1 + Math.exp(-s)) : act === 3 ? Math.tanh(s) : s;
      }
      cases.push({ name: `linearBackward ${B}x${C}x${OC} act ${act}`, op: 'linearBackward', precision: 'fp32',
        args: [rand(B * C, 1), rand(OC * C, 2), rand(OC, 3), rand(B * OC, 4), x, w, o, p, B, C, OC, act], rtol: 1e-4, atol: 2e-4 });
    }
  }

  // Layer norm, batch norm (training and eval), embedding.
  for (const [N, C] of [[1, 5], [33, 300], [4, 2049]]) {
    const x = rand(N * C, N + C, -3, 3), w = rand(C, 1), b = rand(C, 2);
    cases.push({ name: `layerNormForward ${N}x${C}`, op: 'layerNormForward',
      args: [new Float32Array(N * C), new Float32Array(N), new Float32Array(N), x, w, b, N, C, 1e-5], ...RED });
    let mean = new Float32Array(N), rstd = new Float32Array(N);
    for (let r = 0; r < N; r++) {
      let s = 0, v = 0;
      for (let c = 0; c < C; c++) s += x[r * C + c];
      const m = s / C;
      for (let c = 0; c < C; c++) v += (x[r * C + c] - m) ** 2;
      mean[r] = m; rstd[r] = 1 / Math.sqrt(v / C + 1e-5);
    }
    cases.push({ name: `layerNormBackward ${N}x${C}`, op: 'layerNormBackward',
      args: [rand(N * C, 3), rand(C, 4), rand(C, 5), rand(N * C, 6), x, w, mean, rstd, N, C], rtol: 1e-4, atol: 1e-4 });
    mean = new Float32Array(N); rstd = new Float32Array(N);
  }
  for (const [N, C, L] of [[4, 3, 50], [1, 16, 7], [32, 5, 1]]) {
    const x = rand(N * C * L, N + C + L, -2, 3), w = rand(C, 1), b = rand(C, 2);
    for (const training of [true, false]) {
      cases.push({ name: `batchNormForward ${N},${C},${L} ${training}`, op: 'batchNormForward',
        args: [new Float32Array(N * C * L), new Float32Array(C), new Float32Array(C), rand(C, 3), rand(C, 4, 0.5, 2), x, w, b,
          N, C, L, 1e-5, 0.1, training], ...RED });
      cases.push({ name: `batchNormBackward ${N},${C},${L} ${training}`, op: 'batchNormBackward',
        args: [rand(N * C * L, 5), rand(C, 6), rand(C, 7), rand(N * C * L, 8), x, w, rand(C, 9), rand(C, 10, 0.5, 2), N, C, L, training],
        rtol: 1e-4, atol: 1e-4 });
    }
  }
  for (const [N, V, D] of [[1, 1, 1], [50, 7, 33], [300, 1000, 64]]) {
    const idx = randInt(N, N + V, V);
    cases.push({ name: `embeddingForward ${N},${V},${D}`, op: 'embeddingForward', args: [new Float32Array(N * D), rand(V * D, 1), idx, N, V, D], rtol: 0, atol: 0 });
    cases.push({ name: `embeddingBackward ${N},${V},${D}`, op: 'embeddingBackward',
      args: [rand(V * D, 2), rand(N * D, 3), idx, N, V, D, V > 1 ? 0 : -1], rtol: 1e-5, atol: 1e-5 });
  }

  // Convolution (im2col + GEMM on the GPU): padding, stride, dilation, groups, 1x1, bias, relu.
  for (const [N, C, H, W, OC, KH, KW, sh, sw, ph, pw, dh, dw, gr] of [
    [2, 3, 9, 11, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1], [1, 4, 8, 8, 6, 3, 2, 2, 1, 0, 1, 2, 1, 2],
    [3, 8, 5, 7, 5, 1, 1, 1, 1, 0, 0, 1, 1, 1], [2, 6, 12, 10, 6, 5, 5, 2, 2, 2, 2, 1, 1, 3]]) {
    const OH = Math.floor((H + 2 * ph - dh * (KH - 1) - 1) / sh) + 1, OW = Math.floor((W + 2 * pw - dw * (KW - 1) - 1) / sw) + 1;
    const x = rand(N * C * H * W, N + C + H), w = rand(OC * (C / gr) * KH * KW, OC + KH, -0.5, 0.5), bias = rand(OC, 3);
    const geom = [N, C, H, W, OC, KH, KW, sh, sw, ph, pw, dh, dw, gr];
    const tag = geom.join(',');
    for (const act of [0, 1]) {
      cases.push({ name: `conv2dForward ${tag} act ${act}`, op: 'conv2dForward', precision: 'fp32',
        args: [new Float32Array(N * OC * OH * OW), x, w, act ? bias : null, ...geom, act], ...MM });
      cases.push({ name: `conv2dBackward ${tag} act ${act}`, op: 'conv2dBackward', precision: 'fp32',
        args: [rand(N * C * H * W, 5), rand(w.length, 6), rand(OC, 7), rand(N * OC * OH * OW, 8), x, w,
          rand(N * OC * OH * OW, 9), ...geom, act], rtol: 1e-4, atol: 2e-4 });
    }
    cases.push({ name: `conv2dForward tf32 ${tag}`, op: 'conv2dForward', precision: 'tf32',
      args: [new Float32Array(N * OC * OH * OW), x, w, bias, ...geom, 0], rtol: 1e-2, atol: 2e-2 });
  }
  // Pooling: max (padding, dilation, ceil mode, a NaN), average (with and without the padding
  // in the count), adaptive average.
  for (const [N, C, H, W, KH, KW, sh, sw, ph, pw, dh, dw, ceil] of [
    [2, 3, 8, 8, 2, 2, 2, 2, 0, 0, 1, 1, false], [1, 2, 9, 7, 3, 3, 2, 2, 1, 1, 1, 1, true],
    [2, 2, 10, 11, 3, 2, 1, 2, 1, 0, 2, 1, false]] as const) {
    const x = rand(N * C * H * W, H * W + KH);
    x[5] = NaN;
    const OHf = (H + 2 * ph - dh * (KH - 1) - 1) / sh, OWf = (W + 2 * pw - dw * (KW - 1) - 1) / sw;
    let OH = (ceil ? Math.ceil(OHf) : Math.floor(OHf)) + 1, OW = (ceil ? Math.ceil(OWf) : Math.floor(OWf)) + 1;
    if (ceil && (OH - 1) * sh >= H + ph) OH--;
    if (ceil && (OW - 1) * sw >= W + pw) OW--;
    const geom = [N, C, H, W, KH, KW, sh, sw, ph, pw, dh, dw, ceil] as const;
    const no = N * C * OH * OW;
    cases.push({ name: `maxPool2dForward ${geom}`, op: 'maxPool2dForward', args: [new Float32Array(no), new Int32Array(no), x, ...geom], rtol: 0, atol: 0 });
    const idx = new Int32Array(no), tmp = new Float32Array(no);
    cpuMaxPool(tmp, idx, x, geom);
    cases.push({ name: `maxPool2dBackward ${geom}`, op: 'maxPool2dBackward', args: [rand(N * C * H * W, 1), rand(no, 2), idx, ...geom], ...RED });
    if (dh === 1 && dw === 1) {
      const xa = rand(N * C * H * W, 77);
      for (const inc of [true, false]) {
        const ag = [N, C, H, W, KH, KW, sh, sw, ph, pw, ceil, inc];
        cases.push({ name: `avgPool2dForward ${ag}`, op: 'avgPool2dForward', args: [new Float32Array(no), xa, ...ag], ...EW });
        cases.push({ name: `avgPool2dBackward ${ag}`, op: 'avgPool2dBackward', args: [rand(N * C * H * W, 3), rand(no, 4), ...ag], ...RED });
      }
    }
  }
  for (const [N, C, H, W, OH, OW] of [[2, 3, 7, 9, 3, 4], [1, 2, 5, 5, 1, 1], [1, 1, 4, 6, 4, 6]]) {
    const x = rand(N * C * H * W, H + W);
    cases.push({ name: `adaptiveAvgPool2dForward ${N},${C},${H},${W}->${OH},${OW}`, op: 'adaptiveAvgPool2dForward',
      args: [new Float32Array(N * C * OH * OW), x, N, C, H, W, OH, OW], ...EW });
    cases.push({ name: `adaptiveAvgPool2dBackward ${N},${C},${H},${W}->${OH},${OW}`, op: 'adaptiveAvgPool2dBackward',
      args: [rand(N * C * H * W, 1), rand(N * C * OH * OW, 2), N, C, H, W, OH, OW], ...RED });
  }

  // Transpose (B, R, C).
  for (const [B, R, C] of [[1, 1, 1], [3, 33, 65], [2, 100, 7]]) {
    cases.push({ name: `transposeForward ${B},${R},${C}`, op: 'transposeForward', args: [new Float32Array(B * R * C), rand(B * R * C, 1), B, R, C], rtol: 0, atol: 0 });
    cases.push({ name: `transposeBackward ${B},${R},${C}`, op: 'transposeBackward', args: [rand(B * R * C, 2), rand(B * R * C, 3), B, R, C], ...EW });
  }

  // Cross-entropy: reductions, class weights, label smoothing, ignore_index.
  for (const [N, C] of [[1, 3], [37, 10], [8, 1001]]) {
    const logits = rand(N * C, N * C, -4, 4);
    const labels = randInt(N, N, C);
    if (N > 2) labels[1] = -100;
    for (const red of [0, 1, 2]) for (const [weight, ls] of [[null, 0], [rand(C, 1, 0.5, 2), 0], [null, 0.1], [rand(C, 2, 0.5, 2), 0.2]] as const) {
      const tag = `${N}x${C} red ${red} w ${weight ? 1 : 0} ls ${ls}`;
      cases.push({ name: `crossEntropyForward ${tag}`, op: 'crossEntropyForward',
        args: [new Float32Array(red === 0 ? N : 1), new Float32Array(N * C), logits, labels, weight, N, C, ls, red, -100], ...RED });
      const probs = new Float32Array(N * C);
      for (let r = 0; r < N; r++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += Math.exp(logits[r * C + c]);
        for (let c = 0; c < C; c++) probs[r * C + c] = Math.exp(logits[r * C + c]) / s;
      }
      cases.push({ name: `crossEntropyBackward ${tag}`, op: 'crossEntropyBackward',
        args: [rand(N * C, 3), probs, labels, weight, rand(red === 0 ? N : 1, 4), N, C, ls, red, -100], ...RED });
    }
  }
  // Pair losses.
  for (const op of ['mse', 'l1']) for (const red of [0, 1, 2]) {
    const m = 1001;
    cases.push({ name: `${op}Forward red ${red}`, op: `${op}Forward`, args: [new Float32Array(red === 0 ? m : 1), rand(m, 1), rand(m, 2), m, red], ...RED });
    cases.push({ name: `${op}Backward red ${red}`, op: `${op}Backward`,
      args: [rand(m, 3), rand(m, 4), rand(m, 1), rand(m, 2), rand(red === 0 ? m : 1, 5), m, red], ...RED });
  }

  // Optimizers over a flat buffer, every variant.
  const P = 4099;
  for (const [mom, damp, nest, wd, first] of [[0, 0, false, 0, false], [0.9, 0, false, 1e-2, true], [0.9, 0.1, true, 0, false]] as const) {
    cases.push({ name: `sgdUpdate m${mom} n${nest} first ${first}`, op: 'sgdUpdate',
      args: [rand(P, 1), rand(P, 2), rand(P, 3), P, 0.05, mom, damp, nest, wd, first], ...EW });
  }
  for (const [wd, step, dec, ams] of [[0, 1, false, false], [1e-2, 7, true, false], [1e-2, 3, false, true]] as const) {
    cases.push({ name: `adamUpdate wd ${wd} step ${step} decoupled ${dec} amsgrad ${ams}`, op: 'adamUpdate',
      args: [rand(P, 1), rand(P, 2), rand(P, 3), rand(P, 4, 0, 1), rand(P, 5, 0, 1), P, 1e-3, 0.9, 0.999, 1e-8, wd, step, dec, ams],
      rtol: 1e-5, atol: 1e-6 });
  }
  for (const [mom, cen] of [[0, false], [0.9, true]] as const) {
    cases.push({ name: `rmspropUpdate m ${mom} centered ${cen}`, op: 'rmspropUpdate',
      args: [rand(P, 1), rand(P, 2), rand(P, 3, 0.5, 1), rand(P, 4, -0.1, 0.1), rand(P, 5), P, 1e-2, 0.99, 1e-8, 1e-3, mom, cen], ...EW });
  }
  cases.push({ name: 'adagradUpdate', op: 'adagradUpdate', args: [rand(P, 1), rand(P, 2), rand(P, 3, 0, 1), P, 1e-2, 1e-3, 1e-4, 1e-10, 5], ...EW });
  cases.push({ name: 'l2Norm', op: 'l2Norm', args: [rand(100003, 1), 100003], ...RED });
  cases.push({ name: 'clipByNorm (clips)', op: 'clipByNorm', args: [rand(5000, 2), 5000, 1], ...RED });
  cases.push({ name: 'clipByNorm (no clip)', op: 'clipByNorm', args: [rand(5000, 3), 5000, 1e6], ...RED });
  const bad = rand(3000, 4);
  bad[2999] = Infinity;
  cases.push({ name: 'allFinite (finite)', op: 'allFinite', args: [rand(3000, 5), 3000], rtol: 0, atol: 0 });
  cases.push({ name: 'allFinite (inf)', op: 'allFinite', args: [bad, 3000], rtol: 0, atol: 0 });
  cases.push({ name: 'scaleInPlace', op: 'scaleInPlace', args: [rand(777, 6), 777, -0.5], ...EW });
  cases.push({ name: 'clipByValue', op: 'clipByValue', args: [rand(777, 7), 777, -0.2, 0.3], ...EW });
  cases.push({ name: 'fillF32', op: 'fillF32', args: [rand(777, 8), 777, 3.5], ...EW });
  cases.push({ name: 'arangeF32', op: 'arangeF32', args: [rand(777, 9), 777, -2, 0.1], ...EW });
  cases.push({ name: 'fillI32', op: 'fillI32', args: [new Int32Array(777), 777, -7], rtol: 0, atol: 0 });
  cases.push({ name: 'eyeF32', op: 'eyeF32', args: [rand(35, 10), 5, 7], rtol: 0, atol: 0 });
  return cases;
}

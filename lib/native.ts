/**
 * The native addon and its typed interface.
 *
 * Loads the addon (prebuilt binary first, local build as the fallback) and sets the OpenMP
 * wait policy before libgomp initializes.
 *
 * The interface mirrors the op table in native/ops/op_table.h: OP_TABLE lists every op with
 * its signature kind and params, KindSignatures gives each kind's TypeScript signature, and
 * OpKernels (one function per op, typed by its kind) is derived from the two. The addon exports
 * one OpKernels object per backend (`native.backends.cpu`); callers pick it by the tensors'
 * device with kernelsFor (lib/ops/util.ts) or kernels(device). test/native/op_table.test.ts
 * fails when this file and the native table disagree.
 *
 * The wait policy: libgomp's default spins for a long time after each parallel region. On a
 * 2-core machine the spinning worker competes with the JS thread, V8's helper threads and any
 * other process, and back-to-back kernels get several times slower (measured with
 * bench/kernels/omp-wait.mjs: 20 parallel kernels with JS work in between took ~350 ms with
 * libgomp's default, ~31 ms with GOMP_SPINCOUNT=10000 and ~8 ms with OMP_WAIT_POLICY=passive;
 * the 784-512-256-10 training step at 2 threads went from 9.5 ms to 5.1 ms). So idle workers
 * sleep at once (passive), unless the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT.
 */
import path from 'node:path';
import { requireDevice } from './cuda/addon';

if (process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined) {
  process.env.OMP_WAIT_POLICY = 'passive';
}

/**
 * Where a tensor's memory lives; each device has a backend (kernel table): 'cpu' in the main
 * addon, 'cuda' in the optional CUDA addon (lib/cuda/addon.ts, loaded on first use).
 */
export type Device = 'cpu' | 'cuda';

type F32 = Float32Array;
type F32N = Float32Array | null;
type I32 = Int32Array;
type Shape = readonly number[];

/**
 * The TypeScript signature of each kind (native/ops/kinds.h and the helpers in
 * native/binding/kind_*.cc). Sizes are plain numbers; `attrs` are the row's attribute params.
 */
export interface KindSignatures {
  pointwise: (out: F32, x: F32, n: number, ...attrs: number[]) => void;
  pointwise_bwd: (dx: F32, saved: F32, dout: F32, n: number, ...attrs: number[]) => void;
  binary: (out: F32, a: F32, aShape: Shape, b: F32, bShape: Shape) => void;
  binary_bwd: (da: F32N, db: F32N, dout: F32, a: F32N, aShape: Shape, b: F32N, bShape: Shape) => void;
  rows: (out: F32, x: F32, N: number, C: number) => void;
  rows_bwd: (dx: F32, out: F32, dout: F32, N: number, C: number) => void;
  reduce: (out: F32, x: F32, outer: number, dim: number, inner: number) => void;
  reduce_bwd: (dx: F32, dout: F32, outer: number, dim: number, inner: number) => void;
  reduce_index: (out: F32, idx: I32, x: F32, outer: number, dim: number, inner: number) => void;
  reduce_index_bwd: (dx: F32, dout: F32, idx: I32, outer: number, dim: number, inner: number) => void;
  argmax: (idx: I32, x: F32, outer: number, dim: number, inner: number) => void;
  linear: (out: F32, x: F32, w: F32, bias: F32N, B: number, C: number, OC: number, act: number, pre: F32N) => void;
  linear_bwd: (dx: F32N, dw: F32N, db: F32N, dout: F32, x: F32, w: F32, out: F32N, pre: F32N,
    B: number, C: number, OC: number, act: number) => void;
  layer_norm: (out: F32, mean: F32, rstd: F32, x: F32, weight: F32N, bias: F32N, N: number, C: number, eps: number) => void;
  layer_norm_bwd: (dx: F32N, dweight: F32N, dbias: F32N, dout: F32, x: F32, weight: F32N, mean: F32, rstd: F32,
    N: number, C: number) => void;
  batch_norm: (out: F32, mean: F32, rstd: F32, runningMean: F32N, runningVar: F32N, x: F32, weight: F32N, bias: F32N,
    N: number, C: number, L: number, eps: number, momentum: number, training: boolean) => void;
  batch_norm_bwd: (dx: F32N, dweight: F32N, dbias: F32N, dout: F32, x: F32, weight: F32N, mean: F32, rstd: F32,
    N: number, C: number, L: number, training: boolean) => void;
  batch_norm_relu_bwd: (dx: F32N, dweight: F32N, dbias: F32N, dout: F32, x: F32, weight: F32N, mean: F32, rstd: F32,
    out: F32, N: number, C: number, L: number, training: boolean, dresidual?: F32N) => void;
  batch_norm_add: (out: F32, mean: F32, rstd: F32, runningMean: F32N, runningVar: F32N, x: F32, residual: F32,
    weight: F32N, bias: F32N, N: number, C: number, L: number, eps: number, momentum: number, training: boolean) => void;
  dropout: (out: F32, mask: Uint8Array | F32, x: F32, n: number, p: number, seedHi: number, seedLo: number,
    offset: number) => void;
  dropout_bwd: (dx: F32, dout: F32, mask: Uint8Array | F32, n: number, p: number) => void;
  /** (..., N, C, H, W, OC, KH, KW, strideH, strideW, padH, padW, dilationH, dilationW, groups, act) */
  conv2d: (out: F32, x: F32, w: F32, bias: F32N, ...geometryThenAct: number[]) => void;
  /** i13-inf (inference): (out (N, OC, floor(OH / 2), floor(OW / 2)), x, w, bias, ...geometry (as conv2d), act) */
  conv2d_maxpool2: (out: F32, x: F32, w: F32, bias: F32N, ...geometryThenAct: number[]) => void;
  /** Inference: an identity residual block, out = relu(x + b2 + conv2(relu(b1 + conv1(x)))):
   *  (out, x, w1, b1, w2, b2, N, C, H, W, mid, radiusH1, radiusW1, radiusH2, radiusW2): kernels of
   *  (2 radiusH + 1) x (2 radiusW + 1), stride 1, padding the radii (both keep H x W); out is x
   *  itself or does not overlap it. */
  conv2d_residual: (out: F32, x: F32, w1: F32, b1: F32N, w2: F32, b2: F32N, ...geometry: number[]) => void;
  /** Inference: a residual block with a projection shortcut, out = relu(conv(x, wp) + bp + b2 +
   *  conv2(relu(b1 + conv1(x)))): (out, x, w1, b1, w2, b2, wp, bp, N, C, H, W, mid, OC, stride,
   *  radiusH1, radiusW1, radiusH2, radiusW2, radiusHp, radiusWp): conv1 (2 radius + 1)-wide with
   *  padding the radius and the stride, conv2 the same at stride 1, the projection (2 radius + 1)-wide
   *  at the stride with padding the radius; out (N, OC, OH, OW) does not overlap x. */
  conv2d_proj_block: (out: F32, x: F32, w1: F32, b1: F32N, w2: F32, b2: F32N, wp: F32, bp: F32N, ...geometry: number[]) => void;
  /** (dx, dw, db, dout, x, w, out, ...geometry (as conv2d), act) */
  conv2d_bwd: (dx: F32N, dw: F32N, db: F32N, dout: F32, x: F32, w: F32, out: F32N, ...geometryThenAct: number[]) => void;
  max_pool2d: (out: F32, idx: I32 | null, x: F32, N: number, C: number, H: number, W: number, KH: number, KW: number,
    strideH: number, strideW: number, padH: number, padW: number, dilationH: number, dilationW: number, ceilMode: boolean) => void;
  max_pool2d_bwd: (dx: F32, dout: F32, idx: I32, N: number, C: number, H: number, W: number, KH: number, KW: number,
    strideH: number, strideW: number, padH: number, padW: number, dilationH: number, dilationW: number, ceilMode: boolean) => void;
  avg_pool2d: (out: F32, x: F32, N: number, C: number, H: number, W: number, KH: number, KW: number, strideH: number,
    strideW: number, padH: number, padW: number, ceilMode: boolean, countIncludePad: boolean) => void;
  avg_pool2d_bwd: (dx: F32, dout: F32, N: number, C: number, H: number, W: number, KH: number, KW: number, strideH: number,
    strideW: number, padH: number, padW: number, ceilMode: boolean, countIncludePad: boolean) => void;
  adaptive_avg_pool2d: (out: F32, x: F32, N: number, C: number, H: number, W: number, OH: number, OW: number) => void;
  adaptive_avg_pool2d_bwd: (dx: F32, dout: F32, N: number, C: number, H: number, W: number, OH: number, OW: number) => void;
  // images: bilinear upsampling (issue 13). scaleH / scaleW: the user's scale factors, or 0 when the size was given.
  upsample_bilinear2d: (out: F32, x: F32, N: number, C: number, H: number, W: number, OH: number, OW: number,
    alignCorners: boolean, scaleH: number, scaleW: number) => void;
  upsample_bilinear2d_bwd: (dx: F32, dout: F32, N: number, C: number, H: number, W: number, OH: number, OW: number,
    alignCorners: boolean, scaleH: number, scaleW: number) => void;
  embedding: (out: F32, weight: F32, indices: I32, N: number, V: number, D: number) => void;
  embedding_bwd: (dweight: F32, dout: F32, indices: I32, N: number, V: number, D: number, paddingIdx: number) => void;
  gather_rows: (out: F32, src: F32, indices: I32, nIdx: number, N: number, D: number) => void;
  gather_rows_i32: (out: I32, src: I32, indices: I32, nIdx: number, N: number, D: number) => void;
  scatter_add_rows: (dsrc: F32, dout: F32, indices: I32, nIdx: number, N: number, D: number) => void;
  // text (issue 14): EmbeddingBag (offsets: the B bag starts; mode: 0 sum, 1 mean, 2 max; maxIdx for max only;
  // perSampleWeights for sum only)
  embedding_bag: (out: F32, maxIdx: I32 | null, weight: F32, indices: I32, offsets: I32, perSampleWeights: F32N,
    nIdx: number, B: number, V: number, D: number, mode: number, paddingIdx: number) => void;
  embedding_bag_bwd: (dweight: F32N, dpsw: F32N, dout: F32, weight: F32, indices: I32, offsets: I32,
    perSampleWeights: F32N, maxIdx: I32 | null, nIdx: number, B: number, V: number, D: number, mode: number,
    paddingIdx: number) => void;
  concat: (out: F32, inputs: readonly F32[], dims: Shape, outer: number, inner: number) => void;
  concat_bwd: (dinputs: readonly F32N[], dout: F32, dims: Shape, outer: number, inner: number) => void;
  slice: (out: F32, x: F32, outer: number, dim: number, inner: number, start: number, len: number) => void;
  slice_bwd: (dx: F32, dout: F32, outer: number, dim: number, inner: number, start: number, len: number) => void;
  transpose: (out: F32, x: F32, B: number, R: number, C: number) => void;
  cross_entropy: (loss: F32, probs: F32, logits: F32, labels: I32, weight: F32N, N: number, C: number,
    labelSmoothing: number, reduction: number, ignoreIndex: number) => number;
  cross_entropy_bwd: (dlogits: F32, probs: F32, labels: I32, weight: F32N, dout: F32, N: number, C: number,
    labelSmoothing: number, reduction: number, ignoreIndex: number) => void;
  cross_entropy_dense: (loss: F32, probs: F32, logits: F32, target: F32, weight: F32N, N: number, C: number,
    labelSmoothing: number, reduction: number) => number;
  cross_entropy_dense_bwd: (dlogits: F32, probs: F32, target: F32, weight: F32N, dout: F32, N: number, C: number,
    labelSmoothing: number, reduction: number) => void;
  nll: (loss: F32, logp: F32, labels: I32, weight: F32N, N: number, C: number, reduction: number,
    ignoreIndex: number) => number;
  nll_bwd: (dlogp: F32, labels: I32, weight: F32N, dout: F32, N: number, C: number, reduction: number,
    ignoreIndex: number) => void;
  bce_logits: (loss: F32, x: F32, y: F32, posWeight: F32N, n: number, C: number, reduction: number) => number;
  bce_logits_bwd: (dx: F32, x: F32, y: F32, posWeight: F32N, dout: F32, n: number, C: number, reduction: number) => void;
  /** (loss, x, y, n, ...attrs, reduction) */
  pair_loss: (loss: F32, x: F32, y: F32, n: number, ...attrsThenReduction: number[]) => number;
  /** (dx, dy, x, y, dout, n, ...attrs, reduction) */
  pair_loss_bwd: (dx: F32N, dy: F32N, x: F32, y: F32, dout: F32, n: number, ...attrsThenReduction: number[]) => void;
  kl_div: (loss: F32, input: F32, target: F32, n: number, batch: number, logTarget: boolean, reduction: number) => number;
  kl_div_bwd: (dinput: F32, target: F32, dout: F32, n: number, batch: number, logTarget: boolean,
    reduction: number) => void;
  sgd: (params: F32, grads: F32, momentumBuf: F32N, n: number, lr: number, momentum: number, dampening: number,
    nesterov: boolean, weightDecay: number, firstStep: boolean) => void;
  adam: (params: F32, grads: F32, m: F32, v: F32, vmax: F32N, n: number, lr: number, beta1: number, beta2: number,
    eps: number, weightDecay: number, step: number, decoupled: boolean, amsgrad: boolean) => void;
  rmsprop: (params: F32, grads: F32, squareAvg: F32, gradAvg: F32N, momentumBuf: F32N, n: number, lr: number,
    alpha: number, eps: number, weightDecay: number, momentum: number, centered: boolean) => void;
  adagrad: (params: F32, grads: F32, stateSum: F32, n: number, lr: number, lrDecay: number, weightDecay: number,
    eps: number, step: number) => void;
  vec_reduce: (x: F32, n: number, ...attrs: number[]) => number;
  vec_test: (x: F32, n: number) => boolean;
  vec_map: (x: F32, n: number, ...attrs: number[]) => void;
  fill_i32: (out: I32, n: number, value: number) => void;
  eye: (out: F32, n: number, m: number) => void;
  rng: (out: F32, n: number, seedHi: number, seedLo: number, offset: number, a: number, b: number) => void;
  gemm: (transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, A: F32, lda: number,
    B: F32, ldb: number, beta: number, C: F32, ldc: number, bias: F32N, act: number) => void;
  // recurrent layers (i14-rnn): mode 0 LSTM, 1 GRU, 2 RNN tanh, 3 RNN relu (native/binding/kind_rnn.cc)
  // (optional last arguments: the LSTM projection wHr (P, H) and its size P, 0 = none)
  rnn: (out: F32, hN: F32, cN: F32N, ws: F32, x: F32, wIh: F32, wHh: F32, bIh: F32N, bHh: F32N, h0: F32N, c0: F32N,
    lengths: I32 | null, mode: number, T: number, B: number, I: number, H: number, D: number, dir: number,
    wHr?: F32N, P?: number) => void;
  rnn_bwd: (dx: F32N, dwIh: F32N, dwHh: F32N, dbIh: F32N, dbHh: F32N, dh0: F32N, dc0: F32N, dout: F32N, dhN: F32N,
    dcN: F32N, ws: F32, x: F32, wIh: F32, wHh: F32, lengths: I32 | null, mode: number, T: number, B: number,
    I: number, H: number, D: number, dir: number, dwHr?: F32N, wHr?: F32N, P?: number) => void;
  // attention / transformer (issue 14, i14-gpt): native/binding/kind_attention.cc
  attention: (out: F32, lse: F32, q: F32, k: F32, v: F32, mask: F32N, kpm: F32N, B: number, H: number, Tq: number,
    Tk: number, D: number, ldq: number, ldk: number, ldv: number, ldo: number, scale: number, causal: boolean,
    causalOffset: number, maskPerHead: boolean) => void;
  attention_bwd: (dq: F32N, dk: F32N, dv: F32N, dout: F32, q: F32, k: F32, v: F32, out: F32, lse: F32, mask: F32N,
    kpm: F32N, B: number, H: number, Tq: number, Tk: number, D: number, ldq: number, ldk: number, ldv: number,
    ldo: number, scale: number, causal: boolean, causalOffset: number, maskPerHead: boolean) => void;
  bmm: (transA: boolean, transB: boolean, B1: number, B2: number, M: number, N: number, K: number, alpha: number,
    A: F32, sA1: number, sA2: number, lda: number, B: F32, sB1: number, sB2: number, ldb: number, beta: number,
    C: F32, sC1: number, sC2: number, ldc: number) => void;
  /** op: a CompareOp code (lib/ops/compare.ts); out: 1 / 0 as float32. */
  compare: (out: F32, a: F32, aShape: Shape, b: F32, bShape: Shape, op: number) => void;
  compare_i32: (out: F32, a: I32, aShape: Shape, b: I32, bShape: Shape, op: number) => void;
  select: (out: F32, cond: F32, a: F32, b: F32, n: number) => void;
  select_bwd: (da: F32N, db: F32N, dout: F32, cond: F32, n: number) => void;
  cast_to_f32: (out: F32, x: I32, n: number) => void;
  cast_to_i32: (out: I32, x: F32, n: number) => void;
  /** shape: the input's (<= 8 sizes); perm: output axis k is input axis perm[k]. */
  permute: (a: F32, b: F32, shape: Shape, perm: readonly number[]) => void;
}

export type OpKind = keyof KindSignatures;

/** The kinds in native order (checked against the addon by test/native/op_table.test.ts). */
export const OP_KINDS = [
  'pointwise', 'pointwise_bwd', 'binary', 'binary_bwd', 'rows', 'rows_bwd', 'reduce', 'reduce_bwd', 'reduce_index',
  'reduce_index_bwd', 'argmax', 'linear', 'linear_bwd', 'layer_norm', 'layer_norm_bwd', 'batch_norm',
  'batch_norm_bwd', 'batch_norm_relu_bwd', 'batch_norm_add', 'dropout', 'dropout_bwd', 'conv2d', 'conv2d_bwd', 'max_pool2d', 'max_pool2d_bwd',
  'avg_pool2d', 'avg_pool2d_bwd', 'adaptive_avg_pool2d', 'adaptive_avg_pool2d_bwd',
  'upsample_bilinear2d', 'upsample_bilinear2d_bwd', 'embedding', 'embedding_bwd', 'gather_rows', 'gather_rows_i32',
  'scatter_add_rows', 'concat', 'concat_bwd', 'slice', 'slice_bwd', 'transpose', 'cross_entropy',
  'cross_entropy_bwd', 'cross_entropy_dense', 'cross_entropy_dense_bwd', 'nll', 'nll_bwd', 'bce_logits',
  'bce_logits_bwd', 'pair_loss', 'pair_loss_bwd', 'kl_div', 'kl_div_bwd', 'sgd', 'adam', 'rmsprop', 'adagrad',
  'vec_reduce', 'vec_test', 'vec_map', 'fill_i32', 'eye', 'rng', 'gemm',
  // recurrent layers (i14-rnn)
  'rnn', 'rnn_bwd',
  // text (issue 14)
  'embedding_bag', 'embedding_bag_bwd',
  // attention / transformer (issue 14, i14-gpt)
  'attention', 'attention_bwd', 'bmm',
  // i13-inf: inference
  'conv2d_maxpool2', 'conv2d_residual', 'conv2d_proj_block',
  // masks: comparisons, where, casts
  'compare', 'compare_i32', 'select', 'select_bwd', 'cast_to_f32', 'cast_to_i32', 'permute',
] as const satisfies readonly OpKind[];

/** The op table, row for row as native/ops/op_table.h. */
export const OP_TABLE = {
  reluForward: { kind: 'pointwise', params: 'out,x' },
  leakyReluForward: { kind: 'pointwise', params: 'out,x,slope' },
  eluForward: { kind: 'pointwise', params: 'out,x,alpha' },
  seluForward: { kind: 'pointwise', params: 'out,x' },
  geluForward: { kind: 'pointwise', params: 'out,x' },
  geluTanhForward: { kind: 'pointwise', params: 'out,x' },
  siluForward: { kind: 'pointwise', params: 'out,x' },
  sigmoidForward: { kind: 'pointwise', params: 'out,x' },
  tanhForward: { kind: 'pointwise', params: 'out,x' },
  softplusForward: { kind: 'pointwise', params: 'out,x,beta,threshold' },
  hardswishForward: { kind: 'pointwise', params: 'out,x' },
  negForward: { kind: 'pointwise', params: 'out,x' },
  expForward: { kind: 'pointwise', params: 'out,x' },
  logForward: { kind: 'pointwise', params: 'out,x' },
  sqrtForward: { kind: 'pointwise', params: 'out,x' },
  absForward: { kind: 'pointwise', params: 'out,x' },
  squareForward: { kind: 'pointwise', params: 'out,x' },
  log1pForward: { kind: 'pointwise', params: 'out,x' },
  sinForward: { kind: 'pointwise', params: 'out,x' },
  cosForward: { kind: 'pointwise', params: 'out,x' },
  addScalarForward: { kind: 'pointwise', params: 'out,x,s' },
  mulScalarForward: { kind: 'pointwise', params: 'out,x,s' },
  powScalarForward: { kind: 'pointwise', params: 'out,x,s' },
  rdivScalarForward: { kind: 'pointwise', params: 'out,x,s' },
  clampForward: { kind: 'pointwise', params: 'out,x,lo,hi' },
  negBackward: { kind: 'pointwise', params: 'dx,dout' },
  mulScalarBackward: { kind: 'pointwise', params: 'dx,dout,s' },
  addInto: { kind: 'pointwise', params: 'dst,src' },
  copy: { kind: 'pointwise', params: 'dst,src' },
  reluBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout' },
  leakyReluBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout,slope' },
  eluBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout,alpha' },
  seluBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout' },
  geluBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout' },
  geluTanhBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout' },
  siluBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout' },
  sigmoidBackward: { kind: 'pointwise_bwd', params: 'dx,out,dout' },
  tanhBackward: { kind: 'pointwise_bwd', params: 'dx,out,dout' },
  softplusBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout,beta,threshold' },
  hardswishBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout' },
  expBackward: { kind: 'pointwise_bwd', params: 'dx,out,dout' },
  logBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout' },
  sqrtBackward: { kind: 'pointwise_bwd', params: 'dx,out,dout' },
  absBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout' },
  squareBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout' },
  log1pBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout' },
  sinBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout' },
  cosBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout' },
  powScalarBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout,s' },
  rdivScalarBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout,s' },
  clampBackward: { kind: 'pointwise_bwd', params: 'dx,x,dout,lo,hi' },
  addForward: { kind: 'binary', params: '' },
  subForward: { kind: 'binary', params: '' },
  mulForward: { kind: 'binary', params: '' },
  divForward: { kind: 'binary', params: '' },
  addBackward: { kind: 'binary_bwd', params: '' },
  subBackward: { kind: 'binary_bwd', params: '' },
  mulBackward: { kind: 'binary_bwd', params: 'a,b' },
  divBackward: { kind: 'binary_bwd', params: 'a,b' },
  softmaxForward: { kind: 'rows', params: '' },
  logSoftmaxForward: { kind: 'rows', params: '' },
  softmaxBackward: { kind: 'rows_bwd', params: '' },
  logSoftmaxBackward: { kind: 'rows_bwd', params: '' },
  sumForward: { kind: 'reduce', params: '' },
  meanForward: { kind: 'reduce', params: '' },
  sumBackward: { kind: 'reduce_bwd', params: '' },
  meanBackward: { kind: 'reduce_bwd', params: '' },
  maxForward: { kind: 'reduce_index', params: '' },
  maxBackward: { kind: 'reduce_index_bwd', params: '' },
  argmax: { kind: 'argmax', params: '' },
  linearForward: { kind: 'linear', params: '' },
  linearBackward: { kind: 'linear_bwd', params: '' },
  // i16-mlp: linearBackward that writes dx/dw/db instead of adding (a gradient's first producer)
  linearBackwardInit: { kind: 'linear_bwd', params: '' },
  layerNormForward: { kind: 'layer_norm', params: '' },
  layerNormBackward: { kind: 'layer_norm_bwd', params: '' },
  batchNormForward: { kind: 'batch_norm', params: '' },
  batchNormBackward: { kind: 'batch_norm_bwd', params: '' },
  dropoutForward: { kind: 'dropout', params: '' },
  dropoutBackward: { kind: 'dropout_bwd', params: '' },
  conv2dForward: { kind: 'conv2d', params: '' },
  conv2dBackward: { kind: 'conv2d_bwd', params: '' },
  maxPool2dForward: { kind: 'max_pool2d', params: '' },
  maxPool2dBackward: { kind: 'max_pool2d_bwd', params: '' },
  avgPool2dForward: { kind: 'avg_pool2d', params: '' },
  avgPool2dBackward: { kind: 'avg_pool2d_bwd', params: '' },
  adaptiveAvgPool2dForward: { kind: 'adaptive_avg_pool2d', params: '' },
  adaptiveAvgPool2dBackward: { kind: 'adaptive_avg_pool2d_bwd', params: '' },
  // images: bilinear upsampling (issue 13)
  upsampleBilinear2dForward: { kind: 'upsample_bilinear2d', params: '' },
  upsampleBilinear2dBackward: { kind: 'upsample_bilinear2d_bwd', params: '' },
  embeddingForward: { kind: 'embedding', params: '' },
  embeddingBackward: { kind: 'embedding_bwd', params: '' },
  gatherRows: { kind: 'gather_rows', params: '' },
  gatherRowsI32: { kind: 'gather_rows_i32', params: '' },
  scatterAddRows: { kind: 'scatter_add_rows', params: '' },
  // text (issue 14): EmbeddingBag
  embeddingBagForward: { kind: 'embedding_bag', params: '' },
  embeddingBagBackward: { kind: 'embedding_bag_bwd', params: '' },
  concatForward: { kind: 'concat', params: '' },
  concatBackward: { kind: 'concat_bwd', params: '' },
  sliceForward: { kind: 'slice', params: '' },
  sliceBackward: { kind: 'slice_bwd', params: '' },
  transposeForward: { kind: 'transpose', params: 'out,x' },
  transposeBackward: { kind: 'transpose', params: 'dx,dout' },
  crossEntropyForward: { kind: 'cross_entropy', params: '' },
  crossEntropyBackward: { kind: 'cross_entropy_bwd', params: '' },
  crossEntropyDenseForward: { kind: 'cross_entropy_dense', params: '' },
  crossEntropyDenseBackward: { kind: 'cross_entropy_dense_bwd', params: '' },
  nllForward: { kind: 'nll', params: '' },
  nllBackward: { kind: 'nll_bwd', params: '' },
  bceWithLogitsForward: { kind: 'bce_logits', params: '' },
  bceWithLogitsBackward: { kind: 'bce_logits_bwd', params: '' },
  bceForward: { kind: 'pair_loss', params: 'p,y' },
  bceBackward: { kind: 'pair_loss_bwd', params: 'p,y' },
  mseForward: { kind: 'pair_loss', params: 'x,y' },
  mseBackward: { kind: 'pair_loss_bwd', params: 'x,y' },
  l1Forward: { kind: 'pair_loss', params: 'x,y' },
  l1Backward: { kind: 'pair_loss_bwd', params: 'x,y' },
  huberForward: { kind: 'pair_loss', params: 'x,y,delta' },
  huberBackward: { kind: 'pair_loss_bwd', params: 'x,y,delta' },
  hingeForward: { kind: 'pair_loss', params: 'x,y,margin' },
  hingeBackward: { kind: 'pair_loss_bwd', params: 'x,y,margin' },
  klDivForward: { kind: 'kl_div', params: '' },
  klDivBackward: { kind: 'kl_div_bwd', params: '' },
  sgdUpdate: { kind: 'sgd', params: '' },
  adamUpdate: { kind: 'adam', params: '' },
  rmspropUpdate: { kind: 'rmsprop', params: '' },
  adagradUpdate: { kind: 'adagrad', params: '' },
  l2Norm: { kind: 'vec_reduce', params: 'x' },
  clipByNorm: { kind: 'vec_reduce', params: 'x,maxNorm' },
  allFinite: { kind: 'vec_test', params: 'x' },
  scaleInPlace: { kind: 'vec_map', params: 'x,s' },
  clipByValue: { kind: 'vec_map', params: 'x,lo,hi' },
  fillF32: { kind: 'vec_map', params: 'out,value' },
  arangeF32: { kind: 'vec_map', params: 'out,start,step' },
  fillI32: { kind: 'fill_i32', params: '' },
  eyeF32: { kind: 'eye', params: '' },
  rngUniform: { kind: 'rng', params: 'low,high' },
  rngNormal: { kind: 'rng', params: 'mean,std' },
  gemm: { kind: 'gemm', params: '' },
  // recurrent layers (i14-rnn)
  rnnForward: { kind: 'rnn', params: '' },
  rnnBackward: { kind: 'rnn_bwd', params: '' },
  // attention / transformer (issue 14, i14-gpt)
  attentionForward: { kind: 'attention', params: '' },
  attentionBackward: { kind: 'attention_bwd', params: '' },
  bmm: { kind: 'bmm', params: '' },
  // i13-fw: backward passes that write their input gradients instead of adding (a gradient's first producer)
  conv2dBackwardInit: { kind: 'conv2d_bwd', params: '' },
  batchNormBackwardInit: { kind: 'batch_norm_bwd', params: '' },
  reluBackwardInit: { kind: 'pointwise_bwd', params: 'dx,x,dout' },
  addBackwardInit: { kind: 'binary_bwd', params: '' },
  maxPool2dBackwardInit: { kind: 'max_pool2d_bwd', params: '' },
  adaptiveAvgPool2dBackwardInit: { kind: 'adaptive_avg_pool2d_bwd', params: '' },
  // i13-bnr: BatchNorm followed by a fused ReLU (CPU)
  batchNormReluForward: { kind: 'batch_norm', params: '' },
  batchNormReluBackward: { kind: 'batch_norm_relu_bwd', params: '' },
  batchNormReluBackwardInit: { kind: 'batch_norm_relu_bwd', params: '' },
  // i13-inf: inference, a conv adding onto its output: out = act(out + conv(x) + bias) (CPU)
  conv2dForwardAdd: { kind: 'conv2d', params: '' },
  conv2dMaxPool2Forward: { kind: 'conv2d_maxpool2', params: '' },
  // inference: an identity residual block (BatchNorms folded), image by image (CPU)
  conv2dResidualBlockForward: { kind: 'conv2d_residual', params: '' },
  conv2dProjectionBlockForward: { kind: 'conv2d_proj_block', params: '' },
  // i13-ar: relu(a + b) as one op, a residual block's join in training (CPU)
  addReluForward: { kind: 'binary', params: '' },
  addReluBackward: { kind: 'binary_bwd', params: 'a,b' },
  addReluBackwardInit: { kind: 'binary_bwd', params: 'a,b' },
  // i13-bar: max(BatchNorm(x) + residual, 0), the join after a block's last BatchNorm (CPU); its
  // backward is batchNormReluBackward on the output, with dresidual for the residual's gradient
  batchNormAddReluForward: { kind: 'batch_norm_add', params: '' },
  // masks: comparisons (float32 1 / 0), where, dtype casts
  compareF32: { kind: 'compare', params: '' },
  compareI32: { kind: 'compare_i32', params: '' },
  whereForward: { kind: 'select', params: '' },
  whereBackward: { kind: 'select_bwd', params: '' },
  castI32ToF32: { kind: 'cast_to_f32', params: '' },
  castF32ToI32: { kind: 'cast_to_i32', params: '' },
  // layout: axes reordered (x.permute)
  permuteForward: { kind: 'permute', params: 'out,x' },
  permuteBackward: { kind: 'permute', params: 'dx,dout' },
} as const satisfies Record<string, { kind: OpKind; params: string }>;

export type OpName = keyof typeof OP_TABLE;

/** One backend's kernels: every op of the table, typed by its kind. */
export type OpKernels = { readonly [K in OpName]: KindSignatures[(typeof OP_TABLE)[K]['kind']] };

/** Names of the ops of one kind (e.g. OpsOfKind<'pointwise'>). */
export type OpsOfKind<K extends OpKind> = { [N in OpName]: (typeof OP_TABLE)[N]['kind'] extends K ? N : never }[OpName];

export interface OpTableRow {
  name: string;
  kind: string;
  params: string;
  /** Backends that implement the op. */
  devices: string[];
}

export interface BuildInfo {
  openmp: boolean;
  hardwareThreads: number;
  detectedIsa: string;
  /** The CPU has AVX512_BF16 (and NODEGRAD_BF16 is not 0). */
  bf16: boolean;
  cuda: boolean;
  mpi: boolean;
  compiler: string;
  /** How glibc malloc was set up at load (native/core/malloc_tuning.h). */
  mallocTuning: string;
}

export interface GemmInfo { kernel: string; isa: string; MR: number; NR: number; MC: number; KC: number; NC: number }

export interface NativeMemoryStats {
  bytesLive: number;
  bytesPooled: number;
  allocations: number;
  poolHits: number;
  maxAllocation: number;
}

/** The addon: runtime functions, the op table and one kernel object per backend. */
export interface NativeAddon {
  setNumThreads(threads: number): void;
  getNumThreads(): number;
  buildInfo(): BuildInfo;
  activeIsa(): string;
  setIsa(isa: string): void;
  getIsa(): string;
  detectIsa(): string;
  gemmInfo(): GemmInfo;
  // ---- mixed precision (bf16; lib/core/precision.ts) ----
  /** GEMM precision for every later GEMM in the process: 'fp32' | 'bf16' (bf16 takes effect only where bf16Native()). */
  setGemmPrecision(precision: string): void;
  getGemmPrecision(): string;
  /** bf16 GEMM kernels can run now: AVX512_BF16 and the avx512 ISA active. */
  bf16Native(): boolean;
  // ---- packed linear weights (inference; lib/ops/packed.ts) ----
  /** Floats of linearPack's dst for a (OC, C) weight (any alignment); 0 when linear never runs it through the GEMM. */
  linearPackSize(C: number, OC: number): number;
  /** Packs w (OC, C) for the GEMM table in use now; returns the table's tag, 0 when not packed (dst untouched). */
  linearPack(dst: F32, w: F32, C: number, OC: number): number;
  /** linearForward with the packed weight; false (nothing written) when not packed or the GEMM table changed since. */
  linearPacked(out: F32, x: F32, packed: F32, table: number, bias: F32N, B: number, C: number, OC: number, act: number,
    pre: F32N): boolean;
  /** Bytes to skip from the start of `buffer` so that its address is a multiple of `align`. */
  alignmentPadding(buffer: ArrayBuffer, align: number): number;
  memoryStats(): NativeMemoryStats;
  poolTrim(): void;
  setMaxAllocation(bytes: number): void;
  opTable(): OpTableRow[];
  /** Enumerations shared with TypeScript (lib/ops/codes.ts), in code order. */
  readonly codes: { readonly reduction: readonly string[]; readonly linearAct: readonly string[]; readonly compare: readonly string[] };
  readonly backends: Readonly<Record<string, OpKernels>>;
  // Captured steps (native/binding/capture.cc; lib/tensor/compile.ts)
  /**
   * defer true: capturable kernel calls are stored without running (see captureFlush); copies
   * ([dst0, src0, ...]): what a flush copies first (inputs not yet copied in); ready (pairs
   * [v, v]): inputs copied in already, read by index checks without a flush.
   */
  captureBegin(defer?: boolean, copies?: ArrayBufferView[] | null, ready?: ArrayBufferView[] | null): void;
  /** Ops recorded so far (-1 when not recording). */
  captureCount(): number;
  /** A deferred recording: runs the stored calls that have not run, then records eagerly. */
  captureFlush(): void;
  /** pending: ops a deferred recording stored without running them (all or none). */
  captureEnd(): { program: object; ops: number; blocked: string; pending: number };
  captureAbort(): void;
  /** Runs a program; patches: (op index, argument position, value) triples applied first. */
  captureReplay(program: object, patches: Float64Array | null): void;
  captureFree(program: object): void;
  /**
   * The replay on the native runner thread (capture_async.cc; queued in call order); settles on
   * the JS thread. copies: [dst0, src0, dst1, src1, ...], copied by the runner before the ops.
   */
  captureReplayAsync(program: object, patches: Float64Array | null, copies?: ArrayBufferView[] | null): Promise<void>;
  /** Blocks until the program's running replay has finished (true when one ran). */
  captureWait(program: object): boolean;
  /** Tests: the runner thread starts no replay for `ms` ms (at most 10000; 0 releases it). */
  captureRunnerHold(ms: number): void;
}

/** Every NativeAddon member (checked against the addon's exports by test/native/op_table.test.ts). */
export const ADDON_EXPORTS = [
  'setNumThreads', 'getNumThreads', 'buildInfo', 'activeIsa', 'setIsa', 'getIsa', 'detectIsa', 'gemmInfo',
  'setGemmPrecision', 'getGemmPrecision', 'bf16Native', 'linearPackSize', 'linearPack', 'linearPacked',
  'alignmentPadding', 'memoryStats', 'poolTrim', 'setMaxAllocation', 'opTable', 'codes',
  'backends',
  'captureBegin', 'captureCount', 'captureFlush', 'captureEnd', 'captureAbort', 'captureReplay', 'captureFree', 'captureReplayAsync', 'captureWait',
  'captureRunnerHold',
] as const satisfies readonly (keyof NativeAddon)[];

// Compile-time: ADDON_EXPORTS and OP_KINDS name every member / kind (no more, no fewer).
type Exhaustive<L extends string, T extends string> = [T] extends [L] ? true : never;
const exportsComplete: Exhaustive<(typeof ADDON_EXPORTS)[number], keyof NativeAddon> = true;
const kindsComplete: Exhaustive<(typeof OP_KINDS)[number], OpKind> = true;
void exportsComplete;
void kindsComplete;

const root = path.join(__dirname, '..');

function loadAddon(): NativeAddon {
  // NODEGRAD_ADDON_PATH: load this .node file instead (sanitizer and cross builds, see scripts/build-variant.js).
  const override = process.env.NODEGRAD_ADDON_PATH;
  if (override) return require(path.resolve(override));
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const load = require('node-gyp-build') as (dir: string) => NativeAddon;
    return load(root);
  } catch (err) {
    const e = err as Error;
    const msg = [
      `nodegrad: could not load the native addon for ${process.platform}-${process.arch} (Node ${process.version}).`,
      `Cause: ${e.message.split('\n')[0]}`,
      'Possible fixes:',
      '- Reinstall so the prebuilt binary or a local build is present: npm install --foreground-scripts nodegrad',
      '- Build from source (needs a C++17 compiler, make and python3): npm rebuild nodegrad',
      '- The OpenMP runtime libgomp.so.1 must be installed (Debian/Ubuntu: apt-get install libgomp1).',
      'Supported: Linux x64 (glibc) prebuilt; other platforms build from source.',
    ].join('\n');
    const wrapped = new Error(msg);
    (wrapped as { cause?: unknown }).cause = err;
    throw wrapped;
  }
}

/** The addon. Internal: public functions validate their arguments before calling it. */
export const native: NativeAddon = loadAddon();

/** The kernels of a device's backend (cuda: throws naming what is missing when CUDA is unusable). */
export function kernels(device: Device): OpKernels {
  if (device === 'cuda') return requireDevice(0).backends.cuda as unknown as OpKernels;
  const k = native.backends[device];
  if (k === undefined) {
    throw new Error(`Expected a device with a native backend (${Object.keys(native.backends).join(', ')}) but received ${device}`);
  }
  return k;
}

/** The CPU backend's kernels (for host buffers that belong to no tensor). */
export const cpuKernels: OpKernels = kernels('cpu');

/**
 * Recurrent layers with PyTorch's semantics, parameter names and initialization: LSTM, GRU,
 * RNN (tanh / relu), multi-layer, bidirectional, dropout between layers, batchFirst, initial
 * states and variable-length batches (`lengths`, pack_padded_sequence semantics, unsorted
 * accepted, or an equivalent prefix `mask` [batch, seq]); and the single-step cells LSTMCell, GRUCell, RNNCell. Every layer runs on the
 * fused native kernels (lib/ops/recurrent.ts, native/cpu/ops/rnn.cc).
 *
 *   const lstm = new ng.nn.LSTM(64, 128, { numLayers: 2, batchFirst: true });
 *   const [output, [hN, cN]] = lstm.forward(x, [h0, c0], { lengths });
 *
 * Parameters: weight_ih_l{k} (G*H, in), weight_hh_l{k} (G*H, R), bias_ih_l{k}, bias_hh_l{k}
 * (G*H), LSTM with projSize P: weight_hr_l{k} (P, H), and the same with _reverse for the backward
 * direction, G = 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n), 1 (RNN), R = P or H (the hidden state's
 * size); all drawn from U(-1/sqrt(H), 1/sqrt(H)).
 */
import { Module, ModuleConfig } from './module';
import { Tensor, shapeSize } from '../tensor/tensor';
import { empty } from '../tensor/create';
import { assertTensor } from '../tensor/check';
import * as F from '../ops';
import { rnnLayer, rnnPackedSizes, gateCount } from '../ops/recurrent';
import type { RnnMode, RnnDirectionWeights } from '../ops/recurrent';
import * as init from './init';
import { assertPositiveInteger, assertBoolean, assertNumberInRange, assertOneOf, shapeError } from './layer-args';
import { assertNonNegativeInteger, describe, expected, fmtShape } from '../core/validate';

export type { RnnMode } from '../ops/recurrent';

export interface RNNOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Bias vectors bias_ih / bias_hh (default true). */
  bias?: boolean;
  /** Input and output are (batch, seq, feature) instead of (seq, batch, feature) (default false). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer except the last, while training (default 0). */
  dropout?: number;
  /** A second, reverse-direction pass per layer; outputs are concatenated (default false). */
  bidirectional?: boolean;
}

export interface LSTMOptions extends RNNOptions {
  /**
   * PyTorch's proj_size (default 0 = none): h_t = W_hr (o_t * tanh(c_t)) with W_hr (projSize,
   * hiddenSize) (weight_hr_l{k}); outputs and h states then have projSize entries per direction,
   * c states keep hiddenSize. Must be below hiddenSize.
   */
  projSize?: number;
}

export interface ElmanRNNOptions extends RNNOptions {
  /** Default 'tanh'. */
  nonlinearity?: 'tanh' | 'relu';
}

export interface RNNForwardOptions {
  /**
   * Valid steps per sequence of the batch (pack_padded_sequence): integers in [1, seq]; any
   * order. Outputs past a sequence's length are 0, its final state is the one after its last
   * valid step, and the reverse direction starts at that step.
   */
  lengths?: ArrayLike<number> | Tensor;
  /**
   * Valid steps as a mask (Keras' `mask`): shape [batch, seq] whatever batchFirst says ([seq]
   * for an unbatched input), a float32 / int32 Tensor of 0 / 1 or nested arrays of booleans /
   * 0 / 1; true / 1 marks a valid step (the opposite of attention's keyPaddingMask). Every row
   * must be a prefix (valid steps first, then padding, at least one valid step): it is the same
   * as `lengths` = the number of valid steps per row. Give lengths or mask, not both.
   */
  mask?: Tensor | ArrayLike<ArrayLike<number | boolean>> | ArrayLike<number | boolean>;
}

/** U(-1/sqrt(H), 1/sqrt(H)) for every parameter (PyTorch's reset_parameters). */
function resetUniform(params: readonly Tensor[], hiddenSize: number): void {
  const k = 1 / Math.sqrt(hiddenSize);
  for (const p of params) init.uniform(p, { low: -k, high: k });
}

/** (A, B, ...rest) -> (B, A, ...rest) as a row gather (differentiable). */
function swapLeadingAxes(x: Tensor): Tensor {
  const [A, B] = x.shape;
  const rest = x.shape.slice(2);
  const idx = new Int32Array(A * B);
  for (let b = 0; b < B; b++) for (let a = 0; a < A; a++) idx[b * A + a] = a * B + b;
  const rows = F.reshape(x, [A * B, shapeSize(rest)]);
  return F.reshape(F.gather(rows, idx), [B, A, ...rest]);
}

function lengthsArg(lengths: unknown, B: number, T: number): Int32Array {
  let values: ArrayLike<number>;
  if (lengths instanceof Tensor) {
    assertTensor(lengths, 'lengths');
    if (lengths.shape.length !== 1) throw new RangeError(expected(`shape [${B}]`, 'lengths', fmtShape(lengths.shape)));
    values = lengths.data as ArrayLike<number>;
  } else if (Array.isArray(lengths) || ArrayBuffer.isView(lengths)) {
    values = lengths as ArrayLike<number>;
  } else {
    throw new TypeError(expected('array of integers, typed array or 1-D Tensor', 'lengths', describe(lengths)));
  }
  if (values.length !== B) {
    throw new RangeError(expected(`${B} lengths (one per sequence of the batch)`, 'lengths', `${values.length}`));
  }
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const v = values[b];
    if (!Number.isInteger(v) || v < 1 || v > T) {
      throw new RangeError(expected(`integer in [1, ${T}] (the sequence length)`, `lengths[${b}]`, describe(v)));
    }
    out[b] = v;
  }
  return out;
}

/**
 * A [B, T] mask (or [T] when unbatched) of 0 / 1 / booleans whose rows are prefixes -> lengths
 * (pack_padded_sequence semantics).
 */
function maskToLengths(mask: unknown, B: number, T: number, unbatched: boolean): Int32Array {
  const want = unbatched ? [T] : [B, T];
  const wantText = unbatched ? `shape [${T}] (seq)` : `shape [${B}, ${T}] (batch, seq)`;
  let rows: ArrayLike<unknown>[];
  if (mask instanceof Tensor) {
    assertTensor(mask, 'mask');
    const s = mask.shape;
    if (s.length !== want.length || s.some((d, i) => d !== want[i])) throw new RangeError(expected(wantText, 'mask', fmtShape(s)));
    const data = mask.data as ArrayLike<number>;
    rows = [];
    for (let b = 0; b < (unbatched ? 1 : B); b++) rows.push(Array.prototype.slice.call(data, b * T, (b + 1) * T));
  } else if (Array.isArray(mask) || ArrayBuffer.isView(mask)) {
    const outer = mask as ArrayLike<unknown>;
    if (unbatched) {
      if (outer.length !== T) throw new RangeError(expected(wantText, 'mask', `${outer.length} entries`));
      rows = [outer];
    } else {
      if (outer.length !== B) throw new RangeError(expected(wantText, 'mask', `${outer.length} rows`));
      rows = [];
      for (let b = 0; b < B; b++) {
        const r = outer[b];
        if (!Array.isArray(r) && !ArrayBuffer.isView(r)) {
          throw new TypeError(expected(`array of ${T} booleans or 0 / 1 values`, `mask[${b}]`, describe(r)));
        }
        const row = r as ArrayLike<unknown>;
        if (row.length !== T) throw new RangeError(expected(wantText, 'mask', `${row.length} entries in mask[${b}]`));
        rows.push(row);
      }
    }
  } else {
    throw new TypeError(expected('Tensor or (nested) array of booleans or 0 / 1 values', 'mask', describe(mask)));
  }
  const out = new Int32Array(rows.length);
  rows.forEach((row, b) => {
    const name = unbatched ? 'mask' : `mask[${b}]`;
    let len = 0;
    for (let t = 0; t < T; t++) {
      const v = row[t];
      const on = v === true || v === 1;
      if (!on && v !== false && v !== 0) {
        throw new RangeError(expected('boolean or 0 / 1', unbatched ? `mask[${t}]` : `mask[${b}][${t}]`, describe(v)));
      }
      if (on && len < t) {
        throw new RangeError(expected('a prefix mask (valid steps first, then padding)', name,
          `a valid step at ${t} after padding at ${len}`));
      }
      if (on) len = t + 1;
    }
    if (len === 0) throw new RangeError(expected('at least one valid step', name, 'no valid step'));
    out[b] = len;
  });
  return out;
}

/** Checks an initial state: (L*D, B, H), or (L*D, H) for an unbatched input. */
function stateArg(t: unknown, name: string, want: number[]): Tensor {
  assertTensor(t, name, 'float32');
  if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) shapeError(want, name, t.shape);
  return t;
}

/** What LSTM, GRU and RNN share: options, the per-layer parameters and the stacked forward pass. */
export abstract class RNNBase extends Module {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** LSTM projection size (0 = none). */
  readonly projSize: number;
  /** Per layer, per direction: the weights of that pass. */
  private readonly layerWeights: RnnDirectionWeights[][] = [];

  constructor(readonly mode: RnnMode, readonly inputSize: number, readonly hiddenSize: number, opts: RNNOptions) {
    super();
    assertPositiveInteger(inputSize, 'inputSize');
    assertPositiveInteger(hiddenSize, 'hiddenSize');
    this.numLayers = opts.numLayers ?? 1;
    assertPositiveInteger(this.numLayers, 'numLayers');
    this.bias = opts.bias ?? true;
    assertBoolean(this.bias, 'bias');
    this.batchFirst = opts.batchFirst ?? false;
    assertBoolean(this.batchFirst, 'batchFirst');
    this.dropout = opts.dropout ?? 0;
    assertNumberInRange(this.dropout, 'dropout', 0, 1, { hiOpen: true });
    this.bidirectional = opts.bidirectional ?? false;
    assertBoolean(this.bidirectional, 'bidirectional');
    const projSize = (opts as LSTMOptions).projSize ?? 0;
    if (projSize !== 0) {
      if (mode !== 'lstm') throw new TypeError(expected('no projSize (projections are LSTM only)', 'projSize', describe(projSize)));
      assertNonNegativeInteger(projSize, 'projSize');
      if (projSize >= hiddenSize) {
        throw new RangeError(expected(`integer in [0, ${hiddenSize - 1}] (below hiddenSize)`, 'projSize', describe(projSize)));
      }
    }
    this.projSize = projSize;
    const G = gateCount(mode);
    const D = this.numDirections;
    const R = this.stateSize;
    for (let l = 0; l < this.numLayers; l++) {
      const inSize = l === 0 ? inputSize : R * D;
      const dirs: RnnDirectionWeights[] = [];
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        dirs.push({
          weightIh: this.registerParameter(`weight_ih${sfx}`, empty([G * hiddenSize, inSize])),
          weightHh: this.registerParameter(`weight_hh${sfx}`, empty([G * hiddenSize, R])),
          biasIh: this.bias ? this.registerParameter(`bias_ih${sfx}`, empty([G * hiddenSize])) : null,
          biasHh: this.bias ? this.registerParameter(`bias_hh${sfx}`, empty([G * hiddenSize])) : null,
          weightHr: projSize > 0 ? this.registerParameter(`weight_hr${sfx}`, empty([projSize, hiddenSize])) : null,
        });
      }
      this.layerWeights.push(dirs);
    }
    this.resetParameters();
  }

  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Entries of the hidden state h per direction: projSize when set, else hiddenSize. */
  get stateSize(): number {
    return this.projSize > 0 ? this.projSize : this.hiddenSize;
  }

  /** Re-draws every parameter from U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)). */
  resetParameters(): void {
    resetUniform(this.parameters(), this.hiddenSize);
  }

  /** The weights of layer `layer` (one entry per direction). */
  weightsOf(layer: number): readonly RnnDirectionWeights[] {
    return this.layerWeights[layer];
  }

  /**
   * The stacked pass: x (T, B, I) / (B, T, I) with batchFirst / (T, I) unbatched; h0, c0
   * (L*D, B, H) / (L*D, H) or null. Returns output and the final states in the input's layout.
   */
  protected run(x: unknown, h0: unknown, c0: unknown, opts: RNNForwardOptions | undefined):
  { output: Tensor; hN: Tensor; cN: Tensor | null } {
    assertTensor(x, 'input', 'float32');
    const I = this.inputSize;
    const rank = x.shape.length;
    if (rank !== 2 && rank !== 3) {
      throw new RangeError(expected(`shape ${this.batchFirst ? '[batch, seq' : '[seq, batch'}, ${I}] or [seq, ${I}]`, 'input',
        fmtShape(x.shape)));
    }
    if (x.shape[rank - 1] !== I) shapeError(rank === 3 ? [null, null, I] : [null, I], 'input', x.shape);
    const unbatched = rank === 2;
    let seq = unbatched ? F.reshape(x, [x.shape[0], 1, I]) : x;
    if (this.batchFirst && !unbatched) seq = swapLeadingAxes(seq);
    const [T, B] = seq.shape;
    if (T < 1) throw new RangeError(expected('a sequence of at least 1 step', 'input', fmtShape(x.shape)));
    const L = this.numLayers, D = this.numDirections, H = this.hiddenSize, R = this.stateSize;
    const lstm = this.mode === 'lstm';
    const stateShape = (n: number): number[] => (unbatched ? [L * D, n] : [L * D, B, n]);
    const h0t = h0 === undefined || h0 === null ? null : stateArg(h0, 'h0', stateShape(R));
    const c0t = c0 === undefined || c0 === null ? null : stateArg(c0, 'c0', stateShape(H));
    if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
      throw new TypeError(expected('options object { lengths } or { mask }', 'options', describe(opts)));
    }
    if (opts?.lengths !== undefined && opts?.mask !== undefined) {
      throw new TypeError(expected('either lengths or mask, not both', 'options', 'both'));
    }
    const lengths = opts?.lengths !== undefined ? lengthsArg(opts.lengths, B, T)
      : opts?.mask !== undefined ? maskToLengths(opts.mask, B, T, unbatched) : null;
    const hNs: Tensor[] = [];
    const cNs: Tensor[] = [];
    let layerIn = seq;
    const sizes = rnnPackedSizes(this.mode, T, B, H, D, this.projSize);
    const stateOf = (t: Tensor | null, l: number, n: number): Tensor | null => {
      if (t === null) return null;
      const all = F.reshape(t, [L * D, B, n]);
      return L === 1 ? all : F.slice(all, l * D, (l + 1) * D, 0);
    };
    for (let l = 0; l < L; l++) {
      const packed = rnnLayer(this.mode, layerIn, this.layerWeights[l], stateOf(h0t, l, R),
        lstm ? stateOf(c0t, l, H) : null, lengths);
      let out = F.reshape(F.slice(packed, 0, sizes.outputSize), [T, B, D * R]);
      hNs.push(F.reshape(F.slice(packed, sizes.outputSize, sizes.outputSize + sizes.stateSize), [D, B, R]));
      if (lstm) {
        const at = sizes.outputSize + sizes.stateSize;
        cNs.push(F.reshape(F.slice(packed, at, at + sizes.cellSize), [D, B, H]));
      }
      if (l < L - 1 && this.dropout > 0 && this.training) out = F.dropout(out, this.dropout, true);
      layerIn = out;
    }
    let output = layerIn;
    let hN = L === 1 ? hNs[0] : F.concat(hNs, 0);
    let cN = lstm ? (L === 1 ? cNs[0] : F.concat(cNs, 0)) : null;
    if (unbatched) {
      output = F.reshape(output, [T, D * R]);
      hN = F.reshape(hN, [L * D, R]);
      if (cN) cN = F.reshape(cN, [L * D, H]);
    } else if (this.batchFirst) {
      output = swapLeadingAxes(output);
    }
    return { output, hN, cN };
  }

  protected configArgs(): Record<string, unknown> {
    return {
      inputSize: this.inputSize, hiddenSize: this.hiddenSize, numLayers: this.numLayers, bias: this.bias,
      batchFirst: this.batchFirst, dropout: this.dropout, bidirectional: this.bidirectional,
    };
  }

  protected override extraRepr(): string {
    const parts = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (!this.bias) parts.push('bias=false');
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.dropout) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=true');
    if (this.projSize) parts.push(`projSize=${this.projSize}`);
    return parts.join(', ');
  }
}

/**
 * Long short-term memory (torch.nn.LSTM). forward(x, [h0, c0]?, { lengths | mask }?) returns
 * [output, [hN, cN]]: output (T, B, D*R) (batchFirst: (B, T, D*R)), hN (L*D, B, R) and cN
 * (L*D, B, H), R = projSize or H.
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: LSTMOptions = {}) {
    super('lstm', inputSize, hiddenSize, opts);
  }

  forward(x: Tensor, hx?: readonly [Tensor, Tensor] | null, opts?: RNNForwardOptions): [Tensor, [Tensor, Tensor]] {
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new TypeError(expected('[h0, c0] (two tensors) or null', 'hx', describe(hx)));
    }
    const { output, hN, cN } = this.run(x, hx ? hx[0] : null, hx ? hx[1] : null, opts);
    return [output, [hN, cN as Tensor]];
  }

  getConfig(): ModuleConfig {
    return { type: 'LSTM', args: { ...this.configArgs(), ...(this.projSize ? { projSize: this.projSize } : {}) } };
  }
}

/** Gated recurrent unit (torch.nn.GRU). forward(x, h0?, { lengths | mask }?) returns [output, hN]. */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    super('gru', inputSize, hiddenSize, opts);
  }

  forward(x: Tensor, h0?: Tensor | null, opts?: RNNForwardOptions): [Tensor, Tensor] {
    const { output, hN } = this.run(x, h0, null, opts);
    return [output, hN];
  }

  getConfig(): ModuleConfig {
    return { type: 'GRU', args: this.configArgs() };
  }
}

/** Elman RNN (torch.nn.RNN), h' = tanh or relu(W_ih x + b_ih + W_hh h + b_hh). forward returns [output, hN]. */
export class RNN extends RNNBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, opts: ElmanRNNOptions = {}) {
    const nl = opts.nonlinearity ?? 'tanh';
    assertOneOf(nl, 'nonlinearity', ['tanh', 'relu'] as const);
    super(nl === 'tanh' ? 'rnnTanh' : 'rnnRelu', inputSize, hiddenSize, opts);
    this.nonlinearity = nl;
  }

  forward(x: Tensor, h0?: Tensor | null, opts?: RNNForwardOptions): [Tensor, Tensor] {
    const { output, hN } = this.run(x, h0, null, opts);
    return [output, hN];
  }

  getConfig(): ModuleConfig {
    return { type: 'RNN', args: { ...this.configArgs(), nonlinearity: this.nonlinearity } };
  }

  protected override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity === 'relu' ? ", nonlinearity='relu'" : '');
  }
}

/** What the cells share: weight_ih (G*H, I), weight_hh (G*H, H), bias_ih, bias_hh; one step of the layer kernel. */
export abstract class RNNCellBase extends Module {
  readonly bias: boolean;
  protected readonly weights: RnnDirectionWeights;

  constructor(readonly mode: RnnMode, readonly inputSize: number, readonly hiddenSize: number, opts: { bias?: boolean }) {
    super();
    assertPositiveInteger(inputSize, 'inputSize');
    assertPositiveInteger(hiddenSize, 'hiddenSize');
    this.bias = opts.bias ?? true;
    assertBoolean(this.bias, 'bias');
    const GH = gateCount(mode) * hiddenSize;
    this.weights = {
      weightIh: this.registerParameter('weight_ih', empty([GH, inputSize])),
      weightHh: this.registerParameter('weight_hh', empty([GH, hiddenSize])),
      biasIh: this.bias ? this.registerParameter('bias_ih', empty([GH])) : null,
      biasHh: this.bias ? this.registerParameter('bias_hh', empty([GH])) : null,
    };
    this.resetParameters();
  }

  /** Re-draws every parameter from U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)). */
  resetParameters(): void {
    resetUniform(this.parameters(), this.hiddenSize);
  }

  /** One step: x (B, I) or (I); states (B, H) / (H) or null. Returns the new h (and c for LSTM). */
  protected step(x: unknown, h: unknown, c: unknown): { h: Tensor; c: Tensor | null } {
    assertTensor(x, 'input', 'float32');
    const I = this.inputSize, H = this.hiddenSize;
    const rank = x.shape.length;
    if ((rank !== 1 && rank !== 2) || x.shape[rank - 1] !== I) shapeError(rank === 1 ? [I] : [null, I], 'input', x.shape);
    const B = rank === 2 ? x.shape[0] : 1;
    const stateShape = rank === 2 ? [B, H] : [H];
    const ht = h === undefined || h === null ? null : stateArg(h, 'hx', stateShape);
    const ct = c === undefined || c === null ? null : stateArg(c, 'cx', stateShape);
    const lstm = this.mode === 'lstm';
    const asLayerState = (t: Tensor | null): Tensor | null => (t ? F.reshape(t, [1, B, H]) : null);
    const packed = rnnLayer(this.mode, F.reshape(x, [1, B, I]), [this.weights], asLayerState(ht),
      lstm ? asLayerState(ct) : null, null);
    const sizes = rnnPackedSizes(this.mode, 1, B, H, 1);
    const hOut = F.reshape(F.slice(packed, sizes.outputSize, sizes.outputSize + sizes.stateSize), stateShape);
    const cOut = lstm
      ? F.reshape(F.slice(packed, sizes.outputSize + sizes.stateSize, sizes.total), stateShape) : null;
    return { h: hOut, c: cOut };
  }

  protected configArgs(): Record<string, unknown> {
    return { inputSize: this.inputSize, hiddenSize: this.hiddenSize, bias: this.bias };
  }

  protected override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias ? '' : ', bias=false'}`;
  }
}

/** One LSTM step (torch.nn.LSTMCell): forward(x, [h, c]?) returns [h', c']. */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}) {
    super('lstm', inputSize, hiddenSize, opts);
  }

  forward(x: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new TypeError(expected('[h, c] (two tensors) or null', 'hx', describe(hx)));
    }
    const { h, c } = this.step(x, hx ? hx[0] : null, hx ? hx[1] : null);
    return [h, c as Tensor];
  }

  getConfig(): ModuleConfig {
    return { type: 'LSTMCell', args: this.configArgs() };
  }
}

/** One GRU step (torch.nn.GRUCell): forward(x, h?) returns h'. */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}) {
    super('gru', inputSize, hiddenSize, opts);
  }

  forward(x: Tensor, hx?: Tensor | null): Tensor {
    return this.step(x, hx, null).h;
  }

  getConfig(): ModuleConfig {
    return { type: 'GRUCell', args: this.configArgs() };
  }
}

/** One Elman RNN step (torch.nn.RNNCell): forward(x, h?) returns h'. */
export class RNNCell extends RNNCellBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean; nonlinearity?: 'tanh' | 'relu' } = {}) {
    const nl = opts.nonlinearity ?? 'tanh';
    assertOneOf(nl, 'nonlinearity', ['tanh', 'relu'] as const);
    super(nl === 'tanh' ? 'rnnTanh' : 'rnnRelu', inputSize, hiddenSize, opts);
    this.nonlinearity = nl;
  }

  forward(x: Tensor, hx?: Tensor | null): Tensor {
    return this.step(x, hx, null).h;
  }

  getConfig(): ModuleConfig {
    return { type: 'RNNCell', args: { ...this.configArgs(), nonlinearity: this.nonlinearity } };
  }
}

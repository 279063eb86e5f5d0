// Argument errors of the ops and losses: the exact message (the project's one format,
// "Expected <what> for <name> but received <got>", lib/core/validate.ts) and the error class.
import { describe, expect, it } from 'vitest';
import * as ng from '../../lib';
import type { Tensor } from '../../lib';

type Ctor = typeof TypeError | typeof RangeError;
const CASES: [string, () => unknown, Ctor, string][] = [];
const expectErr = (name: string, fn: () => unknown, ctor: Ctor, msg: string): void => { CASES.push([name, fn, ctor, msg]); };

const f = (shape: number[]): Tensor => ng.zeros(shape);
const i32 = (vals: number[]): Tensor => ng.fromArray(Int32Array.from(vals), [vals.length]);
const dead = (): Tensor => { const t = ng.ones([2, 3]); t.dispose(); return t; };
const any = (v: unknown): Tensor => v as Tensor;

// ---- wrong dtype
expectErr('add: int32 operand', () => ng.add(i32([1, 2]), f([2])), TypeError, 'Expected float32 Tensor for a but received int32 Tensor of shape [2]');
expectErr('matmul: int32 b', () => ng.matmul(f([2, 2]), ng.fromArray(new Int32Array(4), [2, 2])), TypeError, 'Expected float32 Tensor for b but received int32 Tensor of shape [2, 2]');
expectErr('relu: int32', () => ng.relu(i32([1])), TypeError, 'Expected float32 Tensor for x but received int32 Tensor of shape [1]');
expectErr('gather: float indices', () => ng.gather(f([3, 2]), f([2])), TypeError, 'Expected int32 Tensor for indices but received float32 Tensor of shape [2]');
expectErr('embedding: float indices', () => ng.embedding(f([2]), f([4, 3])), TypeError, 'Expected int32 Tensor for indices but received float32 Tensor of shape [2]');
expectErr('nll: float labels', () => ng.losses.nll(f([2, 3]), f([2])), TypeError, 'Expected int32 Tensor for target but received float32 Tensor of shape [2]');
expectErr('argmax: int32', () => ng.argmax(i32([1, 2])), TypeError, 'Expected float32 Tensor for x but received int32 Tensor of shape [2]');

// ---- not a tensor
expectErr('relu: array', () => ng.relu(any([1, 2])), TypeError, 'Expected float32 Tensor for x but received an array of length 2');
expectErr('mul: string scalar (b)', () => ng.mul(f([2]), any('a')), TypeError, 'Expected Tensor or number for b but received "a" of type string');
expectErr('mul: string scalar (a)', () => ng.mul(any('a'), f([2])), TypeError, 'Expected Tensor or number for a but received "a" of type string');
expectErr('sub: null', () => ng.sub(f([2]), any(null)), TypeError, 'Expected Tensor or number for b but received null');
expectErr('concat: empty list', () => ng.concat([]), TypeError, 'Expected non-empty array of tensors for tensors but received an array of length 0');
expectErr('crossEntropy: array target', () => ng.losses.crossEntropy(f([2, 3]), any([0, 1])), TypeError,
  'Expected int32 labels (N) or float32 probabilities (N, C) for target but received an array of length 2');
expectErr('embedding: typed array indices', () => ng.embedding(any(new Int32Array(2)), f([4, 3])), TypeError, 'Expected int32 Tensor for indices but received Int32Array of length 2');

// ---- disposed
expectErr('exp: disposed', () => ng.exp(dead()), TypeError, 'Expected a live tensor for x but received a disposed tensor');
expectErr('linear: disposed weight', () => ng.linear(f([2, 3]), dead()), TypeError, 'Expected a live tensor for weight but received a disposed tensor');
expectErr('mse: disposed target', () => ng.losses.mse(f([2, 3]), dead()), TypeError, 'Expected a live tensor for target but received a disposed tensor');
expectErr('concat: disposed second', () => ng.concat([f([2, 3]), dead()]), TypeError, 'Expected a live tensor for tensors[1] but received a disposed tensor');
expectErr('backward: disposed gradient', () => ng.mul(ng.ones([2, 3], { requiresGrad: true }), 2).backward(dead()), TypeError,
  'Expected a live tensor for gradient but received a disposed tensor');

// ---- shapes
expectErr('add: shapes that do not broadcast', () => ng.add(f([2, 3]), f([4])), RangeError, 'Expected shapes that broadcast for a and b but received [2, 3] and [4]');
expectErr('mul: rank 5', () => ng.mul(f([1, 1, 1, 1, 2]), f([2])), RangeError,
  'Expected tensors of rank <= 4 for broadcasting for a and b but received shapes [1, 1, 1, 1, 2] and [2]');
expectErr('matmul: inner sizes', () => ng.matmul(f([2, 3]), f([4, 2])), RangeError, 'Expected shape [3, *] for b (rows must match the 3 columns of a) but received [4, 2]');
expectErr('matmul: 1-D b', () => ng.matmul(f([1, 2]), f([2])), RangeError,
  'Expected a: (..., M, K) and b: (K, N), or a: (..., M, K) and b: (..., K, N) with the same leading dims for matmul operands but received [1, 2] and [2]');
expectErr('matmul: batches differ', () => ng.matmul(f([2, 1, 2]), f([3, 2, 4])), RangeError,
  'Expected a: (..., M, K) and b: (K, N), or a: (..., M, K) and b: (..., K, N) with the same leading dims for matmul operands but received [2, 1, 2] and [3, 2, 4]');
expectErr('linear: input features', () => ng.linear(f([2, 3]), f([4, 5])), RangeError, 'Expected shape [*, 5] for input but received [2, 3]');
expectErr('linear: bias', () => ng.linear(f([2, 5]), f([4, 5]), f([3])), RangeError, 'Expected shape [4] for bias but received [3]');
expectErr('linear: 1-D weight', () => ng.linear(f([2, 5]), f([5])), RangeError, 'Expected 2-D weight (out, in) for weight but received shape [5]');
expectErr('softmax: not the last axis', () => ng.softmax(f([2, 3]), 0), RangeError, 'Expected the last axis (1 or -1) for softmax axis but received 0 for shape [2, 3]');
expectErr('logSoftmax: axis out of range', () => ng.logSoftmax(f([2, 3]), 5), RangeError, 'Expected integer axis in [-2, 1] for axis but received 5 of type number');
expectErr('sum: axis out of range', () => ng.sum(f([2, 3]), 2), RangeError, 'Expected integer axis in [-2, 1] for axis but received 2 of type number');
expectErr('max: fractional axis', () => ng.max(f([2, 3]), 0.5), RangeError, 'Expected integer axis in [-2, 1] for axis but received 0.5 of type number');
expectErr('max: empty axis', () => ng.max(f([2, 0]), 1), RangeError, 'Expected a non-empty axis for max but received an axis of length 0');
expectErr('reshape: element count', () => ng.reshape(f([2, 3]), [4, 2]), RangeError, 'Expected a shape with 6 elements (input shape [2, 3]) for shape but received [4, 2]');
expectErr('reshape: two -1', () => ng.reshape(f([2, 3]), [-1, -1]), RangeError, 'Expected at most one -1 dimension for shape but received [*, *]');
expectErr('transpose: 1-D', () => ng.transpose(f([3])), RangeError, 'Expected tensor with at least 2 dimensions for x but received shape [3]');
expectErr('concat: other dims differ', () => ng.concat([f([2, 3]), f([2, 4])], 0), RangeError, 'Expected shape [*, 3] for tensors[1] but received [2, 4]');
expectErr('slice: end past the axis', () => ng.slice(f([3, 2]), 1, 5), RangeError, 'Expected integer in [1, 3] for end but received 5 of type number');
expectErr('slice: negative start', () => ng.slice(f([3, 2]), -1), RangeError, 'Expected integer in [0, 3] for start but received -1 of type number');
expectErr('gather: index out of range', () => ng.gather(f([2, 2]), new Int32Array([5])), RangeError, 'Expected integer in [0, 2) for indices[0] but received 5');
expectErr('embedding: index out of range', () => ng.embedding(i32([0, 7]), f([4, 3])), RangeError, 'Expected integer in [0, 4) for indices[1] but received 7');
expectErr('layerNorm: weight size', () => ng.layerNorm(f([2, 3]), f([4]), null), RangeError, 'Expected shape [3] for weight but received [4]');
expectErr('batchNorm: rank', () => ng.batchNorm(f([2]), null, null, null, null, true), RangeError, 'Expected shape [N, C], [N, C, L] or [N, C, H, W] for input but received [2]');
expectErr('batchNorm: one value per channel', () => ng.batchNorm(f([1, 3]), null, null, null, null, true), RangeError,
  'Expected more than 1 value per channel when training for input but received shape [1, 3]');
expectErr('batchNorm: eval without running statistics', () => ng.batchNorm(f([4, 3]), null, null, null, null, false), TypeError,
  'Expected running statistics (eval mode normalizes with them) for runningMean/runningVar but received null');
expectErr('batchNorm: running mean size', () => ng.batchNorm(f([4, 3]), f([2]), f([3]), null, null, true), RangeError, 'Expected shape [3] for runningMean but received [2]');

// ---- losses
expectErr('mse: target shape', () => ng.losses.mse(f([2, 3]), f([3, 2])), RangeError, 'Expected shape [2, 3] (the shape of input) for target but received [3, 2]');
expectErr('bce: target shape', () => ng.losses.bce(f([4]), f([5])), RangeError, 'Expected shape [4] (the shape of input) for target but received [5]');
expectErr('mse: reduction', () => ng.losses.mse(f([2]), f([2]), { reduction: 'avg' as 'mean' }), RangeError,
  "Expected one of 'mean', 'sum', 'none' for reduction but received \"avg\" of type string");
expectErr('klDiv: reduction', () => ng.losses.klDiv(f([2]), f([2]), { reduction: 'avg' as 'mean' }), RangeError,
  "Expected one of 'mean', 'sum', 'none', 'batchmean' for reduction but received \"avg\" of type string");
expectErr('l1: options not an object', () => ng.losses.l1(f([2]), f([2]), any('sum') as never), TypeError, 'Expected object for options but received "sum" of type string');
expectErr('crossEntropy: labels shape', () => ng.losses.crossEntropy(f([2, 3]), i32([0, 1, 2])), RangeError, 'Expected shape [2] for target but received [3]');
expectErr('crossEntropy: 1-D logits', () => ng.losses.crossEntropy(f([3]), i32([0])), RangeError, 'Expected shape [N, C] for logits but received [3]');
expectErr('crossEntropy: label out of range', () => ng.losses.crossEntropy(f([2, 2]), i32([0, 5])), RangeError, 'Expected integer in [0, 2) or -100 for labels[1] but received 5');
expectErr('crossEntropy: class weight size', () => ng.losses.crossEntropy(f([2, 3]), i32([0, 1]), { weight: f([2]) }), RangeError, 'Expected shape [3] for weight but received [2]');
expectErr('crossEntropy: dense target shape', () => ng.losses.crossEntropy(f([2, 3]), f([2, 4])), RangeError,
  'Expected int32 class indices of shape [2] or float32 probabilities of shape [2, 3] for target but received float32 Tensor of shape [2, 4]');
expectErr('crossEntropy: float labels [N]', () => ng.losses.crossEntropy(f([6, 3]), ng.tensor([0, 2, 1, 1, 0, 2])), RangeError,
  'Expected int32 class indices of shape [6] or float32 probabilities of shape [6, 3] for target but received float32 Tensor of shape [6] ' +
  "(make class indices with ng.tensor(labels, { dtype: 'int32' }) or ng.fromArray(Int32Array.from(labels)))");
expectErr('crossEntropy: float labels [N, 1]', () => ng.losses.crossEntropy(f([2, 3]), f([2, 1])), RangeError,
  'Expected int32 class indices of shape [2] or float32 probabilities of shape [2, 3] for target but received float32 Tensor of shape [2, 1] ' +
  "(make class indices with ng.tensor(labels, { dtype: 'int32' }) or ng.fromArray(Int32Array.from(labels)))");
expectErr('crossEntropy: labelSmoothing', () => ng.losses.crossEntropy(f([2, 3]), i32([0, 1]), { labelSmoothing: 1.5 }), RangeError,
  'Expected number in [0, 1] for labelSmoothing but received 1.5 of type number');
expectErr('nll: label out of range', () => ng.losses.nll(f([2, 2]), i32([0, -3])), RangeError, 'Expected integer in [0, 2) or -100 for labels[1] but received -3');
expectErr('huber: delta 0', () => ng.losses.huber(f([2]), f([2]), { delta: 0 }), RangeError, 'Expected number in (0, Infinity] for delta but received 0 of type number');
expectErr('smoothL1: beta string', () => ng.losses.smoothL1(f([2]), f([2]), { beta: any('1') as unknown as number }), TypeError,
  'Expected number in (0, Infinity] for beta but received "1" of type string');
expectErr('bceWithLogits: posWeight size', () => ng.losses.bceWithLogits(f([4, 3]), f([4, 3]), { posWeight: f([2]) }), RangeError, 'Expected shape [3] for posWeight but received [2]');
expectErr('hinge: margin', () => ng.losses.hinge(f([2]), f([2]), { margin: Infinity }), RangeError, 'Expected finite number for margin but received Infinity of type number');
expectErr('losses.get: unknown', () => ng.losses.get('foo' as 'mse'), RangeError,
  "Expected one of 'mse', 'l1', 'mae', 'huber', 'smoothL1', 'bce', 'binaryCrossEntropy', 'bceWithLogits', 'crossEntropy', 'categoricalCrossEntropy', 'nll', 'klDiv', 'hinge' for loss but received \"foo\" of type string");

// ---- attributes
expectErr('dropout: p = 1', () => ng.dropout(f([2]), 1), RangeError, 'Expected number in [0, 1) for p but received 1 of type number');
expectErr('dropout: p string', () => ng.dropout(f([2]), any('0.5') as unknown as number), TypeError, 'Expected number in [0, 1) for p but received "0.5" of type string');
expectErr('clamp: min > max', () => ng.clamp(f([2]), 1, 0), RangeError, 'Expected max >= min (1) for max but received 0 of type number');
expectErr('clamp: NaN min', () => ng.clamp(f([2]), NaN), TypeError, 'Expected number for min but received NaN of type number');
expectErr('leakyRelu: NaN slope', () => ng.leakyRelu(f([2]), NaN), RangeError, 'Expected finite number for negativeSlope but received NaN of type number');
expectErr('elu: alpha string', () => ng.elu(f([2]), any('1') as unknown as number), TypeError, 'Expected finite number for alpha but received "1" of type string');
expectErr('gelu: approximate', () => ng.gelu(f([2]), { approximate: 'fast' as 'tanh' }), RangeError, "Expected one of 'none', 'tanh' for approximate but received \"fast\" of type string");
expectErr('softplus: beta 0', () => ng.softplus(f([2]), 0), RangeError, 'Expected positive number for beta but received 0 of type number');
expectErr('linear: activation', () => ng.linear(f([2, 5]), f([4, 5]), null, 'swish' as 'relu'), RangeError,
  'Expected one of none, relu, sigmoid, tanh, gelu, geluTanh for activation but received swish');

// ---- masks, casts, composed reductions and shape ops
expectErr('eq: two numbers', () => ng.eq(1, 2), TypeError, 'Expected at least one Tensor for a and b but received two numbers');
expectErr('gt: string', () => ng.gt(f([2]), any('a')), TypeError, 'Expected Tensor or number for b but received "a" of type string');
expectErr('lt: array', () => ng.lt(any([1, 2]), f([2])), TypeError, 'Expected Tensor or number for a but received an array of length 2');
expectErr('eq: disposed', () => ng.eq(dead(), 1), TypeError, 'Expected a live tensor for a but received a disposed tensor');
expectErr('ge: shapes', () => ng.ge(f([3, 4]), f([3])), RangeError, 'Expected shapes that broadcast for a and b but received [3, 4] and [3]');
expectErr('where: array cond', () => ng.where(any([1, 0]), f([2]), f([2])), TypeError, 'Expected Tensor for cond but received an array of length 2');
expectErr('where: int32 a', () => ng.where(f([2]), i32([1, 2]), f([2])), TypeError, 'Expected float32 Tensor for a but received int32 Tensor of shape [2]');
expectErr('where: string b', () => ng.where(f([2]), f([2]), any('x')), TypeError, 'Expected float32 Tensor or number for b but received "x" of type string');
expectErr('where: shapes', () => ng.where(f([2, 3]), f([3]), f([2])), RangeError,
  'Expected shapes that broadcast together (rank <= 4) for cond, a and b but received [2, 3], [3] and [2]');
expectErr('cast: dtype', () => ng.cast(f([2]), any('float64') as unknown as 'int32'), TypeError, 'Expected dtype \'float32\' or \'int32\' for dtype but received "float64" of type string');
expectErr('cast: Infinity to int32', () => ng.cast(ng.tensor([1, Infinity]), 'int32'), RangeError,
  'Expected finite values within the int32 range to cast to int32 for x but received Infinity of type number at flat index 1');
expectErr('int(): NaN', () => ng.tensor([NaN]).int(), RangeError,
  'Expected finite values within the int32 range to cast to int32 for x but received NaN of type number at flat index 0');
expectErr('variance: correction', () => ng.variance(f([2]), 0, { correction: -1 }), RangeError, 'Expected finite number >= 0 for correction but received -1 of type number');
expectErr('std: keepdim', () => ng.std(f([2]), 0, { keepdim: any(1) as unknown as boolean }), TypeError, 'Expected boolean for keepdim but received 1 of type number');
expectErr('std: axis', () => ng.std(f([2]), 2), RangeError, 'Expected integer axis in [-1, 0] for axis but received 2 of type number');
expectErr('min: empty', () => ng.min(f([0])), RangeError, 'Expected a non-empty axis for min but received an axis of length 0');
expectErr('argmin: int32', () => ng.argmin(i32([1])), TypeError, 'Expected float32 Tensor for x but received int32 Tensor of shape [1]');
expectErr('squeeze: size 3', () => ng.squeeze(f([2, 3]), 1), RangeError, 'Expected a dimension of size 1 at axis 1 for axis but received size 3 (shape [2, 3])');
expectErr('unsqueeze: axis', () => ng.unsqueeze(f([2, 3]), 3), RangeError, 'Expected integer axis in [-3, 2] for axis but received 3 of type number');
expectErr('stack: shapes', () => ng.stack([f([2, 3]), f([3, 2])]), RangeError, 'Expected shape [2, 3] (that of tensors[0]) for tensors[1] but received [3, 2]');
expectErr('permute: too few axes', () => ng.permute(f([2, 3]), [0]), TypeError,
  'Expected array of 2 axes (one per dimension of shape [2, 3]) for dims but received an array of length 1');
expectErr('permute: an axis twice', () => ng.permute(f([2, 3]), [0, 0]), RangeError, 'Expected each axis once for dims but received [0, 0]');
expectErr('permute: axis out of range', () => ng.permute(f([2, 3]), [0, 2]), RangeError, 'Expected integer axis in [-2, 1] for dims[1] but received 2 of type number');
expectErr('transpose: dim1', () => ng.transpose(f([2, 3]), 0, 5), RangeError, 'Expected integer axis in [-2, 1] for dim1 but received 5 of type number');
expectErr('split: sizes sum', () => ng.split(f([5]), [2, 2]), RangeError, 'Expected sizes adding up to 5 (axis 0 of shape [5]) for sizes but received [2, 2]');
expectErr('split: size 0', () => ng.split(f([5]), 0), RangeError, 'Expected positive integer for sizes but received 0 of type number');
expectErr('chunk: 0 chunks', () => ng.chunk(f([5]), 0), RangeError, 'Expected positive integer for chunks but received 0 of type number');
expectErr('tril: 1-D', () => ng.tril(f([5])), RangeError, 'Expected tensor with at least 2 dimensions for x but received shape [5]');
expectErr('triu: diagonal 0.5', () => ng.triu(f([2, 2]), 0.5), TypeError, 'Expected integer for diagonal but received 0.5 of type number');
expectErr('maximum: int32', () => ng.maximum(i32([1, 2]), 1), TypeError, 'Expected float32 Tensor for a but received int32 Tensor of shape [2]');
expectErr('logsumexp: empty', () => ng.logsumexp(f([0])), RangeError, 'Expected a non-empty axis for logsumexp but received an axis of length 0');
expectErr('sum: an axis twice', () => ng.sum(f([2, 3]), [1, -1]), RangeError, 'Expected each axis once for axis but received [1, -1]');
expectErr('mean: axis out of range', () => ng.mean(f([2, 3]), [0, 2]), RangeError, 'Expected integer axis in [-2, 1] for axis[1] but received 2 of type number');
expectErr('maskedFill: mask wider than x', () => ng.maskedFill(f([3]), f([2, 3]), 0), RangeError,
  "Expected a mask that broadcasts to x's shape [3] for mask but received [2, 3]");
expectErr('maskedFill: value', () => ng.maskedFill(f([3]), f([3]), any('0') as unknown as number), TypeError, 'Expected number for value but received "0" of type string');
expectErr('stack: dtypes', () => ng.stack([f([2]), i32([1, 2])]), TypeError, 'Expected float32 Tensor for tensors[1] but received int32 Tensor of shape [2]');

describe('op and loss argument errors: exact messages', () => {
  it.each(CASES)('%s', (_name, fn, ctor, msg) => {
    let err: unknown = null;
    try {
      ng.tidy(() => { fn(); });
    } catch (e) {
      err = e;
    }
    expect(err, 'should throw').not.toBeNull();
    expect((err as Error).message).toBe(msg);
    expect(err).toBeInstanceOf(ctor);
  });

  // pow(x, p) takes only a number p, but validates it with the Tensor-or-number helper of
  // add/mul/..., so a Tensor exponent is rejected with a message claiming Tensors are accepted.
  it('pow with a Tensor exponent names what it accepts (a number), not "Tensor or number"', () => {
    expect(() => ng.pow(f([2]), f([1]) as unknown as number)).toThrow(new TypeError('Expected number for exponent but received Tensor of shape [1]'));
    expect(() => ng.pow(f([2]), any('2') as unknown as number)).toThrow(new TypeError('Expected number for exponent but received "2" of type string'));
  });
});

describe('crossEntropy with float labels', () => {
  it('the two remedies its message names give the loss of int32 labels', () => {
    ng.tidy(() => {
      const labels = [0, 2, 1, 1];
      const logits = ng.tensor([[1, 2, 0.5], [0.1, -1, 3], [2, 2, 2], [0, 1, -1]]);
      const a = ng.losses.crossEntropy(logits, ng.tensor(labels, { dtype: 'int32' })).item();
      const b = ng.losses.crossEntropy(logits, ng.fromArray(Int32Array.from(labels))).item();
      const want = [[1, 2, 0.5], [0.1, -1, 3], [2, 2, 2], [0, 1, -1]].reduce((s, row, i) =>
        s + Math.log(row.reduce((t, v) => t + Math.exp(v), 0)) - row[labels[i]], 0) / 4;
      expect(a).toBeCloseTo(want, 5);
      expect(b).toBe(a);
    });
  });

  it('a Trainer step with loss crossEntropy and float labels fails with the same message', () => {
    const model = new ng.nn.Sequential(new ng.nn.Linear(2, 3));
    const trainer = new ng.Trainer({ model, loss: 'crossEntropy' });
    const x = ng.zeros([6, 2]);
    const y = ng.tensor([0, 1, 2, 0, 1, 2]);
    expect(() => trainer.trainStep(x, y)).toThrow(
      'Expected int32 class indices of shape [6] or float32 probabilities of shape [6, 3] for target but received float32 Tensor of shape [6]');
    trainer.optimizer.dispose();
    for (const t of [x, y]) t.dispose();
    model.dispose?.();
  });
});

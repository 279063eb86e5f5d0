/** Elementwise ops: broadcasting add/sub/mul/div, scalar ops, unary math. */
import { Tensor } from '../tensor/tensor';
import type { OpsOfKind } from '../native';
import { empty, fin, record, broadcastShapes, kernelsFor } from './util';
import { describe, expected } from '../core/validate';
import { fromArray } from '../tensor/create';
import { pointwise, UNARY } from './pointwise';

/** A broadcasting binary op: its kernels and whether the backward reads the inputs. */
interface BinarySpec {
  name: string;
  fwd: OpsOfKind<'binary'>;
  bwd: OpsOfKind<'binary_bwd'>;
  /** A CPU variant of bwd that writes the gradients instead of adding (autograd's first write), if any. */
  bwdInit?: OpsOfKind<'binary_bwd'>;
  needsInputs: boolean;
}

const ADD: BinarySpec = { name: 'add', fwd: 'addForward', bwd: 'addBackward', bwdInit: 'addBackwardInit', needsInputs: false };
const SUB: BinarySpec = { name: 'sub', fwd: 'subForward', bwd: 'subBackward', needsInputs: false };
const MUL: BinarySpec = { name: 'mul', fwd: 'mulForward', bwd: 'mulBackward', needsInputs: true };
const DIV: BinarySpec = { name: 'div', fwd: 'divForward', bwd: 'divBackward', needsInputs: true };
// relu(a + b) (CPU): the gradient reads a and b for the mask a + b > 0 (the forward's sum, same bits)
const ADD_RELU: BinarySpec = { name: 'addRelu', fwd: 'addReluForward', bwd: 'addReluBackward', bwdInit: 'addReluBackwardInit', needsInputs: true };

function binaryTensor(op: BinarySpec, a: Tensor, b: Tensor): Tensor {
  fin(a, 'a');
  fin(b, 'b');
  const k = kernelsFor(a, b);
  const shape = broadcastShapes(a.shape, b.shape, 'a', 'b');
  const out = empty(shape);
  k[op.fwd](out.f32, a.f32, a.shape, b.f32, b.shape);
  // init (a first write, CPU, ops with a bwdInit kernel): the gradients are written instead of added into.
  return record(out, op.name, [a, b], (g, [da, db], init) => {
    const inputs = op.needsInputs;
    k[init ? op.bwdInit! : op.bwd](da ? da.f32 : null, db ? db.f32 : null, g.f32, inputs ? a.f32 : null, a.shape,
      inputs ? b.f32 : null, b.shape);
  }, undefined, op.bwdInit !== undefined && out.device === 'cpu');
}

function scalarArg(v: unknown, name: string): number {
  if (typeof v !== 'number') throw new TypeError(expected('Tensor or number', name, describe(v)));
  return v;
}

function addScalar(x: Tensor, s: number): Tensor {
  const k = kernelsFor(x);
  const out = empty(x.shape);
  k.addScalarForward(out.f32, x.f32, x.size, s);
  return record(out, 'addScalar', [x], (g, [dx]) => k.addInto(dx!.f32, g.f32, x.size));
}

function mulScalar(x: Tensor, s: number): Tensor {
  const k = kernelsFor(x);
  const out = empty(x.shape);
  k.mulScalarForward(out.f32, x.f32, x.size, s);
  return record(out, 'mulScalar', [x], (g, [dx]) => k.mulScalarBackward(dx!.f32, g.f32, x.size, s));
}

function rdivScalar(s: number, x: Tensor): Tensor {
  const k = kernelsFor(x);
  const out = empty(x.shape);
  k.rdivScalarForward(out.f32, x.f32, x.size, s);
  return record(out, 'rdivScalar', [x], (g, [dx]) => k.rdivScalarBackward(dx!.f32, x.f32, g.f32, x.size, s));
}

/** a + b (broadcasting; either may be a number). */
export function add(a: Tensor | number, b: Tensor | number): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return binaryTensor(ADD, a, b);
  if (a instanceof Tensor) return addScalar(fin(a, 'a'), scalarArg(b, 'b'));
  return addScalar(fin(b, 'b'), scalarArg(a, 'a'));
}

/**
 * @internal relu(a + b) (broadcasting): one recorded op on the CPU (addReluForward / Backward,
 * the bits of add then relu with one pass and one intermediate less each way: a residual
 * block's join in training); on other devices add then relu.
 */
export function addRelu(a: Tensor, b: Tensor): Tensor {
  fin(a, 'a');
  fin(b, 'b');
  return a.device === 'cpu' && b.device === 'cpu' ? binaryTensor(ADD_RELU, a, b) : pointwise(UNARY.relu, binaryTensor(ADD, a, b));
}

/** a - b (broadcasting; either may be a number). */
export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return binaryTensor(SUB, a, b);
  if (a instanceof Tensor) return addScalar(fin(a, 'a'), -scalarArg(b, 'b'));
  // s - x = -x + s
  const nx = neg(fin(b, 'b'));
  return addScalar(nx, scalarArg(a, 'a'));
}

/** a * b (broadcasting; either may be a number). */
export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return binaryTensor(MUL, a, b);
  if (a instanceof Tensor) return mulScalar(fin(a, 'a'), scalarArg(b, 'b'));
  return mulScalar(fin(b, 'b'), scalarArg(a, 'a'));
}

/** a / b (broadcasting; either may be a number). */
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return binaryTensor(DIV, a, b);
  if (a instanceof Tensor) {
    const s = scalarArg(b, 'b');
    return mulScalar(fin(a, 'a'), 1 / s);
  }
  return rdivScalar(scalarArg(a, 'a'), fin(b, 'b'));
}

/** x ^ p for a number p. */
export function pow(x: Tensor, p: number): Tensor {
  fin(x, 'x');
  if (typeof p !== 'number') throw new TypeError(expected('number', 'exponent', describe(p)));
  const k = kernelsFor(x);
  const out = empty(x.shape);
  k.powScalarForward(out.f32, x.f32, x.size, p);
  return record(out, 'pow', [x], (g, [dx]) => k.powScalarBackward(dx!.f32, x.f32, g.f32, x.size, p));
}

/** -x: its backward reads nothing (dx -= dout). */
export function neg(x: Tensor): Tensor {
  fin(x, 'x');
  const k = kernelsFor(x);
  const out = empty(x.shape);
  k.negForward(out.f32, x.f32, x.size);
  return record(out, 'neg', [x], (g, [dx]) => k.negBackward(dx!.f32, g.f32, x.size));
}

export const exp = (x: Tensor): Tensor => pointwise(UNARY.exp, x);
export const log = (x: Tensor): Tensor => pointwise(UNARY.log, x);
export const sqrt = (x: Tensor): Tensor => pointwise(UNARY.sqrt, x);
export const abs = (x: Tensor): Tensor => pointwise(UNARY.abs, x);
export const square = (x: Tensor): Tensor => pointwise(UNARY.square, x);
/** log(1 + x), accurate for small x. */
export const log1p = (x: Tensor): Tensor => pointwise(UNARY.log1p, x);
export const sin = (x: Tensor): Tensor => pointwise(UNARY.sin, x);
export const cos = (x: Tensor): Tensor => pointwise(UNARY.cos, x);

/** Clamps to [min, max] (either may be omitted). Gradient passes inside the range. */
export function clamp(x: Tensor, min = -Infinity, max = Infinity): Tensor {
  fin(x, 'x');
  if (typeof min !== 'number' || Number.isNaN(min)) throw new TypeError(expected('number', 'min', describe(min)));
  if (typeof max !== 'number' || Number.isNaN(max)) throw new TypeError(expected('number', 'max', describe(max)));
  if (min > max) throw new RangeError(expected(`max >= min (${min})`, 'max', describe(max)));
  return pointwise(UNARY.clamp, x, [min, max]);
}

/** A copy that shares nothing with x (gradient flows through). */
export function clone(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(expected('Tensor', 'x', describe(x)));
  if (x.dtype === 'int32') return fromArray(x.data, x.shape.slice());
  const out = empty(x.shape);
  (out.data as Float32Array).set(x.data as Float32Array);
  const k = kernelsFor(x);
  return record(out, 'clone', [x], (g, [dx]) => k.addInto(dx!.f32, g.f32, x.size));
}

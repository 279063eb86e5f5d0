/** Elementwise ops: broadcasting add/sub/mul/div, scalar ops, unary math. */
import { Tensor } from '../tensor/tensor';
import { native } from '../native';
import { empty, fin, record, broadcastShapes } from './util';
import { describe, expected } from '../core/validate';
import { fromArray } from '../tensor/create';

type Binary = 'add' | 'sub' | 'mul' | 'div';

function binaryTensor(op: Binary, a: Tensor, b: Tensor): Tensor {
  fin(a, 'a');
  fin(b, 'b');
  const shape = broadcastShapes(a.shape, b.shape, 'a', 'b');
  const out = empty(shape);
  native[`${op}Forward`](out.data, a.data, a.shape, b.data, b.shape);
  return record(out, op, [a, b], (g, [da, db]) => {
    const needInputs = op === 'mul' || op === 'div';
    native[`${op}Backward`](da ? da.data : null, db ? db.data : null, g.data,
      needInputs ? a.data : null, a.shape, needInputs ? b.data : null, b.shape);
  });
}

function scalarArg(v: unknown, name: string): number {
  if (typeof v !== 'number') throw new TypeError(expected('Tensor or number', name, describe(v)));
  return v;
}

function addScalar(x: Tensor, s: number): Tensor {
  const out = empty(x.shape);
  native.addScalarForward(out.data, x.data, x.size, s);
  return record(out, 'addScalar', [x], (g, [dx]) => native.addInto(dx!.data, g.data, x.size));
}

function mulScalar(x: Tensor, s: number): Tensor {
  const out = empty(x.shape);
  native.mulScalarForward(out.data, x.data, x.size, s);
  return record(out, 'mulScalar', [x], (g, [dx]) => native.mulScalarBackward(dx!.data, g.data, x.size, s));
}

function rdivScalar(s: number, x: Tensor): Tensor {
  const out = empty(x.shape);
  native.rdivScalarForward(out.data, x.data, x.size, s);
  return record(out, 'rdivScalar', [x], (g, [dx]) => native.rdivScalarBackward(dx!.data, x.data, g.data, x.size, s));
}

/** a + b (broadcasting; either may be a number). */
export function add(a: Tensor | number, b: Tensor | number): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return binaryTensor('add', a, b);
  if (a instanceof Tensor) return addScalar(fin(a, 'a'), scalarArg(b, 'b'));
  return addScalar(fin(b, 'b'), scalarArg(a, 'a'));
}

/** a - b (broadcasting; either may be a number). */
export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return binaryTensor('sub', a, b);
  if (a instanceof Tensor) return addScalar(fin(a, 'a'), -scalarArg(b, 'b'));
  // s - x = -x + s
  const nx = neg(fin(b, 'b'));
  return addScalar(nx, scalarArg(a, 'a'));
}

/** a * b (broadcasting; either may be a number). */
export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return binaryTensor('mul', a, b);
  if (a instanceof Tensor) return mulScalar(fin(a, 'a'), scalarArg(b, 'b'));
  return mulScalar(fin(b, 'b'), scalarArg(a, 'a'));
}

/** a / b (broadcasting; either may be a number). */
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return binaryTensor('div', a, b);
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
  const out = empty(x.shape);
  native.powScalarForward(out.data, x.data, x.size, p);
  return record(out, 'pow', [x], (g, [dx]) => native.powScalarBackward(dx!.data, x.data, g.data, x.size, p));
}

type Unary = 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'square';
// Which tensor each unary backward reads (see native/cpu/ops/elementwise.h).
const SAVED: Record<Unary, 'none' | 'inp' | 'out'> = {
  neg: 'none', exp: 'out', log: 'inp', sqrt: 'out', abs: 'inp', square: 'inp',
};

function unary(op: Unary, x: Tensor): Tensor {
  fin(x, 'x');
  const out = empty(x.shape);
  native[`${op}Forward`](out.data, x.data, x.size);
  const saved = SAVED[op];
  return record(out, op, [x], (g, [dx]) => {
    if (saved === 'none') native[`${op}Backward`](dx!.data, g.data, x.size);
    else native[`${op}Backward`](dx!.data, saved === 'inp' ? x.data : out.data, g.data, x.size);
  });
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const square = (x: Tensor): Tensor => unary('square', x);

/** Clamps to [min, max] (either may be omitted). Gradient passes inside the range. */
export function clamp(x: Tensor, min = -Infinity, max = Infinity): Tensor {
  fin(x, 'x');
  if (typeof min !== 'number' || Number.isNaN(min)) throw new TypeError(expected('number', 'min', describe(min)));
  if (typeof max !== 'number' || Number.isNaN(max)) throw new TypeError(expected('number', 'max', describe(max)));
  if (min > max) throw new RangeError(expected(`max >= min (${min})`, 'max', describe(max)));
  const out = empty(x.shape);
  native.clampForward(out.data, x.data, x.size, min, max);
  return record(out, 'clamp', [x], (g, [dx]) => native.clampBackward(dx!.data, x.data, g.data, x.size, min, max));
}

/** A copy that shares nothing with x (gradient flows through). */
export function clone(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(expected('Tensor', 'x', describe(x)));
  if (x.dtype === 'int32') return fromArray(x.data, x.shape.slice());
  const out = empty(x.shape);
  (out.data as Float32Array).set(x.data as Float32Array);
  return record(out, 'clone', [x], (g, [dx]) => native.addInto(dx!.data, g.data, x.size));
}

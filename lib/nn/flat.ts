/**
 * One flat buffer for many parameters: parameters are re-pointed to views of a single native
 * block (64-byte aligned slots), and their gradients become views of one flat gradient block
 * with the same layout. Optimizer state uses that layout too, so an update over all
 * parameters is one fused native loop, and zeroGrad is one fill.
 */
import { Tensor } from '../tensor/tensor';
import { Storage } from '../tensor/storage';
import { keep } from '../tensor/scope';
import { native } from '../native';

const SLOT = 16; // floats per 64 bytes

export interface FlatLayout {
  /** All parameter values. */
  values: Tensor;
  /** All gradients, same layout. */
  grads: Tensor;
  /** Element offset of each parameter in the flat buffers. */
  offsets: number[];
  params: Tensor[];
}

const layouts = new WeakMap<Storage, FlatLayout>();

/** The flat layout the parameters already share, if they are exactly one packed group in order. */
export function existingLayout(params: readonly Tensor[]): FlatLayout | null {
  if (params.length === 0) return null;
  const s = params[0]._storage;
  if (!s) return null;
  const layout = layouts.get(s);
  if (!layout || layout.params.length !== params.length) return null;
  for (let i = 0; i < params.length; i++) if (layout.params[i] !== params[i] || params[i]._storage !== s) return null;
  return layout;
}

/** Packs parameters into one flat value buffer and one flat gradient buffer (idempotent). */
export function packParameters(params: readonly Tensor[]): FlatLayout {
  const found = existingLayout(params);
  if (found) return found;
  const offsets: number[] = [];
  let total = 0;
  for (const p of params) {
    offsets.push(total);
    total += Math.ceil(p.size / SLOT) * SLOT;
  }
  const valueStorage = new Storage(Math.max(total, 1) * 4);
  const values = keep(new Tensor([total], 'float32', valueStorage));
  native.fillF32(values.data, total, 0);
  const grads = keep(new Tensor([total], 'float32', new Storage(Math.max(total, 1) * 4)));
  native.fillF32(grads.data, total, 0);
  const vbuf = valueStorage.buffer as ArrayBuffer;
  params.forEach((p, i) => {
    const view = new Float32Array(vbuf, offsets[i] * 4, p.size);
    view.set(p.data as Float32Array);
    const old = p._storage;
    p._storage = valueStorage.retain();
    p._view = view;
    if (old) old.release();
    const oldGrad = p.grad;
    const g = keep(grads._viewAs(p.shape, offsets[i]));
    if (oldGrad && !oldGrad.isDisposed) {
      (g.data as Float32Array).set(oldGrad.data as Float32Array);
      oldGrad.dispose();
    }
    p.grad = g;
  });
  const layout: FlatLayout = { values, grads, offsets, params: params.slice() };
  layouts.set(valueStorage, layout);
  return layout;
}

/**
 * One flat buffer for many parameters: parameters are re-pointed to views of a single native
 * block (64-byte aligned slots), and their gradients become views of one flat gradient block
 * with the same layout. Optimizer state uses that layout too, so an update over all
 * parameters is one fused native loop, and zeroGrad is one fill.
 */
import { Tensor } from '../tensor/tensor';
import { Storage } from '../tensor/storage';
import { keep } from '../tensor/scope';
import { kernels } from '../native';

const SLOT = 16; // floats per 64 bytes

export interface FlatLayout {
  /** All parameter values. */
  values: Tensor;
  /** All gradients, same layout. */
  grads: Tensor;
  /** Element offset of each parameter in the flat buffers. */
  offsets: number[];
  params: Tensor[];
  /** Optimizers using this layout (the last one to be disposed frees the flat blocks). */
  users: number;
}

const layouts = new WeakMap<Storage, FlatLayout>();

/** The flat layout the parameters already share, if they are exactly one packed group in order. */
export function existingLayout(params: readonly Tensor[]): FlatLayout | null {
  if (params.length === 0) return null;
  const s = params[0]._storage;
  if (!(s instanceof Storage)) return null;
  const layout = layouts.get(s);
  if (!layout || layout.params.length !== params.length) return null;
  for (let i = 0; i < params.length; i++) if (layout.params[i] !== params[i] || params[i]._storage !== s) return null;
  return layout;
}

/** The packed layout a parameter belongs to, and its index there (null when not packed). */
export function layoutOf(p: Tensor): { layout: FlatLayout; index: number } | null {
  const s = p._storage;
  if (!(s instanceof Storage)) return null;
  const layout = layouts.get(s);
  if (!layout) return null;
  const index = layout.params.indexOf(p);
  return index >= 0 ? { layout, index } : null;
}

/** A contiguous range [start, end) of a flat layout. */
export interface Segment { start: number; end: number }

/**
 * The layout and element ranges an optimizer over `params` updates: the whole layout when the
 * params are exactly one packed group, the params' own ranges when they are a subset of one,
 * and a fresh packing when none is packed yet.
 */
export function segmentsFor(params: readonly Tensor[]): { layout: FlatLayout; segments: Segment[] } {
  const exact = existingLayout(params);
  if (exact) return { layout: exact, segments: [{ start: 0, end: exact.values.size }] };
  const found = params.map(layoutOf);
  if (found.every((f) => f === null)) {
    const layout = packParameters(params);
    return { layout, segments: [{ start: 0, end: layout.values.size }] };
  }
  const first = found[0];
  if (!first || found.some((f) => f === null || f.layout !== first.layout)) {
    throw new TypeError('Expected parameters that are all unpacked or all from one packed parameter group for params ' +
      'but received a mix (create one optimizer per model, or over a subset of one model\'s parameters)');
  }
  const ranges = (found as { layout: FlatLayout; index: number }[])
    .map((f) => ({ start: f.layout.offsets[f.index], end: f.layout.offsets[f.index] + Math.ceil(f.layout.params[f.index].size / SLOT) * SLOT }))
    .sort((a, b) => a.start - b.start);
  const segments: Segment[] = [];
  for (const r of ranges) {
    const last = segments[segments.length - 1];
    if (last && last.end === r.start) last.end = r.end;
    else segments.push({ ...r });
  }
  return { layout: first.layout, segments };
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
  kernels(values.device).fillF32(values.f32, total, 0);
  const grads = keep(new Tensor([total], 'float32', new Storage(Math.max(total, 1) * 4)));
  kernels(grads.device).fillF32(grads.f32, total, 0);
  const vbuf = valueStorage.buffer as ArrayBuffer;
  params.forEach((p, i) => {
    const view = new Float32Array(vbuf, valueStorage.byteOffset + offsets[i] * 4, p.size);
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
  const layout: FlatLayout = { values, grads, offsets, params: params.slice(), users: 0 };
  layouts.set(valueStorage, layout);
  return layout;
}

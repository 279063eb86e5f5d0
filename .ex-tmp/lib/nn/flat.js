"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.existingLayout = existingLayout;
exports.layoutOf = layoutOf;
exports.segmentsFor = segmentsFor;
exports.packParameters = packParameters;
/**
 * One flat buffer for many parameters: parameters are re-pointed to views of a single native
 * block (64-byte aligned slots), and their gradients become views of one flat gradient block
 * with the same layout. Optimizer state uses that layout too, so an update over all
 * parameters is one fused native loop, and zeroGrad is one fill.
 */
const tensor_1 = require("../tensor/tensor");
const storage_1 = require("../tensor/storage");
const scope_1 = require("../tensor/scope");
const native_1 = require("../native");
const SLOT = 16; // floats per 64 bytes
const layouts = new WeakMap();
/** The flat layout the parameters already share, if they are exactly one packed group in order. */
function existingLayout(params) {
    if (params.length === 0)
        return null;
    const s = params[0]._storage;
    if (!s)
        return null;
    const layout = layouts.get(s);
    if (!layout || layout.params.length !== params.length)
        return null;
    for (let i = 0; i < params.length; i++)
        if (layout.params[i] !== params[i] || params[i]._storage !== s)
            return null;
    return layout;
}
/** The packed layout a parameter belongs to, and its index there (null when not packed). */
function layoutOf(p) {
    const s = p._storage;
    if (!s)
        return null;
    const layout = layouts.get(s);
    if (!layout)
        return null;
    const index = layout.params.indexOf(p);
    return index >= 0 ? { layout, index } : null;
}
/**
 * The layout and element ranges an optimizer over `params` updates: the whole layout when the
 * params are exactly one packed group, the params' own ranges when they are a subset of one,
 * and a fresh packing when none is packed yet.
 */
function segmentsFor(params) {
    const exact = existingLayout(params);
    if (exact)
        return { layout: exact, segments: [{ start: 0, end: exact.values.size }] };
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
    const ranges = found
        .map((f) => ({ start: f.layout.offsets[f.index], end: f.layout.offsets[f.index] + Math.ceil(f.layout.params[f.index].size / SLOT) * SLOT }))
        .sort((a, b) => a.start - b.start);
    const segments = [];
    for (const r of ranges) {
        const last = segments[segments.length - 1];
        if (last && last.end === r.start)
            last.end = r.end;
        else
            segments.push({ ...r });
    }
    return { layout: first.layout, segments };
}
/** Packs parameters into one flat value buffer and one flat gradient buffer (idempotent). */
function packParameters(params) {
    const found = existingLayout(params);
    if (found)
        return found;
    const offsets = [];
    let total = 0;
    for (const p of params) {
        offsets.push(total);
        total += Math.ceil(p.size / SLOT) * SLOT;
    }
    const valueStorage = new storage_1.Storage(Math.max(total, 1) * 4);
    const values = (0, scope_1.keep)(new tensor_1.Tensor([total], 'float32', valueStorage));
    native_1.native.fillF32(values.data, total, 0);
    const grads = (0, scope_1.keep)(new tensor_1.Tensor([total], 'float32', new storage_1.Storage(Math.max(total, 1) * 4)));
    native_1.native.fillF32(grads.data, total, 0);
    const vbuf = valueStorage.buffer;
    params.forEach((p, i) => {
        const view = new Float32Array(vbuf, offsets[i] * 4, p.size);
        view.set(p.data);
        const old = p._storage;
        p._storage = valueStorage.retain();
        p._view = view;
        if (old)
            old.release();
        const oldGrad = p.grad;
        const g = (0, scope_1.keep)(grads._viewAs(p.shape, offsets[i]));
        if (oldGrad && !oldGrad.isDisposed) {
            g.data.set(oldGrad.data);
            oldGrad.dispose();
        }
        p.grad = g;
    });
    const layout = { values, grads, offsets, params: params.slice(), users: 0 };
    layouts.set(valueStorage, layout);
    return layout;
}

"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Tensor = void 0;
exports.shapeSize = shapeSize;
exports.disposedError = disposedError;
/**
 * Tensor: a contiguous float32 or int32 array in native memory, with a shape.
 *
 * `t.data` is a zero-copy Float32Array/Int32Array view of the native block. Tensors are freed
 * by dispose() (at once), by an enclosing ng.tidy(), or - as a safety net only - by GC.
 * Math methods (add, matmul, relu, ...) are recorded by autograd when an input requires grad;
 * they are implemented in lib/ops and attached below.
 */
const storage_1 = require("./storage");
const scope_1 = require("./scope");
const validate_1 = require("../core/validate");
function shapeSize(shape) {
    let n = 1;
    for (let i = 0; i < shape.length; i++)
        n *= shape[i];
    return n;
}
let nextId = 1;
class Tensor {
    id;
    shape;
    dtype;
    size;
    /** Whether gradients flow to this tensor. Leaves with requiresGrad get `.grad` from backward(). */
    requiresGrad = false;
    /** Gradient accumulated by backward() (leaves only). */
    grad = null;
    /** Optional name (parameters carry theirs). */
    name = undefined;
    /** @internal */ _storage;
    /** @internal */ _view;
    /** @internal */ _node = null;
    /** @internal set when a graph through this tensor was consumed by backward(). */
    _graphFreed = false;
    /** @internal */ _kept = false;
    /** @internal Use ng.tensor/ng.zeros/ng.fromArray/... to create tensors. */
    constructor(shape, dtype, storage, offsetElements = 0) {
        this.id = nextId++;
        this.shape = Object.freeze(shape.slice());
        this.dtype = dtype;
        this.size = shapeSize(shape);
        this._storage = storage;
        const buf = storage.buffer;
        this._view = dtype === 'float32'
            ? new Float32Array(buf, offsetElements * 4, this.size)
            : new Int32Array(buf, offsetElements * 4, this.size);
        (0, scope_1.track)(this);
    }
    /** Allocates an uninitialized tensor (internal; kernels fill it). */
    static empty(shape, dtype = 'float32') {
        return new Tensor(shape, dtype, new storage_1.Storage(shapeSize(shape) * 4));
    }
    /** Zero-copy view of the data. Throws if the tensor was disposed. */
    get data() {
        const v = this._view;
        if (v === null)
            throw disposedError('tensor');
        return v;
    }
    get rank() {
        return this.shape.length;
    }
    get isDisposed() {
        return this._view === null;
    }
    /** Frees the tensor's memory now (returns it to the pool). Safe to call twice. */
    dispose() {
        if (this._view === null)
            return;
        this._view = null;
        this._node = null;
        const s = this._storage;
        this._storage = null;
        if (s)
            s.release();
        if (this.grad) {
            this.grad.dispose();
            this.grad = null;
        }
    }
    /** @internal A tensor sharing this one's storage with another shape (same size). */
    _viewAs(shape, offsetElements = 0) {
        const s = this._storage.retain();
        const base = this._view.byteOffset / 4;
        return new Tensor(shape, this.dtype, s, base + offsetElements);
    }
    /** Nested JS arrays (or a number for a 0-d tensor). */
    toArray() {
        const d = this.data;
        if (this.shape.length === 0)
            return d[0];
        const build = (dim, off) => {
            const n = this.shape[dim];
            const out = new Array(n);
            if (dim === this.shape.length - 1) {
                for (let i = 0; i < n; i++)
                    out[i] = d[off + i];
                return out;
            }
            let stride = 1;
            for (let k = dim + 1; k < this.shape.length; k++)
                stride *= this.shape[k];
            for (let i = 0; i < n; i++)
                out[i] = build(dim + 1, off + i * stride);
            return out;
        };
        return build(0, 0);
    }
    /** The single value of a one-element tensor. */
    item() {
        if (this.size !== 1) {
            throw new RangeError(`Expected tensor with exactly one element for item() but received shape ${(0, validate_1.fmtShape)(this.shape)}`);
        }
        return this.data[0];
    }
    toString() {
        if (this.isDisposed)
            return 'Tensor(disposed)';
        const fmt = (v) => (this.dtype === 'int32' ? String(v) : Number(v.toPrecision(6)).toString());
        const limit = 6;
        const render = (dim, off, indent) => {
            if (this.shape.length === 0)
                return fmt(this.data[off]);
            const n = this.shape[dim];
            let stride = 1;
            for (let k = dim + 1; k < this.shape.length; k++)
                stride *= this.shape[k];
            const idx = [];
            if (n <= limit)
                for (let i = 0; i < n; i++)
                    idx.push(i);
            else
                idx.push(0, 1, 2, null, n - 2, n - 1);
            if (dim === this.shape.length - 1) {
                return '[' + idx.map((i) => (i === null ? '...' : fmt(this.data[off + i]))).join(', ') + ']';
            }
            const inner = idx.map((i) => (i === null ? '...' : render(dim + 1, off + i * stride, indent + ' ')));
            return '[' + inner.join(',\n' + indent + ' ') + ']';
        };
        const grad = this.requiresGrad ? ', requiresGrad=true' : '';
        return `Tensor(${render(0, 0, '       ')}, shape=${(0, validate_1.fmtShape)(this.shape)}, dtype=${this.dtype}${grad})`;
    }
    [Symbol.for('nodejs.util.inspect.custom')]() {
        return this.toString();
    }
}
exports.Tensor = Tensor;
function disposedError(name) {
    return new TypeError(`Expected a live tensor for ${name} but received a disposed tensor`);
}

"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Module = void 0;
/**
 * Module: the PyTorch-style building block. Registers parameters (tensors that require grad),
 * buffers (state such as BatchNorm running statistics) and child modules; gives
 * parameters(), namedParameters(), zeroGrad(), train()/eval(), stateDict()/loadStateDict(),
 * a readable toString() with parameter counts, and a config for rebuilding from a file.
 */
const tensor_1 = require("../tensor/tensor");
const scope_1 = require("../tensor/scope");
const check_1 = require("../tensor/check");
const native_1 = require("../native");
const validate_1 = require("../core/validate");
class Module {
    training = true;
    /** @internal */ _params = new Map();
    /** @internal */ _buffers = new Map();
    /** @internal */ _children = new Map();
    /** Same as forward (lets a module be called like a function via model.call(x)). */
    call(...inputs) {
        return this.forward(...inputs);
    }
    /** Registers a parameter: it requires grad and survives ng.tidy(). */
    registerParameter(name, t) {
        t.requiresGrad = true;
        t.name = name;
        (0, scope_1.keep)(t);
        this._params.set(name, t);
        return t;
    }
    registerBuffer(name, t) {
        (0, scope_1.keep)(t);
        this._buffers.set(name, t);
        return t;
    }
    registerModule(name, m) {
        this._children.set(name, m);
        return m;
    }
    /** Child modules in registration order. */
    children() {
        return [...this._children.values()];
    }
    namedParameters(prefix = '') {
        const out = [];
        for (const [n, p] of this._params)
            out.push([prefix + n, p]);
        for (const [n, c] of this._children)
            out.push(...c.namedParameters(`${prefix}${n}.`));
        return out;
    }
    parameters() {
        return this.namedParameters().map(([, p]) => p);
    }
    namedBuffers(prefix = '') {
        const out = [];
        for (const [n, b] of this._buffers)
            out.push([prefix + n, b]);
        for (const [n, c] of this._children)
            out.push(...c.namedBuffers(`${prefix}${n}.`));
        return out;
    }
    /** Number of scalar parameters. */
    numParameters() {
        return this.parameters().reduce((s, p) => s + p.size, 0);
    }
    /** Sets training mode (dropout active, batch statistics) recursively. */
    train(mode = true) {
        if (typeof mode !== 'boolean')
            throw new TypeError((0, validate_1.expected)('boolean', 'mode', (0, validate_1.describe)(mode)));
        this.training = mode;
        for (const c of this._children.values())
            c.train(mode);
        return this;
    }
    /** Inference mode: dropout off, running statistics. */
    eval() {
        return this.train(false);
    }
    /** Zeroes the gradients of every parameter (one fill when they share a flat buffer). */
    zeroGrad() {
        const seen = new Set();
        for (const p of this.parameters()) {
            const g = p.grad;
            if (!g || g.isDisposed)
                continue;
            native_1.native.fillF32(g.data, g.size, 0);
            seen.add(g.data.buffer);
        }
    }
    /** Parameters and buffers by dotted name ('0.weight'); the tensors themselves, not copies. */
    stateDict() {
        const out = {};
        for (const [n, p] of this.namedParameters())
            out[n] = p;
        for (const [n, b] of this.namedBuffers())
            out[n] = b;
        return out;
    }
    /**
     * Copies values into parameters and buffers. strict (default) requires exactly the same
     * names; shapes must always match. Accepts tensors or { shape, data } records.
     */
    loadStateDict(state, opts = {}) {
        (0, validate_1.assertPlainObject)(state, 'state');
        const strict = opts.strict ?? true;
        const own = this.stateDict();
        const missing = Object.keys(own).filter((k) => !(k in state));
        const unexpected = Object.keys(state).filter((k) => !(k in own));
        if (strict && (missing.length > 0 || unexpected.length > 0)) {
            const parts = [];
            if (missing.length)
                parts.push(`missing keys: ${missing.join(', ')}`);
            if (unexpected.length)
                parts.push(`unexpected keys: ${unexpected.join(', ')}`);
            throw new Error(`Expected state dict keys matching the model for state but received ${parts.join('; ')}`);
        }
        for (const [k, dst] of Object.entries(own)) {
            const src = state[k];
            if (!src)
                continue;
            if (src instanceof tensor_1.Tensor)
                (0, check_1.assertTensor)(src, `state['${k}']`);
            else if (typeof src !== 'object' || src === null || !Array.isArray(src.shape) || typeof src.data?.length !== 'number') {
                throw new TypeError((0, validate_1.expected)('Tensor or { shape, data }', `state['${k}']`, (0, validate_1.describe)(src)));
            }
            const shape = src.shape;
            if (shape.length !== dst.shape.length || shape.some((d, i) => d !== dst.shape[i])) {
                throw new RangeError(`Expected shape ${(0, validate_1.fmtShape)(dst.shape)} for state['${k}'] but received ${(0, validate_1.fmtShape)(shape)}`);
            }
            const data = src.data;
            if (data.length !== dst.size) {
                throw new RangeError(`Expected ${dst.size} values for state['${k}'] but received ${data.length}`);
            }
            dst.data.set(data);
        }
        return { missing, unexpected };
    }
    /** Frees parameters and buffers. */
    dispose() {
        for (const p of this._params.values())
            p.dispose();
        for (const b of this._buffers.values())
            b.dispose();
        for (const c of this._children.values())
            c.dispose();
    }
    /** One-line description of this module's own arguments (used by toString). */
    extraRepr() {
        return '';
    }
    toString() {
        return this.describe('') + `\nTotal parameters: ${this.numParameters().toLocaleString('en-US')}`;
    }
    /** @internal */
    describe(indent) {
        const name = this.constructor.name;
        const own = [...this._params.values()].reduce((s, p) => s + p.size, 0);
        const count = own > 0 ? `  # ${own.toLocaleString('en-US')} params` : '';
        if (this._children.size === 0)
            return `${name}(${this.extraRepr()})${count}`;
        const lines = [...this._children].map(([n, c]) => `${indent}  (${n}): ${c.describe(indent + '  ')}`);
        return `${name}(\n${lines.join('\n')}\n${indent})${count}`;
    }
    [Symbol.for('nodejs.util.inspect.custom')]() {
        return this.toString();
    }
}
exports.Module = Module;

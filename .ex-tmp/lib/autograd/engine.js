"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.backward = backward;
const create_1 = require("../tensor/create");
const scope_1 = require("../tensor/scope");
const native_1 = require("../native");
const check_1 = require("../tensor/check");
const validate_1 = require("../core/validate");
function zerosOf(t) {
    const g = (0, create_1.empty)(t.shape, 'float32');
    native_1.native.fillF32(g.data, g.size, 0);
    return g;
}
/** Nodes reachable from root, in topological order (inputs before outputs). */
function topoOrder(root) {
    const order = [];
    const seen = new Set();
    const stack = [[root, 0]];
    seen.add(root);
    while (stack.length > 0) {
        const top = stack[stack.length - 1];
        const [t, i] = top;
        const node = t._node;
        if (node && i < node.inputs.length) {
            top[1]++;
            const inp = node.inputs[i];
            if (inp && inp._node && !seen.has(inp)) {
                seen.add(inp);
                stack.push([inp, 0]);
            }
            continue;
        }
        stack.pop();
        order.push(t);
    }
    return order;
}
/**
 * Computes gradients of `root` with respect to every leaf tensor that requires grad and
 * ADDS them into leaf.grad (created as zeros when missing). A non-scalar root needs an explicit
 * `gradient` of the same shape. The graph is freed afterwards (no retainGraph).
 */
function backward(root, gradient) {
    (0, check_1.assertTensor)(root, 'backward() target');
    if (root._graphFreed) {
        throw new Error('Expected a tensor with a recorded graph for backward() but received one whose graph was already ' +
            'consumed by an earlier backward() (graphs are freed after backward; recompute the forward pass)');
    }
    if (!root.requiresGrad) {
        throw new Error('Expected a tensor that requires grad for backward() but received a tensor with requiresGrad=false ' +
            '(no input of the computation had requiresGrad=true, or it ran inside noGrad)');
    }
    let seed;
    if (gradient === undefined) {
        if (root.size !== 1) {
            throw new RangeError(`Expected a gradient argument for backward() of a non-scalar output but received none (output shape ${(0, validate_1.fmtShape)(root.shape)})`);
        }
        seed = (0, create_1.empty)(root.shape, 'float32');
        seed.data[0] = 1;
    }
    else {
        (0, check_1.assertTensor)(gradient, 'gradient', 'float32');
        if (gradient.shape.length !== root.shape.length || gradient.shape.some((d, i) => d !== root.shape[i])) {
            throw new RangeError(`Expected shape ${(0, validate_1.fmtShape)(root.shape)} for gradient but received ${(0, validate_1.fmtShape)(gradient.shape)}`);
        }
        seed = (0, create_1.empty)(root.shape, 'float32');
        seed.data.set(gradient.data);
    }
    if (!root._node) {
        // A leaf: its gradient is the seed itself.
        accumulateLeaf(root, seed);
        seed.dispose();
        return;
    }
    const order = topoOrder(root);
    const grads = new Map();
    grads.set(root, seed);
    try {
        for (let k = order.length - 1; k >= 0; k--) {
            const t = order[k];
            const node = t._node;
            const gOut = grads.get(t);
            if (!node)
                continue;
            if (gOut) {
                const bufs = node.inputs.map((inp) => {
                    if (!inp)
                        return null;
                    if (!inp._node) {
                        if (!inp.grad)
                            inp.grad = (0, scope_1.keep)(zerosOf(inp));
                        return inp.grad;
                    }
                    let g = grads.get(inp);
                    if (!g) {
                        g = zerosOf(inp);
                        grads.set(inp, g);
                    }
                    return g;
                });
                node.backward(gOut, bufs);
            }
        }
    }
    finally {
        for (const t of order) {
            const node = t._node;
            if (node) {
                if (node.release)
                    node.release();
                t._node = null;
                t._graphFreed = true;
            }
        }
        for (const g of grads.values())
            g.dispose();
    }
}
function accumulateLeaf(leaf, g) {
    if (!leaf.grad)
        leaf.grad = (0, scope_1.keep)(zerosOf(leaf));
    const d = leaf.grad.data;
    const s = g.data;
    for (let i = 0; i < d.length; i++)
        d[i] += s[i];
}

"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Tensor methods for the ops (x.add(y), x.matmul(w).relu(), loss.backward(), ...). Attached
 * here, after both modules load, so lib/tensor does not import lib/ops at definition time.
 */
const tensor_1 = require("./tensor");
const ops = __importStar(require("../ops"));
const engine_1 = require("../autograd/engine");
const validate_1 = require("../core/validate");
const P = tensor_1.Tensor.prototype;
P.add = function (o) { return ops.add(this, o); };
P.sub = function (o) { return ops.sub(this, o); };
P.mul = function (o) { return ops.mul(this, o); };
P.div = function (o) { return ops.div(this, o); };
P.pow = function (e) { return ops.pow(this, e); };
P.neg = function () { return ops.neg(this); };
P.exp = function () { return ops.exp(this); };
P.log = function () { return ops.log(this); };
P.sqrt = function () { return ops.sqrt(this); };
P.abs = function () { return ops.abs(this); };
P.square = function () { return ops.square(this); };
P.clamp = function (min, max) { return ops.clamp(this, min, max); };
P.sum = function (axis, keepdim) { return ops.sum(this, axis, keepdim); };
P.mean = function (axis, keepdim) { return ops.mean(this, axis, keepdim); };
P.max = function (axis, keepdim) { return ops.max(this, axis, keepdim); };
P.argmax = function (axis, keepdim) { return ops.argmax(this, axis, keepdim); };
P.matmul = function (o) { return ops.matmul(this, o); };
P.relu = function () { return ops.relu(this); };
P.leakyRelu = function (s) { return ops.leakyRelu(this, s); };
P.elu = function (a) { return ops.elu(this, a); };
P.selu = function () { return ops.selu(this); };
P.gelu = function (o) { return ops.gelu(this, o); };
P.silu = function () { return ops.silu(this); };
P.sigmoid = function () { return ops.sigmoid(this); };
P.tanh = function () { return ops.tanh(this); };
P.softplus = function (b, t) { return ops.softplus(this, b, t); };
P.softmax = function (axis) { return ops.softmax(this, axis); };
P.logSoftmax = function (axis) { return ops.logSoftmax(this, axis); };
P.reshape = function (shape) { return ops.reshape(this, shape); };
P.flatten = function (startDim) { return ops.flatten(this, startDim); };
P.transpose = function () { return ops.transpose(this); };
Object.defineProperty(P, 'T', { get() { return ops.transpose(this); }, configurable: true });
P.slice = function (start, end, axis) { return ops.slice(this, start, end, axis); };
P.gather = function (idx) { return ops.gather(this, idx); };
P.clone = function () { return ops.clone(this); };
P.detach = function () {
    const t = this._viewAs(this.shape);
    t.requiresGrad = false;
    return t;
};
P.requiresGrad_ = function (on = true) {
    (0, validate_1.assertBoolean)(on, 'requiresGrad');
    if (on && this.dtype !== 'float32')
        throw new TypeError('Expected float32 Tensor for requiresGrad_ but received int32 Tensor');
    this.requiresGrad = on;
    return this;
};
P.backward = function (gradient) { (0, engine_1.backward)(this, gradient); };

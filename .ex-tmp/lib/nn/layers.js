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
exports.Embedding = exports.BatchNorm1d = exports.LayerNorm = exports.Flatten = exports.Dropout = exports.Identity = exports.LogSoftmax = exports.Softmax = exports.Softplus = exports.SiLU = exports.SELU = exports.ELU = exports.LeakyReLU = exports.GELU = exports.Tanh = exports.Sigmoid = exports.ReLU = exports.Activation = exports.Linear = void 0;
/**
 * Layers: Linear, activation modules, Dropout, BatchNorm1d, LayerNorm, Embedding, Flatten.
 * Each forward is one call into lib/ops (one native kernel, or a fused one).
 */
const module_1 = require("./module");
const create_1 = require("../tensor/create");
const check_1 = require("../tensor/check");
const F = __importStar(require("../ops"));
const init = __importStar(require("./init"));
const layer_args_1 = require("./layer-args");
/** y = x W^T + b with W shaped (out, in) like PyTorch. */
class Linear extends module_1.Module {
    inFeatures;
    outFeatures;
    opts;
    weight;
    bias;
    /** @internal whether the initializer was chosen by the user (Sequential may pick one otherwise). */
    _explicitInit;
    constructor(inFeatures, outFeatures, opts = {}) {
        super();
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.opts = opts;
        (0, layer_args_1.assertPositiveInteger)(inFeatures, 'inFeatures');
        (0, layer_args_1.assertPositiveInteger)(outFeatures, 'outFeatures');
        const useBias = opts.bias ?? true;
        (0, layer_args_1.assertBoolean)(useBias, 'bias');
        (0, layer_args_1.INIT_NAMES_GUARD)(opts.init);
        this._explicitInit = opts.init !== undefined;
        this.weight = this.registerParameter('weight', (0, create_1.empty)([outFeatures, inFeatures]));
        this.bias = useBias ? this.registerParameter('bias', (0, create_1.empty)([outFeatures])) : null;
        this.resetParameters(opts.init);
    }
    /** Re-initializes: PyTorch's default, or a named initializer (bias = 0 then). */
    resetParameters(name, nonlinearity) {
        const bound = 1 / Math.sqrt(this.inFeatures);
        if (name === undefined) {
            init.uniform(this.weight, { low: -bound, high: bound });
            if (this.bias)
                init.uniform(this.bias, { low: -bound, high: bound });
        }
        else {
            init.byName(name, this.weight, nonlinearity);
            if (this.bias)
                init.zeros(this.bias);
        }
    }
    forward(x) {
        return this.forwardWith(x, 'none');
    }
    /** Forward with a fused activation (used by Sequential for Linear + activation pairs). */
    forwardWith(x, act) {
        (0, check_1.assertTensor)(x, 'input', 'float32');
        const last = x.shape[x.shape.length - 1];
        if (x.shape.length < 1 || last !== this.inFeatures) {
            (0, layer_args_1.shapeError)([...x.shape.slice(0, -1).map(() => null), this.inFeatures], 'input', x.shape);
        }
        return F.linear(x, this.weight, this.bias, act);
    }
    getConfig() {
        return { type: 'Linear', args: { inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null } };
    }
    extraRepr() {
        return `in=${this.inFeatures}, out=${this.outFeatures}, bias=${this.bias !== null}`;
    }
}
exports.Linear = Linear;
/** Base of parameter-free elementwise activation modules. */
class Activation extends module_1.Module {
    /** The fused-linear activation this module corresponds to, if any. */
    fusable = null;
    getConfig() {
        return { type: this.constructor.name, args: {} };
    }
}
exports.Activation = Activation;
class ReLU extends Activation {
    fusable = 'relu';
    forward(x) { return F.relu(x); }
}
exports.ReLU = ReLU;
class Sigmoid extends Activation {
    fusable = 'sigmoid';
    forward(x) { return F.sigmoid(x); }
}
exports.Sigmoid = Sigmoid;
class Tanh extends Activation {
    fusable = 'tanh';
    forward(x) { return F.tanh(x); }
}
exports.Tanh = Tanh;
class GELU extends Activation {
    approximate;
    fusable;
    constructor(approximate = 'none') {
        super();
        this.approximate = approximate;
        (0, layer_args_1.assertOneOf)(approximate, 'approximate', ['none', 'tanh']);
        this.fusable = approximate === 'tanh' ? 'geluTanh' : 'gelu';
    }
    forward(x) { return F.gelu(x, { approximate: this.approximate }); }
    getConfig() { return { type: 'GELU', args: { approximate: this.approximate } }; }
}
exports.GELU = GELU;
class LeakyReLU extends Activation {
    negativeSlope;
    constructor(negativeSlope = 0.01) {
        super();
        this.negativeSlope = negativeSlope;
        (0, layer_args_1.assertFinite)(negativeSlope, 'negativeSlope');
    }
    forward(x) { return F.leakyRelu(x, this.negativeSlope); }
    getConfig() { return { type: 'LeakyReLU', args: { negativeSlope: this.negativeSlope } }; }
}
exports.LeakyReLU = LeakyReLU;
class ELU extends Activation {
    alpha;
    constructor(alpha = 1) {
        super();
        this.alpha = alpha;
        (0, layer_args_1.assertFinite)(alpha, 'alpha');
    }
    forward(x) { return F.elu(x, this.alpha); }
    getConfig() { return { type: 'ELU', args: { alpha: this.alpha } }; }
}
exports.ELU = ELU;
class SELU extends Activation {
    forward(x) { return F.selu(x); }
}
exports.SELU = SELU;
class SiLU extends Activation {
    forward(x) { return F.silu(x); }
}
exports.SiLU = SiLU;
class Softplus extends Activation {
    beta;
    threshold;
    constructor(beta = 1, threshold = 20) {
        super();
        this.beta = beta;
        this.threshold = threshold;
        (0, layer_args_1.assertFinite)(beta, 'beta');
        (0, layer_args_1.assertFinite)(threshold, 'threshold');
    }
    forward(x) { return F.softplus(x, this.beta, this.threshold); }
    getConfig() { return { type: 'Softplus', args: { beta: this.beta, threshold: this.threshold } }; }
}
exports.Softplus = Softplus;
class Softmax extends Activation {
    axis;
    constructor(axis = -1) {
        super();
        this.axis = axis;
        (0, layer_args_1.assertInteger)(axis, 'axis');
    }
    forward(x) { return F.softmax(x, this.axis); }
    getConfig() { return { type: 'Softmax', args: { axis: this.axis } }; }
}
exports.Softmax = Softmax;
class LogSoftmax extends Activation {
    axis;
    constructor(axis = -1) {
        super();
        this.axis = axis;
        (0, layer_args_1.assertInteger)(axis, 'axis');
    }
    forward(x) { return F.logSoftmax(x, this.axis); }
    getConfig() { return { type: 'LogSoftmax', args: { axis: this.axis } }; }
}
exports.LogSoftmax = LogSoftmax;
class Identity extends Activation {
    forward(x) { return x; }
}
exports.Identity = Identity;
/** Inverted dropout: active in training mode only; mask from the seeded stream. */
class Dropout extends module_1.Module {
    p;
    constructor(p = 0.5) {
        super();
        this.p = p;
        (0, layer_args_1.assertNumberInRange)(p, 'p', 0, 1, { hiOpen: true });
    }
    forward(x) {
        return F.dropout(x, this.p, this.training);
    }
    getConfig() { return { type: 'Dropout', args: { p: this.p } }; }
    extraRepr() { return `p=${this.p}`; }
}
exports.Dropout = Dropout;
/** Flattens all dimensions from startDim on: (N, a, b) -> (N, a*b). */
class Flatten extends module_1.Module {
    startDim;
    constructor(startDim = 1) {
        super();
        this.startDim = startDim;
        (0, layer_args_1.assertInteger)(startDim, 'startDim');
    }
    forward(x) {
        return F.flatten(x, this.startDim);
    }
    getConfig() { return { type: 'Flatten', args: { startDim: this.startDim } }; }
}
exports.Flatten = Flatten;
/** Layer normalization over the last dimension. */
class LayerNorm extends module_1.Module {
    normalizedShape;
    eps;
    weight;
    bias;
    constructor(normalizedShape, eps = 1e-5) {
        super();
        this.normalizedShape = normalizedShape;
        this.eps = eps;
        (0, layer_args_1.assertPositiveInteger)(normalizedShape, 'normalizedShape');
        (0, layer_args_1.assertNumberInRange)(eps, 'eps', 0, Infinity, { loOpen: true });
        this.weight = this.registerParameter('weight', init.ones((0, create_1.empty)([normalizedShape])));
        this.bias = this.registerParameter('bias', init.zeros((0, create_1.empty)([normalizedShape])));
    }
    forward(x) {
        (0, check_1.assertTensor)(x, 'input', 'float32');
        if (x.shape[x.shape.length - 1] !== this.normalizedShape) {
            (0, layer_args_1.shapeError)([...x.shape.slice(0, -1).map(() => null), this.normalizedShape], 'input', x.shape);
        }
        return F.layerNorm(x, this.weight, this.bias, this.eps);
    }
    getConfig() { return { type: 'LayerNorm', args: { normalizedShape: this.normalizedShape, eps: this.eps } }; }
    extraRepr() { return `${this.normalizedShape}, eps=${this.eps}`; }
}
exports.LayerNorm = LayerNorm;
/** Batch normalization over (N, C) or (N, C, L) with running statistics. */
class BatchNorm1d extends module_1.Module {
    numFeatures;
    opts;
    weight;
    bias;
    runningMean;
    runningVar;
    constructor(numFeatures, opts = {}) {
        super();
        this.numFeatures = numFeatures;
        this.opts = opts;
        (0, layer_args_1.assertPositiveInteger)(numFeatures, 'numFeatures');
        const eps = opts.eps ?? 1e-5;
        const momentum = opts.momentum ?? 0.1;
        (0, layer_args_1.assertNumberInRange)(eps, 'eps', 0, Infinity, { loOpen: true });
        (0, layer_args_1.assertNumberInRange)(momentum, 'momentum', 0, 1);
        this.weight = this.registerParameter('weight', init.ones((0, create_1.empty)([numFeatures])));
        this.bias = this.registerParameter('bias', init.zeros((0, create_1.empty)([numFeatures])));
        this.runningMean = this.registerBuffer('runningMean', init.zeros((0, create_1.empty)([numFeatures])));
        this.runningVar = this.registerBuffer('runningVar', init.ones((0, create_1.empty)([numFeatures])));
    }
    get eps() { return this.opts.eps ?? 1e-5; }
    get momentum() { return this.opts.momentum ?? 0.1; }
    forward(x) {
        (0, check_1.assertTensor)(x, 'input', 'float32');
        if ((x.shape.length !== 2 && x.shape.length !== 3) || x.shape[1] !== this.numFeatures) {
            (0, layer_args_1.shapeError)([null, this.numFeatures], 'input', x.shape);
        }
        return F.batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, this.training, this.momentum, this.eps);
    }
    getConfig() {
        return { type: 'BatchNorm1d', args: { numFeatures: this.numFeatures, eps: this.eps, momentum: this.momentum } };
    }
    extraRepr() { return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}`; }
}
exports.BatchNorm1d = BatchNorm1d;
/** Lookup table: int32 indices (any shape) -> rows of a (numEmbeddings, dim) weight. */
class Embedding extends module_1.Module {
    numEmbeddings;
    embeddingDim;
    opts;
    weight;
    constructor(numEmbeddings, embeddingDim, opts = {}) {
        super();
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        this.opts = opts;
        (0, layer_args_1.assertPositiveInteger)(numEmbeddings, 'numEmbeddings');
        (0, layer_args_1.assertPositiveInteger)(embeddingDim, 'embeddingDim');
        if (opts.paddingIdx !== undefined) {
            (0, layer_args_1.assertInteger)(opts.paddingIdx, 'paddingIdx');
            (0, layer_args_1.assertNumberInRange)(opts.paddingIdx, 'paddingIdx', 0, numEmbeddings - 1);
        }
        this.weight = this.registerParameter('weight', init.normal((0, create_1.empty)([numEmbeddings, embeddingDim])));
        if (opts.paddingIdx !== undefined) {
            this.weight.data.fill(0, opts.paddingIdx * embeddingDim, (opts.paddingIdx + 1) * embeddingDim);
        }
    }
    forward(indices) {
        return F.embedding(indices, this.weight, this.opts.paddingIdx ?? -1);
    }
    getConfig() {
        const args = { numEmbeddings: this.numEmbeddings, embeddingDim: this.embeddingDim };
        if (this.opts.paddingIdx !== undefined)
            args.paddingIdx = this.opts.paddingIdx;
        return { type: 'Embedding', args };
    }
    extraRepr() { return `${this.numEmbeddings}, ${this.embeddingDim}`; }
}
exports.Embedding = Embedding;

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
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
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
exports.batchNorm = exports.layerNorm = exports.gather = exports.slice = exports.concat = exports.transpose = exports.flatten = exports.reshape = exports.linear = exports.matmul = exports.logSoftmax = exports.softmax = exports.softplus = exports.tanh = exports.sigmoid = exports.silu = exports.gelu = exports.selu = exports.elu = exports.leakyRelu = exports.relu = exports.argmax = exports.max = exports.mean = exports.sum = exports.clone = exports.clamp = exports.square = exports.abs = exports.sqrt = exports.log = exports.exp = exports.neg = exports.pow = exports.div = exports.mul = exports.sub = exports.add = exports.backward = exports.setGradEnabled = exports.isGradEnabled = exports.noGrad = exports.Rng = exports.setRngState = exports.getRngState = exports.setSeed = exports.buildInfo = exports.getNumThreads = exports.setNumThreads = exports.backend = void 0;
exports.writeReport = exports.plotHistory = exports.ProgressLogger = exports.metrics = exports.callbacks = exports.History = exports.Trainer = exports.io = exports.data = exports.losses = exports.optim = exports.init = exports.nn = exports.embedding = exports.dropout = void 0;
/**
 * nodegrad: neural-network training for Node.js with native kernels.
 * `import * as ng from 'nodegrad'` (ESM) or `const ng = require('nodegrad')` (CommonJS).
 */
require("./tensor/methods");
__exportStar(require("./tensor"), exports);
var runtime_1 = require("./core/runtime");
Object.defineProperty(exports, "backend", { enumerable: true, get: function () { return runtime_1.backend; } });
Object.defineProperty(exports, "setNumThreads", { enumerable: true, get: function () { return runtime_1.setNumThreads; } });
Object.defineProperty(exports, "getNumThreads", { enumerable: true, get: function () { return runtime_1.getNumThreads; } });
Object.defineProperty(exports, "buildInfo", { enumerable: true, get: function () { return runtime_1.buildInfo; } });
Object.defineProperty(exports, "setSeed", { enumerable: true, get: function () { return runtime_1.setSeed; } });
var seed_1 = require("./core/seed");
Object.defineProperty(exports, "getRngState", { enumerable: true, get: function () { return seed_1.getRngState; } });
Object.defineProperty(exports, "setRngState", { enumerable: true, get: function () { return seed_1.setRngState; } });
var random_1 = require("./core/random");
Object.defineProperty(exports, "Rng", { enumerable: true, get: function () { return random_1.Rng; } });
var node_1 = require("./autograd/node");
Object.defineProperty(exports, "noGrad", { enumerable: true, get: function () { return node_1.noGrad; } });
Object.defineProperty(exports, "isGradEnabled", { enumerable: true, get: function () { return node_1.isGradEnabled; } });
Object.defineProperty(exports, "setGradEnabled", { enumerable: true, get: function () { return node_1.setGradEnabled; } });
var engine_1 = require("./autograd/engine");
Object.defineProperty(exports, "backward", { enumerable: true, get: function () { return engine_1.backward; } });
var ops_1 = require("./ops");
Object.defineProperty(exports, "add", { enumerable: true, get: function () { return ops_1.add; } });
Object.defineProperty(exports, "sub", { enumerable: true, get: function () { return ops_1.sub; } });
Object.defineProperty(exports, "mul", { enumerable: true, get: function () { return ops_1.mul; } });
Object.defineProperty(exports, "div", { enumerable: true, get: function () { return ops_1.div; } });
Object.defineProperty(exports, "pow", { enumerable: true, get: function () { return ops_1.pow; } });
Object.defineProperty(exports, "neg", { enumerable: true, get: function () { return ops_1.neg; } });
Object.defineProperty(exports, "exp", { enumerable: true, get: function () { return ops_1.exp; } });
Object.defineProperty(exports, "log", { enumerable: true, get: function () { return ops_1.log; } });
Object.defineProperty(exports, "sqrt", { enumerable: true, get: function () { return ops_1.sqrt; } });
Object.defineProperty(exports, "abs", { enumerable: true, get: function () { return ops_1.abs; } });
Object.defineProperty(exports, "square", { enumerable: true, get: function () { return ops_1.square; } });
Object.defineProperty(exports, "clamp", { enumerable: true, get: function () { return ops_1.clamp; } });
Object.defineProperty(exports, "clone", { enumerable: true, get: function () { return ops_1.clone; } });
Object.defineProperty(exports, "sum", { enumerable: true, get: function () { return ops_1.sum; } });
Object.defineProperty(exports, "mean", { enumerable: true, get: function () { return ops_1.mean; } });
Object.defineProperty(exports, "max", { enumerable: true, get: function () { return ops_1.max; } });
Object.defineProperty(exports, "argmax", { enumerable: true, get: function () { return ops_1.argmax; } });
Object.defineProperty(exports, "relu", { enumerable: true, get: function () { return ops_1.relu; } });
Object.defineProperty(exports, "leakyRelu", { enumerable: true, get: function () { return ops_1.leakyRelu; } });
Object.defineProperty(exports, "elu", { enumerable: true, get: function () { return ops_1.elu; } });
Object.defineProperty(exports, "selu", { enumerable: true, get: function () { return ops_1.selu; } });
Object.defineProperty(exports, "gelu", { enumerable: true, get: function () { return ops_1.gelu; } });
Object.defineProperty(exports, "silu", { enumerable: true, get: function () { return ops_1.silu; } });
Object.defineProperty(exports, "sigmoid", { enumerable: true, get: function () { return ops_1.sigmoid; } });
Object.defineProperty(exports, "tanh", { enumerable: true, get: function () { return ops_1.tanh; } });
Object.defineProperty(exports, "softplus", { enumerable: true, get: function () { return ops_1.softplus; } });
Object.defineProperty(exports, "softmax", { enumerable: true, get: function () { return ops_1.softmax; } });
Object.defineProperty(exports, "logSoftmax", { enumerable: true, get: function () { return ops_1.logSoftmax; } });
Object.defineProperty(exports, "matmul", { enumerable: true, get: function () { return ops_1.matmul; } });
Object.defineProperty(exports, "linear", { enumerable: true, get: function () { return ops_1.linear; } });
Object.defineProperty(exports, "reshape", { enumerable: true, get: function () { return ops_1.reshape; } });
Object.defineProperty(exports, "flatten", { enumerable: true, get: function () { return ops_1.flatten; } });
Object.defineProperty(exports, "transpose", { enumerable: true, get: function () { return ops_1.transpose; } });
Object.defineProperty(exports, "concat", { enumerable: true, get: function () { return ops_1.concat; } });
Object.defineProperty(exports, "slice", { enumerable: true, get: function () { return ops_1.slice; } });
Object.defineProperty(exports, "gather", { enumerable: true, get: function () { return ops_1.gather; } });
Object.defineProperty(exports, "layerNorm", { enumerable: true, get: function () { return ops_1.layerNorm; } });
Object.defineProperty(exports, "batchNorm", { enumerable: true, get: function () { return ops_1.batchNorm; } });
Object.defineProperty(exports, "dropout", { enumerable: true, get: function () { return ops_1.dropout; } });
Object.defineProperty(exports, "embedding", { enumerable: true, get: function () { return ops_1.embedding; } });
exports.nn = __importStar(require("./nn"));
exports.init = __importStar(require("./nn/init"));
exports.optim = __importStar(require("./optim"));
exports.losses = __importStar(require("./losses"));
exports.data = __importStar(require("./data"));
exports.io = __importStar(require("./io"));
var train_1 = require("./train");
Object.defineProperty(exports, "Trainer", { enumerable: true, get: function () { return train_1.Trainer; } });
Object.defineProperty(exports, "History", { enumerable: true, get: function () { return train_1.History; } });
Object.defineProperty(exports, "callbacks", { enumerable: true, get: function () { return train_1.callbacks; } });
Object.defineProperty(exports, "metrics", { enumerable: true, get: function () { return train_1.metrics; } });
Object.defineProperty(exports, "ProgressLogger", { enumerable: true, get: function () { return train_1.ProgressLogger; } });
Object.defineProperty(exports, "plotHistory", { enumerable: true, get: function () { return train_1.plotHistory; } });
Object.defineProperty(exports, "writeReport", { enumerable: true, get: function () { return train_1.writeReport; } });

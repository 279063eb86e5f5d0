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
exports.registerModule = registerModule;
exports.fromConfig = fromConfig;
const L = __importStar(require("./layers"));
const sequential_1 = require("./sequential");
const validate_1 = require("../core/validate");
const factories = {
    Sequential: (_a, ch) => new sequential_1.Sequential(...ch),
    Linear: (a) => new L.Linear(a.inFeatures, a.outFeatures, { bias: a.bias }),
    ReLU: () => new L.ReLU(),
    Sigmoid: () => new L.Sigmoid(),
    Tanh: () => new L.Tanh(),
    GELU: (a) => new L.GELU(a.approximate),
    LeakyReLU: (a) => new L.LeakyReLU(a.negativeSlope),
    ELU: (a) => new L.ELU(a.alpha),
    SELU: () => new L.SELU(),
    SiLU: () => new L.SiLU(),
    Softplus: (a) => new L.Softplus(a.beta, a.threshold),
    Softmax: (a) => new L.Softmax(a.axis),
    LogSoftmax: (a) => new L.LogSoftmax(a.axis),
    Identity: () => new L.Identity(),
    Dropout: (a) => new L.Dropout(a.p),
    Flatten: (a) => new L.Flatten(a.startDim),
    LayerNorm: (a) => new L.LayerNorm(a.normalizedShape, a.eps),
    BatchNorm1d: (a) => new L.BatchNorm1d(a.numFeatures, { eps: a.eps, momentum: a.momentum }),
    Embedding: (a) => new L.Embedding(a.numEmbeddings, a.embeddingDim, a.paddingIdx === undefined ? {} : { paddingIdx: a.paddingIdx }),
};
/** Registers a custom module type so saved models using it can be loaded. */
function registerModule(type, factory) {
    factories[type] = factory;
}
function fromConfig(config) {
    if (config === null || typeof config !== 'object' || typeof config.type !== 'string') {
        throw new TypeError((0, validate_1.expected)('module config { type, args }', 'config', (0, validate_1.describe)(config)));
    }
    const f = factories[config.type];
    if (!f) {
        throw new TypeError(`Expected a known module type for config.type but received "${config.type}" ` +
            `(known: ${Object.keys(factories).join(', ')}; use ng.nn.registerModule for custom modules)`);
    }
    const children = (config.children ?? []).map(fromConfig);
    return f(config.args ?? {}, children);
}

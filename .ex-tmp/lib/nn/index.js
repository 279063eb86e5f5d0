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
exports.functional = exports.packParameters = exports.registerModule = exports.fromConfig = exports.Sequential = exports.Embedding = exports.BatchNorm1d = exports.LayerNorm = exports.Flatten = exports.Dropout = exports.Identity = exports.LogSoftmax = exports.Softmax = exports.Softplus = exports.SiLU = exports.SELU = exports.ELU = exports.LeakyReLU = exports.GELU = exports.Tanh = exports.Sigmoid = exports.ReLU = exports.Activation = exports.Linear = exports.Module = void 0;
var module_1 = require("./module");
Object.defineProperty(exports, "Module", { enumerable: true, get: function () { return module_1.Module; } });
var layers_1 = require("./layers");
Object.defineProperty(exports, "Linear", { enumerable: true, get: function () { return layers_1.Linear; } });
Object.defineProperty(exports, "Activation", { enumerable: true, get: function () { return layers_1.Activation; } });
Object.defineProperty(exports, "ReLU", { enumerable: true, get: function () { return layers_1.ReLU; } });
Object.defineProperty(exports, "Sigmoid", { enumerable: true, get: function () { return layers_1.Sigmoid; } });
Object.defineProperty(exports, "Tanh", { enumerable: true, get: function () { return layers_1.Tanh; } });
Object.defineProperty(exports, "GELU", { enumerable: true, get: function () { return layers_1.GELU; } });
Object.defineProperty(exports, "LeakyReLU", { enumerable: true, get: function () { return layers_1.LeakyReLU; } });
Object.defineProperty(exports, "ELU", { enumerable: true, get: function () { return layers_1.ELU; } });
Object.defineProperty(exports, "SELU", { enumerable: true, get: function () { return layers_1.SELU; } });
Object.defineProperty(exports, "SiLU", { enumerable: true, get: function () { return layers_1.SiLU; } });
Object.defineProperty(exports, "Softplus", { enumerable: true, get: function () { return layers_1.Softplus; } });
Object.defineProperty(exports, "Softmax", { enumerable: true, get: function () { return layers_1.Softmax; } });
Object.defineProperty(exports, "LogSoftmax", { enumerable: true, get: function () { return layers_1.LogSoftmax; } });
Object.defineProperty(exports, "Identity", { enumerable: true, get: function () { return layers_1.Identity; } });
Object.defineProperty(exports, "Dropout", { enumerable: true, get: function () { return layers_1.Dropout; } });
Object.defineProperty(exports, "Flatten", { enumerable: true, get: function () { return layers_1.Flatten; } });
Object.defineProperty(exports, "LayerNorm", { enumerable: true, get: function () { return layers_1.LayerNorm; } });
Object.defineProperty(exports, "BatchNorm1d", { enumerable: true, get: function () { return layers_1.BatchNorm1d; } });
Object.defineProperty(exports, "Embedding", { enumerable: true, get: function () { return layers_1.Embedding; } });
var sequential_1 = require("./sequential");
Object.defineProperty(exports, "Sequential", { enumerable: true, get: function () { return sequential_1.Sequential; } });
var registry_1 = require("./registry");
Object.defineProperty(exports, "fromConfig", { enumerable: true, get: function () { return registry_1.fromConfig; } });
Object.defineProperty(exports, "registerModule", { enumerable: true, get: function () { return registry_1.registerModule; } });
var flat_1 = require("./flat");
Object.defineProperty(exports, "packParameters", { enumerable: true, get: function () { return flat_1.packParameters; } });
exports.functional = __importStar(require("../ops"));

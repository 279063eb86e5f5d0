"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.gatherRows = exports.memoryStats = exports.empty = exports.fromArray = exports.Tensor = void 0;
/**
 * The one place lib/data touches the tensor layer. Everything else in lib/data works on
 * Float32Array/Float64Array + shape and calls these few functions at its edges:
 *   fromArray (copy into native memory), empty (a tensor that transforms write into), gatherRows (native row gather for batch assembly),
 *   memoryStats (tests check that loaders do not leak).
 */
var tensor_1 = require("../tensor");
Object.defineProperty(exports, "Tensor", { enumerable: true, get: function () { return tensor_1.Tensor; } });
Object.defineProperty(exports, "fromArray", { enumerable: true, get: function () { return tensor_1.fromArray; } });
Object.defineProperty(exports, "empty", { enumerable: true, get: function () { return tensor_1.empty; } });
Object.defineProperty(exports, "memoryStats", { enumerable: true, get: function () { return tensor_1.memoryStats; } });
var shape_1 = require("../ops/shape");
Object.defineProperty(exports, "gatherRows", { enumerable: true, get: function () { return shape_1.gather; } });

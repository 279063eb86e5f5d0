"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.NumericPreprocessor = exports.Preprocessor = void 0;
exports.checkJSON = checkJSON;
exports.numsToJSON = numsToJSON;
exports.numsFromJSON = numsFromJSON;
/**
 * Shared machinery for preprocessing transformers (scikit-learn semantics):
 *   fit(x) learns state, transform(x) applies it, fitTransform(x) does both,
 *   inverseTransform(x) undoes it where that is possible,
 *   toJSON() / Class.fromJSON(json) save and restore the state (saved beside a model).
 * Inputs are 2-D: a float32 Tensor (N, D) or nested arrays; results come back in the same kind.
 * Statistics are computed in float64 whatever the input precision.
 */
const validate_1 = require("../../core/validate");
class Preprocessor {
    fitTransform(x) {
        return this.fit(x).transform(x);
    }
    assertFitted() {
        if (!this.fitted) {
            throw new Error(`${this.type} is not fitted yet: call fit(x) or fitTransform(x) before transform(x)`);
        }
    }
}
exports.Preprocessor = Preprocessor;
/**
 * A transformer of numeric 2-D data: transform/fitTransform/inverseTransform return the kind
 * they are given (Tensor -> Tensor, number[][] -> number[][]).
 */
class NumericPreprocessor extends Preprocessor {
    fitTransform(x) {
        return this.fit(x).transform(x);
    }
}
exports.NumericPreprocessor = NumericPreprocessor;
/** Checks that a saved state is for `type` and returns it. */
function checkJSON(json, type) {
    const j = json;
    if (typeof json !== 'object' || json === null || j.type !== type) {
        const got = typeof json === 'object' && json !== null && typeof j.type === 'string'
            ? `state of type "${j.type}"` : (0, validate_1.describe)(json);
        throw new TypeError((0, validate_1.expected)(`${type} state (from toJSON())`, 'json', got));
    }
    if (j.version !== 1)
        throw new RangeError((0, validate_1.expected)('state version 1', 'json.version', (0, validate_1.describe)(j.version)));
    return j;
}
/** number[] <-> JSON: NaN/Infinity survive as strings. */
function numsToJSON(a) {
    if (a === null)
        return null;
    return Array.from(a, (v) => (Number.isFinite(v) ? v : String(v)));
}
function numsFromJSON(a) {
    if (a === null || a === undefined)
        return null;
    return Float64Array.from(a, (v) => Number(v));
}

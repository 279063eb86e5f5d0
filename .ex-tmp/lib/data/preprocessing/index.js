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
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.Pipeline = exports.Preprocessor = void 0;
exports.preprocessorFromJSON = preprocessorFromJSON;
/**
 * Preprocessing: scalers, encoders, imputation, clipping, and a Pipeline that chains them.
 * Every transformer saves its state with toJSON() and comes back with Class.fromJSON(json) or
 * the generic preprocessorFromJSON(json), which dispatches on json.type.
 */
const validate_1 = require("../../core/validate");
const base_1 = require("./base");
const scalers_1 = require("./scalers");
const encoders_1 = require("./encoders");
const imputer_1 = require("./imputer");
const clipper_1 = require("./clipper");
var base_2 = require("./base");
Object.defineProperty(exports, "Preprocessor", { enumerable: true, get: function () { return base_2.Preprocessor; } });
__exportStar(require("./scalers"), exports);
__exportStar(require("./encoders"), exports);
__exportStar(require("./imputer"), exports);
__exportStar(require("./clipper"), exports);
/** Applies numeric transformers in order (e.g. imputer, clipper, scaler); inverts in reverse. */
class Pipeline extends base_1.NumericPreprocessor {
    type = 'Pipeline';
    steps;
    constructor(steps) {
        super();
        if (!Array.isArray(steps))
            (0, validate_1.typeError)('array of transformers', 'steps', steps);
        steps.forEach((s, i) => {
            if (!(s instanceof base_1.Preprocessor))
                (0, validate_1.typeError)('preprocessing transformer', `steps[${i}]`, s);
        });
        this.steps = [...steps];
    }
    get fitted() { return this.steps.every((s) => s.fitted); }
    fit(x) {
        let cur = x;
        this.steps.forEach((s, i) => {
            const next = s.fitTransform(cur);
            if (i > 0)
                disposeIfTensor(cur, x);
            cur = next;
        });
        disposeIfTensor(cur, x);
        return this;
    }
    transform(x) {
        let cur = x;
        for (const s of this.steps) {
            const next = s.transform(cur);
            disposeIfTensor(cur, x);
            cur = next;
        }
        return cur;
    }
    fitTransform(x) {
        let cur = x;
        for (const s of this.steps) {
            const next = s.fitTransform(cur);
            disposeIfTensor(cur, x);
            cur = next;
        }
        return cur;
    }
    inverseTransform(x) {
        let cur = x;
        for (let i = this.steps.length - 1; i >= 0; i--) {
            const s = this.steps[i];
            if (!s.inverseTransform)
                throw new Error(`${s.type} in a Pipeline has no inverseTransform`);
            const next = s.inverseTransform(cur);
            disposeIfTensor(cur, x);
            cur = next;
        }
        return cur;
    }
    toJSON() {
        return { type: this.type, version: 1, config: {}, state: { steps: this.steps.map((s) => s.toJSON()) } };
    }
    static fromJSON(json) {
        const j = (0, base_1.checkJSON)(json, 'Pipeline');
        const steps = (j.state?.steps ?? []).map((s) => preprocessorFromJSON(s));
        return new Pipeline(steps);
    }
}
exports.Pipeline = Pipeline;
/** Intermediate tensors made inside a pipeline are freed; the caller's input never is. */
function disposeIfTensor(v, input) {
    if (v !== input && typeof v === 'object' && v !== null && typeof v.dispose === 'function') {
        v.dispose();
    }
}
const registry = {
    MinMaxScaler: scalers_1.MinMaxScaler, StandardScaler: scalers_1.StandardScaler, RobustScaler: scalers_1.RobustScaler, Normalizer: scalers_1.Normalizer, OneHotEncoder: encoders_1.OneHotEncoder, LabelEncoder: encoders_1.LabelEncoder, SimpleImputer: imputer_1.SimpleImputer, Clipper: clipper_1.Clipper, Pipeline,
};
/** Restores any transformer saved with toJSON(). */
function preprocessorFromJSON(json) {
    const t = json?.type;
    if (typeof t !== 'string' || !(t in registry)) {
        throw new TypeError((0, validate_1.expected)(`preprocessor state with type one of ${Object.keys(registry).join(', ')}`, 'json', typeof t === 'string' ? `type "${t}"` : (0, validate_1.describe)(json)));
    }
    return registry[t].fromJSON(json);
}

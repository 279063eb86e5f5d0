"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.isGradEnabled = isGradEnabled;
exports.noGrad = noGrad;
exports.setGradEnabled = setGradEnabled;
exports.needsGrad = needsGrad;
exports.record = record;
let gradEnabled = true;
function isGradEnabled() {
    return gradEnabled;
}
/** Runs fn with gradient recording off (inference). Restores the previous mode afterwards. */
function noGrad(fn) {
    if (typeof fn !== 'function') {
        throw new TypeError(`Expected function for fn but received ${fn === null ? 'null' : typeof fn}`);
    }
    const prev = gradEnabled;
    gradEnabled = false;
    try {
        return fn();
    }
    finally {
        gradEnabled = prev;
    }
}
/** Turns gradient recording on or off globally; returns the previous value. */
function setGradEnabled(on) {
    const prev = gradEnabled;
    gradEnabled = on;
    return prev;
}
/** True when an op on these inputs must be recorded. */
function needsGrad(...inputs) {
    if (!gradEnabled)
        return false;
    for (const t of inputs)
        if (t && t.requiresGrad)
            return true;
    return false;
}
/**
 * Attaches a node to `out` when any input requires grad (and recording is on); otherwise
 * frees what the node saved. Returns out.
 */
function record(out, op, inputs, backward, release) {
    if (needsGrad(...inputs)) {
        out.requiresGrad = true;
        out._node = { op, inputs: inputs.map((t) => (t && t.requiresGrad ? t : null)), backward, release };
    }
    else if (release) {
        release();
    }
    return out;
}

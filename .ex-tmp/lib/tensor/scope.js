"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.track = track;
exports.keep = keep;
exports.tidy = tidy;
exports.scopeDepth = scopeDepth;
const stack = [];
/** Records a new tensor in the innermost open scope. */
function track(t) {
    if (stack.length > 0)
        stack[stack.length - 1].push(t);
}
/** Marks a tensor to survive every enclosing tidy(). */
function keep(t) {
    t._kept = true;
    return t;
}
function collect(value, out, depth) {
    if (value === null || typeof value !== 'object' || depth > 4)
        return;
    if (typeof value.dispose === 'function' && '_kept' in value) {
        out.add(value);
        return;
    }
    if (Array.isArray(value)) {
        for (const v of value)
            collect(v, out, depth + 1);
    }
    else if (value instanceof Map) {
        for (const v of value.values())
            collect(v, out, depth + 1);
    }
    else if (Object.getPrototypeOf(value) === Object.prototype) {
        for (const v of Object.values(value))
            collect(v, out, depth + 1);
    }
}
/**
 * Runs fn and disposes the tensors it created, except those reachable from its result
 * (a tensor, or arrays/plain objects/Maps of them) and kept ones. fn must be synchronous.
 */
function tidy(fn) {
    if (typeof fn !== 'function') {
        throw new TypeError(`Expected function for fn but received ${fn === null ? 'null' : typeof fn}`);
    }
    stack.push([]);
    let result;
    let list;
    try {
        result = fn();
    }
    catch (e) {
        list = stack.pop();
        for (const t of list)
            if (!t._kept && !t.isDisposed)
                t.dispose();
        throw e;
    }
    list = stack.pop();
    if (result !== null && typeof result?.then === 'function') {
        for (const t of list)
            if (!t._kept && !t.isDisposed)
                t.dispose();
        throw new TypeError('Expected synchronous function for fn but received a function returning a Promise');
    }
    const survivors = new Set();
    collect(result, survivors, 0);
    const parent = stack.length > 0 ? stack[stack.length - 1] : null;
    for (const t of list) {
        if (t.isDisposed)
            continue;
        if (t._kept)
            continue;
        if (survivors.has(t)) {
            if (parent)
                parent.push(t);
            continue;
        }
        t.dispose();
    }
    return result;
}
/** Number of open scopes (for tests). */
function scopeDepth() {
    return stack.length;
}

"use strict";
/**
 * Argument predicates and the one message format used across nodegrad:
 *   Expected <what> for <name> but received <got>
 * e.g. "Expected positive integer for batchSize but received 1.5 of type number".
 * Every public function validates with these before calling native code.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.is = void 0;
exports.describe = describe;
exports.expected = expected;
exports.typeError = typeError;
exports.rangeError = rangeError;
exports.assertNumber = assertNumber;
exports.assertFinite = assertFinite;
exports.assertInteger = assertInteger;
exports.assertPositiveInteger = assertPositiveInteger;
exports.assertNonNegativeInteger = assertNonNegativeInteger;
exports.assertNumberInRange = assertNumberInRange;
exports.assertBoolean = assertBoolean;
exports.assertString = assertString;
exports.assertFunction = assertFunction;
exports.assertOneOf = assertOneOf;
exports.assertPlainObject = assertPlainObject;
exports.assertShape = assertShape;
exports.fmtShape = fmtShape;
exports.shapeError = shapeError;
exports.assertShapeMatches = assertShapeMatches;
/** Describes a received value for error messages: value and type for primitives, shape for tensors. */
function describe(value) {
    if (value === null)
        return 'null';
    if (value === undefined)
        return 'undefined';
    const t = typeof value;
    if (t === 'number')
        return `${String(value)} of type number`;
    if (t === 'string') {
        const s = value;
        return `"${s.length > 40 ? s.slice(0, 40) + '...' : s}" of type string`;
    }
    if (t === 'boolean' || t === 'bigint')
        return `${String(value)} of type ${t}`;
    if (t === 'function')
        return 'a function';
    if (Array.isArray(value))
        return `an array of length ${value.length}`;
    const ctor = value.constructor?.name;
    if (ArrayBuffer.isView(value)) {
        return `${ctor} of length ${value.length}`;
    }
    const shape = value.shape;
    if (Array.isArray(shape))
        return `${ctor ?? 'object'} of shape [${shape.join(', ')}]`;
    return ctor && ctor !== 'Object' ? `an instance of ${ctor}` : 'an object';
}
/** Builds the standard message. */
function expected(what, name, got) {
    return `Expected ${what} for ${name} but received ${got}`;
}
/** Throws a TypeError in the standard format. */
function typeError(what, name, value) {
    throw new TypeError(expected(what, name, describe(value)));
}
/** Throws a RangeError in the standard format. */
function rangeError(what, name, value) {
    throw new RangeError(expected(what, name, describe(value)));
}
exports.is = {
    defined: (v) => v !== undefined && v !== null,
    number: (v) => typeof v === 'number' && !Number.isNaN(v),
    finite: (v) => typeof v === 'number' && Number.isFinite(v),
    integer: (v) => Number.isInteger(v),
    bool: (v) => typeof v === 'boolean',
    string: (v) => typeof v === 'string',
    func: (v) => typeof v === 'function',
    plainObject: (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v),
    inRange: (v, lo, hi) => v >= lo && v <= hi,
    oneOf: (v, list) => list.includes(v),
};
function assertNumber(v, name) {
    if (!exports.is.number(v))
        typeError('number', name, v);
}
function assertFinite(v, name) {
    if (typeof v !== 'number')
        typeError('finite number', name, v);
    if (!Number.isFinite(v))
        rangeError('finite number', name, v);
}
function assertInteger(v, name) {
    if (typeof v !== 'number')
        typeError('integer', name, v);
    if (!Number.isInteger(v))
        rangeError('integer', name, v);
}
function assertPositiveInteger(v, name) {
    if (typeof v !== 'number')
        typeError('positive integer', name, v);
    if (!Number.isInteger(v) || v <= 0)
        rangeError('positive integer', name, v);
}
function assertNonNegativeInteger(v, name) {
    if (typeof v !== 'number')
        typeError('non-negative integer', name, v);
    if (!Number.isInteger(v) || v < 0)
        rangeError('non-negative integer', name, v);
}
/** A finite number in [lo, hi] (inclusive unless open bounds are asked for). */
function assertNumberInRange(v, name, lo, hi, opts = {}) {
    const what = `number in ${opts.loOpen ? '(' : '['}${lo}, ${hi}${opts.hiOpen ? ')' : ']'}`;
    if (typeof v !== 'number')
        typeError(what, name, v);
    const x = v;
    const ok = Number.isFinite(x) || (x === Infinity && hi === Infinity && !opts.hiOpen);
    if (!ok || (opts.loOpen ? x <= lo : x < lo) || (opts.hiOpen ? x >= hi : x > hi))
        rangeError(what, name, v);
}
function assertBoolean(v, name) {
    if (typeof v !== 'boolean')
        typeError('boolean', name, v);
}
function assertString(v, name) {
    if (typeof v !== 'string')
        typeError('string', name, v);
}
function assertFunction(v, name) {
    if (typeof v !== 'function')
        typeError('function', name, v);
}
function assertOneOf(v, name, list) {
    if (!list.includes(v)) {
        const what = `one of ${list.map((s) => `'${s}'`).join(', ')}`;
        if (typeof v !== 'string')
            typeError(what, name, v);
        rangeError(what, name, v);
    }
}
function assertPlainObject(v, name) {
    if (!exports.is.plainObject(v))
        typeError('object', name, v);
}
/** Validates a shape: array of non-negative integers. */
function assertShape(v, name) {
    if (!Array.isArray(v))
        typeError('shape (array of non-negative integers)', name, v);
    for (let i = 0; i < v.length; i++) {
        const d = v[i];
        if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
            throw new RangeError(expected('shape (array of non-negative integers)', name, `[${v.map(String).join(', ')}] (dimension ${i} is ${describe(d)})`));
        }
    }
}
/** Formats a shape for messages: [32, 784]; null entries print as '*'. */
function fmtShape(shape) {
    return `[${shape.map((d) => (d === null || d === -1 ? '*' : String(d))).join(', ')}]`;
}
/** Throws the standard shape mismatch error: Expected shape [*, 784] for input but received [32, 783]. */
function shapeError(expectedShape, name, got) {
    throw new RangeError(expected(`shape ${fmtShape(expectedShape)}`, name, fmtShape(got)));
}
/** Checks a shape against a pattern where null matches any size. */
function assertShapeMatches(got, pattern, name) {
    if (got.length !== pattern.length || pattern.some((d, i) => d !== null && d !== got[i])) {
        shapeError(pattern, name, got);
    }
}

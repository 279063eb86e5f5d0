"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.square = exports.abs = exports.sqrt = exports.log = exports.exp = exports.neg = void 0;
exports.add = add;
exports.sub = sub;
exports.mul = mul;
exports.div = div;
exports.pow = pow;
exports.clamp = clamp;
exports.clone = clone;
/** Elementwise ops: broadcasting add/sub/mul/div, scalar ops, unary math. */
const tensor_1 = require("../tensor/tensor");
const native_1 = require("../native");
const util_1 = require("./util");
const validate_1 = require("../core/validate");
const create_1 = require("../tensor/create");
function binaryTensor(op, a, b) {
    (0, util_1.fin)(a, 'a');
    (0, util_1.fin)(b, 'b');
    const shape = (0, util_1.broadcastShapes)(a.shape, b.shape, 'a', 'b');
    const out = (0, util_1.empty)(shape);
    native_1.native[`${op}Forward`](out.data, a.data, a.shape, b.data, b.shape);
    return (0, util_1.record)(out, op, [a, b], (g, [da, db]) => {
        const needInputs = op === 'mul' || op === 'div';
        native_1.native[`${op}Backward`](da ? da.data : null, db ? db.data : null, g.data, needInputs ? a.data : null, a.shape, needInputs ? b.data : null, b.shape);
    });
}
function scalarArg(v, name) {
    if (typeof v !== 'number')
        throw new TypeError((0, validate_1.expected)('Tensor or number', name, (0, validate_1.describe)(v)));
    return v;
}
function addScalar(x, s) {
    const out = (0, util_1.empty)(x.shape);
    native_1.native.addScalarForward(out.data, x.data, x.size, s);
    return (0, util_1.record)(out, 'addScalar', [x], (g, [dx]) => native_1.native.addInto(dx.data, g.data, x.size));
}
function mulScalar(x, s) {
    const out = (0, util_1.empty)(x.shape);
    native_1.native.mulScalarForward(out.data, x.data, x.size, s);
    return (0, util_1.record)(out, 'mulScalar', [x], (g, [dx]) => native_1.native.mulScalarBackward(dx.data, g.data, x.size, s));
}
function rdivScalar(s, x) {
    const out = (0, util_1.empty)(x.shape);
    native_1.native.rdivScalarForward(out.data, x.data, x.size, s);
    return (0, util_1.record)(out, 'rdivScalar', [x], (g, [dx]) => native_1.native.rdivScalarBackward(dx.data, x.data, g.data, x.size, s));
}
/** a + b (broadcasting; either may be a number). */
function add(a, b) {
    if (a instanceof tensor_1.Tensor && b instanceof tensor_1.Tensor)
        return binaryTensor('add', a, b);
    if (a instanceof tensor_1.Tensor)
        return addScalar((0, util_1.fin)(a, 'a'), scalarArg(b, 'b'));
    return addScalar((0, util_1.fin)(b, 'b'), scalarArg(a, 'a'));
}
/** a - b (broadcasting; either may be a number). */
function sub(a, b) {
    if (a instanceof tensor_1.Tensor && b instanceof tensor_1.Tensor)
        return binaryTensor('sub', a, b);
    if (a instanceof tensor_1.Tensor)
        return addScalar((0, util_1.fin)(a, 'a'), -scalarArg(b, 'b'));
    // s - x = -x + s
    const nx = (0, exports.neg)((0, util_1.fin)(b, 'b'));
    return addScalar(nx, scalarArg(a, 'a'));
}
/** a * b (broadcasting; either may be a number). */
function mul(a, b) {
    if (a instanceof tensor_1.Tensor && b instanceof tensor_1.Tensor)
        return binaryTensor('mul', a, b);
    if (a instanceof tensor_1.Tensor)
        return mulScalar((0, util_1.fin)(a, 'a'), scalarArg(b, 'b'));
    return mulScalar((0, util_1.fin)(b, 'b'), scalarArg(a, 'a'));
}
/** a / b (broadcasting; either may be a number). */
function div(a, b) {
    if (a instanceof tensor_1.Tensor && b instanceof tensor_1.Tensor)
        return binaryTensor('div', a, b);
    if (a instanceof tensor_1.Tensor) {
        const s = scalarArg(b, 'b');
        return mulScalar((0, util_1.fin)(a, 'a'), 1 / s);
    }
    return rdivScalar(scalarArg(a, 'a'), (0, util_1.fin)(b, 'b'));
}
/** x ^ p for a number p. */
function pow(x, p) {
    (0, util_1.fin)(x, 'x');
    scalarArg(p, 'exponent');
    const out = (0, util_1.empty)(x.shape);
    native_1.native.powScalarForward(out.data, x.data, x.size, p);
    return (0, util_1.record)(out, 'pow', [x], (g, [dx]) => native_1.native.powScalarBackward(dx.data, x.data, g.data, x.size, p));
}
// Which tensor each unary backward reads (see native/cpu/ops/elementwise.h).
const SAVED = {
    neg: 'none', exp: 'out', log: 'inp', sqrt: 'out', abs: 'inp', square: 'inp',
};
function unary(op, x) {
    (0, util_1.fin)(x, 'x');
    const out = (0, util_1.empty)(x.shape);
    native_1.native[`${op}Forward`](out.data, x.data, x.size);
    const saved = SAVED[op];
    return (0, util_1.record)(out, op, [x], (g, [dx]) => {
        if (saved === 'none')
            native_1.native[`${op}Backward`](dx.data, g.data, x.size);
        else
            native_1.native[`${op}Backward`](dx.data, saved === 'inp' ? x.data : out.data, g.data, x.size);
    });
}
const neg = (x) => unary('neg', x);
exports.neg = neg;
const exp = (x) => unary('exp', x);
exports.exp = exp;
const log = (x) => unary('log', x);
exports.log = log;
const sqrt = (x) => unary('sqrt', x);
exports.sqrt = sqrt;
const abs = (x) => unary('abs', x);
exports.abs = abs;
const square = (x) => unary('square', x);
exports.square = square;
/** Clamps to [min, max] (either may be omitted). Gradient passes inside the range. */
function clamp(x, min = -Infinity, max = Infinity) {
    (0, util_1.fin)(x, 'x');
    if (typeof min !== 'number' || Number.isNaN(min))
        throw new TypeError((0, validate_1.expected)('number', 'min', (0, validate_1.describe)(min)));
    if (typeof max !== 'number' || Number.isNaN(max))
        throw new TypeError((0, validate_1.expected)('number', 'max', (0, validate_1.describe)(max)));
    if (min > max)
        throw new RangeError((0, validate_1.expected)(`max >= min (${min})`, 'max', (0, validate_1.describe)(max)));
    const out = (0, util_1.empty)(x.shape);
    native_1.native.clampForward(out.data, x.data, x.size, min, max);
    return (0, util_1.record)(out, 'clamp', [x], (g, [dx]) => native_1.native.clampBackward(dx.data, x.data, g.data, x.size, min, max));
}
/** A copy that shares nothing with x (gradient flows through). */
function clone(x) {
    if (!(x instanceof tensor_1.Tensor))
        throw new TypeError((0, validate_1.expected)('Tensor', 'x', (0, validate_1.describe)(x)));
    if (x.dtype === 'int32')
        return (0, create_1.fromArray)(x.data, x.shape.slice());
    const out = (0, util_1.empty)(x.shape);
    out.data.set(x.data);
    return (0, util_1.record)(out, 'clone', [x], (g, [dx]) => native_1.native.addInto(dx.data, g.data, x.size));
}

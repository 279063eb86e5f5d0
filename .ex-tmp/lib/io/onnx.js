"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MAX_OPSET = exports.MIN_OPSET = exports.DEFAULT_OPSET = exports.ONNX_LAYER_TYPES = void 0;
exports.buildOnnxModel = buildOnnxModel;
exports.encodeOnnx = encodeOnnx;
exports.writeOnnx = writeOnnx;
const atomic_1 = require("./atomic");
const validate_1 = require("../core/validate");
exports.ONNX_LAYER_TYPES = [
    'linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'logSoftmax', 'gelu', 'silu', 'softplus', 'selu',
    'identity', 'flatten', 'leakyRelu', 'elu', 'dropout', 'layerNorm', 'batchNorm', 'embedding',
];
exports.DEFAULT_OPSET = 17;
exports.MIN_OPSET = 17;
exports.MAX_OPSET = 21;
/** A protobuf message must stay under 2 GiB; leave room for the graph itself. */
const MAX_PROTO_WEIGHT_BYTES = 2 ** 31 - 2 ** 26;
/** PyTorch's SELU constants (torch.nn.functional.selu). */
const SELU_ALPHA = 1.6732632423543772;
const SELU_GAMMA = 1.0507009873554805;
// TensorProto.DataType and AttributeProto.AttributeType values of onnx.proto
const FLOAT = 1;
const INT64 = 7;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
let onnxModule = null;
/** Loaded on first use so that the rest of lib/io works without it. */
function onnxProto() {
    if (onnxModule === null) {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        onnxModule = require('onnx-proto').onnx;
    }
    return onnxModule;
}
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const fmtDims = (s) => (0, validate_1.fmtShape)(s.map((d) => (typeof d === 'number' ? d : null)));
function floatBytes(a) {
    if (LITTLE_ENDIAN)
        return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
    const out = new Uint8Array(a.byteLength);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < a.length; i++)
        dv.setFloat32(4 * i, a[i], true);
    return out;
}
// ---------------------------------------------------------------------------------------------
// Validation
function checkArray(layer, key, length, where, what) {
    const v = layer[key];
    if (!(v instanceof Float32Array))
        (0, validate_1.typeError)('Float32Array', `${where}.${key}`, v);
    if (v.length !== length) {
        throw new RangeError((0, validate_1.expected)(`Float32Array of length ${length} (${what})`, `${where}.${key}`, (0, validate_1.describe)(v)));
    }
}
function checkLayer(layer, i) {
    const where = `layers[${i}]`;
    (0, validate_1.assertPlainObject)(layer, where);
    const l = layer;
    (0, validate_1.assertOneOf)(l.type, `${where}.type`, exports.ONNX_LAYER_TYPES);
    switch (l.type) {
        case 'linear':
            (0, validate_1.assertPositiveInteger)(l.inFeatures, `${where}.inFeatures`);
            (0, validate_1.assertPositiveInteger)(l.outFeatures, `${where}.outFeatures`);
            checkArray(l, 'weight', l.outFeatures * l.inFeatures, where, 'outFeatures x inFeatures');
            if (l.bias !== undefined && l.bias !== null)
                checkArray(l, 'bias', l.outFeatures, where, 'outFeatures');
            break;
        case 'leakyRelu':
        case 'elu':
            (0, validate_1.assertFinite)(l.alpha, `${where}.alpha`);
            break;
        case 'layerNorm':
        case 'batchNorm':
            (0, validate_1.assertPositiveInteger)(l.size, `${where}.size`);
            (0, validate_1.assertFinite)(l.eps, `${where}.eps`);
            if (l.eps < 0)
                (0, validate_1.rangeError)('non-negative number', `${where}.eps`, l.eps);
            for (const key of l.type === 'layerNorm' ? ['weight', 'bias'] : ['weight', 'bias', 'runningMean', 'runningVar']) {
                checkArray(l, key, l.size, where, 'size');
            }
            break;
        case 'embedding':
            (0, validate_1.assertPositiveInteger)(l.numEmbeddings, `${where}.numEmbeddings`);
            (0, validate_1.assertPositiveInteger)(l.dim, `${where}.dim`);
            checkArray(l, 'weight', l.numEmbeddings * l.dim, where, 'numEmbeddings x dim');
            if (i !== 0)
                (0, validate_1.rangeError)('embedding only as the first layer (it reads int64 indices)', where, 'an embedding layer');
            break;
        default:
            break;
    }
    return l;
}
function checkOptions(opts) {
    (0, validate_1.assertPlainObject)(opts, 'options');
    const o = opts;
    const shape = o.inputShape;
    const what = 'non-empty array of positive integers or null';
    if (!Array.isArray(shape))
        (0, validate_1.typeError)(what, 'options.inputShape', shape);
    if (shape.length === 0 || !shape.every((d) => d === null || (Number.isInteger(d) && d > 0))) {
        throw new RangeError((0, validate_1.expected)(what, 'options.inputShape', `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`));
    }
    const inputName = o.inputName ?? 'input';
    const outputName = o.outputName ?? 'output';
    for (const [v, name] of [[inputName, 'options.inputName'], [outputName, 'options.outputName']]) {
        (0, validate_1.assertString)(v, name);
        if (v.length === 0)
            (0, validate_1.typeError)('non-empty string', name, v);
    }
    if (inputName === outputName)
        (0, validate_1.rangeError)(`name different from options.inputName`, 'options.outputName', outputName);
    if (/^(layers\.|const\.)/.test(inputName))
        (0, validate_1.rangeError)('name not starting with "layers." or "const."', 'options.inputName', inputName);
    if (/^(layers\.|const\.)/.test(outputName))
        (0, validate_1.rangeError)('name not starting with "layers." or "const."', 'options.outputName', outputName);
    if (o.producerVersion !== undefined)
        (0, validate_1.assertString)(o.producerVersion, 'options.producerVersion');
    const opset = o.opset ?? exports.DEFAULT_OPSET;
    if (typeof opset !== 'number')
        (0, validate_1.typeError)(`integer in [${exports.MIN_OPSET}, ${exports.MAX_OPSET}]`, 'options.opset', opset);
    if (!Number.isInteger(opset) || opset < exports.MIN_OPSET || opset > exports.MAX_OPSET)
        (0, validate_1.rangeError)(`integer in [${exports.MIN_OPSET}, ${exports.MAX_OPSET}]`, 'options.opset', opset);
    return { inputShape: shape.slice(), inputName, outputName, producerVersion: o.producerVersion, opset };
}
/** IR version that goes with an opset (onnx/docs/Versioning.md). */
function irVersionFor(opset) {
    if (opset <= 18)
        return 8;
    if (opset <= 20)
        return 9;
    return 10;
}
function attr(name, value, kind) {
    return kind === 'float' ? { name, type: ATTR_FLOAT, f: value } : { name, type: ATTR_INT, i: value };
}
function node(b, opType, inputs, outputs, name, attributes = []) {
    b.nodes.push({ opType, input: inputs, output: outputs, name, attribute: attributes, domain: '' });
}
function initializer(b, name, dims, data) {
    b.initializers.push({ name, dataType: FLOAT, dims, rawData: floatBytes(data) });
    return name;
}
/** A scalar float constant shared by the whole graph. */
function constant(b, value) {
    let name = b.constants.get(value);
    if (name === undefined) {
        name = `const.${b.constants.size}`;
        b.constants.set(value, name);
        initializer(b, name, [], new Float32Array([value]));
    }
    return name;
}
function shapeMismatch(where, type, want, shape) {
    throw new RangeError((0, validate_1.expected)(`input ${want}`, `${where} (${type})`, `shape ${fmtDims(shape)}`));
}
/** Emits the nodes of layer i from `x` to `y`; returns the output shape. */
function emitLayer(b, layer, i, x, y, shape) {
    const p = `layers.${i}`;
    const where = `layers[${i}]`;
    const needRank = (n) => {
        if (shape.length < n)
            shapeMismatch(where, layer.type, `of rank >= ${n}`, shape);
    };
    const elementwise = (op, attributes = []) => {
        node(b, op, [x], [y], p, attributes);
        return shape;
    };
    switch (layer.type) {
        case 'linear': {
            const { inFeatures: inF, outFeatures: outF, weight, bias } = layer;
            needRank(1);
            const last = shape[shape.length - 1];
            if (typeof last === 'number' && last !== inF)
                shapeMismatch(where, 'linear', `with last dimension ${inF}`, shape);
            if (shape.length === 2) {
                const w = initializer(b, `${p}.weight`, [outF, inF], weight);
                const inputs = bias ? [x, w, initializer(b, `${p}.bias`, [outF], bias)] : [x, w];
                node(b, 'Gemm', inputs, [y], p, [attr('transB', 1, 'int')]);
            }
            else {
                const wt = new Float32Array(inF * outF); // (in, out) = W^T
                for (let o = 0; o < outF; o++)
                    for (let k = 0; k < inF; k++)
                        wt[k * outF + o] = weight[o * inF + k];
                const w = initializer(b, `${p}.weight_t`, [inF, outF], wt);
                if (bias) {
                    node(b, 'MatMul', [x, w], [`${p}.matmul`], `${p}.matmul`);
                    node(b, 'Add', [`${p}.matmul`, initializer(b, `${p}.bias`, [outF], bias)], [y], p);
                }
                else {
                    node(b, 'MatMul', [x, w], [y], p);
                }
            }
            return [...shape.slice(0, -1), outF];
        }
        case 'relu': return elementwise('Relu');
        case 'sigmoid': return elementwise('Sigmoid');
        case 'tanh': return elementwise('Tanh');
        case 'softplus': return elementwise('Softplus');
        case 'identity':
        case 'dropout': return elementwise('Identity');
        case 'selu': return elementwise('Selu', [attr('alpha', SELU_ALPHA, 'float'), attr('gamma', SELU_GAMMA, 'float')]);
        case 'leakyRelu': return elementwise('LeakyRelu', [attr('alpha', layer.alpha, 'float')]);
        case 'elu': return elementwise('Elu', [attr('alpha', layer.alpha, 'float')]);
        case 'softmax':
        case 'logSoftmax':
            needRank(1);
            return elementwise(layer.type === 'softmax' ? 'Softmax' : 'LogSoftmax', [attr('axis', -1, 'int')]);
        case 'silu':
            node(b, 'Sigmoid', [x], [`${p}.sigmoid`], `${p}.sigmoid`);
            node(b, 'Mul', [x, `${p}.sigmoid`], [y], p);
            return shape;
        case 'gelu':
            if (b.opset >= 20) {
                b.nodes.push({ opType: 'Gelu', input: [x], output: [y], name: p, domain: '',
                    attribute: [{ name: 'approximate', type: ATTR_STRING, s: new TextEncoder().encode('none') }] });
                return shape;
            }
            node(b, 'Div', [x, constant(b, Math.SQRT2)], [`${p}.scaled`], `${p}.scaled`);
            node(b, 'Erf', [`${p}.scaled`], [`${p}.erf`], `${p}.erf`);
            node(b, 'Add', [`${p}.erf`, constant(b, 1)], [`${p}.erf1`], `${p}.erf1`);
            node(b, 'Mul', [x, `${p}.erf1`], [`${p}.xerf1`], `${p}.xerf1`);
            node(b, 'Mul', [`${p}.xerf1`, constant(b, 0.5)], [y], p);
            return shape;
        case 'flatten': {
            needRank(2);
            const rest = shape.slice(1);
            const n = rest.every((d) => typeof d === 'number') ? rest.reduce((a, c) => a * c, 1) : null;
            node(b, 'Flatten', [x], [y], p, [attr('axis', 1, 'int')]);
            return [shape[0], n];
        }
        case 'layerNorm': {
            needRank(1);
            const last = shape[shape.length - 1];
            if (typeof last === 'number' && last !== layer.size)
                shapeMismatch(where, 'layerNorm', `with last dimension ${layer.size}`, shape);
            node(b, 'LayerNormalization', [x, initializer(b, `${p}.weight`, [layer.size], layer.weight), initializer(b, `${p}.bias`, [layer.size], layer.bias)], [y], p, [attr('axis', -1, 'int'), attr('epsilon', layer.eps, 'float')]);
            return shape;
        }
        case 'batchNorm': {
            needRank(2);
            if (typeof shape[1] === 'number' && shape[1] !== layer.size)
                shapeMismatch(where, 'batchNorm', `with dimension 1 equal to ${layer.size}`, shape);
            node(b, 'BatchNormalization', [
                x,
                initializer(b, `${p}.weight`, [layer.size], layer.weight),
                initializer(b, `${p}.bias`, [layer.size], layer.bias),
                initializer(b, `${p}.running_mean`, [layer.size], layer.runningMean),
                initializer(b, `${p}.running_var`, [layer.size], layer.runningVar),
            ], [y], p, [attr('epsilon', layer.eps, 'float')]);
            return shape;
        }
        case 'embedding':
            node(b, 'Gather', [initializer(b, `${p}.weight`, [layer.numEmbeddings, layer.dim], layer.weight), x], [y], p, [attr('axis', 0, 'int')]);
            return [...shape, layer.dim];
        default:
            throw new Error(`unreachable layer type ${layer.type}`);
    }
}
function valueInfo(name, elemType, shape) {
    return {
        name,
        type: {
            tensorType: {
                elemType,
                shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) },
            },
        },
    };
}
/** Builds the ModelProto object (before encoding); exported for tests and tools. */
function buildOnnxModel(layers, opts) {
    if (!Array.isArray(layers))
        (0, validate_1.typeError)('array of layers', 'layers', layers);
    const checked = layers.map((l, i) => checkLayer(l, i));
    const o = checkOptions(opts);
    const b = { nodes: [], initializers: [], constants: new Map(), opset: o.opset };
    let shape = o.inputShape.map((d, i) => (d === null ? (i === 0 ? 'batch' : `dim${i}`) : d));
    const inputInfo = valueInfo(o.inputName, checked[0]?.type === 'embedding' ? INT64 : FLOAT, shape);
    let x = o.inputName;
    if (checked.length === 0) {
        node(b, 'Identity', [x], [o.outputName], 'identity');
    }
    checked.forEach((layer, i) => {
        const y = i === checked.length - 1 ? o.outputName : `layers.${i}.out`;
        shape = emitLayer(b, layer, i, x, y, shape);
        x = y;
    });
    const weightBytes = b.initializers.reduce((n, t) => n + t.rawData.length, 0);
    if (weightBytes > MAX_PROTO_WEIGHT_BYTES) {
        throw new RangeError((0, validate_1.expected)('model with under 2 GiB of weights (the protobuf limit; ONNX external data is not supported)', 'layers', `${weightBytes} bytes of weights`));
    }
    return {
        irVersion: irVersionFor(o.opset),
        opsetImport: [{ domain: '', version: o.opset }],
        producerName: 'nodegrad',
        ...(o.producerVersion !== undefined ? { producerVersion: o.producerVersion } : {}),
        graph: {
            name: 'nodegrad',
            node: b.nodes,
            initializer: b.initializers,
            input: [inputInfo],
            output: [valueInfo(o.outputName, FLOAT, shape)],
        },
    };
}
/** Encodes a sequential model as ONNX protobuf bytes. */
function encodeOnnx(layers, opts) {
    const model = buildOnnxModel(layers, opts);
    const onnx = onnxProto();
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
/** Writes an ONNX file atomically (temp file, fsync, rename, fsync folder). */
async function writeOnnx(path, layers, opts) {
    (0, validate_1.assertString)(path, 'path');
    await (0, atomic_1.writeFileAtomic)(path, encodeOnnx(layers, opts));
}

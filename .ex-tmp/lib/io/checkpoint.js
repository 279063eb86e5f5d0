"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.writeCheckpoint = writeCheckpoint;
exports.readCheckpoint = readCheckpoint;
const safetensors_1 = require("./safetensors");
const validate_1 = require("../core/validate");
const KEY = 'nodegrad.checkpoint';
async function writeCheckpoint(path, model, optimizer, state) {
    (0, validate_1.assertString)(path, 'path');
    const tensors = {};
    for (const [k, t] of Object.entries(model.stateDict())) {
        tensors[`model.${k}`] = { dtype: 'float32', shape: t.shape.slice(), data: t.data };
    }
    const opt = optimizer.stateDict();
    for (const [k, b] of Object.entries(opt.buffers))
        tensors[`optim.${k}`] = { dtype: 'float32', shape: [b.length], data: b };
    const meta = {
        ...state,
        modelConfig: model.getConfig(),
        optimizer: { type: opt.type, hyper: opt.hyper, step: opt.step },
    };
    await (0, safetensors_1.writeSafetensors)(path, tensors, { format: 'nodegrad-checkpoint', [KEY]: JSON.stringify(meta) });
}
async function readCheckpoint(path) {
    (0, validate_1.assertString)(path, 'path');
    const { tensors, metadata } = await (0, safetensors_1.readSafetensors)(path);
    const text = metadata[KEY];
    if (text === undefined) {
        throw new Error(`Expected a nodegrad checkpoint (with '${KEY}' metadata) for ${path} but received a safetensors file without one`);
    }
    const meta = JSON.parse(text);
    const weights = {};
    const buffers = {};
    for (const [k, t] of Object.entries(tensors)) {
        if (k.startsWith('model.'))
            weights[k.slice(6)] = t;
        else if (k.startsWith('optim.'))
            buffers[k.slice(6)] = t.data;
    }
    return { ...meta, optimizer: { ...meta.optimizer, buffers }, weights };
}

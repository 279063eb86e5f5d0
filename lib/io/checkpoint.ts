/**
 * Checkpoints: everything needed to resume training bit-identically, in ONE safetensors file
 * (atomic write): model weights ("model.<name>"), optimizer state buffers ("optim.<name>"),
 * and in the metadata: the model config, optimizer type/hyperparameters/step, the epoch,
 * the random generators' state, the data loader's shuffle state, scheduler states, the
 * history so far, and any preprocessing state.
 */
import type { Module } from '../nn/module';
import type { Optimizer, OptimizerState } from '../optim/optimizer';
import { readSafetensors, writeSafetensors, RawTensor } from './safetensors';
import type { RngState } from '../core/seed';
import { assertString } from '../core/validate';

const KEY = 'nodegrad.checkpoint';

export interface CheckpointState {
  /** Epochs completed. */
  epoch: number;
  rng: RngState;
  loader?: { epoch: number; rng: number[]; augRng: number[] };
  /** State of callbacks that have one (schedulers, early stopping, ...), by 'ClassName#k'. */
  callbacks?: Record<string, Record<string, unknown>>;
  history?: { epoch: number[]; history: Record<string, number[]> };
  preprocessing?: unknown;
  extra?: Record<string, unknown>;
}

export interface Checkpoint extends CheckpointState {
  modelConfig: unknown;
  optimizer: OptimizerState;
  weights: Record<string, RawTensor>;
}

export async function writeCheckpoint(path: string, model: Module, optimizer: Optimizer, state: CheckpointState): Promise<void> {
  assertString(path, 'path');
  const tensors: Record<string, RawTensor> = {};
  for (const [k, t] of Object.entries(model.stateDict())) {
    tensors[`model.${k}`] = { dtype: 'float32', shape: t.shape.slice(), data: t.data as Float32Array };
  }
  const opt = optimizer.stateDict();
  for (const [k, b] of Object.entries(opt.buffers)) tensors[`optim.${k}`] = { dtype: 'float32', shape: [b.length], data: b };
  const meta = {
    ...state,
    modelConfig: model.getConfig(),
    optimizer: { type: opt.type, hyper: opt.hyper, step: opt.step },
  };
  await writeSafetensors(path, tensors, { format: 'nodegrad-checkpoint', [KEY]: JSON.stringify(meta) });
}

export async function readCheckpoint(path: string): Promise<Checkpoint> {
  assertString(path, 'path');
  const { tensors, metadata } = await readSafetensors(path);
  const text = metadata[KEY];
  if (text === undefined) {
    throw new Error(`Expected a nodegrad checkpoint (with '${KEY}' metadata) for ${path} but received a safetensors file without one`);
  }
  let meta: Omit<Checkpoint, 'weights'> & { optimizer: Omit<OptimizerState, 'buffers'> };
  try {
    meta = JSON.parse(text);
  } catch (e) {
    throw new Error(`Expected valid JSON in the '${KEY}' metadata of ${path} but received: ${(e as Error).message}`);
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new Error(`Expected a JSON object in the '${KEY}' metadata of ${path} but received ${text.slice(0, 40)}`);
  }
  const weights: Record<string, RawTensor> = {};
  const buffers: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(tensors)) {
    if (k.startsWith('model.')) weights[k.slice(6)] = t;
    else if (k.startsWith('optim.')) buffers[k.slice(6)] = t.data as Float32Array;
  }
  return { ...meta, optimizer: { ...meta.optimizer, buffers }, weights };
}

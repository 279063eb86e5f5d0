/**
 * Model persistence: weights + architecture in one safetensors file (config in __metadata__),
 * loading with no code, and loading weights into a built model (nodegrad or PyTorch state dicts;
 * the PyTorch name mapping is in pytorch.ts, ONNX export in onnx-layers.ts).
 */
import { Module, ModuleConfig } from '../nn/module';
import { fromConfig } from '../nn/registry';
import { readSafetensors, writeSafetensors, RawTensor } from './safetensors';
import { fromTorchStateDict } from './pytorch';
import { assertString, assertPlainObject, describe, expected } from '../core/validate';

export const FORMAT = 'nodegrad';
const CONFIG_KEY = 'nodegrad.config';
const VERSION_KEY = 'nodegrad.version';
const PREPROCESSING_KEY = 'nodegrad.preprocessing';

/** The nodegrad package version (written into saved files). */
export function libraryVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require('../../package.json').version as string;
}

export interface SaveOptions {
  /** Extra string metadata stored in the file. */
  metadata?: Record<string, string>;
  /** Fitted preprocessing (scaler/imputer/encoder states, any JSON) saved with the model. */
  preprocessing?: unknown;
  /** Storage type for weights (default F32). */
  dtype?: 'F32' | 'F16' | 'BF16';
}

/** The model's parameters and buffers as raw tensors (copies are not made). */
export function rawStateDict(model: Module): Record<string, RawTensor> {
  const out: Record<string, RawTensor> = {};
  for (const [k, t] of Object.entries(model.stateDict())) {
    out[k] = { dtype: 'float32', shape: t.shape.slice(), data: t.data as Float32Array };
  }
  return out;
}

/** Saves weights and architecture (atomic write). */
export async function save(model: Module, path: string, opts: SaveOptions = {}): Promise<void> {
  if (!(model instanceof Module)) throw new TypeError(expected('Module', 'model', describe(model)));
  assertString(path, 'path');
  assertPlainObject(opts as unknown, 'options');
  const metadata: Record<string, string> = {
    ...(opts.metadata ?? {}),
    format: FORMAT,
    [VERSION_KEY]: libraryVersion(),
    [CONFIG_KEY]: JSON.stringify(model.getConfig()),
  };
  delete metadata[PREPROCESSING_KEY];
  if (opts.preprocessing !== undefined) metadata[PREPROCESSING_KEY] = JSON.stringify(opts.preprocessing);
  await writeSafetensors(path, rawStateDict(model), metadata, { dtype: opts.dtype ?? 'F32' });
}

export interface LoadedModel {
  model: Module;
  metadata: Record<string, string>;
  preprocessing: unknown;
}

/** Loads a model saved by save(): rebuilds the architecture and fills the weights. */
export async function loadWithInfo(path: string): Promise<LoadedModel> {
  assertString(path, 'path');
  const { tensors, metadata } = await readSafetensors(path);
  const cfgText = metadata[CONFIG_KEY];
  if (cfgText === undefined) {
    throw new Error(`Expected a nodegrad model file (with '${CONFIG_KEY}' metadata) for ${path} but received a ` +
      'safetensors file without an architecture; build the model in code and use ng.io.loadStateDict(model, path)');
  }
  let config: ModuleConfig;
  try {
    config = JSON.parse(cfgText) as ModuleConfig;
  } catch (e) {
    throw new Error(`Expected valid JSON in the '${CONFIG_KEY}' metadata of ${path} but received: ${(e as Error).message}`);
  }
  const model = fromConfig(config);
  model.loadStateDict(tensors);
  model.eval();
  let preprocessing: unknown;
  if (metadata[PREPROCESSING_KEY] !== undefined) preprocessing = JSON.parse(metadata[PREPROCESSING_KEY]);
  return { model, metadata, preprocessing };
}

export async function load(path: string): Promise<Module> {
  return (await loadWithInfo(path)).model;
}

/**
 * Loads weights from a safetensors file into an existing model: nodegrad files, or a PyTorch
 * state_dict saved with safetensors (nn.Linear's (out, in) layout maps directly; BatchNorm's
 * running_mean/running_var are renamed; num_batches_tracked is ignored).
 */
export async function loadStateDict(model: Module, path: string, opts: { strict?: boolean } = {}):
  Promise<{ missing: string[]; unexpected: string[] }> {
  if (!(model instanceof Module)) throw new TypeError(expected('Module', 'model', describe(model)));
  const { tensors } = await readSafetensors(path);
  const mapped = fromTorchStateDict(tensors);
  return model.loadStateDict(mapped, opts);
}

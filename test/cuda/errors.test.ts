/**
 * CUDA requested where it cannot run: every entry point throws an error naming what is missing
 * (the CUDA build, the NVIDIA driver, the GPU), never a silent CPU fallback. Runs on any machine:
 * "not built" always; "built but no driver/GPU" when a CUDA addon is built here (npm run
 * build:cuda; CI builds it) and this machine has no usable GPU. The raw addon's argument checks
 * (device buffers validated against the allocator's live blocks) need no GPU either.
 */
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { OP_TABLE, native } from '../../lib/native';

const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(__dirname, 'probe-script.ts');

function probe(addonPath: string): any {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODEGRAD_CUDA_ADDON: addonPath }, timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`probe failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const built = [process.env.NODEGRAD_CUDA_ADDON, 'build-cuda/Release/nodegrad_cuda.node', 'build/Release/nodegrad_cuda.node']
  .filter((p): p is string => !!p).map((p) => path.resolve(ROOT, p)).find((p) => fs.existsSync(p));
const raw: any = built ? require(built) : null;
const gpu: boolean = raw ? raw.available().available : false;
if (!built) console.log('test/cuda/errors: no CUDA addon built here (npm run build:cuda): the "built" cases are skipped');

describe('CUDA without the CUDA build', () => {
  const r = probe(path.join(ROOT, 'no-such-dir', 'nodegrad_cuda.node'));

  it('status and buildInfo say it is not built', () => {
    expect(r.status).toMatchObject({ built: false, available: false, deviceCount: 0 });
    expect(r.status.reason).toMatch(/no CUDA build/);
    expect(r.buildInfo).toMatchObject({ cuda: false, cudaAvailable: false });
  });

  it('ng.device, t.to and ng.cuda throw naming the missing build and how to get it', () => {
    for (const k of ['deviceCuda', 'toCuda', 'kernels', 'memoryStats']) {
      expect(r[k].ok).toBe(false);
      expect(r[k].message).toMatch(/CUDA was requested but this install has no CUDA build \(nodegrad_cuda\.node was not found\)/);
      expect(r[k].message).toMatch(/NODEGRAD_CUDA=1 npm install nodegrad --build-from-source/);
    }
    expect(r.implementedOps).toEqual([]);
  });

  it('cpu stays usable and bad device names are TypeErrors in the project format', () => {
    expect(r.deviceCpu).toEqual({ ok: true, value: 'cpu' });
    expect(r.toCpuSame).toEqual({ ok: true, value: true });
    expect(r.deviceBad).toMatchObject({ ok: false, name: 'TypeError',
      message: 'Expected \'cpu\', \'cuda\' or \'cuda:N\' for device but received "gpu" of type string' });
    expect(r.toBad).toMatchObject({ ok: false, name: 'TypeError',
      message: 'Expected \'cpu\', \'cuda\' or \'cuda:N\' for device but received "tpu" of type string' });
  });
});

describe.skipIf(!built || gpu)('CUDA built, but no usable driver or GPU on this machine', () => {
  const r = built ? probe(built) : null;

  it('status reports the build and the missing driver/device', () => {
    expect(r.status).toMatchObject({ built: true, available: false, deviceCount: 0 });
    expect(r.status.reason).toMatch(/NVIDIA driver|no CUDA device/);
    expect(r.buildInfo).toMatchObject({ cuda: true, cudaAvailable: false, cudaReason: r.status.reason });
  });

  it('every entry point that needs the GPU throws the reason', () => {
    for (const k of ['deviceCuda', 'deviceCuda1', 'toCuda', 'kernels', 'memoryStats']) {
      expect(r[k].ok).toBe(false);
      expect(r[k].message).toBe(`nodegrad: CUDA was requested (cuda:${k === 'deviceCuda1' ? 1 : 0}) but ${r.status.reason}`);
    }
  });

  it('the raw addon refuses device calls with the same reason', () => {
    expect(() => raw.alloc(16)).toThrow(r.status.reason);
    expect(() => raw.init(0)).toThrow(r.status.reason);
  });
});

describe.skipIf(!built)('the CUDA addon: op table and argument checks (no GPU needed)', () => {
  it('has the op table of the main addon, row for row', () => {
    const rows = raw.opTable();
    expect(rows.map((x: any) => [x.name, x.kind, x.params])).toEqual(
      native.opTable().map((x) => [x.name, x.kind, x.params]));
    expect(Object.keys(raw.backends.cuda).sort()).toEqual(Object.keys(OP_TABLE).sort());
    expect(Object.keys(raw.backends)).toEqual(['cuda']);
  });

  it('implements the core training ops', () => {
    const impl = new Set(raw.opTable().filter((x: any) => x.devices.includes('cuda')).map((x: any) => x.name));
    for (const op of ['gemm', 'linearForward', 'linearBackward', 'reluForward', 'reluBackward', 'addForward',
      'addBackward', 'softmaxForward', 'crossEntropyForward', 'crossEntropyBackward', 'layerNormForward',
      'batchNormForward', 'embeddingForward', 'embeddingBackward', 'sumForward', 'adamUpdate', 'sgdUpdate', 'l2Norm']) {
      expect(impl.has(op)).toBe(true);
    }
  });

  it('ops it lacks throw naming the op and the device', () => {
    expect(() => raw.backends.cuda.dropoutForward()).toThrow('Op dropoutForward is not implemented on device cuda');
  });

  it('host arrays, forged or freed device buffers are thrown errors, never device faults', () => {
    const k = raw.backends.cuda;
    expect(() => k.reluForward(new Float32Array(4), new Float32Array(4), 4)).toThrow(
      'Expected cuda float32 buffer (a tensor on device cuda) for out but received Float32Array of length 4 (host memory)');
    const forged = { ptr: 4096, length: 4, dtype: 'float32' };
    expect(() => k.reluForward(forged, forged, 4)).toThrow(
      'Expected a live cuda buffer (not disposed) with room for 4 elements for out but received a cuda float32 buffer of length 4');
    expect(() => k.reluForward({ ptr: 4096, length: 4, dtype: 'int32' }, forged, 4)).toThrow(
      /Expected cuda float32 buffer .* for out but received a cuda int32 buffer of length 4/);
    expect(() => k.sumForward(null, forged, 1, 4, 1)).toThrow(/Expected cuda float32 buffer .* for out but received null/);
  });
});

/**
 * Packed linear weights for inference.
 *
 * A linear layer's product x W^T runs through the blocked GEMM, which packs (transposes) W into
 * micro-panels on every call. With few rows (generation: one token per step) packing costs
 * about as much as the product itself. Inside withPackedWeights(fn), F.linear calls that record
 * no gradient pack each weight once, on first use, and reuse the panels for later calls; the
 * native product on packed panels gives the same bits as the ordinary call (same micro-kernel,
 * same panels, any thread count).
 *
 * Validity: an entry remembers the weight's storage, view and the storage's write counter
 * (Storage.version, bumped by Tensor.data, through which optimizer steps and loadStateDict
 * write, and by the initializers), and is repacked when any of them changed. Not seen: a write
 * through a typed array taken from .data before the change was made, or by a replayed captured
 * step (lib/tensor/compile.ts); neither can happen inside generate(), which runs no user code
 * in its scope.
 * Memory: one packed copy (the weight's size, rounded up to whole panels) per weight used in
 * the scope, all freed when the outermost scope ends; no packing happens outside a scope.
 */
import { Tensor } from '../tensor/tensor';
import { Storage } from '../tensor/storage';
import { captureSink } from '../tensor/capture';
import { native } from '../native';

interface PackedEntry {
  /** The weight's storage, view and storage version when packed. */
  storage: Storage;
  view: Float32Array;
  version: number;
  /** The packed panels (null: this weight does not run through the GEMM, nothing to pack). */
  block: Storage | null;
  panels: Float32Array | null;
  /** The GEMM kernel table the panels were packed for. */
  table: number;
}

let scope: Map<Tensor, PackedEntry> | null = null;

function freeEntry(e: PackedEntry): void {
  if (e.block) e.block.release();
  e.block = null;
  e.panels = null;
}

/**
 * Runs fn with linear weights packed once and reused by inference calls (see the file comment);
 * the packed copies are freed when it returns or throws. Nested calls share the outer scope.
 */
export function withPackedWeights<T>(fn: () => T): T {
  if (scope !== null) return fn();
  const entries = new Map<Tensor, PackedEntry>();
  scope = entries;
  try {
    return fn();
  } finally {
    scope = null;
    for (const e of entries.values()) freeEntry(e);
    entries.clear();
  }
}

/** Packed weights currently held (tests: the scope frees them all). */
export function packedWeightCount(): number {
  let n = 0;
  if (scope) for (const e of scope.values()) if (e.block) n++;
  return n;
}

/**
 * The packed panels of weight (OC, C) for an inference product, packing it now if the scope
 * has none that is still valid; null outside a scope, while a step is being captured, or when
 * the weight never runs through the GEMM.
 */
export function packedWeight(weight: Tensor, C: number, OC: number): PackedEntry | null {
  if (scope === null || weight.device !== 'cpu' || captureSink() !== null) return null;
  const storage = weight._storage as Storage;
  const view = weight.f32;
  let e = scope.get(weight);
  if (e !== undefined && e.storage === storage && e.view === view && e.version === storage.version) {
    return e.panels ? e : null;
  }
  if (e !== undefined) freeEntry(e);
  const n = native.linearPackSize(C, OC);
  let block: Storage | null = null;
  let panels: Float32Array | null = null;
  let table = 0;
  if (n > 0) {
    block = new Storage(n * 4);
    panels = new Float32Array(block.buffer as ArrayBuffer, block.byteOffset, n);
    table = native.linearPack(panels, view, C, OC);
    if (table === 0) {
      block.release();
      block = null;
      panels = null;
    }
  }
  e = { storage, view, version: storage.version, block, panels, table };
  scope.set(weight, e);
  return panels ? e : null;
}

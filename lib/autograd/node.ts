/**
 * The tape: an op whose inputs require grad attaches a GradNode to its output. backward()
 * walks the nodes in reverse topological order and calls each node's backward, which ADDS
 * into the gradient buffers of its inputs (native backward kernels accumulate; zeroing is a
 * separate step, as in llm.c).
 */
import type { Tensor, TapeNode } from '../tensor/tensor';

/** A recorded op (the interface lives in the tensor layer, which must not import this one). */
export type GradNode = TapeNode;

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn with gradient recording off (inference). Restores the previous mode afterwards. */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') {
    throw new TypeError(`Expected function for fn but received ${fn === null ? 'null' : typeof fn}`);
  }
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Turns gradient recording on or off globally; returns the previous value. */
export function setGradEnabled(on: boolean): boolean {
  const prev = gradEnabled;
  gradEnabled = on;
  return prev;
}

/** True when an op on these inputs must be recorded. */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t && t.requiresGrad) return true;
  return false;
}

/**
 * Attaches a node to `out` when any input requires grad (and recording is on); otherwise
 * frees what the node saved. Returns out. firstWrite: the backward honours `init` (TapeNode).
 */
export function record(out: Tensor, op: string, inputs: (Tensor | null)[],
  backward: GradNode['backward'], release?: () => void, firstWrite = false): Tensor {
  if (needsGrad(...inputs)) {
    out.requiresGrad = true;
    out._node = { op, inputs: inputs.map((t) => (t && t.requiresGrad ? t : null)), backward, release, firstWrite };
  } else if (release) {
    release();
  }
  return out;
}

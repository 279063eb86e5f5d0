/** backward(): reverse-mode differentiation over the recorded tape. */
import { Tensor, clearGradPending, settlePendingGrads } from '../tensor/tensor';
import { empty } from '../tensor/create';
import { keep } from '../tensor/scope';
import { captureSink } from '../tensor/capture';
import { kernels } from '../native';
import { assertTensor } from '../tensor/check';
import { fmtShape } from '../core/validate';
import type { GradNode } from './node';

/**
 * @internal Observers told, during backward(), when a leaf's gradient is final (no node left
 * that adds to it) and when the pass ends: distributed data parallel sends gradient buckets
 * while the rest of the backward pass runs.
 */
export interface GradReadyHook {
  ready(leaf: Tensor): void;
  end(): void;
}
export const gradReadyHooks = new Set<GradReadyHook>();

/** For each position in `order`, the leaves whose last contribution is that node's backward. */
function finalLeaves(order: Tensor[]): Map<number, Tensor[]> {
  const last = new Map<Tensor, number>();
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k]._node as GradNode;
    if (node) for (const inp of node.inputs) if (inp && !inp._node && inp.requiresGrad) last.set(inp, k);
  }
  const at = new Map<number, Tensor[]>();
  for (const [leaf, k] of last) {
    const list = at.get(k);
    if (list) list.push(leaf); else at.set(k, [leaf]);
  }
  return at;
}

function zerosOf(t: Tensor): Tensor {
  const g = empty(t.shape, 'float32');
  kernels(g.device).fillF32(g.f32, g.size, 0);
  return g;
}

/** Nodes reachable from root, in topological order (inputs before outputs). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const node = t._node as GradNode;
    if (node && i < node.inputs.length) {
      top[1]++;
      const inp = node.inputs[i];
      if (inp && !inp._node && (inp._graphFreed || inp.isDisposed)) {
        throw new Error(`Expected live graph inputs for backward() but input ${i} of '${node.op}' was ` +
          (inp.isDisposed ? 'disposed' : 'already consumed by an earlier backward()') +
          ' (keep the forward pass and backward() inside the same ng.tidy(), and recompute the forward pass for a second backward)');
      }
      if (inp && inp._node && !seen.has(inp)) {
        seen.add(inp);
        stack.push([inp, 0]);
      }
      continue;
    }
    stack.pop();
    order.push(t);
  }
  return order;
}

/**
 * Computes gradients of `root` with respect to every leaf tensor that requires grad and
 * ADDS them into leaf.grad (created as zeros when missing). A non-scalar root needs an explicit
 * `gradient` of the same shape. The graph is freed afterwards (no retainGraph).
 */
export function backward(root: Tensor, gradient?: Tensor): void {
  assertTensor(root, 'backward() target');
  if (root._graphFreed) {
    throw new Error('Expected a tensor with a recorded graph for backward() but received one whose graph was already ' +
      'consumed by an earlier backward() (graphs are freed after backward; recompute the forward pass)');
  }
  if (!root.requiresGrad) {
    throw new Error('Expected a tensor that requires grad for backward() but received a tensor with requiresGrad=false ' +
      '(no input of the computation had requiresGrad=true, or it ran inside noGrad)');
  }
  // Gradient hooks (data-parallel training) communicate from JS: a captured step cannot replay them.
  if (gradReadyHooks.size > 0) captureSink()?.block('gradient hooks (distributed training)');
  // Walk the graph first: it throws on disposed or consumed intermediates before anything is allocated.
  const order = root._node ? topoOrder(root) : null;
  let seed: Tensor;
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new RangeError(`Expected a gradient argument for backward() of a non-scalar output but received none (output shape ${fmtShape(root.shape)})`);
    }
    seed = empty(root.shape, 'float32');
    seed.data[0] = 1;
  } else {
    assertTensor(gradient, 'gradient', 'float32');
    if (gradient.shape.length !== root.shape.length || gradient.shape.some((d, i) => d !== root.shape[i])) {
      throw new RangeError(`Expected shape ${fmtShape(root.shape)} for gradient but received ${fmtShape(gradient.shape)}`);
    }
    seed = empty(root.shape, 'float32');
    (seed.data as Float32Array).set(gradient.data as Float32Array);
  }

  if (!order) {
    // A leaf: its gradient is the seed itself.
    accumulateLeaf(root, seed);
    seed.dispose();
    for (const h of gradReadyHooks) { h.ready(root); h.end(); }
    return;
  }

  const grads = new Map<Tensor, Tensor>();
  grads.set(root, seed);
  const finals = gradReadyHooks.size > 0 ? finalLeaves(order) : null;
  // First writes (see TapeNode.firstWrite) in CPU passes without gradient hooks (they read
  // buffers natively). A step being recorded may write too: ng.compile writes every pending zero
  // before it records and records the writes of those its step marks and leaves (compile.ts),
  // so what was pending while recording is pending at the same point of every replay.
  const firstWrite = finals === null && root.device === 'cpu';
  if (!firstWrite) settlePendingGrads();
  try {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const node = t._node as GradNode;
      const gOut = grads.get(t);
      if (!node) continue;
      if (gOut) {
        if (firstWrite && node.firstWrite && firstWriteInputs(node, grads)) {
          node.backward(gOut, takeFresh(node, grads), true);
        } else {
          const bufs: (Tensor | null)[] = node.inputs.map((inp) => {
            if (!inp) return null;
            if (!inp._node) {
              if (!inp.grad) inp.grad = keep(zerosOf(inp)); // the getter writes a pending zero
              return inp.grad;
            }
            let g = grads.get(inp);
            if (!g) {
              g = zerosOf(inp);
              grads.set(inp, g);
            }
            return g;
          });
          node.backward(gOut, bufs);
        }
      }
      const done = finals?.get(k);
      if (done) for (const h of gradReadyHooks) for (const leaf of done) h.ready(leaf);
    }
    if (finals) for (const h of gradReadyHooks) h.end();
  } finally {
    for (const t of order) {
      const node = t._node;
      if (node) {
        if (node.release) node.release();
        t._node = null;
        t._graphFreed = true;
      }
    }
    for (const g of grads.values()) g.dispose();
  }
}

/**
 * True when no gradient buffer of node's inputs holds a gradient yet: intermediates without one,
 * leaves whose gradient is missing or pending zero (Optimizer.zeroGrad), each input once.
 */
function firstWriteInputs(node: GradNode, grads: Map<Tensor, Tensor>): boolean {
  const ins = node.inputs;
  let any = false;
  for (let i = 0; i < ins.length; i++) {
    const inp = ins[i];
    if (!inp) continue;
    for (let j = 0; j < i; j++) if (ins[j] === inp) return false; // one buffer twice: the second adds
    if (inp._node) {
      if (grads.has(inp)) return false;
    } else if (inp._grad !== null && !inp._gradPending) {
      return false;
    } else if (inp._grad !== null && (inp._grad.isDisposed || inp._grad.device !== 'cpu')) {
      return false;
    }
    any = true;
  }
  return any;
}

/** The gradient buffers of node's inputs for a first write (firstWriteInputs held): uninitialized. */
function takeFresh(node: GradNode, grads: Map<Tensor, Tensor>): (Tensor | null)[] {
  return node.inputs.map((inp) => {
    if (!inp) return null;
    if (inp._node) {
      const g = empty(inp.shape, 'float32');
      grads.set(inp, g);
      return g;
    }
    if (inp._grad === null) inp.grad = keep(empty(inp.shape, 'float32'));
    else clearGradPending(inp);
    return inp._grad;
  });
}

function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  if (!leaf.grad) leaf.grad = keep(zerosOf(leaf));
  const d = leaf.grad.data as Float32Array;
  const s = g.data as Float32Array;
  for (let i = 0; i < d.length; i++) d[i] += s[i];
}

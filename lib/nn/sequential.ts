/**
 * Sequential: modules applied in order. A Linear followed by ReLU/Sigmoid/Tanh/GELU, or a
 * Conv2d / Conv1d followed by ReLU, runs as ONE fused kernel (bias and activation in the GEMM epilogue,
 * one fused backward), and a Linear / Conv2d / Conv1d feeding a ReLU-family activation gets He
 * initialization unless its init was chosen. In eval mode with nothing recorded for autograd,
 * Conv2d + BatchNorm2d (+ ReLU) runs as one convolution with the BatchNorm folded into it; a
 * Residual whose body ends in Conv2d + BatchNorm2d, followed by a ReLU, runs its last conv adding
 * onto the shortcut with the ReLU in the epilogue (else the ReLU runs in place on the sum); a
 * MaxPool2d(2) after a Conv2d (+ BatchNorm2d) (+ ReLU) is pooled in the conv's kernel (CPU).
 * BatchNorm2d + ReLU otherwise (training) runs as one kernel each way.
 */
import { Module, ModuleConfig } from './module';
import { Linear, Activation, ReLU, LeakyReLU, ELU, SELU, GELU, SiLU, Tanh, Sigmoid } from './layers';
import { ConvNd, Conv2d, BatchNorm2d, MaxPool2d } from './conv';
import { Residual, assertJoinShape } from './residual';
import { needsGrad, isGradEnabled } from '../autograd/node';
import type { Nonlinearity } from './init';
import { Tensor } from '../tensor/tensor';
import { describe, expected } from '../core/validate';
import { clone } from '../ops';
import { conv2dProjectionBlock, conv2dResidualBlock } from '../ops/conv';
import { empty } from '../ops/util';

function nonlinearityOf(m: Module | undefined): Nonlinearity | null {
  if (m instanceof ReLU) return 'relu';
  if (m instanceof LeakyReLU) return 'leakyRelu';
  if (m instanceof ELU || m instanceof SELU || m instanceof GELU || m instanceof SiLU) return 'relu';
  if (m instanceof Tanh) return 'tanh';
  if (m instanceof Sigmoid) return 'sigmoid';
  return null;
}

export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    if (layers.length === 1 && Array.isArray(layers[0])) layers = layers[0] as unknown as Module[];
    layers.forEach((m, i) => {
      if (!(m instanceof Module)) throw new TypeError(expected('Module', `layers[${i}]`, describe(m)));
      this.registerModule(String(i), m);
    });
    this.layers = layers.slice();
    for (let i = 1; i < this.layers.length; i++) this.applyDefaultInit(i);
  }

  /** A Linear followed by a ReLU-family activation gets He init unless its init was chosen. */
  private applyDefaultInit(activationIndex: number): void {
    const m = this.layers[activationIndex - 1];
    if ((m instanceof Linear || m instanceof ConvNd) && !m._explicitInit) {
      const nl = nonlinearityOf(this.layers[activationIndex]);
      if (nl === 'relu' || nl === 'leakyRelu') m.resetParameters('kaimingUniform', nl);
    }
  }

  forward(x: Tensor): Tensor {
    return this.forwardRange(x, 0, this.layers.length);
  }

  /** @internal Layers [from, to) applied to x, with the fusions of forward. */
  forwardRange(x: Tensor, from: number, to: number): Tensor {
    const L = this.layers;
    // x is a buffer made in this loop by a fused inference path (no other reference to it can
    // exist): an identity Residual may then write its output over it.
    let owned = false;
    for (let i = from; i < to; i++) {
      const xOwned = owned;
      owned = false;
      const m = L[i];
      const next = i + 1 < to ? L[i + 1] : undefined;
      if (m instanceof Linear && next instanceof Activation && next.fusable !== null) {
        x = m.forwardWith(x, next.fusable);
        i++;
        continue;
      }
      // Eval mode, nothing recorded: Conv2d + BatchNorm2d (+ ReLU) as one convolution (BN folded),
      // and a MaxPool2d(2) after it in the same kernel (the pool reads the conv's output while it
      // is in cache).
      if (m instanceof Conv2d && next instanceof BatchNorm2d && !next.training && m.weight.device === 'cpu' &&
        !needsGrad(x, m.weight, m.bias, next.weight, next.bias)) {
        const relu = i + 2 < to && L[i + 2] instanceof ReLU;
        const pool = pooledAt(m, x, L, i + (relu ? 3 : 2), to);
        x = m.forwardFoldedBn(x, next, relu ? 'relu' : 'none', null, pool);
        owned = true;
        i += (relu ? 2 : 1) + (pool ? 1 : 0);
        continue;
      }
      // Nothing recorded, CPU: Conv2d (+ ReLU) + MaxPool2d(2) as one kernel.
      if (m instanceof Conv2d && m.weight.device === 'cpu' && x.device === 'cpu' && !needsGrad(x, m.weight, m.bias)) {
        const relu = next instanceof ReLU;
        if (pooledAt(m, x, L, i + (relu ? 2 : 1), to)) {
          x = m.forwardMaxPool2(x, relu ? 'relu' : 'none');
          owned = true;
          i += relu ? 2 : 1;
          continue;
        }
      }
      // Residual + ReLU: in inference the last conv adds onto the shortcut with the ReLU in its
      // epilogue; otherwise (training) the join is one op, relu(body + shortcut), which takes in
      // the body's last BatchNorm2d when it ends with one.
      if (m instanceof Residual && next instanceof ReLU) {
        const fused = residualReluFused(m, x, xOwned);
        if (fused !== null) {
          x = fused;
          owned = true;
        } else {
          x = residualBnJoin(m, x) ?? m.forwardRelu(x);
        }
        i++;
        continue;
      }
      // BatchNorm2d + ReLU as one kernel (training, or eval without a Conv2d before it to fold into).
      if (m instanceof BatchNorm2d && next instanceof ReLU) {
        x = m.forwardWith(x, 'relu');
        i++;
        continue;
      }
      if (m instanceof ConvNd && next instanceof ReLU) {
        x = m.forwardWith(x, 'relu');
        i++;
        continue;
      }
      const y = m.forward(x);
      // Recurrent layers return [output, finalState]: the next layer gets the output sequence.
      x = Array.isArray(y) ? y[0] : y;
    }
    return x;
  }

  /** Appends a module. */
  add(m: Module): this {
    if (!(m instanceof Module)) throw new TypeError(expected('Module', 'module', describe(m)));
    this.registerModule(String(this.layers.length), m);
    this.layers.push(m);
    if (this.layers.length > 1) this.applyDefaultInit(this.layers.length - 1);
    return this;
  }

  get length(): number {
    return this.layers.length;
  }

  getConfig(): ModuleConfig {
    return { type: 'Sequential', args: {}, children: this.layers.map((l) => l.getConfig()) };
  }
}

/** Whether layers[at] (before `to`) is a MaxPool2d(2) that conv's output on x can feed in one kernel. */
function pooledAt(conv: Conv2d, x: Tensor, layers: Module[], at: number, to: number): boolean {
  const pool = layers[at];
  return at < to && pool instanceof MaxPool2d && pool.plain2x2 && x.device === 'cpu' && conv.outputShape(x).every((d) => d >= 2);
}

/**
 * Residual(Sequential(..., BatchNorm2d), shortcut) + ReLU outside the inference fusion
 * (training): the body up to its last BatchNorm2d, the shortcut, then that BatchNorm2d, the add
 * and the ReLU as one op (BatchNorm2d.forwardAddRelu: the bits of BatchNorm2d then addRelu, one
 * pass less over the activations each way). Null when the body does not end with a BatchNorm2d.
 */
function residualBnJoin(r: Residual, x: Tensor): Tensor | null {
  const body = r.body;
  if (!(body instanceof Sequential) || body.length < 1) return null;
  const bn = body.layers[body.length - 1];
  if (!(bn instanceof BatchNorm2d)) return null;
  const h = body.forwardRange(x, 0, body.length - 1);
  const s = r.shortcut ? r.shortcut.forward(x) : x;
  assertJoinShape(h.shape, s.shape);
  return bn.forwardAddRelu(h, s);
}

/**
 * Inference (eval, CPU, nothing recorded) of Residual(Sequential(..., Conv2d, BatchNorm2d),
 * shortcut) + ReLU without a separate add and ReLU pass: the shortcut (for the identity: x
 * itself when `owned`, the caller's own buffer that nothing else refers to, else a copy of x; or
 * a Conv2d + BatchNorm2d projection's fresh output) is the output buffer, and the body's last
 * conv (BatchNorm folded) adds onto it with the ReLU in its epilogue. Null when the block has
 * another form (the caller then runs it layer by layer).
 */
function residualReluFused(r: Residual, x: Tensor, owned: boolean): Tensor | null {
  const body = r.body;
  if (!(body instanceof Sequential) || body.length < 2 || x.device !== 'cpu') return null;
  const conv = body.layers[body.length - 2];
  const bn = body.layers[body.length - 1];
  if (!(conv instanceof Conv2d) || !(bn instanceof BatchNorm2d) || bn.training || conv.weight.device !== 'cpu') return null;
  const sc = r.shortcut;
  const projection = sc instanceof Sequential && sc.length === 2 && sc.layers[0] instanceof Conv2d &&
    sc.layers[1] instanceof BatchNorm2d;
  if (sc !== null && !projection) return null;
  // (the parameter walk allocates: only while something can be recorded at all)
  if (isGradEnabled() && needsGrad(x, ...r.parameters())) return null;
  const block = blockFused(body, projection ? sc : null, x, owned);
  if (block !== null) return block;
  // The projection first, while x (just written by the previous block) is still in cache: after
  // the body's first layers it is read back from memory.
  const proj = projection ? sc.forward(x) : null;
  const h = body.forwardRange(x, 0, body.length - 2);
  // x is overwritten only after the body has read it, and never while the last conv reads it.
  const out = proj ?? (owned && h._storage !== x._storage ? x : clone(x));
  assertJoinShape(conv.outputShape(h), out.shape);
  return conv.forwardFoldedBn(h, bn, 'relu', out);
}

/**
 * The block Conv2d, BatchNorm2d, ReLU, Conv2d, BatchNorm2d with an identity shortcut or a
 * Conv2d + BatchNorm2d projection (eval, CPU, nothing recorded; odd kernels padded by their
 * radius, one group, dilation 1; conv1 and the projection at one stride, conv2 at stride 1) in one
 * kernel that runs image by image, so the hidden activation never leaves the cache
 * (conv2dResidualBlock, conv2dProjectionBlock): the values of the layer by layer path. An
 * identity block's output goes over x when `owned`. Null for any other form.
 */
function blockFused(body: Sequential, shortcut: Sequential | null, x: Tensor, owned: boolean): Tensor | null {
  if (body.length !== 5 || x.shape.length !== 4 || x.dtype !== 'float32') return null;
  const [c1, n1, act, c2, n2] = body.layers;
  if (!(c1 instanceof Conv2d) || !(n1 instanceof BatchNorm2d) || !(act instanceof ReLU) || !(c2 instanceof Conv2d) ||
    !(n2 instanceof BatchNorm2d) || n1.training || n2.training || c1.weight.device !== 'cpu' || c2.weight.device !== 'cpu') return null;
  const g1 = c1.blockGeometry();
  const g2 = c2.blockGeometry();
  if (g1 === null || g2 === null || g2[2] !== 1 || x.shape[1] !== c1.inChannels || c2.inChannels !== c1.outChannels ||
    n1.numFeatures !== c1.outChannels || n2.numFeatures !== c2.outChannels) return null;
  let proj: [Conv2d, BatchNorm2d] | null = null;
  if (shortcut !== null) {
    const [cp, np] = shortcut.layers;
    if (!(cp instanceof Conv2d) || !(np instanceof BatchNorm2d) || np.training || cp.weight.device !== 'cpu') return null;
    const gp = cp.blockGeometry();
    if (gp === null || gp[2] !== g1[2] || cp.inChannels !== c1.inChannels || cp.outChannels !== c2.outChannels ||
      np.numFeatures !== cp.outChannels) return null;
    proj = [cp, np];
  } else if (g1[2] !== 1 || c2.outChannels !== c1.inChannels) {
    return null;
  }
  const folded: Tensor[] = [];
  try {
    const [w1, b1] = c1.foldBn(n1);
    folded.push(w1, b1);
    const [w2, b2] = c2.foldBn(n2);
    folded.push(w2, b2);
    if (proj === null) return conv2dResidualBlock(owned ? x : empty(x.shape), x, w1, b1, w2, b2);
    const [wp, bp] = proj[0].foldBn(proj[1]);
    folded.push(wp, bp);
    return conv2dProjectionBlock(x, w1, b1, w2, b2, wp, bp, g1[2]);
  } finally {
    for (const t of folded) t.dispose();
  }
}

/**
 * Module: the PyTorch-style building block. Registers parameters (tensors that require grad),
 * buffers (state such as BatchNorm running statistics) and child modules; gives
 * parameters(), namedParameters(), zeroGrad(), train()/eval(), stateDict()/loadStateDict(),
 * a readable toString() with parameter counts, and a config for rebuilding from a file.
 */
import { Tensor } from '../tensor/tensor';
import { keep } from '../tensor/scope';
import { assertTensor } from '../tensor/check';
import { kernels } from '../native';
import { fmtShape, describe, expected, assertPlainObject } from '../core/validate';

export interface ModuleConfig {
  type: string;
  args: Record<string, unknown>;
  children?: ModuleConfig[];
}

export abstract class Module {
  training = true;
  /** @internal */ protected readonly _params = new Map<string, Tensor>();
  /** @internal */ protected readonly _buffers = new Map<string, Tensor>();
  /** @internal */ protected readonly _children = new Map<string, Module>();

  // Most modules map tensors to a tensor; recurrent layers and attention take states / options
  // and return tuples ([output, [hN, cN]]), so the base signature is open.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  abstract forward(...inputs: any[]): any;

  /** Same as forward (lets a module be called like a function via model.call(x)). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(...inputs: any[]): any {
    return this.forward(...inputs);
  }

  /** Registers a parameter: it requires grad and survives ng.tidy(). */
  protected registerParameter(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    t.name = name;
    keep(t);
    this._params.set(name, t);
    return t;
  }

  protected registerBuffer(name: string, t: Tensor): Tensor {
    keep(t);
    this._buffers.set(name, t);
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this._children.set(name, m);
    return m;
  }

  /** Child modules in registration order. */
  children(): Module[] {
    return [...this._children.values()];
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this._params) out.push([prefix + n, p]);
    for (const [n, c] of this._children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, b] of this._buffers) out.push([prefix + n, b]);
    for (const [n, c] of this._children) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** Number of scalar parameters. */
  numParameters(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }

  /** Sets training mode (dropout active, batch statistics) recursively. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError(expected('boolean', 'mode', describe(mode)));
    this.training = mode;
    for (const c of this._children.values()) c.train(mode);
    return this;
  }

  /** Inference mode: dropout off, running statistics. */
  eval(): this {
    return this.train(false);
  }

  /** Zeroes the gradients of every parameter (one fill when they share a flat buffer). */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      const g = p.grad;
      if (!g || g.isDisposed) continue;
      kernels(g.device).fillF32(g.f32, g.size, 0);
    }
  }

  /** Parameters and buffers by dotted name ('0.weight'); the tensors themselves, not copies. */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [n, p] of this.namedParameters()) out[n] = p;
    for (const [n, b] of this.namedBuffers()) out[n] = b;
    return out;
  }

  /**
   * Copies values into parameters and buffers. strict (default) requires exactly the same
   * names; shapes must always match. Accepts tensors or { shape, data } records.
   */
  loadStateDict(state: Record<string, Tensor | { shape: readonly number[]; data: ArrayLike<number> }>,
    opts: { strict?: boolean } = {}): { missing: string[]; unexpected: string[] } {
    assertPlainObject(state, 'state');
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in state));
    const unexpected = Object.keys(state).filter((k) => !(k in own));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      const parts: string[] = [];
      if (missing.length) parts.push(`missing keys: ${missing.join(', ')}`);
      if (unexpected.length) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
      throw new Error(`Expected state dict keys matching the model for state but received ${parts.join('; ')}`);
    }
    const copies: [Tensor, ArrayLike<number>][] = [];
    for (const [k, dst] of Object.entries(own)) {
      const src = state[k];
      if (!src) continue;
      if (src instanceof Tensor) assertTensor(src, `state['${k}']`);
      else if (typeof src !== 'object' || src === null || !Array.isArray(src.shape) || typeof (src.data as { length?: unknown })?.length !== 'number') {
        throw new TypeError(expected('Tensor or { shape, data }', `state['${k}']`, describe(src)));
      }
      const shape = src.shape;
      if (shape.length !== dst.shape.length || shape.some((d, i) => d !== dst.shape[i])) {
        throw new RangeError(`Expected shape ${fmtShape(dst.shape)} for state['${k}'] but received ${fmtShape(shape)}`);
      }
      const data = src.data;
      if (data.length !== dst.size) {
        throw new RangeError(`Expected ${dst.size} values for state['${k}'] but received ${data.length}`);
      }
      copies.push([dst, data as ArrayLike<number>]);
    }
    // Every entry was checked before any is written: a bad state dict leaves the model as it was.
    for (const [dst, data] of copies) (dst.data as Float32Array).set(data);
    return { missing, unexpected };
  }

  /** Constructor arguments for rebuilding this module (see nn/registry.ts). */
  abstract getConfig(): ModuleConfig;

  /** Frees parameters and buffers. */
  dispose(): void {
    for (const p of this._params.values()) p.dispose();
    for (const b of this._buffers.values()) b.dispose();
    for (const c of this._children.values()) c.dispose();
  }

  /** One-line description of this module's own arguments (used by toString). */
  protected extraRepr(): string {
    return '';
  }

  toString(): string {
    return this.describe('') + `\nTotal parameters: ${this.numParameters().toLocaleString('en-US')}`;
  }

  /** @internal */
  describe(indent: string): string {
    const name = this.constructor.name;
    const own = [...this._params.values()].reduce((s, p) => s + p.size, 0);
    const count = own > 0 ? `  # ${own.toLocaleString('en-US')} params` : '';
    if (this._children.size === 0) return `${name}(${this.extraRepr()})${count}`;
    const lines = [...this._children].map(([n, c]) => `${indent}  (${n}): ${c.describe(indent + '  ')}`);
    return `${name}(\n${lines.join('\n')}\n${indent})${count}`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

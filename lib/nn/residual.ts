/**
 * Residual connection: y = body(x) + shortcut(x), with the identity when there is no shortcut
 * (a ResNet block is Residual(Sequential(conv, bn, relu, conv, bn), projection?) followed by a
 * ReLU). State-dict names: body.* and shortcut.*. ONNX export: Add of the two exported chains.
 */
import { Module, ModuleConfig } from './module';
import { Tensor } from '../tensor/tensor';
import { add } from '../ops';
import { addRelu } from '../ops/elementwise';
import { describe, expected } from '../core/validate';

export class Residual extends Module {
  readonly body: Module;
  readonly shortcut: Module | null;

  constructor(body: Module, shortcut: Module | null = null) {
    super();
    if (!(body instanceof Module)) throw new TypeError(expected('Module', 'body', describe(body)));
    if (shortcut !== null && !(shortcut instanceof Module)) throw new TypeError(expected('Module or null', 'shortcut', describe(shortcut)));
    this.body = this.registerModule('body', body);
    this.shortcut = shortcut === null ? null : this.registerModule('shortcut', shortcut);
  }

  forward(x: Tensor): Tensor {
    const [y, s] = this.branches(x);
    return add(y, s);
  }

  /**
   * @internal relu(body(x) + shortcut(x)), the join as one op (ops addRelu: on the CPU one pass
   * each way, the bits of add then relu): Sequential's path for a Residual followed by a ReLU.
   */
  forwardRelu(x: Tensor): Tensor {
    const [y, s] = this.branches(x);
    return addRelu(y, s);
  }

  private branches(x: Tensor): [Tensor, Tensor] {
    const y: Tensor = this.body.forward(x);
    const s: Tensor = this.shortcut ? this.shortcut.forward(x) : x;
    assertJoinShape(y.shape, s.shape);
    return [y, s];
  }

  getConfig(): ModuleConfig {
    return { type: 'Residual', args: {}, children: this.shortcut ? [this.body.getConfig(), this.shortcut.getConfig()] : [this.body.getConfig()] };
  }
}

/**
 * @internal Throws unless the body's output shape equals the shortcut's (every way of joining a
 * Residual: forward, Sequential's fused training join and inference path).
 */
export function assertJoinShape(body: readonly number[], shortcut: readonly number[]): void {
  if (body.length !== shortcut.length || body.some((d, k) => d !== shortcut[k])) {
    throw new RangeError(expected(`a body output shaped like the shortcut's [${shortcut.join(', ')}]`, 'body', `[${body.join(', ')}]`));
  }
}

/**
 * Building an optimizer from a name ('adam') or a config object ({ type: 'sgd', lr: 0.1, ... }),
 * as Trainer's `optimizer` option and the worker protocol (which cannot send Optimizer objects) do.
 */
import type { Tensor } from '../tensor/tensor';
import { assertOneOf } from '../core/validate';
import { Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad } from './optimizer';
import type { OptimizerConfig, OptimizerName } from './optimizer';

/** The optimizer names createOptimizer accepts. */
export const OPTIMIZER_NAMES: readonly OptimizerName[] = Object.freeze(['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad']);

/**
 * An optimizer over `params` from a name or a config ({ type, ...options }); an Optimizer is
 * returned as it is. `lr`, when given, overrides the config's lr.
 */
export function createOptimizer(params: Tensor[], spec: OptimizerName | OptimizerConfig | Optimizer, lr?: number): Optimizer {
  if (spec instanceof Optimizer) return spec;
  let name: unknown = spec;
  let rest: Record<string, unknown> = {};
  if (typeof spec === 'object' && spec !== null) {
    ({ type: name, ...rest } = spec as { type: OptimizerName });
  }
  assertOneOf(name, 'optimizer', OPTIMIZER_NAMES);
  const o = lr === undefined ? rest : { ...rest, lr };
  switch (name) {
    case 'sgd': return new SGD(params, o);
    case 'adam': return new Adam(params, o);
    case 'adamw': return new AdamW(params, o);
    case 'rmsprop': return new RMSprop(params, o);
    case 'adagrad': return new Adagrad(params, o);
  }
  throw new Error('unreachable');
}

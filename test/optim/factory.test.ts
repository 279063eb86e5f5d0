import { describe, it, expect } from 'vitest';
import * as ng from '../../lib';

describe('optim.createOptimizer', () => {
  const classes = { sgd: ng.optim.SGD, adam: ng.optim.Adam, adamw: ng.optim.AdamW, rmsprop: ng.optim.RMSprop,
    adagrad: ng.optim.Adagrad } as const;

  it('builds every named optimizer, from a name or a config, with lr overriding the config', () => {
    const p = ng.fromArray(new Float32Array([1, 2, 3]), [3]);
    p.requiresGrad = true;
    expect([...ng.optim.OPTIMIZER_NAMES].sort()).toEqual(Object.keys(classes).sort());
    for (const name of ng.optim.OPTIMIZER_NAMES) {
      const byName = ng.optim.createOptimizer([p], name);
      expect(byName).toBeInstanceOf(classes[name]);
      byName.dispose();
      const byConfig = ng.optim.createOptimizer([p], { type: name, lr: 0.25, weightDecay: 0.5 });
      expect(byConfig).toBeInstanceOf(classes[name]);
      expect(byConfig.lr).toBe(0.25);
      expect(byConfig.hyperparameters().weightDecay).toBe(0.5);
      byConfig.dispose();
      const overridden = ng.optim.createOptimizer([p], { type: name, lr: 0.25 }, 0.125);
      expect(overridden.lr).toBe(0.125);
      overridden.dispose();
    }
    const given = new ng.optim.SGD([p], { lr: 0.5 });
    expect(ng.optim.createOptimizer([p], given)).toBe(given);
    given.dispose();
    p.dispose();
  });

  it('names the argument on bad input', () => {
    const p = ng.fromArray(new Float32Array([1]), [1]);
    p.requiresGrad = true;
    expect(() => ng.optim.createOptimizer([p], 'adamax' as never)).toThrow(/Expected one of 'sgd', .* for optimizer but received .*adamax/);
    expect(() => ng.optim.createOptimizer([p], { type: 'nope' } as never)).toThrow(/for optimizer/);
    expect(() => ng.optim.createOptimizer([p], { type: 'sgd', lr: -1 })).toThrow(/lr/);
    p.dispose();
  });
});

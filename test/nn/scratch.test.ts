import { it } from 'vitest';
import * as ng from '../../lib';
it('scratch', () => {
  ng.setSeed(1);
  const m = new ng.nn.Sequential(new ng.nn.Linear(4, 8), new ng.nn.ReLU(), new ng.nn.Linear(8, 3));
  console.log(m.toString());
  console.log(m.namedParameters().map(([n, p]) => n + ' ' + p.shape));
  const tries: [string, () => unknown][] = [
    ['lin0', () => new ng.nn.Linear(0, 3)],
    ['lin1.5', () => new ng.nn.Linear(1.5, 3)],
    ['linstr', () => new ng.nn.Linear('a' as any, 3)],
    ['linbias', () => new ng.nn.Linear(2, 3, { bias: 1 as any })],
    ['lininit', () => new ng.nn.Linear(2, 3, { init: 'foo' as any })],
    ['shape', () => new ng.nn.Linear(784, 10).forward(ng.zeros([32, 783]))],
    ['lsd', () => m.loadStateDict({})],
    ['lsd2', () => { const s = { ...m.stateDict() } as any; delete s['0.bias']; s.foo = ng.zeros([2]); m.loadStateDict(s); }],
    ['lsdshape', () => { const s = { ...m.stateDict() } as any; s['2.weight'] = ng.zeros([8, 3]); m.loadStateDict(s); }],
    ['dropout1', () => new ng.nn.Dropout(1)],
    ['bn', () => new ng.nn.BatchNorm1d(3).forward(ng.zeros([2, 4]))],
    ['ln', () => new ng.nn.LayerNorm(3).forward(ng.zeros([2, 4]))],
    ['emb', () => new ng.nn.Embedding(3, 2, { paddingIdx: 3 })],
    ['seq', () => new ng.nn.Sequential(1 as any)],
    ['fromcfg', () => ng.nn.fromConfig({ type: 'Foo', args: {} })],
    ['sgd-lr', () => new ng.optim.SGD(m.parameters(), { lr: -1 })],
    ['adam-b1', () => new ng.optim.Adam(m.parameters(), { beta1: 1 })],
    ['sgd-mom', () => new ng.optim.SGD(m.parameters(), { momentum: -0.1 })],
    ['sgd-nest', () => new ng.optim.SGD(m.parameters(), { nesterov: true })],
    ['empty', () => new ng.optim.SGD([])],
    ['nontensor', () => new ng.optim.SGD([1 as any])],
    ['nograd', () => new ng.optim.SGD([ng.zeros([2])])],
    ['notarray', () => new ng.optim.SGD('x' as any)],
    ['dup', () => { const p = ng.zeros([2]); p.requiresGrad = true; new ng.optim.SGD([p, p]); }],
    ['init1d', () => ng.init.xavierUniform(ng.zeros([5]))],
    ['init1dk', () => ng.init.kaimingNormal(ng.zeros([5]))],
    ['orth1d', () => ng.init.orthogonal(ng.zeros([5]))],
    ['gain', () => ng.init.calculateGain('foo' as any)],
    ['kmode', () => ng.init.kaimingUniform(ng.zeros([3, 3]), { mode: 'x' as any })],
    ['uni', () => ng.init.uniform(ng.zeros([3]), { low: 1, high: 0 })],
    ['nstd', () => ng.init.normal(ng.zeros([3]), { std: -1 })],
    ['const', () => ng.init.constant(ng.zeros([3]), NaN)],
    ['initint', () => ng.init.zeros(ng.zeros([3], { dtype: 'int32' }))],
    ['clip', () => ng.optim.clipGradNorm(m.parameters(), 0)],
    ['steplr', () => new ng.optim.StepLR({ lr: 0.1 }, 0)],
  ];
  for (const [n, f] of tries) {
    try { f(); console.log(n, 'NO THROW'); } catch (e: any) { console.log(n, e.constructor.name, JSON.stringify(e.message)); }
  }
});

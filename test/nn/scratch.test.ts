import { it } from 'vitest';
import * as ng from '../../lib';
const nn = ng.nn;
it('scratch', () => {
  const tries: [string, () => unknown][] = [
    ['emb oob', () => new nn.Embedding(5, 2).forward(ng.tensor([7], { dtype: 'int32' })).toArray()],
    ['emb neg', () => new nn.Embedding(5, 2).forward(ng.tensor([-1], { dtype: 'int32' })).toArray()],
    ['lin1d', () => new nn.Linear(3, 2).forward(ng.ones([3])).shape],
    ['bn1', () => { const b = new nn.BatchNorm1d(2); const y = b.forward(ng.tensor([[1, 2]])); return [y.toArray(), b.runningVar.toArray()]; }],
    ['ln scalar', () => new nn.LayerNorm(1).forward(ng.tensor([[3], [4]])).toArray()],
    ['flatten 1d', () => new nn.Flatten().forward(ng.ones([3])).shape],
    ['adam lr0 step', () => { const p = ng.ones([2]); p.requiresGrad = true; const o = new ng.optim.Adam([p], { lr: 0 }); o.step(); return p.toArray(); }],
    ['sched on adam', () => { const p = ng.ones([2]); p.requiresGrad = true; const o = new ng.optim.Adam([p], { lr: 0.1 }); const s = new ng.optim.OneCycleLR(o, 0.1, 5); const r = [o.lr]; for (let i = 0; i < 7; i++) r.push(s.step()); return r; }],
    ['seq add He', () => { const m = new nn.Sequential(); m.add(new nn.Linear(400, 300)).add(new nn.ReLU()); return Math.max(...Array.from((m.layers[0] as any).weight.data as Float32Array, Math.abs)); }],
    ['dispose model', () => { const m = new nn.Sequential(new nn.Linear(3, 3)); const o = new ng.optim.SGD(m.parameters()); const before = ng.memoryStats().bytesInUse; m.dispose(); o.dispose(); return [before, ng.memoryStats().bytesInUse]; }],
    ['loadSD bad rec', () => new nn.Linear(2, 1).loadStateDict({ weight: 5 as any, bias: ng.zeros([1]) })],
    ['loadSD disposed', () => { const t = ng.zeros([1]); t.dispose(); return new nn.Linear(2, 1).loadStateDict({ weight: ng.zeros([1, 2]), bias: t }); }],
    ['wr-dampen', () => { const o = { lr: 1 }; const s = new ng.optim.ReduceLROnPlateau(o, { mode: 'min', patience: 0, factor: 0.5 }); return [s.step(-1), s.step(-1.00001), s.step(-1.00001)]; }],
  ];
  for (const [n, f] of tries) {
    try { console.log(n, JSON.stringify(f())); } catch (e: any) { console.log(n, e.constructor.name, JSON.stringify(e.message)); }
  }
});

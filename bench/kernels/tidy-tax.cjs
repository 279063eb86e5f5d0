// The tidy tax and a before/after check in one process: a training step in ng.tidy vs the
// PyTorch-style plain loop (only loss.dispose()) vs the same step compiled with ng.compile
// (recorded once, replayed in one native call; builds without ng.compile skip it), for one or
// two builds, alternating rounds, best of rounds, 1 thread. Usage: node bench/kernels/tidy-tax.cjs [distA] [distB]
// (default: this checkout's dist/; give an older checkout's dist/ as distB to compare builds).
'use strict';
const path = require('path');
const dists = process.argv.slice(2).length ? process.argv.slice(2) : [path.join(__dirname, '..', '..', 'dist')];
const nets = {
  tiny: { layers: (ng) => [new ng.nn.Linear(2, 10), new ng.nn.Tanh(), new ng.nn.Linear(10, 1)], steps: 5000, rounds: 7,
    data: (ng) => [ng.randn([100, 2]), ng.randn([100, 1])], loss: (ng) => ng.losses.mse, lr: 1e-2 },
  mlp: { layers: (ng) => [new ng.nn.Linear(784, 512), new ng.nn.ReLU(), new ng.nn.Linear(512, 256), new ng.nn.ReLU(), new ng.nn.Linear(256, 10)],
    steps: 150, rounds: 5, lr: 1e-3, loss: (ng) => ng.losses.crossEntropy,
    data: (ng) => [ng.rand([128, 784]), ng.tensor(Array.from({ length: 128 }, (_, i) => i % 10), { dtype: 'int32' })] },
};
for (const [name, net] of Object.entries(nets)) {
  const runs = dists.map((d) => {
    const ng = require(path.resolve(d));
    ng.setSeed(1);
    ng.setNumThreads(1);
    const model = new ng.nn.Sequential(...net.layers(ng));
    const opt = new ng.optim.Adam(model.parameters(), { lr: net.lr });
    const [x, y] = net.data(ng);
    const loss = net.loss(ng);
    const step = () => { opt.zeroGrad(); const l = loss(model.forward(x), y); l.backward(); opt.step(); return l; };
    const modes = { tidy: (n) => { for (let i = 0; i < n; i++) ng.tidy(() => { step(); }); },
      plain: (n) => { for (let i = 0; i < n; i++) step().dispose(); } };
    if (typeof ng.compile === 'function') {
      const compiled = ng.compile((a, b) => { opt.zeroGrad(); const l = loss(model.forward(a), b); l.backward(); opt.step(); return l; });
      modes.compiled = (n) => { for (let i = 0; i < n; i++) compiled(x, y); };
      modes.compiled(2); // a warm-up call, then the record
      if (compiled.lastRun !== 'recorded' || compiled.fallbackReason !== null) throw new Error(`not captured: ${compiled.fallbackReason}`);
    }
    return { d, modes };
  });
  const best = {};
  // CPU time of the process per step too: on a loaded machine it does not count the time other
  // processes held the CPU (wall time does), so it is the steadier figure there.
  const bestCpu = {};
  for (let r = 0; r < net.rounds; r++) {
    for (const run of runs) {
      for (const mode of Object.keys(run.modes)) {
        const t = process.hrtime.bigint();
        const c = process.cpuUsage();
        run.modes[mode](net.steps);
        const us = Number(process.hrtime.bigint() - t) / 1e3 / net.steps;
        const cu = process.cpuUsage(c);
        const k = `${run.d} ${mode}`;
        best[k] = Math.min(best[k] ?? Infinity, us);
        bestCpu[k] = Math.min(bestCpu[k] ?? Infinity, (cu.user + cu.system) / net.steps);
      }
    }
  }
  for (const run of runs) {
    const t = best[`${run.d} tidy`];
    const p = best[`${run.d} plain`];
    const c = best[`${run.d} compiled`];
    const comp = c === undefined ? '' : `, compiled ${c.toFixed(2)} us/step, tidy/compiled ${(t / c).toFixed(2)}x`;
    console.log(`${name} ${run.d}: tidy ${t.toFixed(2)} us/step, plain ${p.toFixed(2)} us/step, plain/tidy ${(p / t).toFixed(3)}x${comp}`);
    const cpu = Object.keys(run.modes).map((m) => `${m} ${bestCpu[`${run.d} ${m}`].toFixed(2)}`).join(', ');
    console.log(`${name} ${run.d}: CPU time per step (us, best round): ${cpu}`);
  }
}

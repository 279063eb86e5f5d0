// Packed-tarball smoke check on arm64 (run by scripts/pack-smoke.sh with an arm64 node under
// qemu-user): node-gyp-build must load prebuilds/linux-arm64 from the installed package, with no
// compiler, and a small network must train. Usage: node arm64-train.cjs  (cwd = the app folder)
'use strict';
const path = require('path');
const fs = require('fs');
const where = require.resolve('nodegrad', { paths: [process.cwd()] });
if (process.arch !== 'arm64') throw new Error(`expected an arm64 node but process.arch is ${process.arch}`);
const pkgDir = path.join(path.dirname(where), '..');
const prebuild = path.join(pkgDir, 'prebuilds', 'linux-arm64', 'nodegrad.glibc.node');
fs.accessSync(prebuild);
const ng = require(where);

ng.setSeed(3);
const model = new ng.nn.Sequential(new ng.nn.Linear(2, 16), new ng.nn.Tanh(), new ng.nn.Linear(16, 1));
const opt = new ng.optim.Adam(model.parameters(), { lr: 0.05 });
const x = ng.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const y = ng.tensor([[0], [1], [1], [0]]);
const losses = [];
for (let i = 0; i < 300; i++) {
  opt.zeroGrad();
  const loss = ng.losses.mse(model.forward(x), y);
  loss.backward();
  opt.step();
  losses.push(loss.item());
  loss.dispose();
}
if (!(losses[299] < 0.05 && losses[299] < losses[0])) throw new Error(`XOR did not train on arm64: loss ${losses[0]} -> ${losses[299]}`);
console.log(`arm64 package ok: ${process.arch}, backend ${JSON.stringify(ng.backend())}, XOR loss ${losses[0].toFixed(3)} -> ${losses[299].toFixed(4)}`);

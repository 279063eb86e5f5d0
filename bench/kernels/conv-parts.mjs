// One convolution's passes apart, for one or more builds in one process: forward, input gradient,
// weight gradient, both gradients (conv2dBackwardInit), on the ResNet case's shapes (batch 64) or
// one given as S=N,C,H,W,OC,KH,KW,sh,sw,ph,pw,dh,dw,groups. Best of 15 rounds of 3 calls, with
// GFLOP/s (2 N OC OH OW C KH KW / groups per pass).
//   node bench/kernels/conv-parts.mjs DIR [DIR ...]     (DIR: a checkout with dist/ and build/)
// env: T (threads, default 1), S (one shape).
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const dirs = process.argv.slice(2);
if (dirs.length === 0) dirs.push('.');
const T = +(process.env.T || 1);
const shapes = process.env.S
  ? [process.env.S.split(',').map(Number)]
  : [[64, 32, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1], [64, 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1],
    [64, 16, 28, 28, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1], [64, 16, 28, 28, 32, 1, 1, 2, 2, 0, 0, 1, 1, 1],
    [64, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1], [64, 16, 14, 14, 32, 5, 5, 1, 1, 2, 2, 1, 1, 1]];
let seed = 7;
const rnd = (n) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    a[i] = seed / 2 ** 32 - 0.5;
  }
  return a;
};
const best = (f) => {
  for (let i = 0; i < 3; i++) f();
  let b = Infinity;
  for (let r = 0; r < 15; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) f();
    b = Math.min(b, (performance.now() - t0) / 3);
  }
  return b;
};
const builds = dirs.map((d) => {
  const ng = require(path.resolve(d, 'dist'));
  ng.setNumThreads(T);
  return { d, k: require(path.resolve(d, 'dist', 'native')).kernels('cpu') };
});
for (const s of shapes) {
  const [N, C, H, W, OC, KH, KW, sh, sw, ph, pw, dh, dw, groups] = s;
  const OH = Math.floor((H + 2 * ph - dh * (KH - 1) - 1) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - dw * (KW - 1) - 1) / sw) + 1;
  const x = rnd(N * C * H * W), w = rnd(OC * (C / groups) * KH * KW), out = rnd(N * OC * OH * OW), g = rnd(out.length);
  const dx = new Float32Array(x.length), dwt = new Float32Array(w.length);
  const flops = (2 * N * OC * OH * OW * (C / groups) * KH * KW) / 1e6;
  for (const { d, k } of builds) {
    const t = {
      fwd: best(() => k.conv2dForward(out, x, w, null, ...s, 0)),
      dx: C > 1 ? best(() => k.conv2dBackwardInit(dx, null, null, g, x, w, out, ...s, 0)) : NaN,
      dW: best(() => k.conv2dBackwardInit(null, dwt, null, g, x, w, out, ...s, 0)),
      both: best(() => k.conv2dBackwardInit(dx, dwt, null, g, x, w, out, ...s, 0)),
    };
    const cols = Object.entries(t).map(([n, ms]) => `${n} ${(ms * 1e3).toFixed(0)} us ${(flops / ms).toFixed(0)} GF`);
    console.log(`${s.slice(0, 7).join('x')} s${sh}x${sw} p${ph}x${pw} T=${T} ${d}: ${cols.join(' | ')}`);
  }
}

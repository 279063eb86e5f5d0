import * as ng from '../../lib';

/** Three classes in 4 features, class c shifted by `separation` along feature c (seeded). */
export function blobs(n: number, seed: number, separation: number) {
  const rng = new ng.Rng(seed);
  const x = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = rng.normal() + (j === y[i] ? separation : 0);
  }
  return { x: ng.fromArray(x, [n, 4]), y: ng.fromArray(y, [n], { dtype: 'int32' }), raw: { x, y } };
}

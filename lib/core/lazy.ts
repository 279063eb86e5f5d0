/**
 * Modules that only some programs use (node:http for the dashboard, node:crypto for atomic
 * saves, csv-parse, cli-progress) load on their first use instead of with the package: measured
 * on the 2-core Zen 5 VM, they made require('nodegrad') ~12 ms slower (90-99 vs 79-87 ms) and
 * the V8 heap 1.4 MB larger (8.15 vs 6.72 MB), and every full garbage collection of a training
 * process marks that heap again.
 */
export function lazyModule<T>(load: () => T): () => T {
  let mod: T | undefined;
  return () => (mod ??= load());
}

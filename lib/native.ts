/**
 * Loads the native addon (prebuilt binary first, local build as the fallback) and sets the
 * OpenMP wait policy before libgomp initializes.
 *
 * The wait policy: libgomp's default spins for a long time after each parallel region. On a
 * 2-core machine the spinning worker competes with the JS thread, V8's helper threads and any
 * other process, and back-to-back kernels get several times slower (measured with
 * bench/kernels/omp-wait.mjs: 20 parallel kernels with JS work in between took ~350 ms with
 * libgomp's default, ~31 ms with GOMP_SPINCOUNT=10000 and ~8 ms with OMP_WAIT_POLICY=passive;
 * the 784-512-256-10 training step at 2 threads went from 9.5 ms to 5.1 ms). So idle workers
 * sleep at once (passive), unless the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT.
 */
import path from 'node:path';

if (process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined) {
  process.env.OMP_WAIT_POLICY = 'passive';
}

const root = path.join(__dirname, '..');

function loadAddon(): any {
  // NODEGRAD_ADDON_PATH: load this .node file instead (sanitizer and cross builds, see scripts/build-variant.js).
  const override = process.env.NODEGRAD_ADDON_PATH;
  if (override) return require(path.resolve(override));
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const load = require('node-gyp-build');
    return load(root);
  } catch (err) {
    const e = err as Error;
    const msg = [
      `nodegrad: could not load the native addon for ${process.platform}-${process.arch} (Node ${process.version}).`,
      `Cause: ${e.message.split('\n')[0]}`,
      'Possible fixes:',
      '- Reinstall so the prebuilt binary or a local build is present: npm install --foreground-scripts nodegrad',
      '- Build from source (needs a C++17 compiler, make and python3): npm rebuild nodegrad',
      '- The OpenMP runtime libgomp.so.1 must be installed (Debian/Ubuntu: apt-get install libgomp1).',
      'Supported: Linux x64 (glibc) prebuilt; other platforms build from source.',
    ].join('\n');
    const wrapped = new Error(msg);
    (wrapped as { cause?: unknown }).cause = err;
    throw wrapped;
  }
}

/** The raw addon. Internal: public functions validate their arguments before calling it. */
export const native: any = loadAddon();

/**
 * nodegrad: neural-network training for Node.js with native kernels.
 * `import * as ng from 'nodegrad'` (ESM) or `const ng = require('nodegrad')` (CommonJS).
 */
export * from './tensor';
export { backend, setNumThreads, getNumThreads, buildInfo, setSeed } from './core/runtime';
export type { Backend, BuildInfo } from './core/runtime';
export { getRngState, setRngState } from './core/seed';
export { Rng } from './core/random';
export { noGrad, isGradEnabled, setGradEnabled } from './autograd/node';
export { backward } from './autograd/engine';

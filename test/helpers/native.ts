// The raw native addon, for kernel-level tests (no TypeScript layer in between).
import path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const load = require('node-gyp-build');
export const native = load(path.join(__dirname, '..', '..'));

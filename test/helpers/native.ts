// The raw native addon, for kernel-level tests (no TypeScript layer in between).
import path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const load = require('node-gyp-build');
const override = process.env.NODEGRAD_ADDON_PATH; // a variant build (scripts/build-variant.js)
export const native = override ? require(path.resolve(override)) : load(path.join(__dirname, '..', '..'));

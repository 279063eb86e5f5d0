"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.native = exports.DEFAULT_SPINCOUNT = void 0;
/**
 * Loads the native addon (prebuilt binary first, local build as the fallback) and sets the
 * OpenMP wait policy before libgomp initializes.
 *
 * The wait policy: libgomp's default spins for a long time after each parallel region. On a
 * 2-core machine the spinning worker competes with the JS thread (and V8's helpers) and many
 * small regions become very slow. A short spin (GOMP_SPINCOUNT) keeps back-to-back kernels
 * fast while idle workers go to sleep quickly. Users can override both variables.
 */
const node_path_1 = __importDefault(require("node:path"));
exports.DEFAULT_SPINCOUNT = '10000';
if (process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined) {
    process.env.GOMP_SPINCOUNT = exports.DEFAULT_SPINCOUNT;
}
const root = node_path_1.default.join(__dirname, '..');
function loadAddon() {
    try {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const load = require('node-gyp-build');
        return load(root);
    }
    catch (err) {
        const e = err;
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
        wrapped.cause = err;
        throw wrapped;
    }
}
/** The raw addon. Internal: public functions validate their arguments before calling it. */
exports.native = loadAddon();

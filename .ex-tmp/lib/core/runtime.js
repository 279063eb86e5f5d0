"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.setSeed = void 0;
exports.backend = backend;
exports.setNumThreads = setNumThreads;
exports.getNumThreads = getNumThreads;
exports.buildInfo = buildInfo;
/** Runtime controls: threads, backend (ISA) and build facts. */
const native_1 = require("../native");
const validate_1 = require("./validate");
const seed_1 = require("./seed");
Object.defineProperty(exports, "setSeed", { enumerable: true, get: function () { return seed_1.setSeed; } });
/** The compute backend in use: the CPU instruction set chosen at load (NODEGRAD_ISA overrides). */
function backend() {
    return `cpu-${native_1.native.activeIsa()}`;
}
/** Sets the number of threads kernels use (default: all cores). */
function setNumThreads(n) {
    (0, validate_1.assertPositiveInteger)(n, 'threads');
    if (n > 1024)
        (0, validate_1.rangeError)('integer in [1, 1024]', 'threads', n);
    native_1.native.setNumThreads(n);
}
function getNumThreads() {
    return native_1.native.getNumThreads();
}
function buildInfo() {
    const b = native_1.native.buildInfo();
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const version = require('../../package.json').version;
    return { version, backend: backend(), threads: getNumThreads(), ...b };
}

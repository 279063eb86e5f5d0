"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Sequential = void 0;
/**
 * Sequential: modules applied in order. A Linear followed by ReLU/Sigmoid/Tanh/GELU runs as
 * ONE fused kernel (bias and activation in the GEMM epilogue, one fused backward), and a
 * Linear feeding a ReLU-family activation gets He initialization unless its init was chosen.
 */
const module_1 = require("./module");
const layers_1 = require("./layers");
const validate_1 = require("../core/validate");
function nonlinearityOf(m) {
    if (m instanceof layers_1.ReLU)
        return 'relu';
    if (m instanceof layers_1.LeakyReLU)
        return 'leakyRelu';
    if (m instanceof layers_1.ELU || m instanceof layers_1.SELU || m instanceof layers_1.GELU || m instanceof layers_1.SiLU)
        return 'relu';
    if (m instanceof layers_1.Tanh)
        return 'tanh';
    if (m instanceof layers_1.Sigmoid)
        return 'sigmoid';
    return null;
}
class Sequential extends module_1.Module {
    layers;
    constructor(...layers) {
        super();
        if (layers.length === 1 && Array.isArray(layers[0]))
            layers = layers[0];
        layers.forEach((m, i) => {
            if (!(m instanceof module_1.Module))
                throw new TypeError((0, validate_1.expected)('Module', `layers[${i}]`, (0, validate_1.describe)(m)));
            this.registerModule(String(i), m);
        });
        this.layers = layers.slice();
        for (let i = 1; i < this.layers.length; i++)
            this.applyDefaultInit(i);
    }
    /** A Linear followed by a ReLU-family activation gets He init unless its init was chosen. */
    applyDefaultInit(activationIndex) {
        const m = this.layers[activationIndex - 1];
        if (m instanceof layers_1.Linear && !m._explicitInit) {
            const nl = nonlinearityOf(this.layers[activationIndex]);
            if (nl === 'relu' || nl === 'leakyRelu')
                m.resetParameters('kaimingUniform', nl);
        }
    }
    forward(x) {
        const L = this.layers;
        for (let i = 0; i < L.length; i++) {
            const m = L[i];
            const next = L[i + 1];
            if (m instanceof layers_1.Linear && next instanceof layers_1.Activation && next.fusable !== null) {
                x = m.forwardWith(x, next.fusable);
                i++;
                continue;
            }
            x = m.forward(x);
        }
        return x;
    }
    /** Appends a module. */
    add(m) {
        if (!(m instanceof module_1.Module))
            throw new TypeError((0, validate_1.expected)('Module', 'module', (0, validate_1.describe)(m)));
        this.registerModule(String(this.layers.length), m);
        this.layers.push(m);
        if (this.layers.length > 1)
            this.applyDefaultInit(this.layers.length - 1);
        return this;
    }
    get length() {
        return this.layers.length;
    }
    getConfig() {
        return { type: 'Sequential', args: {}, children: this.layers.map((l) => l.getConfig()) };
    }
}
exports.Sequential = Sequential;

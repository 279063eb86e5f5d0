"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.History = void 0;
class History {
    epoch = [];
    history = {};
    /** Records one epoch's logs (keys like loss, accuracy, val_loss, lr). */
    append(epoch, logs) {
        this.epoch.push(epoch);
        for (const [k, v] of Object.entries(logs)) {
            if (!this.history[k])
                this.history[k] = new Array(this.epoch.length - 1).fill(NaN);
            this.history[k].push(v);
        }
        for (const k of Object.keys(this.history)) {
            if (this.history[k].length < this.epoch.length)
                this.history[k].push(NaN);
        }
    }
    /** The last value of a key (NaN when absent). */
    last(key) {
        const h = this.history[key];
        return h && h.length ? h[h.length - 1] : NaN;
    }
    /** Renders train/validation curves to an .svg or .png file; returns the path. */
    async plot(path, opts = {}) {
        const { plotHistory } = await Promise.resolve().then(() => __importStar(require('./plots')));
        return plotHistory(this, path, opts);
    }
    toJSON() {
        return { epoch: this.epoch.slice(), history: Object.fromEntries(Object.entries(this.history).map(([k, v]) => [k, v.slice()])) };
    }
}
exports.History = History;

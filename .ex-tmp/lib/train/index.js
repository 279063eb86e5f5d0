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
exports.formatClassReport = exports.formatConfusionMatrix = exports.writeReport = exports.svgToPng = exports.plotConfusionMatrix = exports.confusionMatrixSvg = exports.historyToSvg = exports.plotHistory = exports.ProgressLogger = exports.metrics = exports.callbacks = exports.History = exports.Trainer = void 0;
var trainer_1 = require("./trainer");
Object.defineProperty(exports, "Trainer", { enumerable: true, get: function () { return trainer_1.Trainer; } });
var history_1 = require("./history");
Object.defineProperty(exports, "History", { enumerable: true, get: function () { return history_1.History; } });
exports.callbacks = __importStar(require("./callbacks"));
exports.metrics = __importStar(require("./metrics"));
var progress_1 = require("./progress");
Object.defineProperty(exports, "ProgressLogger", { enumerable: true, get: function () { return progress_1.ProgressLogger; } });
var plots_1 = require("./plots");
Object.defineProperty(exports, "plotHistory", { enumerable: true, get: function () { return plots_1.plotHistory; } });
Object.defineProperty(exports, "historyToSvg", { enumerable: true, get: function () { return plots_1.historyToSvg; } });
Object.defineProperty(exports, "confusionMatrixSvg", { enumerable: true, get: function () { return plots_1.confusionMatrixSvg; } });
Object.defineProperty(exports, "plotConfusionMatrix", { enumerable: true, get: function () { return plots_1.plotConfusionMatrix; } });
Object.defineProperty(exports, "svgToPng", { enumerable: true, get: function () { return plots_1.svgToPng; } });
var report_1 = require("./report");
Object.defineProperty(exports, "writeReport", { enumerable: true, get: function () { return report_1.writeReport; } });
Object.defineProperty(exports, "formatConfusionMatrix", { enumerable: true, get: function () { return report_1.formatConfusionMatrix; } });
Object.defineProperty(exports, "formatClassReport", { enumerable: true, get: function () { return report_1.formatClassReport; } });

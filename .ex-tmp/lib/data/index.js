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
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.DataError = exports.sampleBeta = exports.compose = exports.mixup = exports.randomRotation = exports.randomCrop = exports.translate = exports.randomShift = exports.randomHorizontalFlip = exports.gaussianNoise = exports.computeSampleWeights = exports.computeClassWeights = exports.stratifiedKFold = exports.kFold = exports.trainTestSplitIndices = exports.trainTestSplit = exports.WeightedRandomSampler = exports.DataLoader = exports.mnistIdx = exports.writeIdx = exports.parseIdx = exports.readIdx = exports.mnist = exports.CsvDataset = exports.fromCsvStream = exports.fromCsv = exports.checkLabels = exports.subset = exports.fromObjects = exports.fromArrays = exports.fromTensors = exports.TensorDataset = void 0;
var dataset_1 = require("./dataset");
Object.defineProperty(exports, "TensorDataset", { enumerable: true, get: function () { return dataset_1.TensorDataset; } });
Object.defineProperty(exports, "fromTensors", { enumerable: true, get: function () { return dataset_1.fromTensors; } });
Object.defineProperty(exports, "fromArrays", { enumerable: true, get: function () { return dataset_1.fromArrays; } });
Object.defineProperty(exports, "fromObjects", { enumerable: true, get: function () { return dataset_1.fromObjects; } });
Object.defineProperty(exports, "subset", { enumerable: true, get: function () { return dataset_1.subset; } });
Object.defineProperty(exports, "checkLabels", { enumerable: true, get: function () { return dataset_1.checkLabels; } });
var csv_1 = require("./csv");
Object.defineProperty(exports, "fromCsv", { enumerable: true, get: function () { return csv_1.fromCsv; } });
Object.defineProperty(exports, "fromCsvStream", { enumerable: true, get: function () { return csv_1.fromCsvStream; } });
Object.defineProperty(exports, "CsvDataset", { enumerable: true, get: function () { return csv_1.CsvDataset; } });
var mnist_1 = require("./mnist");
Object.defineProperty(exports, "mnist", { enumerable: true, get: function () { return mnist_1.mnist; } });
Object.defineProperty(exports, "readIdx", { enumerable: true, get: function () { return mnist_1.readIdx; } });
Object.defineProperty(exports, "parseIdx", { enumerable: true, get: function () { return mnist_1.parseIdx; } });
Object.defineProperty(exports, "writeIdx", { enumerable: true, get: function () { return mnist_1.writeIdx; } });
Object.defineProperty(exports, "mnistIdx", { enumerable: true, get: function () { return mnist_1.mnistIdx; } });
var loader_1 = require("./loader");
Object.defineProperty(exports, "DataLoader", { enumerable: true, get: function () { return loader_1.DataLoader; } });
var sampler_1 = require("./sampler");
Object.defineProperty(exports, "WeightedRandomSampler", { enumerable: true, get: function () { return sampler_1.WeightedRandomSampler; } });
var split_1 = require("./split");
Object.defineProperty(exports, "trainTestSplit", { enumerable: true, get: function () { return split_1.trainTestSplit; } });
Object.defineProperty(exports, "trainTestSplitIndices", { enumerable: true, get: function () { return split_1.trainTestSplitIndices; } });
Object.defineProperty(exports, "kFold", { enumerable: true, get: function () { return split_1.kFold; } });
Object.defineProperty(exports, "stratifiedKFold", { enumerable: true, get: function () { return split_1.stratifiedKFold; } });
var weights_1 = require("./weights");
Object.defineProperty(exports, "computeClassWeights", { enumerable: true, get: function () { return weights_1.computeClassWeights; } });
Object.defineProperty(exports, "computeSampleWeights", { enumerable: true, get: function () { return weights_1.computeSampleWeights; } });
var augment_1 = require("./augment");
Object.defineProperty(exports, "gaussianNoise", { enumerable: true, get: function () { return augment_1.gaussianNoise; } });
Object.defineProperty(exports, "randomHorizontalFlip", { enumerable: true, get: function () { return augment_1.randomHorizontalFlip; } });
Object.defineProperty(exports, "randomShift", { enumerable: true, get: function () { return augment_1.randomShift; } });
Object.defineProperty(exports, "translate", { enumerable: true, get: function () { return augment_1.translate; } });
Object.defineProperty(exports, "randomCrop", { enumerable: true, get: function () { return augment_1.randomCrop; } });
Object.defineProperty(exports, "randomRotation", { enumerable: true, get: function () { return augment_1.randomRotation; } });
Object.defineProperty(exports, "mixup", { enumerable: true, get: function () { return augment_1.mixup; } });
Object.defineProperty(exports, "compose", { enumerable: true, get: function () { return augment_1.compose; } });
Object.defineProperty(exports, "sampleBeta", { enumerable: true, get: function () { return augment_1.sampleBeta; } });
__exportStar(require("./preprocessing"), exports);
var errors_1 = require("./errors");
Object.defineProperty(exports, "DataError", { enumerable: true, get: function () { return errors_1.DataError; } });

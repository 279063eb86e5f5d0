/**
 * Evaluation metrics: pure functions over whole arrays (this file's exports) and stateful
 * accumulators for the Trainer (`createMetric`). Map of the folder:
 *   input.ts           argument normalization (arrays, typed arrays, tensor-likes) and checks
 *   classification.ts  accuracy, top-k, confusion matrix, precision/recall/F1, class report
 *   ranking.ts         ROC-AUC, average precision, mean average precision
 *   regression.ts      MSE, MAE, R^2
 *   topk.ts            recommender metrics: hit rate, precision, recall, mAP, nDCG at k; topK
 *   stateful.ts        Metric interface, createMetric / createMetrics
 */
export type { MetricInput, TensorLike, NumericArray, ArrayView, PredictionOptions } from './input';
export { toArrayLike } from './input';
export type {
  Average, ClassificationOptions, PrfOptions, Prf, ClassReport, ClassReportRow, ClassReportAverage,
  ClassReportOptions,
} from './classification';
export {
  accuracy, topKAccuracy, confusionMatrix, precision, recall, f1, precisionRecallF1, classificationReport,
} from './classification';
export { rocAuc, averagePrecision, meanAveragePrecision } from './ranking';
export { mse, mae, r2 } from './regression';
export {
  hitRateAtK, precisionAtK, recallAtK, averagePrecisionAtK, meanAveragePrecisionAtK, ndcgAtK, topK,
} from './topk'; // text/recommendation (issue 14)
export type { ItemList } from './topk';
export type { Metric, MetricName, MetricOptions } from './stateful';
export { METRIC_NAMES, createMetric, createMetrics } from './stateful';

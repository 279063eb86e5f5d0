export { Trainer } from './trainer';
export type { TrainerOptions, FitOptions, OptimizerName } from './trainer';
export { History } from './history';
export * as callbacks from './callbacks';
export type { Callback } from './callbacks';
export * as metrics from './metrics';
export { ProgressLogger } from './progress';
export { plotHistory, historyToSvg, confusionMatrixSvg, plotConfusionMatrix, svgToPng } from './plots';
export { writeReport, formatConfusionMatrix, formatClassReport } from './report';

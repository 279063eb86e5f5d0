/**
 * Worker-thread side of Trainer.fit({ worker: true }): rebuilds the model from its config and
 * weights, trains on copies of the data, posts one message per epoch, and returns the trained
 * weights and history. Runs the compiled library (dist/), one context per worker (the addon is
 * context-aware).
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ng from '../index';
import { rawWeights, type FromWorkerMessage, type ToWorkerMessage, type WorkerJob } from './worker-protocol';

const post = (m: FromWorkerMessage): void => parentPort!.postMessage(m);

async function main(): Promise<void> {
  const job = workerData as WorkerJob;
  ng.setNumThreads(job.threads);
  ng.setSeed(job.seed);
  const model = ng.nn.fromConfig(job.config);
  model.loadStateDict(job.weights);
  const trainer = new ng.Trainer({ model, loss: job.trainer.loss as never, optimizer: job.trainer.optimizer as never,
    lr: job.trainer.lr, metrics: job.trainer.metrics, clipGradNorm: job.trainer.clipGradNorm, clipGradValue: job.trainer.clipGradValue });
  const ds = ng.data.fromTensors(ng.fromArray(job.x.data, job.x.shape), ng.fromArray(job.y.data, job.y.shape));
  const val = job.val ? ng.data.fromTensors(ng.fromArray(job.val.x.data, job.val.x.shape), ng.fromArray(job.val.y.data, job.val.y.shape)) : undefined;
  const callbacks: ng.Callback[] = [ng.callbacks.lambda({
    onEpochBegin: (epoch: number) => { post({ type: 'epochBegin', epoch }); },
    onEpochEnd: (epoch: number, logs: Record<string, number>) => { post({ type: 'epoch', epoch, logs: { ...logs } }); },
  })];
  const es = job.earlyStopping ? ng.callbacks.earlyStopping<string>(job.earlyStopping) : null;
  if (es) callbacks.push(es);
  const stop = { aborted: false };
  parentPort!.on('message', (m: ToWorkerMessage) => { if (m.type === 'abort') stop.aborted = true; });
  const history = await trainer.fit(ds, { ...job.fit, validationData: val, callbacks, verbose: 0,
    signal: stop as unknown as AbortSignal });
  post({ type: 'done', weights: rawWeights(model), history: history.toJSON(), optimizerStep: trainer.optimizer.stepCount,
    earlyStopping: es ? { best: es.best, bestEpoch: es.bestEpoch, stoppedEpoch: es.stoppedEpoch } : null });
}

main().catch((e: Error) => post({ type: 'error', message: e.message, stack: e.stack }));

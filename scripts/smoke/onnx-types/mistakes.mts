// Mistakes the installed package's types must reject (tsc fails on an unused @ts-expect-error).
import * as ng from 'nodegrad';

const model = new ng.nn.Sequential(new ng.nn.Linear(4, 2));
// @ts-expect-error 'acc' is not a metric name
new ng.Trainer({ model, loss: 'crossEntropy', metrics: ['acc'] });
// @ts-expect-error 'lrr' is not an Adam option
new ng.Trainer({ model, loss: 'crossEntropy', optimizer: { type: 'adam', lrr: 0.01 } });
// @ts-expect-error a shape is numbers
ng.zeros('abc');
// @ts-expect-error 'val_acc' is not a logged value
ng.callbacks.earlyStopping({ monitor: 'val_acc' });

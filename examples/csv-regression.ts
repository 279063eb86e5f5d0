/**
 * Regression on a real CSV: daily weather in Seattle and New York 2012-2015 (weather.csv from
 * the vega-datasets npm package, 2,922 rows). Predict the day's maximum temperature from the
 * minimum temperature, precipitation, wind, the weather label and the city.
 *
 *   npx tsx examples/csv-regression.ts      (or compile with tsc and run with node)
 *
 * Pipeline: fromCsv (streaming parse; categorical columns one-hot encoded; missing cells kept
 * as NaN) -> seeded held-out split -> SimpleImputer + StandardScaler fitted on the training
 * split only -> a small MLP trained with the Trainer -> R^2 and RMSE on the held-out split.
 */
import path from 'node:path';
import * as ng from '../lib';

export async function run(opts: { log?: (s: string) => void; epochs?: number } = {}): Promise<{ r2: number; rmse: number }> {
  const log = opts.log ?? ((s: string) => console.log(s));
  ng.setSeed(42);
  // The package's entry is build/index.js; its CSV files sit in data/ beside build/.
  const file = path.join(path.dirname(require.resolve('vega-datasets')), '..', 'data', 'weather.csv');

  const ds = await ng.data.fromCsv(file, {
    target: 'temp_max',
    columns: ['location', 'precipitation', 'temp_min', 'wind', 'weather'],
    categorical: ['location', 'weather'],
    missing: 'keep', // empty / NA cells become NaN and are imputed below
  });
  log(`${path.basename(file)}: ${ds.length} rows, features: ${ds.featureNames!.join(', ')}`);

  const { train, test } = ng.data.trainTestSplit(ds, { testSize: 0.2, seed: 42 });
  ds.dispose();

  // Preprocessing is fitted on the training split only, then applied to both.
  const prep = new ng.data.Pipeline([
    new ng.data.SimpleImputer({ strategy: 'median' }),
    new ng.data.StandardScaler(),
  ]);
  const yScaler = new ng.data.StandardScaler();
  const trainSet = ng.data.fromTensors(prep.fitTransform(train.x), yScaler.fitTransform(train.y!));
  const testSet = ng.data.fromTensors(prep.transform(test.x), yScaler.transform(test.y!));

  const features = trainSet.x.shape[1];
  const model = new ng.nn.Sequential(
    new ng.nn.Linear(features, 32), new ng.nn.ReLU(),
    new ng.nn.Linear(32, 16), new ng.nn.ReLU(),
    new ng.nn.Linear(16, 1),
  );
  const trainer = new ng.Trainer({ model, loss: 'mse', optimizer: 'adam', lr: 3e-3, metrics: ['r2'] });
  await trainer.fit(trainSet, { epochs: opts.epochs ?? 40, batchSize: 64, validationData: testSet, verbose: 0, seed: 42 });

  // Held-out R^2 and RMSE in degrees Celsius (predictions mapped back to the original scale).
  const predScaled = trainer.predict(testSet.x);
  const pred = yScaler.inverseTransform(predScaled);
  const y = test.y!.data;
  const p = pred.data;
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i] / y.length;
  let ssRes = 0, ssTot = 0;
  for (let i = 0; i < y.length; i++) {
    ssRes += (y[i] - p[i]) ** 2;
    ssTot += (y[i] - mean) ** 2;
  }
  const r2 = 1 - ssRes / ssTot;
  const rmse = Math.sqrt(ssRes / y.length);
  log(`held-out (${y.length} rows): R^2 = ${r2.toFixed(3)}, RMSE = ${rmse.toFixed(2)} °C`);
  log('saved preprocessing state: ' + JSON.stringify(prep.toJSON()).length + ' bytes of JSON');

  for (const t of [predScaled, pred, trainSet.x, trainSet.y!, testSet.x, testSet.y!]) t.dispose();
  train.dispose();
  test.dispose();
  return { r2, rmse };
}

if (require.main === module) {
  run().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

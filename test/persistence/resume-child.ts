// The resumed half of the resume test, in a fresh Node process (no state shared with the test
// runner): builds the scenario after ng.setSeed, fit({ epochs, resumeFrom }), and writes the
// final weights (bit patterns), history, random state and thread count as JSON.
//   node -r ./test/persistence/register-ts.js test/persistence/resume-child.ts '<json args>'
import * as fs from 'node:fs';
import * as ng from '../../lib';
import { buildScenario, snapshot, EPOCHS, ScenarioOptions } from './scenario';

interface Args extends ScenarioOptions {
  resumeFrom: string;
  out: string;
  epochs?: number;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as Args;
  const s = buildScenario(args);
  const history = await s.trainer.fit(s.data, { ...s.fitOptions, epochs: args.epochs ?? EPOCHS, resumeFrom: args.resumeFrom });
  fs.writeFileSync(args.out, JSON.stringify({
    weights: snapshot(s.model),
    history: history.toJSON(),
    rng: ng.getRngState(),
    threads: ng.getNumThreads(),
    lr: s.trainer.optimizer.lr,
    step: s.trainer.optimizer.stepCount,
  }));
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});

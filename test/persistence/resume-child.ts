// The child-process halves of the resume test, in a fresh Node process (no state shared with
// the test runner). Builds the scenario after ng.setSeed, then
//   mode 'resume': fit({ epochs, resumeFrom }) and writes the final weights (bit patterns),
//                  history, random state and thread count as JSON to `out`;
//   mode 'crash':  fit({ epochs }) with the checkpoint callback, and SIGKILLs itself right after
//                  the checkpoint of epoch `killAfter` (1-based) is written.
//   node -r ./test/persistence/register-ts.js test/persistence/resume-child.ts '<json args>'
import * as fs from 'node:fs';
import * as ng from '../../lib';
import { buildScenario, snapshot, EPOCHS, ScenarioOptions } from './scenario';

interface Args extends ScenarioOptions {
  mode: 'resume' | 'crash';
  resumeFrom?: string;
  out?: string;
  epochs?: number;
  killAfter?: number;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as Args;
  const killer = ng.callbacks.lambda({
    // Checkpoint writers run after every other onEpochEnd, so the kill comes at the start of
    // the next epoch: right after the checkpoint of epoch `killAfter` was written.
    onEpochBegin: (epoch) => {
      if (args.mode === 'crash' && epoch === args.killAfter) process.kill(process.pid, 'SIGKILL');
    },
  });
  const s = buildScenario({ ...args, extraCallbacks: [killer] });
  const history = await s.trainer.fit(s.data, { ...s.fitOptions, epochs: args.epochs ?? EPOCHS, resumeFrom: args.resumeFrom });
  if (args.mode === 'crash') throw new Error('crash mode: the process should have been killed');
  fs.writeFileSync(args.out!, JSON.stringify({
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

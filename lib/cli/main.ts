#!/usr/bin/env node
/** The nodegrad command line: train, evaluate, predict, export-onnx, dashboard, info, and bench in a source checkout. */
import fs from 'node:fs';
import { Command, CommanderError } from 'commander';
import { reportError, BENCH_SCRIPT } from './errors';

// A reader that went away (`nodegrad predict ... | head`) ends the command quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const program = new Command();
  program
    .name('nodegrad')
    .description('Neural-network training for Node.js with native kernels')
    .option('--verbose', 'print stack traces on errors')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program.command('train')
    .description('train an MLP or a CNN (default: the bundled MNIST digits) and write the model, a report and plots')
    .option('--data <mnist|file.csv|file.json|moby-dick>', 'training data: a CSV file, or JSON records (an array of objects, or JSON Lines) (default mnist; moby-dick for --model gpt)')
    .option('--target <column>', 'target column of a CSV or JSON file')
    .option('--task <classification|regression>', 'task (CSV/JSON default: guessed from the target)')
    .option('--categorical <columns>', 'comma-separated categorical feature columns (one-hot encoded)')
    .option('--model <mlp|cnn|gpt>', 'mlp; cnn: 5x5 conv + relu + 2x2 max-pool blocks on 28x28 images, then dense layers; gpt: a character-level GPT (4 layers, d=128, 4 heads, context 128) on --data moby-dick', 'mlp')
    .option('--steps <n>', 'gpt: training steps (default 2000)')
    .option('--channels <sizes>', 'cnn: output channels of the conv blocks (default 16,32)')
    .option('--delimiter <char>', "CSV field delimiter: one character, or \\t (or tab) for a tab (default ',', a tab for .tsv)")
    .option('--columns <columns>', 'comma-separated feature columns (default: all but the target)')
    .option('--ignore-columns <columns>', 'comma-separated columns left out of the features (an id, a date)')
    .option('--dates <columns>', 'comma-separated date columns (YYYY-MM-DD, YYYY/MM/DD, "Jan 2 2006" or "2 Jan 2006"; a time part is ignored), each turned into year, month, day-of-year, weekday')
    .option('--layers <sizes>', 'hidden (dense) layer sizes (default 256,128; cnn: 128)')
    .option('--activation <name>', 'relu | tanh | sigmoid | gelu | leakyRelu | elu | selu | silu', 'relu')
    .option('--dropout <p>', 'dropout after each hidden layer', '0')
    .option('--augment <none|shift>', 'random +-2 pixel shifts of the images (default: shift for mnist)')
    .option('--schedule <cosine|none>', 'learning-rate schedule over the epochs', 'cosine')
    .option('--epochs <n>', 'epochs (default 20 for mnist, cnn 12, 100 for CSV/JSON)')
    .option('--batch-size <n>', 'batch size (default 64; gpt 16)')
    .option('--optimizer <name>', 'adam | adamw | sgd | rmsprop | adagrad', 'adam')
    .option('--lr <rate>', 'learning rate (default 0.001, cnn 0.002; sgd 0.01)')
    .option('--seed <n>', 'random seed (default 42; gpt 1337, as bench/gpt_torch.py)')
    .option('--threads <n>', 'compute threads (default: all cores)')
    .option('--precision <fp32|bf16>', 'bf16: mixed-precision training steps (bf16 GEMMs, fp32 weights; fp32 with a warning on CPUs without AVX512_BF16)', 'fp32')
    .option('--val-split <fraction>', 'validation fraction of the training data', '0.1')
    .option('--early-stopping <patience>', 'stop when val_loss has not improved for <patience> epochs')
    .option('--out <dir>', 'output folder', 'nodegrad-output')
    .option('--quiet', 'print nothing but errors')
    .option('--dashboard [port]', 'serve a live dashboard of the runs in the folder above --out (default port 6060)')
    .option('--shard-optimizer-state', 'under mpirun: ZeRO-1, each rank keeps 1/ranks of the optimizer state')
    .option('--resume <checkpoint>', 'continue an interrupted run (SIGINT/SIGTERM write <out>/checkpoint.safetensors)')
    .action(async (opts) => {
      const { train } = await import('./train');
      await train(opts);
    });

  program.command('evaluate <model>')
    .description('evaluate a saved model on data (mnist, or a CSV or JSON file with the target column)')
    .option('--data <mnist|file.csv|file.json>', 'evaluation data')
    .option('--delimiter <char>', 'CSV field delimiter (default: a tab for .tsv, else the training file\'s)')
    .option('--unknown-category <error|ignore>', 'a category not seen in training: fail, or encode it as all zeros', 'error')
    .action(async (model, opts) => (await import('./commands')).evaluate(model, opts));

  program.command('predict <model>')
    .description('predict with a saved model on a CSV or JSON file of feature rows')
    .option('--input <file>', 'input rows: .csv or JSON records (.json, .jsonl) with the training columns, or a .json array of encoded feature arrays')
    .option('--output <file>', 'write predictions as JSON here (default: stdout)')
    .option('--delimiter <char>', 'CSV field delimiter (default: a tab for .tsv, else the training file\'s)')
    .option('--unknown-category <error|ignore>', 'a category not seen in training: fail, or encode it as all zeros', 'error')
    .action(async (model, opts) => (await import('./commands')).predict(model, opts));

  program.command('inspect <file>')
    .description('what each column of a CSV or JSON file holds (numbers, dates, text; missing and distinct values) and the flags that would train on it')
    .option('--delimiter <char>', "CSV field delimiter (default ',', a tab for .tsv)")
    .option('--json', 'print the summaries as JSON')
    .action(async (file, opts) => (await import('./commands')).inspect(file, opts));

  program.command('export-onnx <model> <out>')
    .description('export a saved model to ONNX')
    .action(async (model, out) => (await import('./commands')).exportOnnx(model, out));

  program.command('dashboard <runs-folder>')
    .description('serve the dashboard of the runs (folders with events.jsonl) in a folder until Ctrl+C')
    .option('--port <n>', 'port (0: any free port)', '6060')
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .action(async (folder, opts) => (await import('./dashboard')).serveDashboard(folder, opts));

  program.command('info')
    .description('version, backend/ISA, threads, CUDA and MPI availability')
    .action(async () => (await import('./commands')).info());

  // The benchmark suite (bench/) lives in the source checkout only, not in the npm package:
  // there the command is left out of the help, and running it says why it is not available.
  program.command('bench', { hidden: !fs.existsSync(BENCH_SCRIPT) })
    .description('run the benchmark suite (source checkout; arguments go to bench/run.mjs)')
    .allowUnknownOption(true)
    .argument('[args...]')
    .action(async (args: string[]) => {
      process.exitCode = (await import('./commands')).bench(args ?? []);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
      return err.exitCode || 2;
    }
    return reportError(err, verbose);
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (err) => {
  process.exitCode = reportError(err, process.argv.includes('--verbose'));
});

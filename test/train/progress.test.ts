import { describe, expect, it } from 'vitest';
import { ProgressLogger, formatLogs, formatNumber } from '../../lib/train/progress';

/** A writable that records what is written; `tty` makes it look like a terminal. */
function fakeStream(tty: boolean) {
  const chunks: string[] = [];
  return {
    chunks,
    isTTY: tty,
    columns: 120,
    write(s: string) { chunks.push(s); return true; },
    text() { return chunks.join(''); },
    // eslint-disable-next-line no-control-regex
    plain() { return chunks.join('').replace(/\x1B\[[0-9;?]*[A-Za-z]|\x1B[78]/g, ''); },
  };
}

function runEpochs(log: ProgressLogger, epochs: number, steps: number) {
  for (let e = 0; e < epochs; e++) {
    log.onEpochBegin(e);
    for (let s = 0; s < steps; s++) log.onBatchEnd(s, { loss: 1 / (e * steps + s + 1), accuracy: 0.5 + 0.1 * e });
    log.onEpochEnd(e, { loss: 0.5 / (e + 1), accuracy: 0.9612 + e * 0.001, val_loss: 0.25, val_accuracy: 0.95 });
  }
  log.onTrainEnd();
}

describe('ProgressLogger', () => {
  it('non-TTY: one plain line per epoch', () => {
    const s = fakeStream(false);
    const log = new ProgressLogger({ stream: s, totalEpochs: 3, stepsPerEpoch: 5 });
    expect(log.mode).toBe('lines');
    runEpochs(log, 3, 5);
    const lines = s.text().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^Epoch 1\/3 - \d+\.\ds - loss: 0\.5000 - accuracy: 0\.9612 - val_loss: 0\.2500 - val_accuracy: 0\.9500$/);
    expect(lines[2]).toMatch(/^Epoch 3\/3 - \d+\.\ds - loss: 0\.1667 - accuracy: 0\.9632 - val_loss: 0\.2500 - val_accuracy: 0\.9500$/);
    expect(s.text()).not.toContain('\x1B');
  });

  it('TTY: a progress bar per epoch, replaced by the epoch line when the epoch ends', () => {
    const s = fakeStream(true);
    const log = new ProgressLogger({ stream: s, totalEpochs: 2, stepsPerEpoch: 4, ci: false });
    expect(log.mode).toBe('bar');
    runEpochs(log, 2, 4);
    const raw = s.text();
    expect(raw).toContain('\x1B'); // cursor control: it is drawing a bar
    const out = s.plain();
    expect(out).toContain('Epoch 1/2 |\u2591\u2591'); // the empty bar at the start of an epoch
    expect(out).toMatch(/Epoch 1\/2 \|\u2588{25}\| 4\/4 \[\d+\.\ds\] loss: 0\.2500 - accuracy: 0\.5000/); // last batch
    // The bar line is cleared (ESC[2K) and the full epoch line written in its place.
    expect(raw).toMatch(/\x1B\[2KEpoch 1\/2 - \d+\.\ds - loss: 0\.5000 - accuracy: 0\.9612 - val_loss: 0\.2500 - val_accuracy: 0\.9500\n/);
    expect(raw).toMatch(/\x1B\[2KEpoch 2\/2 - \d+\.\ds - loss: 0\.2500 - accuracy: 0\.9622 - val_loss: 0\.2500 - val_accuracy: 0\.9500\n$/);
  });

  it('TTY in CI and verbose 2 fall back to lines; verbose 0 is silent', () => {
    const ci = fakeStream(true);
    expect(new ProgressLogger({ stream: ci, totalEpochs: 1, stepsPerEpoch: 3, ci: true }).mode).toBe('lines');
    const v2 = fakeStream(true);
    const log2 = new ProgressLogger({ stream: v2, verbose: 2, totalEpochs: 1, stepsPerEpoch: 3, ci: false });
    expect(log2.mode).toBe('lines');
    runEpochs(log2, 1, 3);
    expect(v2.text()).toMatch(/^Epoch 1\/1 - \d+\.\ds - loss: 0\.5000/);
    const quiet = fakeStream(true);
    const log0 = new ProgressLogger({ stream: quiet, verbose: 0, totalEpochs: 2, stepsPerEpoch: 3 });
    runEpochs(log0, 2, 3);
    log0.log('hello');
    expect(quiet.chunks).toEqual([]);
  });

  it('epochBase 1 and log()', () => {
    const s = fakeStream(false);
    const log = new ProgressLogger({ stream: s, totalEpochs: 2, stepsPerEpoch: 1, epochBase: 1 });
    log.onEpochBegin(1);
    log.onEpochEnd(1, { loss: 2e-5 });
    log.log('Early stopping at epoch 1');
    expect(s.text()).toMatch(/^Epoch 1\/2 - \d+\.\ds - loss: 2\.000e-5\nEarly stopping at epoch 1\n$/);
  });

  it('formatting helpers', () => {
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(0)).toBe('0.0000');
    expect(formatNumber(1)).toBe('1.0000');
    expect(formatNumber(123456)).toBe('1.235e+5');
    expect(formatNumber(NaN)).toBe('nan');
    expect(formatLogs({ val_loss: 1, loss: 2, acc: 0.5 })).toBe('loss: 2.0000 - acc: 0.5000 - val_loss: 1.0000');
  });

  it('validates options', () => {
    expect(() => new ProgressLogger({ totalEpochs: 0, stepsPerEpoch: 1 })).toThrow(
      'Expected positive integer for totalEpochs but received 0 of type number');
    expect(() => new ProgressLogger({ totalEpochs: 1, stepsPerEpoch: -1 })).toThrow(
      'Expected non-negative integer for stepsPerEpoch but received -1 of type number');
    expect(() => new ProgressLogger({ totalEpochs: 1, stepsPerEpoch: 1, verbose: 3 as never })).toThrow(
      'Expected 0, 1 or 2 for verbose but received 3 of type number');
    expect(() => new ProgressLogger({ totalEpochs: 1, stepsPerEpoch: 1, stream: {} as never })).toThrow(
      'Expected writable stream for stream but received an object');
  });
});

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  confusionMatrixSvg, historyMetrics, historySpec, historyToSvg, plotConfusionMatrix, plotHistory, svgToPng,
  type HistoryLike,
} from '../../lib/train/plots';
import { classificationReport, confusionMatrix } from '../../lib/train/metrics';
import { formatClassReport, formatConfusionMatrix, reportHtml, writeReport } from '../../lib/train/report';

const dir = mkdtempSync(join(tmpdir(), 'ng-plots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const epoch = [0, 1, 2, 3, 4]; // 0-based indices, as the Trainer records them
const history: HistoryLike = {
  epoch,
  history: {
    loss: [1.2, 0.8, 0.6, 0.5, 0.45],
    val_loss: [1.3, 0.9, 0.75, 0.7, 0.72],
    accuracy: [0.6, 0.75, 0.82, 0.86, 0.88],
    val_accuracy: [0.58, 0.7, 0.78, 0.8, 0.81],
  },
};

/** Reads width and height from a PNG's IHDR chunk. */
function pngSize(buf: Buffer): { width: number; height: number } {
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('plots', () => {
  it('historyMetrics: loss first, val_ keys folded into their base', () => {
    expect(historyMetrics({ epoch: [1], history: { accuracy: [1], val_accuracy: [1], loss: [1], val_loss: [1], val_f1: [1] } }))
      .toEqual(['loss', 'accuracy', 'f1']);
  });

  it('historyToSvg draws one panel per metric with train and validation lines', async () => {
    const svg = await historyToSvg(history, { title: 'Run <1>' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Run &lt;1&gt;');
    for (const text of ['>loss<', '>accuracy<', '>train<', '>validation<', '>epoch<']) expect(svg).toContain(text);
    // Two line paths per panel (train, validation) in the two panels.
    expect((svg.match(/aria-roledescription="line mark"/g) ?? []).length).toBe(4);
    expect((svg.match(/<path [^>]*stroke="#ff7f0e"/g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect((svg.match(/<path [^>]*stroke="#1f77b4"/g) ?? []).length).toBeGreaterThanOrEqual(2);
  });

  it('numbers epochs from 1 like the training log ("Epoch 1/5"); the report names the last one the same way', async () => {
    const spec = historySpec(history) as { data: { values: { epoch: number; metric: string; split: string }[] } };
    const lossEpochs = spec.data.values.filter((r) => r.metric === 'loss' && r.split === 'train').map((r) => r.epoch);
    expect(lossEpochs).toEqual([1, 2, 3, 4, 5]);
    const html = await reportHtml({ title: 't', config: {}, history, evaluation: { metrics: {} } });
    expect(html).toContain('Last epoch (epoch 5, 5 recorded):');
  });

  it('metrics option picks panels; a history without validation has no validation legend', async () => {
    const svg = await historyToSvg({ epoch: [0, 1], history: { loss: [1, 0.5], accuracy: [0.5, 0.7] } }, { metrics: ['accuracy'] });
    expect(svg).toContain('>accuracy<');
    expect(svg).not.toContain('>loss<');
    expect(svg).not.toContain('>validation<');
  });

  it('confusionMatrixSvg shows counts, labels and axis titles (escaped)', async () => {
    const svg = await confusionMatrixSvg([[5, 1], [0, 7]], ['cat', '<dog>'], { title: 'CM' });
    for (const text of ['>5<', '>1<', '>0<', '>7<', '>cat<', '>&lt;dog&gt;<', '>Predicted label<', '>True label<', '>CM<']) {
      expect(svg).toContain(text);
    }
    expect(svg).not.toContain('<dog>');
    expect((svg.match(/aria-roledescription="rect mark"/g) ?? []).length).toBe(4);
    expect(svg).toContain('aria-label="Predicted label: &lt;dog&gt;; True label: cat; count: 1"');
  });

  it('svgToPng and plot files: PNG signature and sane size', async () => {
    const svg = await confusionMatrixSvg([[3, 1, 0], [1, 4, 0], [0, 0, 5]]);
    const png = await svgToPng(svg, { scale: 1 });
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const m = /width="(\d+)" height="(\d+)"/.exec(svg)!;
    expect(pngSize(png)).toEqual({ width: Number(m[1]), height: Number(m[2]) });

    const p1 = await plotHistory(history, join(dir, 'sub', 'curves.png'));
    const buf = readFileSync(p1);
    expect(buf.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const { width, height } = pngSize(buf);
    expect(width).toBeGreaterThan(800); // two 320 px panels at scale 2
    expect(width).toBeLessThan(4000);
    expect(height).toBeGreaterThan(300);
    expect(height).toBeLessThan(4000);
    expect(statSync(p1).size).toBeGreaterThan(5000);

    const p2 = await plotHistory(history, join(dir, 'curves.svg'));
    expect(readFileSync(p2, 'utf8')).toContain('<svg');
    const p3 = await plotConfusionMatrix([[1, 0], [0, 1]], join(dir, 'cm.png'), ['a', 'b']);
    expect(readFileSync(p3).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  });

  it('errors', async () => {
    await expect(plotHistory(history, join(dir, 'x.jpg'))).rejects.toThrow(
      `Expected path ending in .svg or .png for path but received "${join(dir, 'x.jpg')}" of type string`);
    await expect(historyToSvg({ epoch: [], history: { loss: [] } })).rejects.toThrow(
      'Expected at least one epoch for history but received 0 epochs');
    await expect(historyToSvg(history, { metrics: ['f1'] })).rejects.toThrow(
      "Expected one of 'loss', 'accuracy' for metrics but received \"f1\" of type string");
    await expect(historyToSvg({ loss: [1] } as never)).rejects.toThrow(
      'Expected object with epoch (number[]) and history (Record<string, number[]>) for history but received an object');
    await expect(confusionMatrixSvg([[1, 2], [3]])).rejects.toThrow(
      'Expected square matrix (number[][]) of non-negative counts for confusionMatrix but received an array of length 2');
    await expect(confusionMatrixSvg([[1, 2], [3, 4]], ['a'])).rejects.toThrow(
      'Expected array of 2 labels for labels but received an array of length 1');
    await expect(svgToPng('<svg/>', { scale: 0 })).rejects.toThrow('Expected positive number for scale but received 0 of type number');
  });
});

describe('report', () => {
  const y = [0, 1, 2, 2, 1, 0, 2, 1];
  const p = [0, 2, 2, 2, 1, 0, 1, 1];

  it('writeReport writes one self-contained HTML file', async () => {
    const cm = confusionMatrix(y, p);
    const classReport = classificationReport(y, p, { targetNames: ['cat', 'dog', 'e<e>l'] });
    const path = await writeReport(join(dir, 'run', 'report.html'), {
      title: 'Run <script>alert(1)</script>',
      config: { layers: [256, 128], optimizer: { name: 'adam', lr: 1e-3 }, note: '</pre><b>x</b>', big: 10n, w: new Float32Array(4) },
      history,
      evaluation: { metrics: { loss: 0.1234567, accuracy: 0.75, samples: 8 }, confusionMatrix: cm, classReport, labels: ['cat', 'dog', 'e<e>l'] },
      files: { model: 'out/model.safetensors', curves: 'out/curves.png' },
      date: new Date('2026-01-02T03:04:05Z'),
    });
    expect(path).toBe(join(dir, 'run', 'report.html'));
    const html = readFileSync(path, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<title>Run &lt;script&gt;alert(1)&lt;/script&gt;</title>');
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/<link|src="http|href="http/); // nothing external
    expect(html).toContain('<style>');
    expect((html.match(/<svg /g) ?? []).length).toBe(2); // curves + confusion matrix
    const id = /\sid="(cm-gradient_\d+)"/.exec(html)?.[1];
    expect(id).toBeDefined();
    expect(html).toContain(`url(#${id})`);
    expect(html).toContain('&lt;/pre&gt;&lt;b&gt;x&lt;/b&gt;');
    expect(html).toContain('&quot;big&quot;: &quot;10&quot;');
    expect(html).toContain('2026-01-02T03:04:05.000Z');
    for (const text of ['0.1235', '0.7500', '>8<', 'e&lt;e&gt;l', 'out/model.safetensors', 'macro avg', 'weighted avg', '>validation<']) {
      expect(html).toContain(text);
    }
  });

  it('class report rows take the evaluation labels when they have default names', async () => {
    const html = await reportHtml({ title: 't', config: {}, history, evaluation: {
      metrics: {}, classReport: classificationReport([0, 1, 1], [0, 1, 0]), labels: ['zero', 'one'] } });
    expect(html).toContain('<tr><td>zero</td><td>0.5000</td>');
    expect(html).toContain('<tr><td>one</td><td>1.0000</td>');
    expect(html).toContain('No metrics.');
  });

  it('a report without epochs or confusion matrix still renders', async () => {
    const html = await reportHtml({ title: 't', config: {}, history: { epoch: [], history: {} }, evaluation: { metrics: { mse: 0.5 } } });
    expect(html).toContain('No epochs recorded.');
    expect(html).not.toContain('<svg');
  });

  it('text tables', () => {
    expect(formatConfusionMatrix([[5, 1], [0, 12]], ['cat', 'dog'])).toBe(
      'true \\ pred cat dog\n' +
      'cat           5   1\n' +
      'dog           0  12');
    const rep = classificationReport(y, p, { targetNames: ['cat', 'dog', 'eel'] });
    const text = formatClassReport(rep);
    const lines = text.split('\n');
    expect(lines[0]).toBe('             precision    recall  f1-score   support');
    expect(lines[2]).toBe('         cat    1.0000    1.0000    1.0000         2');
    expect(lines[3]).toBe('         dog    0.6667    0.6667    0.6667         3');
    expect(lines[6]).toBe('    accuracy                        0.7500         8');
    expect(lines[7]).toMatch(/^   macro avg {4}0\.\d{4} {4}0\.\d{4} {4}0\.\d{4} {9}8$/);
    expect(lines[8]).toMatch(/^weighted avg {4}0\.\d{4}/);
  });

  it('report errors', async () => {
    await expect(writeReport(join(dir, 'x.html'), { title: 3 } as never)).rejects.toThrow(
      'Expected string for title but received 3 of type number');
    await expect(reportHtml({ title: 't', config: {}, history, evaluation: {} } as never)).rejects.toThrow(
      'Expected object with metrics for evaluation but received an object');
    expect(() => formatConfusionMatrix([[1, 2]], ['a'])).toThrow(
      'Expected square matrix (number[][]) for confusionMatrix but received an array of length 1');
  });
});

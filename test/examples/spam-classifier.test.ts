// examples/spam-classifier.ts, shortened (every 4th message of the corpus, 5 epochs, 128 words):
// held-out spam F1 above a threshold, metrics consistent with the confusion matrix. The full run
// (npx tsx examples/spam-classifier.ts) reaches spam F1 ~0.98.
import { describe, expect, it } from 'vitest';
import { run, subjectAndBody, words, WordVocabulary } from '../../examples/spam-classifier';

describe('examples/spam-classifier', () => {
  it('shortened run: held-out spam F1 >= 0.93 with consistent precision, recall and confusion matrix', async () => {
    const logs: string[] = [];
    const r = await run({ every: 4, epochs: 5, maxTokens: 128, log: (s) => logs.push(s) });
    expect(r.f1).toBeGreaterThanOrEqual(0.93);
    const [[tn, fp], [fn, tp]] = r.confusion;
    expect(tn + fp + fn + tp).toBe(r.testSize);
    expect(r.precision).toBeCloseTo(tp / (tp + fp), 10);
    expect(r.recall).toBeCloseTo(tp / (tp + fn), 10);
    expect(fn + tp).toBeGreaterThan(50); // the split is stratified: ~30% spam in the test set
    expect(logs[1]).toMatch(/^spam \(held out\): precision 0\.\d{4}  recall 0\.\d{4}  F1 0\.\d{4}$/);
  }, 60_000);

  it('keeps the Subject and body, drops the other headers; words and vocabulary ids', () => {
    const raw = 'From: a@b.c\r\nSubject: WIN $$$ now!!!\r\nReceived: by x\r\n\r\nClick here, it\'s FREE';
    const text = subjectAndBody(raw);
    expect(text).toBe("WIN $$$ now!!!\nClick here, it's FREE");
    expect(words(text)).toEqual(['win', '$$$', 'now!!!', 'click', 'here', "it's", 'free']);
    const v = WordVocabulary.fit([['a', 'b', 'a'], ['a', 'c', 'c']], { minCount: 2 });
    expect(v.words).toEqual(['a', 'c']);
    const ids = v.encode([['c', 'zzz', 'a'], ['a']], 4);
    expect(Array.from(ids.data)).toEqual([3, 1, 2, 0, 2, 0, 0, 0]);
    ids.dispose();
  });
});

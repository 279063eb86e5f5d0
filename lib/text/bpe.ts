/**
 * Byte-level BPE tokenizer (as in GPT-2): text -> UTF-8 bytes -> ids 0..255, then learned merges
 * of adjacent ids, each making one new id (256 + merge index). Every byte string is encodable,
 * so decode(encode(s)) === s for any well-formed string (any UTF-8 text). Merges never cross
 * pre-token boundaries: the text is first split into words with their leading space, runs of
 * digits, runs of punctuation and runs of whitespace (GPT-2's split, with Unicode classes).
 *
 *   const tok = ng.text.BPETokenizer.train(corpus, { vocabSize: 1024 });
 *   tok.decode(tok.encode(s)) === s;
 *
 * Training is deterministic: each step merges the most frequent adjacent pair, ties broken by
 * the smaller (left, right) ids. Pair counts are updated incrementally (only the words holding
 * the merged pair are revisited). Encoding applies merges in rank order with a heap over a linked
 * list of the word's tokens (O(n log n) per word, so a huge word cannot stall it); results for
 * short words are cached.
 */
import { assertPlainObject, assertPositiveInteger, assertString, describe, expected, typeError } from '../core/validate';
import {
  Tokenizer, TokenizerJSON, TOKENIZER_FORMAT, TOKENIZER_VERSION, checkArray, checkHeader, readTokenizerFile,
  readTokenizerFileSync, sourceName, TokenizerBase,
} from './file';
import { checkIds } from './ids';

/** Largest vocabulary (ids must fit the pair keys below). */
export const MAX_BPE_VOCAB = 1 << 20;
/** Longest token in bytes; training never makes a longer one and loading refuses one. */
export const MAX_TOKEN_BYTES = 1 << 16;
/** Total bytes of all tokens together a loaded tokenizer may describe. */
const MAX_TOTAL_TOKEN_BYTES = 64 * 1024 * 1024;
/** Words up to this many UTF-16 units have their encoding cached. */
const CACHE_WORD_LENGTH = 64;
const CACHE_ENTRIES = 1 << 16;

/** GPT-2's pre-tokenizer split; the only pattern so far (a file names it, never supplies one). */
const PATTERNS = {
  gpt2: /'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu,
} as const;
export type PretokenizePattern = keyof typeof PATTERNS;

export interface BPETrainOptions {
  /** Target vocabulary: 256 byte ids plus vocabSize - 256 merges (fewer if pairs run out). */
  vocabSize: number;
  /** A pair must occur at least this often to be merged (default 2). */
  minFrequency?: number;
}

export interface BPEOptions {
  /** Pre-tokenizer split (default and only choice so far: 'gpt2'). */
  pattern?: PretokenizePattern;
  /** Names the file the merges came from in error messages. */
  source?: string;
}

const SHIFT = MAX_BPE_VOCAB * 2; // pair key = left * SHIFT + right, exact in a double

function pairKey(a: number, b: number): number {
  return a * SHIFT + b;
}

/** Splits text into pre-tokens; any text the pattern skips becomes a pre-token of its own. */
function* pretokens(text: string, pattern: RegExp): Generator<string> {
  let last = 0;
  const re = new RegExp(pattern.source, pattern.flags);
  for (const m of text.matchAll(re)) {
    if (m.index! > last) yield text.slice(last, m.index);
    if (m[0].length > 0) yield m[0];
    last = m.index! + m[0].length;
  }
  if (last < text.length) yield text.slice(last);
}

const utf8 = new TextEncoder();

export class BPETokenizer extends TokenizerBase implements Tokenizer {
  readonly type = 'bpe' as const;
  readonly pattern: PretokenizePattern;
  /** Merge k joins ids merges[k][0] and merges[k][1] into id 256 + k. */
  readonly merges: ReadonlyArray<readonly [number, number]>;
  private readonly ranks: Map<number, number>;
  private readonly bytes: Uint8Array[];
  private readonly cache = new Map<string, Int32Array>();
  private readonly decoder = new TextDecoder('utf-8');

  /** A tokenizer from a merge list (as made by train() or read by fromJSON()). */
  constructor(merges: ReadonlyArray<readonly [number, number]>, opts: BPEOptions = {}) {
    super();
    assertPlainObject(opts as unknown, 'options');
    const pattern = opts.pattern ?? 'gpt2';
    if (!Object.prototype.hasOwnProperty.call(PATTERNS, pattern)) typeError("'gpt2'", 'pattern', pattern);
    const { ranks, bytes } = buildTables(merges, opts.source);
    this.pattern = pattern;
    this.merges = merges.map(([a, b]) => [a, b] as const);
    this.ranks = ranks;
    this.bytes = bytes;
  }

  get vocabSize(): number {
    return 256 + this.merges.length;
  }

  /** Learns merges from a corpus (a string or an array of documents). */
  static train(corpus: string | readonly string[], opts: BPETrainOptions): BPETokenizer {
    const docs = typeof corpus === 'string' ? [corpus] : corpus;
    if (!Array.isArray(docs)) typeError('string or array of strings', 'corpus', corpus);
    assertPlainObject(opts as unknown, 'options');
    const vocabSize = opts.vocabSize;
    assertPositiveInteger(vocabSize, 'vocabSize');
    if (vocabSize < 256 || vocabSize > MAX_BPE_VOCAB) {
      throw new RangeError(expected(`integer in [256, ${MAX_BPE_VOCAB}]`, 'vocabSize', describe(vocabSize)));
    }
    const minFrequency = opts.minFrequency ?? 2;
    assertPositiveInteger(minFrequency, 'minFrequency');
    const counts = new Map<string, number>();
    docs.forEach((d, i) => {
      if (typeof d !== 'string') typeError('string', `corpus[${i}]`, d);
      for (const w of pretokens(d, PATTERNS.gpt2)) counts.set(w, (counts.get(w) ?? 0) + 1);
    });
    return new BPETokenizer(learnMerges(counts, vocabSize - 256, minFrequency));
  }

  encode(text: string): Int32Array {
    assertString(text, 'text');
    const parts: Int32Array[] = [];
    let total = 0;
    for (const w of pretokens(text, PATTERNS[this.pattern])) {
      const ids = this.encodeWord(w);
      parts.push(ids);
      total += ids.length;
    }
    const out = new Int32Array(total);
    let k = 0;
    for (const p of parts) { out.set(p, k); k += p.length; }
    return out;
  }

  /** The bytes that ids stand for (decode() is their UTF-8 reading). */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    checkIds(ids, 'ids', this.vocabSize);
    let total = 0;
    for (let i = 0; i < ids.length; i++) total += this.bytes[ids[i]].length;
    const out = new Uint8Array(total);
    let k = 0;
    for (let i = 0; i < ids.length; i++) { const b = this.bytes[ids[i]]; out.set(b, k); k += b.length; }
    return out;
  }

  /** Text of the ids; byte sequences that are not valid UTF-8 (a cut-off character) read as U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    return this.decoder.decode(this.decodeBytes(ids));
  }

  /** The bytes of one token (a copy). */
  tokenBytes(id: number): Uint8Array {
    checkIds([id], 'id', this.vocabSize);
    return this.bytes[id].slice();
  }

  private encodeWord(w: string): Int32Array {
    const cached = this.cache.get(w);
    if (cached) return cached;
    const ids = mergeWord(utf8.encode(w), this.ranks);
    if (w.length <= CACHE_WORD_LENGTH) {
      if (this.cache.size >= CACHE_ENTRIES) this.cache.clear();
      this.cache.set(w, ids);
    }
    return ids;
  }

  toJSON(): TokenizerJSON {
    return {
      format: TOKENIZER_FORMAT, version: TOKENIZER_VERSION, type: 'bpe', pattern: this.pattern,
      merges: this.merges.map(([a, b]) => [a, b]),
    };
  }

  /** Restores a tokenizer from toJSON()'s output; `source` names the file in error messages. */
  static fromJSON(json: unknown, source?: string): BPETokenizer {
    const o = checkHeader(json, 'bpe', source);
    if (typeof o.pattern !== 'string' || !Object.prototype.hasOwnProperty.call(PATTERNS, o.pattern)) {
      throw new TypeError(expected("'gpt2'", sourceName(source, 'pattern'), describe(o.pattern)));
    }
    const merges = checkArray(o.merges, 'merges', MAX_BPE_VOCAB - 256, source) as [number, number][];
    return new BPETokenizer(merges, { pattern: o.pattern as PretokenizePattern, source });
  }

  static async load(path: string): Promise<BPETokenizer> {
    return BPETokenizer.fromJSON(await readTokenizerFile(path), path);
  }

  static loadSync(path: string): BPETokenizer {
    return BPETokenizer.fromJSON(readTokenizerFileSync(path), path);
  }
}

/** Pair ranks and each token's bytes; checks ids, repeated pairs and token sizes. */
function buildTables(merges: ReadonlyArray<readonly [number, number]>, source: string | undefined):
  { ranks: Map<number, number>; bytes: Uint8Array[] } {
  if (!Array.isArray(merges)) typeError('array of [left, right] pairs', 'merges', merges);
  if (merges.length > MAX_BPE_VOCAB - 256) {
    throw new RangeError(expected(`at most ${MAX_BPE_VOCAB - 256} merges`, sourceName(source, 'merges'), describe(merges)));
  }
  const lengths = new Float64Array(256 + merges.length).fill(1, 0, 256);
  const ranks = new Map<number, number>();
  let total = 256;
  for (let k = 0; k < merges.length; k++) {
    const m = merges[k];
    const name = sourceName(source, `merges[${k}]`);
    const [a, b] = Array.isArray(m) ? m : [NaN, NaN];
    if (!Array.isArray(m) || m.length !== 2 || ![a, b].every((v) => Number.isInteger(v) && v >= 0 && v < 256 + k)) {
      const got = Array.isArray(m) ? safeJSON(m) : describe(m);
      throw new RangeError(expected(`[left, right] token ids in [0, ${255 + k}] (earlier tokens only)`, name, got));
    }
    const key = pairKey(a, b);
    if (ranks.has(key)) {
      throw new RangeError(expected('distinct merges', name, `[${a}, ${b}] again (first at merges[${ranks.get(key)}])`));
    }
    ranks.set(key, k);
    const len = lengths[a] + lengths[b];
    if (len > MAX_TOKEN_BYTES) {
      throw new RangeError(expected(`tokens of at most ${MAX_TOKEN_BYTES} bytes`, name, `a merge making a token of ${len} bytes`));
    }
    lengths[256 + k] = len;
    total += len;
    if (total > MAX_TOTAL_TOKEN_BYTES) {
      throw new RangeError(expected(`tokens of at most ${MAX_TOTAL_TOKEN_BYTES} bytes in all`, sourceName(source, 'merges'),
        `merges describing more (past ${MAX_TOTAL_TOKEN_BYTES} bytes at merges[${k}])`));
    }
  }
  const bytes: Uint8Array[] = new Array(256 + merges.length);
  for (let i = 0; i < 256; i++) bytes[i] = Uint8Array.of(i);
  for (let k = 0; k < merges.length; k++) {
    const [a, b] = merges[k];
    const t = new Uint8Array(lengths[256 + k]);
    t.set(bytes[a], 0);
    t.set(bytes[b], bytes[a].length);
    bytes[256 + k] = t;
  }
  return { ranks, bytes };
}

function safeJSON(v: unknown): string {
  try {
    return (JSON.stringify(v) ?? String(v)).slice(0, 60);
  } catch {
    return describe(v);
  }
}

// ---- encoding one word: rank-ordered merges over a linked list ------------------------------

/**
 * Min-heap of (rank, position) packed into one double: rank * 2^31 + position. Ties of rank go
 * to the leftmost position, and a merge's result has a higher rank than the merge (its id is new),
 * so popping in this order equals "merge every occurrence of the best pair, left to right, repeat".
 */
class PairHeap {
  private a = new Float64Array(16);
  size = 0;

  push(v: number): void {
    if (this.size === this.a.length) { const n = new Float64Array(this.a.length * 2); n.set(this.a); this.a = n; }
    const a = this.a;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= v) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = v;
  }

  pop(): number {
    const a = this.a;
    const top = a[0];
    const v = a[--this.size];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const c = l + 1 < this.size && a[l + 1] < a[l] ? l + 1 : l;
      if (a[c] >= v) break;
      a[i] = a[c];
      i = c;
    }
    a[i] = v;
    return top;
  }
}

const POS = 2 ** 31;

function mergeWord(bytes: Uint8Array, ranks: Map<number, number>): Int32Array {
  const n = bytes.length;
  const id = Int32Array.from(bytes);
  if (n < 2 || ranks.size === 0) return id;
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) { next[i] = i + 1; prev[i] = i - 1; }
  next[n - 1] = -1;
  const heap = new PairHeap();
  const consider = (i: number): void => {
    const j = next[i];
    if (j < 0) return;
    const r = ranks.get(pairKey(id[i], id[j]));
    if (r !== undefined) heap.push(r * POS + i);
  };
  for (let i = 0; i < n - 1; i++) consider(i);
  let count = n;
  while (heap.size > 0) {
    const e = heap.pop();
    const r = Math.floor(e / POS);
    const i = e - r * POS;
    const j = next[i];
    // Stale entries: i was merged away (id -1) or its pair changed since the push.
    if (id[i] < 0 || j < 0 || ranks.get(pairKey(id[i], id[j])) !== r) continue;
    id[i] = 256 + r;
    id[j] = -1;
    next[i] = next[j];
    if (next[j] >= 0) prev[next[j]] = i;
    count--;
    if (prev[i] >= 0) consider(prev[i]);
    consider(i);
  }
  const out = new Int32Array(count);
  for (let i = 0, k = 0; i >= 0; i = next[i]) out[k++] = id[i];
  return out;
}

// ---- training ---------------------------------------------------------------------------------

/** Learns up to `maxMerges` merges from word counts. */
function learnMerges(counts: Map<string, number>, maxMerges: number, minFrequency: number): [number, number][] {
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [w, c] of counts) {
    words.push(Array.from(utf8.encode(w)));
    freq.push(c);
  }
  const lengths: number[] = new Array(256).fill(1);
  const pairCount = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const addPairs = (w: number, sign: number): void => {
    const ids = words[w];
    const f = freq[w] * sign;
    for (let i = 0; i + 1 < ids.length; i++) {
      const key = pairKey(ids[i], ids[i + 1]);
      const c = (pairCount.get(key) ?? 0) + f;
      if (c === 0) pairCount.delete(key); else pairCount.set(key, c);
      if (sign > 0) {
        let s = where.get(key);
        if (!s) where.set(key, (s = new Set()));
        s.add(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) addPairs(w, 1);

  const merges: [number, number][] = [];
  const tooLong = new Set<number>();
  while (merges.length < maxMerges) {
    let bestKey = -1;
    let best = 0;
    for (const [key, c] of pairCount) {
      if (c > best || (c === best && key < bestKey)) {
        if (tooLong.has(key)) continue;
        best = c;
        bestKey = key;
      }
    }
    if (bestKey < 0 || best < minFrequency) break;
    const a = Math.floor(bestKey / SHIFT);
    const b = bestKey - a * SHIFT;
    if (lengths[a] + lengths[b] > MAX_TOKEN_BYTES) { tooLong.add(bestKey); continue; }
    const newId = 256 + merges.length;
    merges.push([a, b]);
    lengths.push(lengths[a] + lengths[b]);
    const holders = where.get(bestKey);
    where.delete(bestKey);
    for (const w of holders ?? []) {
      const ids = words[w];
      let has = false;
      for (let i = 0; i + 1 < ids.length; i++) if (ids[i] === a && ids[i + 1] === b) { has = true; break; }
      if (!has) continue; // stale: an earlier merge changed this word
      addPairs(w, -1);
      const out: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) { out.push(newId); i++; } else out.push(ids[i]);
      }
      words[w] = out;
      addPairs(w, 1);
    }
  }
  return merges;
}

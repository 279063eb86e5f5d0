/**
 * Character tokenizer: one id per Unicode code point seen in the training corpus (sorted by code
 * point, so the vocabulary does not depend on the corpus order). Characters outside the
 * vocabulary either map to an extra `<unk>` id (the last one; decode writes U+FFFD for it) or
 * throw, as chosen by `unknown`.
 *
 *   const tok = ng.text.CharTokenizer.fit(text);
 *   const ids = tok.encode('Call me Ishmael.');     // Int32Array
 *   tok.decode(ids) === 'Call me Ishmael.';
 *   await tok.save('chars.json'); const again = await ng.text.CharTokenizer.load('chars.json');
 */
import { assertOneOf, assertPlainObject, assertString, describe, expected, typeError } from '../core/validate';
import {
  Tokenizer, TokenizerJSON, TOKENIZER_FORMAT, TOKENIZER_VERSION, checkArray, checkHeader, readTokenizerFile,
  readTokenizerFileSync, sourceName, TokenizerBase,
} from './file';
import { checkIds } from './ids';

export type UnknownPolicy = 'replace' | 'error';

export interface CharTokenizerOptions {
  /**
   * Characters not in the vocabulary: 'replace' (default) maps them to the `<unk>` id
   * (vocabSize - 1), 'error' throws a RangeError naming the character and its position.
   */
  unknown?: UnknownPolicy;
}

/** Most distinct characters a vocabulary may hold (all of Unicode fits). */
const MAX_CHARS = 0x110000;

const REPLACEMENT = '\uFFFD';

function checkCorpus(corpus: unknown): string[] {
  if (typeof corpus === 'string') return [corpus];
  if (Array.isArray(corpus)) {
    corpus.forEach((s, i) => { if (typeof s !== 'string') typeError('string', `corpus[${i}]`, s); });
    return corpus as string[];
  }
  return typeError('string or array of strings', 'corpus', corpus);
}

export class CharTokenizer extends TokenizerBase implements Tokenizer {
  readonly type = 'char' as const;
  /** The characters, in id order (excluding `<unk>`). */
  readonly chars: readonly string[];
  readonly unknown: UnknownPolicy;
  private readonly toId: Map<number, number>;

  /** Builds a tokenizer over exactly these characters (each one code point, no repeats). */
  constructor(chars: readonly string[], opts: CharTokenizerOptions = {}) {
    super();
    assertPlainObject(opts as unknown, 'options');
    const unknown = opts.unknown ?? 'replace';
    assertOneOf(unknown, 'unknown', ['replace', 'error'] as const);
    this.toId = charIndex(chars, 'chars');
    this.chars = chars.slice();
    this.unknown = unknown;
  }

  /** The characters of a corpus (a string or an array of strings), sorted by code point. */
  static fit(corpus: string | readonly string[], opts: CharTokenizerOptions = {}): CharTokenizer {
    const seen = new Set<number>();
    for (const s of checkCorpus(corpus)) {
      for (const ch of s) seen.add(ch.codePointAt(0)!);
    }
    const cps = [...seen].sort((a, b) => a - b);
    return new CharTokenizer(cps.map((c) => String.fromCodePoint(c)), opts);
  }

  /** Id of `<unk>` (vocabSize - 1), or -1 when unknown characters throw. */
  get unkId(): number {
    return this.unknown === 'replace' ? this.chars.length : -1;
  }

  get vocabSize(): number {
    return this.chars.length + (this.unknown === 'replace' ? 1 : 0);
  }

  encode(text: string): Int32Array {
    assertString(text, 'text');
    const out = new Int32Array(text.length); // code points <= UTF-16 units
    let n = 0;
    let pos = 0;
    for (const ch of text) {
      const id = this.toId.get(ch.codePointAt(0)!);
      if (id !== undefined) out[n++] = id;
      else if (this.unknown === 'replace') out[n++] = this.chars.length;
      else {
        throw new RangeError(expected('characters of the vocabulary', `text[${pos}]`,
          `${JSON.stringify(ch)} (U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`));
      }
      pos += ch.length;
    }
    return out.slice(0, n);
  }

  decode(ids: ArrayLike<number>): string {
    checkIds(ids, 'ids', this.vocabSize);
    const parts: string[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      parts[i] = id < this.chars.length ? this.chars[id] : REPLACEMENT;
    }
    return parts.join('');
  }

  toJSON(): TokenizerJSON {
    return { format: TOKENIZER_FORMAT, version: TOKENIZER_VERSION, type: 'char', unknown: this.unknown, chars: this.chars.slice() };
  }

  /** Restores a tokenizer from toJSON()'s output; `source` names the file in error messages. */
  static fromJSON(json: unknown, source?: string): CharTokenizer {
    const o = checkHeader(json, 'char', source);
    const unknown = o.unknown;
    if (unknown !== 'replace' && unknown !== 'error') {
      throw new TypeError(expected("'replace' or 'error'", sourceName(source, 'unknown'), describe(unknown)));
    }
    const chars = checkArray(o.chars, 'chars', MAX_CHARS, source);
    charIndex(chars, 'chars', source);
    return new CharTokenizer(chars as string[], { unknown });
  }

  static async load(path: string): Promise<CharTokenizer> {
    return CharTokenizer.fromJSON(await readTokenizerFile(path), path);
  }

  static loadSync(path: string): CharTokenizer {
    return CharTokenizer.fromJSON(readTokenizerFileSync(path), path);
  }
}

/** Code point -> id; checks each entry is one code point and none repeats. */
function charIndex(chars: readonly unknown[], field: string, source?: string): Map<number, number> {
  if (!Array.isArray(chars)) throw new TypeError(expected('array of single characters', sourceName(source, field), describe(chars)));
  const index = new Map<number, number>();
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const name = sourceName(source, `${field}[${i}]`);
    if (typeof c !== 'string') throw new TypeError(expected('string of one character', name, describe(c)));
    const cp = c.codePointAt(0);
    if (cp === undefined || String.fromCodePoint(cp) !== c) {
      throw new RangeError(expected('string of one character (one Unicode code point)', name, describe(c)));
    }
    if (index.has(cp)) {
      throw new RangeError(expected('distinct characters', name, `${JSON.stringify(c)} again (first at index ${index.get(cp)})`));
    }
    index.set(cp, i);
  }
  return index;
}

/**
 * Tokenizer files: one JSON object
 *   { "format": "nodegrad-tokenizer", "version": 1, "type": "char" | "bpe", ...state }
 * written atomically (lib/io/atomic) and read back by a validating loader: a corrupt or hostile
 * file gives a thrown Error naming the field (expected vs received), never a crash or a hang.
 * The same JSON can travel inside a model file: ng.io.save(model, path, { preprocessing:
 * { tokenizer: tok.toJSON() } }) and ng.text.tokenizerFromJSON(info.preprocessing.tokenizer).
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { writeFileAtomic, writeFileAtomicSync } from '../io/atomic';
import { assertString, describe, expected, typeError } from '../core/validate';

export const TOKENIZER_FORMAT = 'nodegrad-tokenizer';
export const TOKENIZER_VERSION = 1;

/** Largest tokenizer file read (a vocabulary of a million tokens fits in far less). */
export const MAX_TOKENIZER_FILE_BYTES = 64 * 1024 * 1024;

export type TokenizerType = 'char' | 'bpe';

/** What every nodegrad tokenizer offers. */
export interface Tokenizer {
  readonly type: TokenizerType;
  /** Number of token ids: encode() returns ids in [0, vocabSize). */
  readonly vocabSize: number;
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
  toJSON(): TokenizerJSON;
  /** Writes the tokenizer file atomically. */
  save(path: string): Promise<void>;
  saveSync(path: string): void;
}

export interface TokenizerJSON {
  format: typeof TOKENIZER_FORMAT;
  version: number;
  type: TokenizerType;
  [key: string]: unknown;
}

/** save() / saveSync() for every tokenizer: its toJSON() written atomically. */
export abstract class TokenizerBase {
  abstract toJSON(): TokenizerJSON;

  /** Writes the tokenizer file atomically (temporary file, fsync, rename). */
  save(path: string): Promise<void> {
    return writeTokenizerFile(path, this.toJSON());
  }

  saveSync(path: string): void {
    writeTokenizerFileSync(path, this.toJSON());
  }
}

/** Where a tokenizer state came from, for error messages. */
export function sourceName(source: string | undefined, field: string): string {
  return source === undefined ? field : `${field} of tokenizer file ${source}`;
}

/** Checks the header fields and the type; returns the object. */
export function checkHeader(json: unknown, type: TokenizerType | undefined, source?: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TypeError(expected('tokenizer JSON object', sourceName(source, 'tokenizer'), describe(json)));
  }
  const o = json as Record<string, unknown>;
  if (o.format !== TOKENIZER_FORMAT) {
    throw new TypeError(expected(`"${TOKENIZER_FORMAT}"`, sourceName(source, 'format'), describe(o.format)));
  }
  if (o.version !== TOKENIZER_VERSION) {
    throw new RangeError(expected(`version ${TOKENIZER_VERSION}`, sourceName(source, 'version'), describe(o.version)));
  }
  const types: TokenizerType[] = type === undefined ? ['char', 'bpe'] : [type];
  if (!types.includes(o.type as TokenizerType)) {
    throw new TypeError(expected(types.map((t) => `"${t}"`).join(' or '), sourceName(source, 'type'), describe(o.type)));
  }
  return o;
}

function parse(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(expected('a JSON tokenizer file', `tokenizer file ${source}`, `invalid JSON (${(e as Error).message})`));
  }
}

function checkSize(size: number, source: string): void {
  if (size > MAX_TOKENIZER_FILE_BYTES) {
    throw new RangeError(expected(`a tokenizer file of at most ${MAX_TOKENIZER_FILE_BYTES} bytes`, `tokenizer file ${source}`,
      `${size} bytes`));
  }
}

/** Reads and parses a tokenizer file (size-limited, UTF-8, JSON). */
export async function readTokenizerFile(path: string): Promise<unknown> {
  assertString(path, 'path');
  const st = await fsp.stat(path);
  if (!st.isFile()) typeError('path of a regular file', 'path', path);
  checkSize(st.size, path);
  const bytes = await fsp.readFile(path);
  checkSize(bytes.length, path);
  return parse(bytes.toString('utf8'), path);
}

export function readTokenizerFileSync(path: string): unknown {
  assertString(path, 'path');
  const st = fs.statSync(path);
  if (!st.isFile()) typeError('path of a regular file', 'path', path);
  checkSize(st.size, path);
  const bytes = fs.readFileSync(path);
  checkSize(bytes.length, path);
  return parse(bytes.toString('utf8'), path);
}

function encodeJSON(json: TokenizerJSON): Uint8Array {
  return Buffer.from(JSON.stringify(json) + '\n', 'utf8');
}

export async function writeTokenizerFile(path: string, json: TokenizerJSON): Promise<void> {
  assertString(path, 'path');
  await writeFileAtomic(path, encodeJSON(json));
}

export function writeTokenizerFileSync(path: string, json: TokenizerJSON): void {
  assertString(path, 'path');
  writeFileAtomicSync(path, encodeJSON(json));
}

/** Checks that `v` is an array of at most `max` entries. */
export function checkArray(v: unknown, field: string, max: number, source?: string): unknown[] {
  if (!Array.isArray(v)) throw new TypeError(expected('array', sourceName(source, field), describe(v)));
  if (v.length > max) {
    throw new RangeError(expected(`array of at most ${max} entries`, sourceName(source, field), describe(v)));
  }
  return v;
}

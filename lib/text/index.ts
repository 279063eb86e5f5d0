/**
 * nodegrad text utilities (re-exported as ng.text): tokenizers and language-model datasets.
 *
 *   char.ts     CharTokenizer: one id per code point of the corpus, <unk> or an error for others
 *   bpe.ts      BPETokenizer: byte-level BPE (GPT-2 style), exact round trip on any UTF-8 text
 *   file.ts     tokenizer files: JSON, atomic save, validating load (loadTokenizer for either type)
 *   windows.ts  TokenWindowDataset: (x, y) next-token windows cut on demand for a DataLoader
 *
 * Seeded random windows: ng.data.RandomSampler; the Moby-Dick text: ng.data.loadMobyDick.
 */
import { CharTokenizer } from './char';
import { BPETokenizer } from './bpe';
import { checkHeader, readTokenizerFile, readTokenizerFileSync } from './file';

export { CharTokenizer } from './char';
export type { CharTokenizerOptions, UnknownPolicy } from './char';
export { BPETokenizer, MAX_BPE_VOCAB, MAX_TOKEN_BYTES } from './bpe';
export type { BPETrainOptions, BPEOptions, PretokenizePattern } from './bpe';
export { TokenWindowDataset } from './windows';
export type { TokenWindowOptions } from './windows';
export type { Tokenizer, TokenizerJSON, TokenizerType } from './file';
export { TOKENIZER_FORMAT, MAX_TOKENIZER_FILE_BYTES } from './file';

/** A tokenizer of either type from its toJSON() output. */
export function tokenizerFromJSON(json: unknown, source?: string): CharTokenizer | BPETokenizer {
  const o = checkHeader(json, undefined, source);
  return o.type === 'char' ? CharTokenizer.fromJSON(o, source) : BPETokenizer.fromJSON(o, source);
}

/** Reads a tokenizer file of either type. */
export async function loadTokenizer(path: string): Promise<CharTokenizer | BPETokenizer> {
  return tokenizerFromJSON(await readTokenizerFile(path), path);
}

export function loadTokenizerSync(path: string): CharTokenizer | BPETokenizer {
  return tokenizerFromJSON(readTokenizerFileSync(path), path);
}

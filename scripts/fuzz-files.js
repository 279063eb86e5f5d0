#!/usr/bin/env node
// File fuzzer for every reader: safetensors, model files (architecture config in the metadata),
// training checkpoints, CSV, IDX and tokenizer files (char and BPE JSON). Random mutations and truncations of valid files, plus
// hand-made hostile files (huge declared sizes, overlapping offsets, deep JSON nesting,
// non-UTF-8 names, a gzip bomb). Each case must load or throw an Error; a crash, a hang (no
// progress for --hang-ms) or memory growth past --max-rss-mb fails the run. Cases run in a child
// process so a crash or hang is seen from outside; the driver names the case that was running.
//
//   node scripts/fuzz-files.js [--cases N] [--seed S]       (N mutations per reader; default 2000)
// Uses dist/ (npm run build:ts).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { spawn } = require('child_process');
const { rng } = require('./fuzz/napi');

function opt(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

// ---- valid seed files ----------------------------------------------------------------------

async function seedFiles(ng, dir) {
  ng.setSeed(3);
  const model = new ng.nn.Sequential(new ng.nn.Linear(4, 3), new ng.nn.ReLU(), new ng.nn.Linear(3, 2));
  const modelFile = path.join(dir, 'model.safetensors');
  await ng.io.save(model, modelFile);
  const trainer = new ng.Trainer({ model, loss: 'crossEntropy', optimizer: 'adam', lr: 0.01 });
  const x = ng.randn([8, 4]);
  const y = ng.tensor(Int32Array.from([0, 1, 0, 1, 1, 0, 1, 0]), { dtype: 'int32' });
  await trainer.fit([x, y], { epochs: 1, batchSize: 4, verbose: 0 });
  const ckFile = path.join(dir, 'checkpoint.safetensors');
  await trainer.saveCheckpoint(ckFile);
  const csv = 'a,b,color,label\n1,2.5,red,yes\n3,NA,blue,no\n-1e3,4,red,yes\n0.5,1,green,no\n';
  const idx = ng.data.writeIdx({ dtype: 'uint8', shape: [3, 2, 2], data: Uint8Array.from({ length: 12 }, (_, i) => i * 20) });
  const idxF = ng.data.writeIdx({ dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, NaN, 0, 7]) });
  const corpus = 'Call me Ishmael. Some years ago—never mind how long precisely—naïve café 🐋 1851, 1851!';
  const bpe = ng.text.BPETokenizer.train(corpus.repeat(3), { vocabSize: 300 });
  const chars = ng.text.CharTokenizer.fit(corpus);
  return {
    tokenizerBpe: Buffer.from(JSON.stringify(bpe.toJSON())),
    tokenizerChar: Buffer.from(JSON.stringify(chars.toJSON())),
    safetensors: fs.readFileSync(modelFile),
    model: fs.readFileSync(modelFile),
    checkpoint: fs.readFileSync(ckFile),
    csv: Buffer.from(csv),
    json: Buffer.from(JSON.stringify([{ a: 1, b: 2.5, color: 'red', when: '2020-01-31', label: 'yes' },
      { a: 3, b: null, color: 'blue', when: 'Feb 2 2021', label: 'no' }, { b: 4, a: -1e3, color: 'red', when: '2019/12/01', label: 'yes' }])),
    idx: Buffer.from(idx),
    idxFloat: Buffer.from(idxF),
    idxGz: zlib.gzipSync(Buffer.from(idx)),
    model_trainer: model,
  };
}

// ---- readers: bytes on disk -> load, dispose what was loaded -------------------------------

function readers(ng, dir) {
  const file = (name, bytes) => { const p = path.join(dir, name); fs.writeFileSync(p, bytes); return p; };
  return {
    safetensors: async (b) => { ng.io.decodeSafetensors(b); await ng.io.readSafetensors(file('t.safetensors', b)); },
    model: async (b) => { const m = await ng.io.load(file('m.safetensors', b)); m.dispose?.(); },
    checkpoint: async (b) => {
      const p = file('c.safetensors', b);
      ng.setSeed(3);
      const model = new ng.nn.Sequential(new ng.nn.Linear(4, 3), new ng.nn.ReLU(), new ng.nn.Linear(3, 2));
      const trainer = new ng.Trainer({ model, loss: 'crossEntropy', optimizer: 'adam', lr: 0.01 });
      const x = ng.randn([8, 4]);
      const y = ng.tensor(Int32Array.from([0, 1, 0, 1, 1, 0, 1, 0]), { dtype: 'int32' });
      try {
        await ng.io.readCheckpoint(p);
        await trainer.fit([x, y], { epochs: 2, batchSize: 4, verbose: 0, resumeFrom: p });
      } finally {
        x.dispose(); y.dispose(); model.dispose?.();
      }
    },
    csv: async (b) => {
      const ds = await ng.data.fromCsv(file('d.csv', b), { target: 'label', categorical: ['color', 'label'], missing: 'keep' });
      ds.dispose?.();
    },
    json: async (b) => {
      const ds = await ng.data.fromJson(file('d.json', b), { target: 'label', categorical: ['color', 'label'], dates: ['when'], missing: 'keep', missingTarget: 'drop' });
      ds.dispose?.();
    },
    idx: async (b) => { ng.data.readIdx(file('d.idx', b)); },
    idxFloat: async (b) => { ng.data.readIdx(file('f.idx', b)); },
    idxGz: async (b) => { ng.data.readIdx(file('d.idx.gz', b)); },
    tokenizerBpe: async (b) => useTokenizer(await ng.text.loadTokenizer(file('bpe.json', b))),
    tokenizerChar: async (b) => useTokenizer(ng.text.loadTokenizerSync(file('chars.json', b))),
  };
}

/** A loaded tokenizer must encode and decode (text round trip for BPE, which covers all bytes). */
function useTokenizer(tok) {
  const text = 'Call me Ishmael 🐋 — naïve 1851!';
  const ids = tok.encode(text);
  const back = tok.decode(ids);
  if (tok.type === 'bpe' && back !== text) throw new Error(`BPE round trip broke: ${JSON.stringify(back)}`);
}

// ---- mutations ------------------------------------------------------------------------------

const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x22, 0x5b, 0x5d, 0x7b, 0x7d, 0x2c, 0x3a, 0x30, 0x39, 0x2d, 0x0a, 0x5c, 0xc0, 0xfe];

function mutate(r, src) {
  let b = Buffer.from(src);
  const steps = 1 + r.int(4);
  for (let s = 0; s < steps; s++) {
    const at = r.int(Math.max(1, b.length));
    switch (r.int(9)) {
      case 0: b[at] ^= 1 << r.int(8); break; // bit flip
      case 1: b[at] = r.pick(INTERESTING); break;
      case 2: b = b.subarray(0, r.int(b.length + 1)); break; // truncation
      case 3: { // insert random bytes
        const ins = Buffer.from(Array.from({ length: 1 + r.int(16) }, () => r.int(256)));
        b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
        break;
      }
      case 4: b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + r.int(32)))]); break; // delete
      case 5: { // duplicate a chunk
        const len = 1 + r.int(64);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
        break;
      }
      case 6: // digits in text: make numbers huge, negative or fractional
        for (let i = at; i < b.length; i++) {
          if (b[i] >= 0x30 && b[i] <= 0x39) {
            const rep = Buffer.from(r.pick(['9999999999999999999', '-1', '1.5', '1e308', '4294967296', '0']));
            b = Buffer.concat([b.subarray(0, i), rep, b.subarray(i + 1)]);
            break;
          }
        }
        break;
      case 7: if (b.length >= 8) b.writeUInt32LE(r.pick([0, 0xffffffff, 0x7fffffff, r.int(2 ** 32)]), Math.min(at, b.length - 4)); break;
      default: if (b.length >= 8) b.writeUInt32BE(r.pick([0, 0xffffffff, 0x7fffffff, r.int(2 ** 32)]), Math.min(at, b.length - 4)); break;
    }
  }
  return b;
}

// ---- hand-made hostile files ----------------------------------------------------------------

function safetensorsFile(header, data = Buffer.alloc(0), headerLength) {
  const h = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerLength ?? h.length));
  return Buffer.concat([len, h, data]);
}

function withMeta(seed, key, value) {
  // Re-encode the valid file's header with one metadata entry replaced.
  const n = Number(seed.readBigUInt64LE(0));
  const header = JSON.parse(seed.subarray(8, 8 + n).toString('utf8'));
  header.__metadata__ = { ...header.__metadata__, [key]: value };
  return safetensorsFile(header, seed.subarray(8 + n));
}

function hostile(seeds) {
  const deep = (n) => '['.repeat(n) + ']'.repeat(n);
  const tokPrefix = (type) => `{"format":"nodegrad-tokenizer","version":1,"type":"${type}","pattern":"gpt2",`;
  const tok = (o) => Buffer.from(JSON.stringify({ format: 'nodegrad-tokenizer', version: 1, ...o }));
  const deepObj = (n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  const idxHeader = (type, dims) => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b[2] = type; b[3] = dims.length;
    dims.forEach((d, i) => b.writeUInt32BE(d >>> 0, 4 + 4 * i));
    return b;
  };
  const cfgKey = 'nodegrad.config';
  const ckKey = 'nodegrad.checkpoint';
  return [
    ['safetensors', 'declared header length 2^64-1', safetensorsFile('{}', Buffer.alloc(8), 2n ** 64n - 1n)],
    ['safetensors', 'tensor of 2^40 elements in a tiny file', safetensorsFile({ w: { dtype: 'F32', shape: [2 ** 20, 2 ** 20], data_offsets: [0, 2 ** 42] } }, Buffer.alloc(8))],
    ['safetensors', 'overlapping offsets', safetensorsFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, Buffer.alloc(8))],
    ['safetensors', 'deep JSON nesting in the header', safetensorsFile(`{"w":${deep(200000)}}`)],
    ['safetensors', 'deep object nesting in the header', safetensorsFile(deepObj(100000))],
    ['safetensors', 'non-UTF-8 tensor name', Buffer.concat([Buffer.from([28, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"\xff\xfe":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}'.slice(0, 28), 'latin1')])],
    ['safetensors', 'lone surrogate escape in a name', safetensorsFile('{"\\ud800":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', Buffer.alloc(1))],
    ['model', 'architecture config nested 100000 deep', withMeta(seeds.model, cfgKey, deepObj(100000))],
    ['model', 'config with a huge Linear (1e9 x 1e9)', withMeta(seeds.model, cfgKey, JSON.stringify({ type: 'Sequential', layers: [{ type: 'Linear', inFeatures: 1e9, outFeatures: 1e9 }] }))],
    ['model', 'config with negative and fractional sizes', withMeta(seeds.model, cfgKey, JSON.stringify({ type: 'Sequential', layers: [{ type: 'Linear', inFeatures: -4, outFeatures: 2.5 }] }))],
    ['model', 'config naming an unknown layer', withMeta(seeds.model, cfgKey, JSON.stringify({ type: 'Sequential', layers: [{ type: '__proto__' }] }))],
    ['model', 'config that is not JSON', withMeta(seeds.model, cfgKey, '{"type": "Sequ')],
    ['checkpoint', 'checkpoint metadata nested 100000 deep', withMeta(seeds.checkpoint, ckKey, deepObj(100000))],
    ['checkpoint', 'checkpoint metadata that is not JSON', withMeta(seeds.checkpoint, ckKey, '{"epoch": ')],
    ['checkpoint', 'checkpoint with a huge epoch and bad rng', withMeta(seeds.checkpoint, ckKey, JSON.stringify({ epoch: 1e300, rng: 'x', optimizer: { type: 'adam', hyper: {}, step: -1 } }))],
    ['checkpoint', 'checkpoint metadata of the wrong types', withMeta(seeds.checkpoint, ckKey, JSON.stringify({ epoch: '1', rng: [1, 2], loader: { epoch: -1, rng: 'a' }, history: { epoch: 5 }, optimizer: null }))],
    ['csv', 'a 1 MB field', Buffer.from('a,b,color,label\n' + '1'.repeat(1 << 20) + ',2,red,yes\n')],
    ['csv', '10000 columns', Buffer.from(Array.from({ length: 10000 }, (_, i) => `c${i}`).join(',') + ',label\n' + '1,'.repeat(10000) + 'yes\n')],
    ['csv', 'unterminated quote', Buffer.from('a,b,color,label\n"1,2,red,yes\n')],
    ['csv', 'non-UTF-8 bytes and NUL', Buffer.from([0x61, 0x2c, 0x62, 0x2c, 0x63, 0x6f, 0x6c, 0x6f, 0x72, 0x2c, 0x6c, 0x61, 0x62, 0x65, 0x6c, 0x0a, 0xff, 0x00, 0x2c, 0x31, 0x2c, 0xfe, 0x2c, 0x79, 0x0a])],
    ['csv', 'header only', Buffer.from('a,b,color,label\n')],
    ['csv', 'empty file', Buffer.alloc(0)],
    ['json', 'records nested 100000 deep', Buffer.from(`[{"a":1,"color":"red","when":"2020-01-01","label":"yes","b":${deep(100000)}}]`)],
    ['json', 'a cell holding an object, keys "__proto__" and "constructor"', Buffer.from('[{"a":1,"b":2,"color":"red","when":"2020-01-01","label":"yes"},{"__proto__":{"a":5},"constructor":{"x":1},"a":{"v":1},"b":2,"color":"red","when":"2020-01-01","label":"no"}]')],
    ['json', '2000 keys, each in one record (2000 x 2005 cells, all but 5 per row missing)', Buffer.from(JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ [`k${i}`]: i, a: 1, b: 2, color: 'red', when: '2020-01-01', label: 'yes' }))))],
    ['json', 'JSON Lines with a broken line', Buffer.from('{"a":1,"b":2,"color":"red","when":"2020-01-01","label":"yes"}\n{"a":\n')],
    ['json', 'a top-level object', Buffer.from('{"rows":[{"a":1}]}')],
    ['json', 'numbers beyond float32 and dates out of range', Buffer.from('[{"a":1e300,"b":-1e-300,"color":"red","when":"99999-13-45","label":"yes"}]')],
    ['json', 'empty file', Buffer.alloc(0)],
    ['idx', 'declared 2^32-1 x 2^32-1 images in 100 bytes', Buffer.concat([idxHeader(0x08, [0xffffffff, 0xffffffff]), Buffer.alloc(100)])],
    ['idx', 'rank 255 with zero dims', Buffer.concat([idxHeader(0x08, Array(255).fill(0))])],
    ['idx', 'declared shape overflowing 2^53', Buffer.concat([idxHeader(0x0e, [0xffffffff, 0xffffffff, 0xffffffff]), Buffer.alloc(8)])],
    ['idxGz', 'gzip bomb (64 MiB of zeros in 64 KiB)', zlib.gzipSync(Buffer.concat([idxHeader(0x08, [1]), Buffer.alloc(64 << 20)]), { level: 9 })],
    ['idxGz', 'truncated gzip', zlib.gzipSync(seeds.idx).subarray(0, 20)],
    ['tokenizerBpe', 'merges doubling a token 60 times (2^60 bytes)', tok({ type: 'bpe', pattern: 'gpt2', merges: Array.from({ length: 60 }, (_, k) => (k === 0 ? [97, 97] : [255 + k, 255 + k])) })],
    ['tokenizerBpe', '20000 tokens of 32 KiB each (640 MB of tokens)', tok({ type: 'bpe', pattern: 'gpt2', merges: [[97, 97], ...Array.from({ length: 14 }, (_, k) => [256 + k, 256 + k]), ...Array.from({ length: 20000 }, (_, k) => [270 + k, 97])] })],
    ['tokenizerBpe', 'merges nested 200000 deep', Buffer.from(tokPrefix('bpe') + `"merges":${deep(200000)}}`)],
    ['tokenizerBpe', 'a regular expression as the pattern', tok({ type: 'bpe', pattern: '(a+)+$', merges: [] })],
    ['tokenizerBpe', 'merges of strings and nulls', tok({ type: 'bpe', pattern: 'gpt2', merges: [['a', 'b'], null, [1e300, -0]] })],
    ['tokenizerChar', '100000 characters, one repeated at the end', tok({ type: 'char', unknown: 'replace', chars: [...Array.from({ length: 100000 }, (_, i) => String.fromCodePoint(0x4e00 + i)), '\u4e00'] })],
    ['tokenizerChar', 'lone surrogates and multi-character entries', tok({ type: 'char', unknown: 'error', chars: ['\ud800', '\udc00', 'ab', ''] })],
    ['tokenizerChar', 'header only', tok({ type: 'char' })],
    ['tokenizerChar', 'prototype keys', Buffer.from('{"__proto__":{"type":"char"},"format":"nodegrad-tokenizer","version":1,"type":"char","unknown":"replace","chars":{"length":1e9}}')],
  ];
}

// ---- child: run cases [from, to) --------------------------------------------------------------

async function child() {
  const ng = require(path.join(__dirname, '..', 'dist'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-filefuzz-'));
  const seed = opt('seed', 1);
  const perReader = opt('cases', 2000);
  const maxRss = opt('max-rss-mb', 1024) * 2 ** 20;
  const progress = process.env.NODEGRAD_FUZZ_PROGRESS;
  const fd = progress ? fs.openSync(progress, 'w') : null;
  try {
    const seeds = await seedFiles(ng, dir);
    const read = readers(ng, dir);
    const cases = [];
    for (const [reader, name, bytes] of hostile(seeds)) cases.push({ reader, name, make: () => bytes });
    for (const reader of Object.keys(read)) {
      for (let i = 0; i < perReader; i++) {
        cases.push({ reader, name: `mutation ${i}`, make: () => mutate(rng((seed * 7919 + i) * 31 + reader.length), seeds[reader]) });
      }
    }
    const stats = { cases: 0, loaded: 0, rejected: 0, byReader: {}, unformatted: {}, peakRssMb: 0 };
    ng.trimMemoryPool();
    const live0 = process.memoryUsage().arrayBuffers;
    for (const c of cases) {
      if (fd !== null) fs.writeSync(fd, `${c.reader}: ${c.name}`.padEnd(100), 0);
      const bytes = c.make();
      const rs = (stats.byReader[c.reader] ||= { loaded: 0, rejected: 0 });
      try {
        await read[c.reader](bytes);
        stats.loaded++; rs.loaded++;
      } catch (e) {
        if (!(e instanceof Error)) throw new Error(`${c.reader}: ${c.name}: threw a non-Error: ${String(e)}`);
        stats.rejected++; rs.rejected++;
        // Errors that do not say what was expected (e.g. "Cannot read properties of undefined")
        // are counted and reported, one example each.
        if (!/Expected|expected|Invalid|invalid|not |must|exceeds|unknown|Unknown|too |limit/.test(e.message)) {
          const k = `${c.reader}: ${e.constructor.name}: ${e.message.slice(0, 120)}`;
          stats.unformatted[k] = (stats.unformatted[k] || 0) + 1;
        }
      }
      stats.cases++;
      const rss = process.memoryUsage().rss;
      stats.peakRssMb = Math.max(stats.peakRssMb, Math.round(rss / 2 ** 20));
      if (rss > maxRss) throw new Error(`${c.reader}: ${c.name}: RSS ${Math.round(rss / 2 ** 20)} MB exceeds the ${maxRss / 2 ** 20} MB bound`);
    }
    // What is left after a full GC: tensors dropped by loads (failed or not) are V8's memory and
    // reclaimed by the GC (lib/tensor/storage.ts); measured as ArrayBuffer bytes after a pool trim.
    require('v8').setFlagsFromString('--expose-gc');
    require('vm').runInNewContext('gc')();
    await new Promise((r) => setTimeout(r, 20));
    require('vm').runInNewContext('gc')();
    ng.trimMemoryPool();
    require('vm').runInNewContext('gc')();
    stats.arrayBufferMbLeft = Number(((process.memoryUsage().arrayBuffers - live0) / 2 ** 20).toFixed(2));
    process.stdout.write(JSON.stringify(stats) + '\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- driver ---------------------------------------------------------------------------------

function main() {
  const progress = path.join(os.tmpdir(), `nodegrad-filefuzz-${process.pid}.progress`);
  const hangMs = opt('hang-ms', 60000);
  const args = [__filename, '--child', ...process.argv.slice(2)];
  const p = spawn(process.execPath, ['--max-old-space-size=2048', ...args],
    { env: { ...process.env, NODEGRAD_FUZZ_PROGRESS: progress }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => { out += d; });
  p.stderr.on('data', (d) => { err += d; });
  // Hang detection: the progress file must change at least every hangMs.
  let last = '';
  let lastChange = Date.now();
  let hung = false;
  const timer = setInterval(() => {
    const now = fs.existsSync(progress) ? fs.readFileSync(progress, 'utf8') : '';
    if (now !== last) { last = now; lastChange = Date.now(); } else if (Date.now() - lastChange > hangMs) {
      hung = true;
      p.kill('SIGKILL');
    }
  }, 250);
  p.on('exit', (code, signal) => {
    clearInterval(timer);
    const running = fs.existsSync(progress) ? fs.readFileSync(progress, 'utf8').trim() : '?';
    fs.rmSync(progress, { force: true });
    if (hung || code !== 0) {
      console.error(`FAIL: ${hung ? `no progress for ${hangMs} ms (hang)` : signal ? `signal ${signal}` : `exit code ${code}`} while running "${running}"`);
      console.error(err.split('\n').slice(-20).join('\n'));
      process.exit(1);
    }
    const s = JSON.parse(out.trim().split('\n').pop());
    console.log(`file fuzz: ${s.cases} files (${Object.entries(s.byReader).map(([k, v]) => `${k} ${v.loaded + v.rejected}`).join(', ')}): ` +
      `${s.loaded} loaded, ${s.rejected} rejected with an Error, 0 crashes, 0 hangs; peak RSS ${s.peakRssMb} MB; ` +
      `ArrayBuffer MiB after all cases, a pool trim and a GC, minus before: ${s.arrayBufferMbLeft}`);
    const unf = Object.entries(s.unformatted);
    if (unf.length) {
      console.log(`errors without an expected/received message (${unf.reduce((a, [, n]) => a + n, 0)}):`);
      for (const [k, n] of unf) console.log(`  ${n} x ${k}`);
    }
    console.log(JSON.stringify(s));
  });
}

if (process.argv.includes('--child')) {
  child().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });
} else {
  main();
}

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import ts from 'typescript';
import {
  writeFileAtomic, writeFileAtomicSync, tempPathFor, tempFileOwner, cleanStaleTempFiles,
} from '../../lib/io/atomic';
import { encodeSafetensors, readSafetensorsSync } from '../../lib/io/safetensors';
import { tempDir } from './util';

const ROOT = path.join(__dirname, '..', '..');

/** Compiles the io sources to CommonJS in `outDir` so that a plain `node` child can run them. */
function transpileIo(outDir: string): void {
  for (const rel of ['lib/core/validate.ts', 'lib/core/lazy.ts', 'lib/io/atomic.ts', 'lib/io/half.ts', 'lib/io/safetensors.ts']) {
    const src = fs.readFileSync(path.join(ROOT, rel), 'utf8');
    const out = ts.transpileModule(src, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const dest = path.join(outDir, rel.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, out);
  }
}

/** Child: saves a `mb`-megabyte safetensors file over `target` again and again, forever. */
const CHILD = `
const { writeFileAtomicSync } = require('./lib/io/atomic');
const { encodeSafetensorsChunks } = require('./lib/io/safetensors');
const [target, mb] = [process.argv[2], Number(process.argv[3])];
const n = (mb * 1024 * 1024) / 4;
const data = new Float32Array(n);
for (let gen = 1; ; gen++) {
  data.fill(gen);
  writeFileAtomicSync(target, encodeSafetensorsChunks({ w: { dtype: 'float32', shape: [n], data } }, { gen: String(gen) }));
  process.stdout.write('saved ' + gen + '\\n');
}
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('writeFileAtomic', () => {
  let tmp: { dir: string; cleanup: () => void };
  beforeAll(() => { tmp = tempDir(); });
  afterAll(() => tmp.cleanup());

  it('writes buffers and chunk lists, replacing the target, leaving no temp files', async () => {
    const dir = fs.mkdtempSync(path.join(tmp.dir, 'basic-'));
    const file = path.join(dir, 'out.bin');
    await writeFileAtomic(file, Buffer.from('hello'));
    expect(fs.readFileSync(file, 'utf8')).toBe('hello');
    await writeFileAtomic(file, [new Uint8Array([1, 2]), new Uint8Array(0), Buffer.from([3])]);
    expect([...fs.readFileSync(file)]).toEqual([1, 2, 3]);
    writeFileAtomicSync(file, [Buffer.from('a'), Buffer.from('bc')]);
    expect(fs.readFileSync(file, 'utf8')).toBe('abc');
    writeFileAtomicSync(file, new Uint8Array(0));
    expect(fs.readFileSync(file).length).toBe(0);
    expect(fs.readdirSync(dir)).toEqual(['out.bin']);
  });

  it('keeps the mode of the file it replaces, or uses the given mode', async () => {
    if (process.platform === 'win32') return;
    const file = path.join(tmp.dir, 'mode.bin');
    fs.writeFileSync(file, 'x');
    fs.chmodSync(file, 0o600);
    await writeFileAtomic(file, Buffer.from('y'));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    writeFileAtomicSync(file, Buffer.from('z'), { mode: 0o640 });
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    fs.chmodSync(file, 0o666); // wider than the usual umask allows for a new file
    writeFileAtomicSync(file, Buffer.from('w'));
    expect(fs.statSync(file).mode & 0o777).toBe(0o666);
    await writeFileAtomic(file, Buffer.from('v'));
    expect(fs.statSync(file).mode & 0o777).toBe(0o666);
  });

  it('replaces the file a symlink points to and keeps the link', async () => {
    if (process.platform === 'win32') return;
    const dir = fs.mkdtempSync(path.join(tmp.dir, 'link-'));
    fs.mkdirSync(path.join(dir, 'real'));
    const real = path.join(dir, 'real', 'model.bin');
    const link = path.join(dir, 'model.bin');
    fs.writeFileSync(real, 'old');
    fs.symlinkSync(real, link);
    await writeFileAtomic(link, Buffer.from('new'));
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(real, 'utf8')).toBe('new');
    writeFileAtomicSync(link, Buffer.from('newer'));
    expect(fs.readFileSync(real, 'utf8')).toBe('newer');
    expect(fs.readdirSync(path.join(dir, 'real'))).toEqual(['model.bin']);
  });

  it('removes its temp file and keeps the target when the write fails', async () => {
    const dir = fs.mkdtempSync(path.join(tmp.dir, 'fail-'));
    const target = path.join(dir, 'sub');
    fs.mkdirSync(target); // renaming a file over a non-empty folder fails
    fs.writeFileSync(path.join(target, 'keep'), 'k');
    await expect(writeFileAtomic(target, Buffer.from('data'))).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    expect(() => writeFileAtomicSync(target, Buffer.from('data'))).toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    expect(fs.readdirSync(dir)).toEqual(['sub']);
    expect(fs.readFileSync(path.join(target, 'keep'), 'utf8')).toBe('k');
    await expect(writeFileAtomic(path.join(dir, 'missing', 'x.bin'), Buffer.from('d'))).rejects.toThrow(/ENOENT/);
  });

  it('validates its arguments', async () => {
    await expect(writeFileAtomic(3 as never, Buffer.from('x'))).rejects.toThrow('Expected string for path but received 3 of type number');
    expect(() => writeFileAtomicSync('', Buffer.from('x'))).toThrow('Expected non-empty string for path but received "" of type string');
    expect(() => writeFileAtomicSync('a', 'text' as never))
      .toThrow('Expected Uint8Array, Buffer or array of Uint8Array for data but received "text" of type string');
    expect(() => writeFileAtomicSync('a', [Buffer.from('x'), 5] as never))
      .toThrow('Expected Uint8Array, Buffer or array of Uint8Array for data but received an array of length 2');
    expect(() => writeFileAtomicSync('a', Buffer.from('x'), { mode: -1 }))
      .toThrow('Expected non-negative integer for options.mode but received -1 of type number');
  });

  it('cleans temp files of dead writers only', () => {
    const dir = fs.mkdtempSync(path.join(tmp.dir, 'stale-'));
    const target = path.join(dir, 'model.safetensors');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const deadTemp = `.model.safetensors.${dead}.0123456789ab.tmp`;
    const liveTemp = path.basename(tempPathFor(target)); // our own pid: a live writer
    for (const name of [deadTemp, liveTemp, '.model.safetensors.notes.tmp', 'other.txt']) fs.writeFileSync(path.join(dir, name), 'x');
    expect(tempFileOwner(deadTemp, 'model.safetensors')).toBe(Number(dead));
    expect(tempFileOwner(liveTemp, 'model.safetensors')).toBe(process.pid);
    expect(tempFileOwner('.model.safetensors.notes.tmp', 'model.safetensors')).toBe(null);
    expect(cleanStaleTempFiles(target)).toEqual([deadTemp]);
    expect(fs.readdirSync(dir).sort()).toEqual([liveTemp, '.model.safetensors.notes.tmp', 'other.txt'].sort());
  });

  it('a writer SIGKILLed mid-save leaves the previous file intact; the next save cleans up', async () => {
    const dir = fs.mkdtempSync(path.join(tmp.dir, 'kill-'));
    transpileIo(dir);
    fs.writeFileSync(path.join(dir, 'child.js'), CHILD);
    const target = path.join(dir, 'model.safetensors');
    const original = encodeSafetensors({ w: { dtype: 'float32', shape: [4], data: new Float32Array([0, 0, 0, 0]) } }, { gen: '0' });
    fs.writeFileSync(target, original);
    const MB = 200;
    const full = MB * 1024 * 1024;

    let child: ChildProcess | undefined;
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        let out = '';
        child = spawn(process.execPath, [path.join(dir, 'child.js'), target, String(MB)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout!.on('data', (d) => { out += d; });
        child.stderr!.on('data', (d) => { out += d; });
        const exited = new Promise<NodeJS.Signals | number | null>((r) => child!.on('exit', (code, sig) => r(sig ?? code)));
        // wait until a temp file is half written, then kill the writer in the middle of its save
        let temp: string | undefined;
        for (let polls = 0; polls < 200_000 && child.exitCode === null; polls++) {
          temp = fs.readdirSync(dir).find((n) => tempFileOwner(n, 'model.safetensors') === child!.pid);
          let size = 0;
          try { size = temp ? fs.statSync(path.join(dir, temp)).size : 0; } catch { /* renamed meanwhile */ }
          if (size > full / 4 && size < full) break;
          await sleep(1);
        }
        child.kill('SIGKILL');
        expect(await exited, out).toBe('SIGKILL');
        const saved = (out.match(/saved (\d+)/g) ?? []).map((s) => Number(s.slice(6)));
        const lastSaved = saved.length ? saved[saved.length - 1] : 0;

        // the target is a complete, valid file: the last finished save (or, if the kill landed
        // right after a rename, the one after it), never a torn mix
        const { tensors, metadata } = readSafetensorsSync(target);
        const gen = Number(metadata.gen);
        expect([lastSaved, lastSaved + 1]).toContain(gen);
        if (gen === 0) expect(fs.readFileSync(target)).toEqual(original);
        else {
          const w = tensors.w.data;
          expect(w.length).toBe(full / 4);
          let bad = -1;
          for (let i = 0; i < w.length && bad < 0; i++) if (w[i] !== gen) bad = i;
          expect(bad).toBe(-1);
        }
        const leftovers = fs.readdirSync(dir).filter((n) => tempFileOwner(n, 'model.safetensors') !== null);
        if (leftovers.length === 0) continue; // the kill landed between two saves: try again
        expect(leftovers).toEqual([temp]);

        // the next save removes the dead writer's temp file
        await writeFileAtomic(target, original);
        expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
        expect(readSafetensorsSync(target).metadata.gen).toBe('0');
        return;
      }
      throw new Error('never caught the writer in the middle of a save');
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

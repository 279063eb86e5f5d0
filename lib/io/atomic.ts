/**
 * Atomic file replacement: a reader (or a crash) sees either the old file or the complete new
 * one, never a torn write.
 *
 *   1. write the bytes to a temporary file in the same folder (same file system, so the rename
 *      is atomic), named `.<name>.<pid>.<random>.tmp`, created exclusively;
 *   2. fsync the temporary file (data on disk before the name points at it);
 *   3. rename it over the target;
 *   4. fsync the folder (the rename itself is durable).
 * A symlink target is followed: the file it points to is replaced and the link stays. The new
 * file gets the mode of the file it replaces (or options.mode).
 * On any error the temporary file is removed and the error is rethrown; the target is untouched.
 * A process killed mid-save leaves its temporary file behind: the next save to the same target
 * removes temporary files whose writing process no longer exists.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { typeError, assertString, assertNonNegativeInteger } from '../core/validate';
import { lazyModule } from '../core/lazy';

// Loaded on the first save, not with the package (see lib/core/lazy.ts).
const lazyCrypto = lazyModule(() => require('node:crypto') as typeof import('node:crypto'));

export type AtomicData = Uint8Array | readonly Uint8Array[];

export interface AtomicWriteOptions {
  /** File mode for a new file (default: the existing target's mode, else 0o666 minus umask). */
  mode?: number;
}

/** Largest single write (fs calls refuse lengths of 2 GiB and more). */
const WRITE_CHUNK = 1 << 30;

/** Longest part of the target's name kept in the temporary name (file names are <= 255 bytes). */
const MAX_BASE = 180;

function tempPrefix(base: string): string {
  return `.${base.slice(0, MAX_BASE)}.`;
}

/** Name of a fresh temporary file beside `target`. */
export function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  return path.join(dir, `${tempPrefix(base)}${process.pid}.${lazyCrypto().randomBytes(6).toString('hex')}.tmp`);
}

/** True if `name` is a temporary file of an atomic write to `base`; returns the writer's pid. */
export function tempFileOwner(name: string, base: string): number | null {
  const prefix = tempPrefix(base);
  if (!name.startsWith(prefix) || !name.endsWith('.tmp')) return null;
  const m = /^(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length));
  return m ? Number(m[1]) : null;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Removes temporary files left by killed writers of `target` (best effort, never throws). */
export function cleanStaleTempFiles(target: string): string[] {
  const dir = path.dirname(target);
  const base = path.basename(target);
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = tempFileOwner(name, base);
    if (pid === null || processAlive(pid)) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
      removed.push(name);
    } catch {
      // another process cleaned it first, or no permission: leave it
    }
  }
  return removed;
}

function checkArgs(file: unknown, data: unknown, opts: unknown): { chunks: Uint8Array[]; mode: number | undefined } {
  assertString(file, 'path');
  if ((file as string).length === 0) typeError('non-empty string', 'path', file);
  let chunks: Uint8Array[];
  if (data instanceof Uint8Array) chunks = [data];
  else if (Array.isArray(data) && data.every((c) => c instanceof Uint8Array)) chunks = data as Uint8Array[];
  else typeError('Uint8Array, Buffer or array of Uint8Array', 'data', data);
  let mode: number | undefined;
  if (opts !== undefined) {
    if (typeof opts !== 'object' || opts === null) typeError('object', 'options', opts);
    mode = (opts as AtomicWriteOptions).mode;
    if (mode !== undefined) assertNonNegativeInteger(mode, 'options.mode');
  }
  return { chunks: chunks!, mode };
}

function existingMode(file: string): number | undefined {
  try {
    return fs.statSync(file).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/** The file to replace: a symlink's target (the link stays a link), else the absolute path. */
function resolveTarget(file: string): string {
  const abs = path.resolve(file);
  try {
    return fs.realpathSync(abs);
  } catch {
    return abs; // does not exist yet (or a dangling link: replace the link itself)
  }
}

/** Sets the temp file's mode exactly (open's mode is masked by the umask); best effort. */
function fixModeSync(fd: number, mode: number | undefined): void {
  if (mode === undefined) return;
  try { fs.fchmodSync(fd, mode); } catch { /* not supported here (e.g. some Windows file systems) */ }
}

/** Directory fsync is not supported everywhere (Windows, some file systems): those codes are ignored. */
const DIR_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EINVAL', 'EPERM', 'EACCES', 'EBADF', 'ENOTSUP', 'EOPNOTSUPP']);

function syncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    if (!DIR_SYNC_UNSUPPORTED.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

async function syncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch (e) {
    if (!DIR_SYNC_UNSUPPORTED.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    if (fh !== undefined) await fh.close();
  }
}

/** Writes `data` (one buffer or a list of chunks, written in order) to `file` atomically. */
export function writeFileAtomicSync(file: string, data: AtomicData, opts?: AtomicWriteOptions): void {
  const { chunks, mode } = checkArgs(file, data, opts);
  const target = resolveTarget(file);
  cleanStaleTempFiles(target);
  const tmp = tempPathFor(target);
  const wantMode = mode ?? existingMode(target);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', wantMode ?? 0o666);
    fixModeSync(fd, wantMode);
    for (const chunk of chunks) {
      let off = 0;
      while (off < chunk.byteLength) off += fs.writeSync(fd, chunk, off, Math.min(chunk.byteLength - off, WRITE_CHUNK));
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) {
      try { fs.closeSync(fd); } catch { /* already failing */ }
    }
    try { fs.unlinkSync(tmp); } catch { /* never created or already renamed */ }
    throw e;
  }
  syncDirSync(path.dirname(target));
}

/**
 * Async variant of writeFileAtomicSync (same guarantees). The bytes are written from `data`
 * as it is while the write runs: callers must not change it until the promise settles.
 */
export async function writeFileAtomic(file: string, data: AtomicData, opts?: AtomicWriteOptions): Promise<void> {
  const { chunks, mode } = checkArgs(file, data, opts);
  const target = resolveTarget(file);
  cleanStaleTempFiles(target);
  const tmp = tempPathFor(target);
  const wantMode = mode ?? existingMode(target);
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(tmp, 'wx', wantMode ?? 0o666);
    if (wantMode !== undefined) {
      try { await fh.chmod(wantMode); } catch { /* not supported here */ }
    }
    for (const chunk of chunks) {
      let off = 0;
      while (off < chunk.byteLength) {
        const { bytesWritten } = await fh.write(chunk, off, Math.min(chunk.byteLength - off, WRITE_CHUNK));
        off += bytesWritten;
      }
    }
    await fh.sync();
    await fh.close();
    fh = undefined;
    await fsp.rename(tmp, target);
  } catch (e) {
    if (fh !== undefined) {
      try { await fh.close(); } catch { /* already failing */ }
    }
    try { await fsp.unlink(tmp); } catch { /* never created or already renamed */ }
    throw e;
  }
  await syncDir(path.dirname(target));
}

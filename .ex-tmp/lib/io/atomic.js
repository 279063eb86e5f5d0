"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.tempPathFor = tempPathFor;
exports.tempFileOwner = tempFileOwner;
exports.cleanStaleTempFiles = cleanStaleTempFiles;
exports.writeFileAtomicSync = writeFileAtomicSync;
exports.writeFileAtomic = writeFileAtomic;
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
const fs = __importStar(require("node:fs"));
const fsp = __importStar(require("node:fs/promises"));
const path = __importStar(require("node:path"));
const node_crypto_1 = require("node:crypto");
const validate_1 = require("../core/validate");
/** Largest single write (fs calls refuse lengths of 2 GiB and more). */
const WRITE_CHUNK = 1 << 30;
/** Longest part of the target's name kept in the temporary name (file names are <= 255 bytes). */
const MAX_BASE = 180;
function tempPrefix(base) {
    return `.${base.slice(0, MAX_BASE)}.`;
}
/** Name of a fresh temporary file beside `target`. */
function tempPathFor(target) {
    const dir = path.dirname(target);
    const base = path.basename(target);
    return path.join(dir, `${tempPrefix(base)}${process.pid}.${(0, node_crypto_1.randomBytes)(6).toString('hex')}.tmp`);
}
/** True if `name` is a temporary file of an atomic write to `base`; returns the writer's pid. */
function tempFileOwner(name, base) {
    const prefix = tempPrefix(base);
    if (!name.startsWith(prefix) || !name.endsWith('.tmp'))
        return null;
    const m = /^(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length));
    return m ? Number(m[1]) : null;
}
function processAlive(pid) {
    if (pid === process.pid)
        return true;
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (e) {
        return e.code === 'EPERM'; // exists, owned by someone else
    }
}
/** Removes temporary files left by killed writers of `target` (best effort, never throws). */
function cleanStaleTempFiles(target) {
    const dir = path.dirname(target);
    const base = path.basename(target);
    const removed = [];
    let names;
    try {
        names = fs.readdirSync(dir);
    }
    catch {
        return removed;
    }
    for (const name of names) {
        const pid = tempFileOwner(name, base);
        if (pid === null || processAlive(pid))
            continue;
        try {
            fs.unlinkSync(path.join(dir, name));
            removed.push(name);
        }
        catch {
            // another process cleaned it first, or no permission: leave it
        }
    }
    return removed;
}
function checkArgs(file, data, opts) {
    (0, validate_1.assertString)(file, 'path');
    if (file.length === 0)
        (0, validate_1.typeError)('non-empty string', 'path', file);
    let chunks;
    if (data instanceof Uint8Array)
        chunks = [data];
    else if (Array.isArray(data) && data.every((c) => c instanceof Uint8Array))
        chunks = data;
    else
        (0, validate_1.typeError)('Uint8Array, Buffer or array of Uint8Array', 'data', data);
    let mode;
    if (opts !== undefined) {
        if (typeof opts !== 'object' || opts === null)
            (0, validate_1.typeError)('object', 'options', opts);
        mode = opts.mode;
        if (mode !== undefined)
            (0, validate_1.assertNonNegativeInteger)(mode, 'options.mode');
    }
    return { chunks: chunks, mode };
}
function existingMode(file) {
    try {
        return fs.statSync(file).mode & 0o7777;
    }
    catch {
        return undefined;
    }
}
/** The file to replace: a symlink's target (the link stays a link), else the absolute path. */
function resolveTarget(file) {
    const abs = path.resolve(file);
    try {
        return fs.realpathSync(abs);
    }
    catch {
        return abs; // does not exist yet (or a dangling link: replace the link itself)
    }
}
/** Sets the temp file's mode exactly (open's mode is masked by the umask); best effort. */
function fixModeSync(fd, mode) {
    if (mode === undefined)
        return;
    try {
        fs.fchmodSync(fd, mode);
    }
    catch { /* not supported here (e.g. some Windows file systems) */ }
}
/** Directory fsync is not supported everywhere (Windows, some file systems): those codes are ignored. */
const DIR_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EINVAL', 'EPERM', 'EACCES', 'EBADF', 'ENOTSUP', 'EOPNOTSUPP']);
function syncDirSync(dir) {
    let fd;
    try {
        fd = fs.openSync(dir, 'r');
        fs.fsyncSync(fd);
    }
    catch (e) {
        if (!DIR_SYNC_UNSUPPORTED.has(e.code ?? ''))
            throw e;
    }
    finally {
        if (fd !== undefined)
            fs.closeSync(fd);
    }
}
async function syncDir(dir) {
    let fh;
    try {
        fh = await fsp.open(dir, 'r');
        await fh.sync();
    }
    catch (e) {
        if (!DIR_SYNC_UNSUPPORTED.has(e.code ?? ''))
            throw e;
    }
    finally {
        if (fh !== undefined)
            await fh.close();
    }
}
/** Writes `data` (one buffer or a list of chunks, written in order) to `file` atomically. */
function writeFileAtomicSync(file, data, opts) {
    const { chunks, mode } = checkArgs(file, data, opts);
    const target = resolveTarget(file);
    cleanStaleTempFiles(target);
    const tmp = tempPathFor(target);
    const wantMode = mode ?? existingMode(target);
    let fd;
    try {
        fd = fs.openSync(tmp, 'wx', wantMode ?? 0o666);
        fixModeSync(fd, wantMode);
        for (const chunk of chunks) {
            let off = 0;
            while (off < chunk.byteLength)
                off += fs.writeSync(fd, chunk, off, Math.min(chunk.byteLength - off, WRITE_CHUNK));
        }
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        fd = undefined;
        fs.renameSync(tmp, target);
    }
    catch (e) {
        if (fd !== undefined) {
            try {
                fs.closeSync(fd);
            }
            catch { /* already failing */ }
        }
        try {
            fs.unlinkSync(tmp);
        }
        catch { /* never created or already renamed */ }
        throw e;
    }
    syncDirSync(path.dirname(target));
}
/**
 * Async variant of writeFileAtomicSync (same guarantees). The bytes are written from `data`
 * as it is while the write runs: callers must not change it until the promise settles.
 */
async function writeFileAtomic(file, data, opts) {
    const { chunks, mode } = checkArgs(file, data, opts);
    const target = resolveTarget(file);
    cleanStaleTempFiles(target);
    const tmp = tempPathFor(target);
    const wantMode = mode ?? existingMode(target);
    let fh;
    try {
        fh = await fsp.open(tmp, 'wx', wantMode ?? 0o666);
        if (wantMode !== undefined) {
            try {
                await fh.chmod(wantMode);
            }
            catch { /* not supported here */ }
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
    }
    catch (e) {
        if (fh !== undefined) {
            try {
                await fh.close();
            }
            catch { /* already failing */ }
        }
        try {
            await fsp.unlink(tmp);
        }
        catch { /* never created or already renamed */ }
        throw e;
    }
    await syncDir(path.dirname(target));
}

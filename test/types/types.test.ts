// Type-level tests: test/types/consumer.ts (CommonJS-style resolution) and consumer-esm.mts (the
// ESM entry) are a user's files, type-checked by `tsc --strict` without skipLibCheck against the
// built declarations in dist/. Mistakes are `@ts-expect-error` lines: tsc fails when one compiles.
import { describe, it, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import ts from 'typescript';
import { ROOT, ensureDist } from '../cli/ensure-dist';

const DIR = path.join(ROOT, 'test', 'types');
const TSCONFIG = path.join(DIR, 'tsconfig.json');

beforeAll(async () => {
  await ensureDist();
}, 300_000);

describe('public types, as a strict TypeScript consumer sees them', () => {
  it('tsc --strict --noEmit (no skipLibCheck) accepts the correct usages and rejects every marked mistake', () => {
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', TSCONFIG, '--strict', '--noEmit', '--pretty', 'false'],
      { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it('once its marker is removed, each @ts-expect-error line is an error, and no other line is', () => {
    const parsed = ts.getParsedCommandLineOfConfigFile(TSCONFIG, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    expect(parsed.options.skipLibCheck).toBe(false);
    expect(parsed.options.strict).toBe(true);
    const marker = /\/\/ @ts-expect-error[^\n]*\n/g;
    const host = ts.createCompilerHost(parsed.options);
    const expectedLines = new Map<string, number[]>();
    const original = host.getSourceFile.bind(host);
    host.getSourceFile = (file, lang, onError) => {
      if (!parsed.fileNames.includes(path.resolve(file))) return original(file, lang, onError);
      const text = fs.readFileSync(file, 'utf8');
      const lines: number[] = [];
      // Replace each marker with an empty line so line numbers stay; the next line must error.
      const stripped = text.replace(marker, (m, offset: number) => {
        lines.push(text.slice(0, offset).split('\n').length + 1);
        return '\n'.repeat(m.split('\n').length - 1);
      });
      expectedLines.set(path.resolve(file), lines);
      return ts.createSourceFile(file, stripped, lang);
    };
    const program = ts.createProgram(parsed.fileNames, parsed.options, host);
    const diagnostics = ts.getPreEmitDiagnostics(program);
    const got = new Map<string, number[]>();
    for (const d of diagnostics) {
      expect(d.file, ts.flattenDiagnosticMessageText(d.messageText, '\n')).toBeDefined();
      const file = path.resolve(d.file!.fileName);
      const line = d.file!.getLineAndCharacterOfPosition(d.start!).line + 1;
      got.set(file, [...new Set([...(got.get(file) ?? []), line])].sort((a, b) => a - b));
    }
    const total = [...expectedLines.values()].reduce((n, l) => n + l.length, 0);
    expect(total).toBeGreaterThanOrEqual(20);
    for (const [file, lines] of expectedLines) expect(got.get(file) ?? [], path.basename(file)).toEqual(lines);
  }, 120_000);

  it("the README's TypeScript examples (its ```ts blocks, one program) type-check as a strict ES module", () => {
    const parsed = ts.getParsedCommandLineOfConfigFile(TSCONFIG, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    // A file that is never written: served to the compiler from memory, inside the package so
    // that 'nodegrad' resolves to the built package like it does for the consumer files.
    const virtual = path.join(DIR, 'readme-examples.mts');
    const host = ts.createCompilerHost(parsed.options);
    const original = host.getSourceFile.bind(host);
    host.getSourceFile = (file, lang, onError) => (path.resolve(file) === virtual
      ? ts.createSourceFile(file, blocks.join('\n') + '\nexport {};\n', lang) : original(file, lang, onError));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (file) => path.resolve(file) === virtual || fileExists(file);
    const program = ts.createProgram([virtual], parsed.options, host);
    const errors = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start!).line + 1}: ` : '';
      return where + ts.flattenDiagnosticMessageText(d.messageText, ' ');
    });
    expect(errors).toEqual([]);
  }, 120_000);
});

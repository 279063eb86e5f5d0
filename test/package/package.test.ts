// What the published package promises: its runtime dependencies are exactly what the compiled
// library loads, its public .d.ts files name no third-party types, and the Markdown it ships
// links only to files it ships.
import { describe, it, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { execFileSync } from 'node:child_process';
import { ROOT, ensureDist } from '../cli/ensure-dist';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string>;
};

function walk(dir: string, keep: (f: string) => boolean): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p, keep) : keep(p) ? [p] : [];
  });
}

const stripComments = (src: string): string => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"])\/\/.*$/gm, '$1');
const packageName = (spec: string): string => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
const isBuiltin = (spec: string): boolean => spec.startsWith('node:') || builtinModules.includes(packageName(spec));
const isBare = (spec: string): boolean => !spec.startsWith('.') && !spec.startsWith('/');

/** Packages a source file loads at run time (type-only imports excluded). */
function runtimeModules(src: string): string[] {
  const re = /(?:^\s*(?:import|export)\s+(?!type\b)[^;'"]*?from\s*|^\s*import\s*|\brequire(?:\.resolve)?\(\s*|\bimport\(\s*|\bimportEsm\(\s*)['"]([^'"]+)['"]/gm;
  return [...stripComments(src).matchAll(re)].map((m) => m[1]).filter((s) => isBare(s) && !isBuiltin(s)).map(packageName);
}

describe('package.json dependencies', () => {
  const libFiles = walk(path.join(ROOT, 'lib'), (f) => f.endsWith('.ts'));
  const used = new Map<string, string[]>();
  for (const f of libFiles) {
    for (const m of runtimeModules(fs.readFileSync(f, 'utf8'))) used.set(m, [...(used.get(m) ?? []), path.relative(ROOT, f)]);
  }

  it('every package the library loads at run time is a runtime dependency, pinned exactly', () => {
    expect(used.size).toBeGreaterThan(3); // the scan finds the imports it must find (commander, csv-parse, ...)
    const missing = [...used].filter(([m]) => !(m in pkg.dependencies)).map(([m, files]) => `${m} (${files.join(', ')})`);
    expect(missing).toEqual([]);
    for (const [name, version] of Object.entries(pkg.dependencies)) expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('every runtime dependency is used (by the library, binding.gyp or the install script)', () => {
    const gyp = fs.readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8');
    const build = new Set([...gyp.matchAll(/require\('([^']+)'\)/g)].map((m) => m[1]));
    const install = pkg.scripts.install?.split(/\s+/)[0];
    const unused = Object.keys(pkg.dependencies).filter((d) => !used.has(d) && !build.has(d) && d !== install);
    expect(unused).toEqual([]);
  });

  it('the scan sees requires, dynamic imports and skips type-only imports and comments', () => {
    expect(runtimeModules(`import type { X } from 'a';\nimport { y } from 'b';\nconst z = require('c/sub');\n` +
      `// require('d')\nawait import('@e/f/g');\nexport { w } from 'h';\nimport 'i';\nimport fs from 'node:fs';`))
      .toEqual(['b', 'c', '@e/f', 'h', 'i']);
  });
});

describe('public type declarations', () => {
  beforeAll(async () => { await ensureDist(); }, 300_000);

  it('dist/**/*.d.ts and .d.mts reference only nodegrad\'s own files and Node built-ins', () => {
    const files = walk(path.join(ROOT, 'dist'), (f) => /\.d\.m?ts$/.test(f));
    expect(files.length).toBeGreaterThan(20);
    const foreign: string[] = [];
    const re = /(?:\bfrom\s*|\bimport\(\s*|\brequire\(\s*|^\s*import\s*|reference\s+types\s*=\s*)['"]([^'"]+)['"]/gm;
    for (const f of files) {
      const src = fs.readFileSync(f, 'utf8');
      for (const m of src.matchAll(/\/\/\/\s*<reference\s+types\s*=\s*"([^"]+)"/g)) foreign.push(`${path.relative(ROOT, f)}: ${m[1]}`);
      for (const m of stripComments(src).matchAll(re)) {
        if (isBare(m[1]) && !isBuiltin(m[1])) foreign.push(`${path.relative(ROOT, f)}: ${m[1]}`);
      }
    }
    expect(foreign).toEqual([]);
  });
});

describe('shipped Markdown', () => {
  it('README.md and the docs it links to link only to files in the package', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'] });
    const files = new Set((JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
    expect(files.has('README.md')).toBe(true);
    const broken: string[] = [];
    const queue = ['README.md'];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const md = queue.shift()!;
      if (seen.has(md)) continue;
      seen.add(md);
      const text = fs.readFileSync(path.join(ROOT, md), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1].split('#')[0];
        if (target === '' || /^[a-z]+:/i.test(target)) continue; // in-page anchors, absolute URLs
        const rel = path.posix.normalize(path.posix.join(path.posix.dirname(md), target));
        if (!files.has(rel)) broken.push(`${md} -> ${m[1]}`);
        else if (rel.endsWith('.md')) queue.push(rel);
      }
    }
    expect(seen.size).toBeGreaterThan(1); // README does link to docs
    expect(broken).toEqual([]);
  }, 60_000);
});

describe('publishing', () => {
  const run = (root: string) => {
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'check-prebuilds.js'), root], { stdio: 'pipe' });
      return { code: 0, stderr: '' };
    } catch (e) {
      const err = e as { status: number; stderr: Buffer };
      return { code: err.status, stderr: err.stderr.toString() };
    }
  };

  it('npm publish first checks that the prebuilt binaries are there (prepublishOnly), naming what is missing', () => {
    expect(pkg.scripts.prepublishOnly).toBe('node scripts/check-prebuilds.js');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrad-prebuilds-check-'));
    try {
      let r = run(root);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('prebuilds/linux-x64/nodegrad.glibc.node and prebuilds/linux-arm64/nodegrad.glibc.node are missing');
      for (const p of ['linux-x64', 'linux-arm64']) fs.mkdirSync(path.join(root, 'prebuilds', p), { recursive: true });
      fs.writeFileSync(path.join(root, 'prebuilds', 'linux-x64', 'nodegrad.glibc.node'), 'binary');
      fs.writeFileSync(path.join(root, 'prebuilds', 'linux-arm64', 'nodegrad.glibc.node'), '');
      r = run(root);
      expect(r.code).toBe(1); // an empty file is no binary
      expect(r.stderr).toContain('but prebuilds/linux-arm64/nodegrad.glibc.node is missing');
      fs.writeFileSync(path.join(root, 'prebuilds', 'linux-arm64', 'nodegrad.glibc.node'), 'binary');
      expect(run(root)).toEqual({ code: 0, stderr: '' });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

// The op binding list in native/cpu/ops/README.md is the contract the TypeScript layer codes
// against: every function it names must exist in the addon, and every function registered by
// native/binding/ops_*.cc must be listed there (so the two cannot drift apart).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { native } from '../helpers/native';

const root = path.join(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'native', 'cpu', 'ops', 'README.md'), 'utf8');
const bindingDir = path.join(root, 'native', 'binding');

/** Names registered by the op binding files: string literals that name an addon function. */
function registeredNames(): string[] {
  const names = new Set<string>();
  for (const f of fs.readdirSync(bindingDir)) {
    if (!/^ops_.*\.cc$/.test(f)) continue;
    const src = fs.readFileSync(path.join(bindingDir, f), 'utf8');
    const block = src.slice(src.indexOf('NG_BINDING('));
    for (const m of block.matchAll(/"([a-z][A-Za-z0-9]*)"/g)) names.add(m[1]);
  }
  return [...names].sort();
}

/** Names documented in the README's binding tables: `name(` inside backticks. */
function documentedNames(): string[] {
  const names = new Set<string>();
  for (const m of readme.matchAll(/`([a-z][A-Za-z0-9]*)\(/g)) names.add(m[1]);
  // "(also `subForward`, `mulForward`, `divForward`)"
  for (const m of readme.matchAll(/\(also ((?:`[a-z][A-Za-z0-9]*`(?:, )?)+)\)/g)) {
    for (const k of m[1].matchAll(/`([a-z][A-Za-z0-9]*)`/g)) names.add(k[1]);
  }
  return [...names].sort();
}

describe('op binding list (native/cpu/ops/README.md)', () => {
  const registered = registeredNames().filter((n) => typeof native[n] === 'function');
  const documented = documentedNames();

  it('registers a substantial set of op functions', () => {
    expect(registered.length).toBeGreaterThan(100);
  });

  it('every documented function exists in the addon', () => {
    const missing = documented.filter((n) => typeof native[n] !== 'function');
    expect(missing).toEqual([]);
  });

  it('every registered op function is documented', () => {
    const undocumented = registered.filter((n) => !documented.includes(n));
    expect(undocumented).toEqual([]);
  });
});

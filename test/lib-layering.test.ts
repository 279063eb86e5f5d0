// Layering check: the import graph of lib/**/*.ts (type-only and literal dynamic imports included) has no cycles.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';

const LIB = path.resolve(__dirname, '..', 'lib');

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/**
 * Relative module specifiers of static `import ... from`, `import type ... from`, `export ... from`,
 * `import 'x'` and dynamic `import('x')` with a literal specifier.
 */
export function importSpecifiers(source: string): string[] {
  const noComments = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const specs: string[] = [];
  const re = /(?:^|[;\n])\s*(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g;
  for (const m of noComments.matchAll(re)) specs.push(m[1]);
  for (const m of noComments.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]);
  return specs.filter((s) => s.startsWith('.'));
}

function resolveSpec(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const cand of [base + '.ts', path.join(base, 'index.ts'), base]) {
    if (cand.endsWith('.ts') && fs.existsSync(cand)) return cand;
  }
  return undefined;
}

function findCycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's strongly connected components; any component of size > 1 (or a self-loop) is a cycle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return cycles;
}

describe('lib layering', () => {
  it('parses import forms, including import type and export from', () => {
    const src = [
      "import { a } from './a';",
      "import type { B } from '../b';",
      "export { c } from './c';",
      "export * from './d';",
      "import './side';",
      "import fs from 'node:fs';",
      "// import { x } from './commented';",
      "const m = await import('./dynamic');",
    ].join('\n');
    expect(importSpecifiers(src)).toEqual(['./a', '../b', './c', './d', './side', './dynamic']);
  });

  it('detects a cycle in a small graph', () => {
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    expect(findCycles(g)).toEqual([['a', 'b', 'c']]);
  });

  it('has no import cycles among lib/**/*.ts (type-only and dynamic imports included)', () => {
    const graph = new Map<string, string[]>();
    for (const file of listTs(LIB)) {
      const deps = importSpecifiers(fs.readFileSync(file, 'utf8'))
        .map((s) => resolveSpec(file, s))
        .filter((d): d is string => d !== undefined);
      graph.set(file, deps);
    }
    expect(graph.size).toBeGreaterThan(50);
    const cycles = findCycles(graph).map((c) => c.map((f) => path.relative(LIB, f)));
    expect(cycles).toEqual([]);
  });
});

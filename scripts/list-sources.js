#!/usr/bin/env node
// The one list of native sources, shared by binding.gyp and CMakeLists.txt:
// every .cc under native/ except the optional backends (native/cuda, native/dist).
// Usage: node scripts/list-sources.js [--cmake]   (prints paths relative to the package root)
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const skip = new Set(['native/cuda', 'native/dist']);

function walk(rel, out) {
  if (skip.has(rel)) return;
  const entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const r = `${rel}/${e.name}`;
    if (e.isDirectory()) walk(r, out);
    else if (e.name.endsWith('.cc')) out.push(r);
  }
  return out;
}

const list = walk('native', []);
process.stdout.write(process.argv.includes('--cmake') ? list.join(';') : list.join('\n') + '\n');

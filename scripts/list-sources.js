#!/usr/bin/env node
// The one list of native sources, shared by binding.gyp and CMakeLists.txt:
// every .cc under native/ except the optional backends (native/cuda, native/dist).
// Usage: node scripts/list-sources.js [--cmake] [--cuda|--cuda-cu]   (paths relative to the package root)
//   --cuda     the host sources of the CUDA addon (nodegrad_cuda.node): the backend registry, the
//              shared kind helpers of native/binding (built with NG_DEVICE_ARGS) and native/cuda/*.cc
//   --cuda-cu  its device sources, native/cuda/*.cu (compiled by nvcc)
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

// Binding files the CUDA addon shares with the main one: the op functions and kind helpers.
function cudaHostSources() {
  const binding = fs.readdirSync(path.join(root, 'native/binding')).sort()
    .filter((f) => /^(kind_.*|args|ops|registry)\.cc$/.test(f)).map((f) => `native/binding/${f}`);
  const own = fs.readdirSync(path.join(root, 'native/cuda')).sort().filter((f) => f.endsWith('.cc'))
    .map((f) => `native/cuda/${f}`);
  return ['native/backend/backend.cc', ...binding, ...own];
}

function cudaDeviceSources() {
  return fs.readdirSync(path.join(root, 'native/cuda')).sort().filter((f) => f.endsWith('.cu'))
    .map((f) => `native/cuda/${f}`);
}

const list = process.argv.includes('--cuda') ? cudaHostSources()
  : process.argv.includes('--cuda-cu') ? cudaDeviceSources() : walk('native', []);
process.stdout.write(process.argv.includes('--cmake') ? list.join(';') : list.join('\n') + '\n');

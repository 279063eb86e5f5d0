#!/usr/bin/env node
// Builds the addon in its own folder with other compiler flags, without touching build/:
//   node scripts/build-variant.js sanitize   ASan + UBSan build -> build-sanitize/Release/nodegrad.node
//   node scripts/build-variant.js arm64      cross-compiled for linux-arm64 (aarch64-linux-gnu-g++)
//                                            -> build-arm64/Release/nodegrad.node
// Same sources (scripts/list-sources.js) and defines as binding.gyp. Incremental: an object is
// rebuilt when its source or any header it includes (gcc -MMD) is newer. Load a variant with
// NODEGRAD_ADDON_PATH=<file> (lib/native.ts and test/helpers/native.ts honour it).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const variants = {
  sanitize: {
    cxx: 'g++',
    flags: ['-march=x86-64-v2', '-O1', '-g', '-fno-omit-frame-pointer',
      '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined'],
    ldflags: ['-fsanitize=address,undefined'],
  },
  arm64: {
    cxx: 'aarch64-linux-gnu-g++',
    flags: ['-O3', '-march=armv8-a'],
    ldflags: [],
  },
};

const name = process.argv[2];
const v = variants[name];
if (!v) {
  console.error(`usage: node scripts/build-variant.js <${Object.keys(variants).join('|')}>`);
  process.exit(2);
}

const out = path.join(root, `build-${name}`);
const objDir = path.join(out, 'obj');
const target = path.join(out, 'Release', 'nodegrad.node');
const nodeInclude = (() => {
  const candidates = [path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
  if (!found) throw new Error(`node headers (node_api.h) not found in ${candidates.join(', ')}`);
  return found;
})();
const common = [
  '-std=c++17', '-fPIC', '-pthread', '-fopenmp', '-fexceptions', '-frtti',
  '-fno-math-errno', '-fno-trapping-math', '-Wall', '-Wextra', '-Wno-unused-parameter',
  '-DNAPI_VERSION=8', '-DNODE_ADDON_API_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED',
  '-DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS', '-DBUILDING_NODE_EXTENSION',
  `-I${nodeInclude}`, `-I${require('node-addon-api').include_dir}`, `-I${path.join(root, 'native')}`,
];

const sources = execFileSync(process.execPath, [path.join(root, 'scripts', 'list-sources.js')], { encoding: 'utf8' })
  .split('\n').filter(Boolean);

function mtime(p) {
  try { return fs.statSync(p).mtimeMs; } catch { return -1; }
}

// Up to date when the object exists and is newer than every dependency gcc listed for it.
function upToDate(obj, dep) {
  const t = mtime(obj);
  if (t < 0 || !fs.existsSync(dep)) return false;
  const deps = fs.readFileSync(dep, 'utf8').replace(/\\\n/g, ' ').split(':').slice(1).join(':')
    .split(/\s+/).filter(Boolean);
  return deps.every((d) => { const m = mtime(d); return m >= 0 && m <= t; });
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: 'inherit' });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

async function main() {
  fs.mkdirSync(objDir, { recursive: true });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const jobs = [];
  const objects = [];
  for (const src of sources) {
    const obj = path.join(objDir, src.replace(/[/\\]/g, '_').replace(/\.cc$/, '.o'));
    const dep = obj.replace(/\.o$/, '.d');
    objects.push(obj);
    if (!upToDate(obj, dep)) jobs.push([src, obj, dep]);
  }
  const parallel = Math.max(1, Number(process.env.JOBS) || Math.min(os.cpus().length, 4));
  let next = 0;
  async function worker() {
    while (next < jobs.length) {
      const [src, obj, dep] = jobs[next++];
      console.log(`  CXX(${name}) ${src}`);
      await run(v.cxx, [...common, ...v.flags, '-MMD', '-MF', dep, '-c', path.join(root, src), '-o', obj]);
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker));
  if (jobs.length > 0 || mtime(target) < 0) {
    console.log(`  LINK(${name}) ${path.relative(root, target)}`);
    await run(v.cxx, ['-shared', '-pthread', '-fopenmp', ...v.ldflags, ...objects, '-o', target]);
  }
  console.log(`built ${path.relative(root, target)}`);
}

main().catch((e) => { console.error(e.message); process.exit(1); });

#!/usr/bin/env node
// Facts the CUDA addon build needs (binding.gyp, scripts/cuda-compile-check.sh):
//   --nvcc      the nvcc to run        --home     the toolkit root (CUDA_HOME, CUDA_PATH or nvcc's TOP)
//   --include   <home>/include         --lib      the folder holding libcudart_static.a
//   --gencode   the -gencode flags: sm_80 and sm_90 machine code plus compute_90 PTX
// Exits 1 with a message naming what is missing when no CUDA toolkit is found.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ARCHS = ['80', '90'];

function fail(msg) {
  process.stderr.write(`nodegrad cuda build: ${msg}\n`);
  process.exit(1);
}

function nvccPath() {
  for (const env of ['CUDA_HOME', 'CUDA_PATH']) {
    const h = process.env[env];
    if (h && fs.existsSync(path.join(h, 'bin', 'nvcc'))) return path.join(h, 'bin', 'nvcc');
  }
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(dir, 'nvcc');
    if (dir && fs.existsSync(p)) return p;
  }
  if (fs.existsSync('/usr/local/cuda/bin/nvcc')) return '/usr/local/cuda/bin/nvcc';
  return fail('nvcc was not found (set CUDA_HOME or put the CUDA toolkit\'s bin/ on PATH; CUDA 12 or 13 is needed)');
}

function home(nvcc) {
  for (const env of ['CUDA_HOME', 'CUDA_PATH']) {
    const h = process.env[env];
    if (h && fs.existsSync(path.join(h, 'include', 'cuda_runtime.h'))) return path.resolve(h);
  }
  // nvcc --dryrun prints its settings (TOP = the toolkit root) on stderr.
  const r = spawnSync(nvcc, ['--dryrun', '-E', '-x', 'cu', '/dev/null'], { encoding: 'utf8' });
  const out = `${r.stdout || ''}${r.stderr || ''}`;
  const m = /TOP=(\S+)/.exec(out);
  const top = m ? path.resolve(m[1]) : path.resolve(path.dirname(nvcc), '..');
  if (!fs.existsSync(path.join(top, 'include', 'cuda_runtime.h'))) fail(`no CUDA headers under ${top}/include`);
  return top;
}

function libDir(top) {
  for (const d of ['lib64', 'lib', 'targets/x86_64-linux/lib', 'targets/sbsa-linux/lib']) {
    if (fs.existsSync(path.join(top, d, 'libcudart_static.a'))) return path.join(top, d);
  }
  return fail(`libcudart_static.a was not found under ${top}`);
}

const nvcc = nvccPath();
const arg = process.argv[2];
if (arg === '--nvcc') process.stdout.write(nvcc);
else if (arg === '--home') process.stdout.write(home(nvcc));
else if (arg === '--include') process.stdout.write(path.join(home(nvcc), 'include'));
else if (arg === '--lib') process.stdout.write(libDir(home(nvcc)));
else if (arg === '--gencode') {
  const flags = ARCHS.map((a) => `-gencode=arch=compute_${a},code=sm_${a}`);
  flags.push(`-gencode=arch=compute_${ARCHS[ARCHS.length - 1]},code=compute_${ARCHS[ARCHS.length - 1]}`);
  process.stdout.write(flags.join(' '));
} else fail('usage: node scripts/cuda-config.js --nvcc|--home|--include|--lib|--gencode');

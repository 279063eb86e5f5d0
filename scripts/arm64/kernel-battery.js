#!/usr/bin/env node
// Cross-architecture kernel check. Calls every function the addon exports with a valid call
// (the N-API fuzzer's learned signature) on seeded random data at a few sizes, and records
// every array argument after the call (outputs are written in place) plus the return value.
//   node scripts/arm64/kernel-battery.js record <file.json>    (on x86-64: the reference)
//   node scripts/arm64/kernel-battery.js compare <file.json>   (on arm64 under qemu: must match)
// Also checks GEMM against a naive reference at awkward sizes on the machine it runs on.
// Values must agree to 1e-4 relative (+1e-5 absolute): FMA contraction and vector widths differ
// between the x86 kernels and the portable ones. Functions whose results depend on the host
// (ISA, thread count, build info, memory stats) are compared only for not throwing.
'use strict';
const fs = require('fs');
const path = require('path');
const { discoverAll, rng, flatten } = require('../fuzz/napi');

const native = flatten(process.env.NODEGRAD_ADDON_PATH
  ? require(path.resolve(process.env.NODEGRAD_ADDON_PATH))
  : require('node-gyp-build')(path.join(__dirname, '..', '..')));

const HOST_DEPENDENT = new Set(['activeIsa', 'buildInfo', 'detectIsa', 'getIsa', 'setIsa', 'gemmInfo', 'getNumThreads',
  'setNumThreads', 'memoryStats', 'poolTrim', 'setMaxAllocation', 'alignmentPadding', 'opTable']);
const SIZES = [2, 3, 7];

function argsFor(sig, size, r) {
  const args = new Array(sig.arity).fill(undefined);
  for (const s of sig.slots) {
    const len = Math.max(s.len ?? 0, 512);
    switch (s.kind) {
      case 'f32': case 'f32n': args[s.pos] = Float32Array.from({ length: len }, () => r.next() * 2 - 0.5); break;
      case 'mask': args[s.pos] = Float32Array.from({ length: len }, () => (r.chance(0.5) ? 2 : 0)); break;
      case 'i32': case 'i32n': args[s.pos] = Int32Array.from({ length: len }, () => r.int(2)); break;
      case 'f32list': args[s.pos] = Array.from({ length: s.count }, () => Float32Array.from({ length: len }, () => r.next())); break;
      case 'shape': args[s.pos] = [size, 2]; break;
      case 'int': {
        const lo = s.lo ?? 0;
        const hi = s.hi ?? Infinity;
        args[s.pos] = hi <= 3 ? Math.max(lo, Math.min(hi, 1)) : Math.max(lo, Math.min(hi, size));
        break;
      }
      case 'num': args[s.pos] = s.value ?? 0.5; break;
      case 'bool': args[s.pos] = false; break;
      case 'str': args[s.pos] = s.value ?? (s.choices && s.choices[0]) ?? 'generic'; break;
      case 'ab': args[s.pos] = new ArrayBuffer(64); break;
      default: break;
    }
  }
  return args;
}

// NaN and +-Infinity as strings (JSON has no such numbers).
const enc = (v) => (Number.isFinite(v) ? v : String(v));

function snapshot(args, ret) {
  const arrays = [];
  for (const a of args) {
    if (a instanceof Float32Array || a instanceof Int32Array) arrays.push(Array.from(a, enc));
    else if (Array.isArray(a) && a[0] instanceof Float32Array) for (const x of a) arrays.push(Array.from(x, enc));
  }
  return { arrays, ret: typeof ret === 'number' ? enc(ret) : null };
}

function battery() {
  const out = {};
  for (const sig of discoverAll(native)) {
    if (HOST_DEPENDENT.has(sig.name) || !sig.ok) continue;
    for (const size of SIZES) {
      const r = rng(size * 7919 + sig.name.length);
      const args = argsFor(sig, size, r);
      let res;
      try {
        res = snapshot(args, native[sig.name](...args));
      } catch (e) {
        res = { error: e.message };
      }
      out[`${sig.name}/${size}`] = res;
    }
  }
  return out;
}

function close(a, b) {
  if (typeof a === 'string' || typeof b === 'string') return String(a) === String(b);
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= 1e-5 + 1e-4 * Math.max(Math.abs(a), Math.abs(b));
}

function gemmCheck() {
  const r = rng(99);
  let checked = 0;
  for (const [M, N, K] of [[1, 1, 1], [37, 29, 53], [64, 65, 63], [6, 16, 256], [130, 3, 17]]) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const A = Float32Array.from({ length: M * K }, () => r.next() - 0.5);
        const B = Float32Array.from({ length: K * N }, () => r.next() - 0.5);
        const C1 = Float32Array.from({ length: M * N }, () => r.next());
        // The naive reference in double precision.
        const C2 = Float64Array.from(C1, (c) => 0.5 * c);
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < N; j++) {
            let acc = 0;
            for (let k = 0; k < K; k++) acc += (tA ? A[k * M + i] : A[i * K + k]) * (tB ? B[j * K + k] : B[k * N + j]);
            C2[i * N + j] += 1.5 * acc;
          }
        }
        native.gemm(tA, tB, M, N, K, 1.5, A, tA ? M : K, B, tB ? K : N, 0.5, C1, N, null, 0);
        for (let i = 0; i < C1.length; i++) {
          if (!close(C1[i], C2[i])) throw new Error(`gemm ${M}x${N}x${K} tA=${tA} tB=${tB}: C[${i}] ${C1[i]} vs reference ${C2[i]}`);
        }
        checked++;
      }
    }
  }
  return checked;
}

function main() {
  const [mode, file] = process.argv.slice(2);
  if (!['record', 'compare'].includes(mode) || !file) {
    console.error('usage: kernel-battery.js record|compare <file.json>');
    process.exit(2);
  }
  const gemms = gemmCheck();
  const got = battery();
  if (mode === 'record') {
    fs.writeFileSync(file, JSON.stringify(got));
    console.log(`recorded ${Object.keys(got).length} calls (${process.arch}); gemm vs a naive reference: ${gemms} cases agree`);
    return;
  }
  const want = JSON.parse(fs.readFileSync(file, 'utf8'));
  const problems = [];
  let values = 0;
  for (const [k, w] of Object.entries(want)) {
    const g = got[k];
    if (!g) { problems.push(`${k}: missing`); continue; }
    if (w.error || g.error) {
      if (w.error !== g.error) problems.push(`${k}: error ${JSON.stringify(g.error)} vs ${JSON.stringify(w.error)}`);
      continue;
    }
    if (w.ret !== null && !close(g.ret, w.ret)) problems.push(`${k}: returned ${g.ret} vs ${w.ret}`);
    w.arrays.forEach((arr, j) => {
      for (let i = 0; i < arr.length; i++) {
        values++;
        if (!close(g.arrays[j][i], arr[i])) { problems.push(`${k}: array ${j}[${i}] ${g.arrays[j][i]} vs ${arr[i]}`); break; }
      }
    });
  }
  const fns = new Set(Object.keys(want).map((k) => k.split('/')[0]));
  if (problems.length) {
    console.error(`${problems.length} mismatches (${process.arch} vs reference):\n  ${problems.slice(0, 40).join('\n  ')}`);
    process.exit(1);
  }
  console.log(`${process.arch}: ${Object.keys(want).length} calls of ${fns.size} functions match the reference (${values} values); ` +
    `gemm vs a naive reference: ${gemms} cases agree`);
}

main();

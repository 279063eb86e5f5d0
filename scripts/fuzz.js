#!/usr/bin/env node
// N-API fuzzer driver (npm run fuzz = 100,000 calls). The calls run in child processes, a chunk
// at a time, so a crash or abort shows up as a failed child instead of taking the driver down;
// the driver then replays the call that was running alone and prints the command that
// reproduces it. Exit status 0 only when every call returned or threw a well-formed JS error.
//
//   node scripts/fuzz.js [--calls N] [--seed S] [--chunk C]
//   node scripts/fuzz.js --seed S --from I --to J --child     (one chunk, in this process)
//   node scripts/fuzz.js --signatures                          (print the learned signatures)
// The addon is the normal build, or NODEGRAD_ADDON_PATH (e.g. the ASan build).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { discoverAll, fuzz, describeArg, flatten } = require('./fuzz/napi');

function opt(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const has = (name) => process.argv.includes(`--${name}`);

function loadAddon() {
  const p = process.env.NODEGRAD_ADDON_PATH;
  return flatten(p ? require(path.resolve(p)) : require('node-gyp-build')(path.join(__dirname, '..')));
}

function child() {
  const native = loadAddon();
  const seed = opt('seed', 1);
  const from = opt('from', 0);
  const to = opt('to', from + 1000);
  const progress = process.env.NODEGRAD_FUZZ_PROGRESS;
  const fd = progress ? fs.openSync(progress, 'w') : null;
  const verbose = has('verbose');
  const signatures = discoverAll(native);
  const stats = fuzz(native, {
    seed, from, to, signatures,
    log: (i, name, args) => {
      if (fd !== null) fs.writeSync(fd, `${String(i).padStart(10)} ${name.padEnd(40)}`, 0);
      if (verbose) console.log(`call ${i}: ${name}(${args.map(describeArg).join(', ')})`);
    },
  });
  process.stdout.write(JSON.stringify(stats) + '\n');
}

function main() {
  if (has('signatures')) {
    for (const s of discoverAll(loadAddon())) {
      console.log(`${s.name}(${s.slots.map((x) => `${x.pos}:${x.name}:${x.kind}`).join(', ')})`);
    }
    return;
  }
  if (has('child')) return child();
  const calls = opt('calls', 10000);
  const seed = opt('seed', 1);
  const chunk = opt('chunk', 10000);
  const progress = path.join(os.tmpdir(), `nodegrad-fuzz-${process.pid}.progress`);
  const totals = { calls: 0, ok: 0, threw: 0, functions: new Set() };
  const t0 = Date.now();
  for (let from = 0; from < calls; from += chunk) {
    const to = Math.min(calls, from + chunk);
    const r = spawnSync(process.execPath, [__filename, '--child', '--seed', String(seed), '--from', String(from), '--to', String(to)],
      // A hang is a failure too: a chunk normally takes seconds (minutes under ASan on a busy machine).
      { env: { ...process.env, NODEGRAD_FUZZ_PROGRESS: progress }, encoding: 'utf8', maxBuffer: 64 << 20,
        timeout: opt('chunk-timeout-s', 900) * 1000, killSignal: 'SIGKILL' });
    if (r.error && r.error.code === 'ETIMEDOUT') console.error('FAIL: the chunk did not finish in time (a hang)');
    if (r.status !== 0) {
      const last = fs.existsSync(progress) ? fs.readFileSync(progress, 'utf8').trim().split(/\s+/) : [];
      const at = Number(last[0]);
      console.error(`FAIL: calls ${from}..${to} of seed ${seed} ended with ${r.signal ? `signal ${r.signal}` : `exit code ${r.status}`}`);
      console.error((r.stderr || '').split('\n').slice(-30).join('\n'));
      if (Number.isInteger(at)) {
        console.error(`the call running: #${at} ${last[1]}; replay it with:`);
        console.error(`  node scripts/fuzz.js --child --verbose --seed ${seed} --from ${at} --to ${at + 1}`);
      }
      fs.rmSync(progress, { force: true });
      process.exit(1);
    }
    const stats = JSON.parse(r.stdout.trim().split('\n').pop());
    totals.calls += stats.calls;
    totals.ok += stats.ok;
    totals.threw += stats.threw;
    for (const k of Object.keys(stats.byFunction)) totals.functions.add(k);
  }
  fs.rmSync(progress, { force: true });
  console.log(`fuzz: seed ${seed}: ${totals.calls} calls over ${totals.functions.size} functions: ` +
    `${totals.ok} returned, ${totals.threw} threw a JS error, 0 crashes (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

main();

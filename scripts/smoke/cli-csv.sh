#!/usr/bin/env bash
# Packed-tarball smoke test of the CLI on a CSV with a categorical column:
#   bash scripts/smoke/cli-csv.sh <appDir> <repoRoot>
# <appDir> has nodegrad installed from the tarball; PATH may hold only node, npm and sh, so
# every file operation below is done by node. Trains on test/fixtures/csv/seattle-weather-small.csv
# (date column ignored), then predicts on a file with a subset of the categories (must succeed and
# give an identical row the same prediction) and on one with an unseen category (must fail, naming
# the column and value; succeeds with --unknown-category ignore). Exits nonzero on any mismatch.
set -euo pipefail
app=${1:?usage: cli-csv.sh <appDir> <repoRoot>}
root=${2:?usage: cli-csv.sh <appDir> <repoRoot>}
cd "$app"
work=cli-csv-smoke
nodegrad() { node node_modules/.bin/nodegrad "$@"; }
fail() { echo "cli-csv: FAIL: $*" >&2; exit 1; }

# Inputs: the training file, a subset of the categories (columns reordered, no date), an unseen category.
node - "$root/test/fixtures/csv/seattle-weather-small.csv" "$work" <<'EOF'
const fs = require('fs');
const [src, dir] = process.argv.slice(2);
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir);
const lines = fs.readFileSync(src, 'utf8').trim().split('\n');
const rows = lines.slice(1).map((l) => l.split(','));
const fog = rows.find((r) => r[5] === 'fog');
const sunRain = rows.filter((r) => r[5] === 'sun' || r[5] === 'rain').slice(0, 4);
// Columns: date,precipitation,temp_max,temp_min,wind,weather
const reorder = (r) => [r[5], r[4], r[3], r[1]].join(',');
fs.writeFileSync(`${dir}/train.csv`, lines.join('\n') + '\n');
fs.writeFileSync(`${dir}/subset.csv`, ['weather,wind,temp_min,precipitation', ...[fog, ...sunRain].map(reorder)].join('\n') + '\n');
fs.writeFileSync(`${dir}/unseen.csv`, ['weather,wind,temp_min,precipitation', reorder(fog), reorder([...sunRain[0].slice(0, 5), 'hail'])].join('\n') + '\n');
fs.writeFileSync(`${dir}/fog-index.txt`, String(rows.indexOf(fog)));
EOF

nodegrad train --data "$work/train.csv" --target temp_max --categorical weather --ignore-columns date \
  --epochs 5 --layers 8 --quiet --out "$work/model" || fail "train exited with $?"
nodegrad predict "$work/model/model.safetensors" --input "$work/train.csv" --output "$work/all.json" > /dev/null \
  || fail "predict on the training file exited with $?"
nodegrad predict "$work/model/model.safetensors" --input "$work/subset.csv" --output "$work/subset.json" > /dev/null \
  || fail "predict on a file with a subset of the categories exited with $?"
nodegrad predict "$work/model/model.safetensors" --input "$work/unseen.csv" --unknown-category ignore --output "$work/ignore.json" > /dev/null \
  || fail "predict --unknown-category ignore exited with $?"
status=0
nodegrad predict "$work/model/model.safetensors" --input "$work/unseen.csv" > "$work/unseen.out" 2> "$work/unseen.err" || status=$?
[ "$status" -ne 0 ] || fail "predict on an unseen category exited 0"

node - "$work" <<'EOF'
const fs = require('fs');
const dir = process.argv[2];
const read = (f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8')).map((p) => p.prediction);
const fail = (msg) => { console.error(`cli-csv: FAIL: ${msg}`); process.exit(1); };
const all = read('all.json');
const want = all[Number(fs.readFileSync(`${dir}/fog-index.txt`, 'utf8'))];
if (all.length !== 73 || typeof want !== 'number' || !Number.isFinite(want)) fail(`expected 73 numeric predictions, got ${JSON.stringify(all.slice(0, 3))}...`);
for (const [f, n] of [['subset.json', 5], ['ignore.json', 2]]) {
  const got = read(f);
  if (got.length !== n) fail(`${f}: expected ${n} predictions, got ${got.length}`);
  if (Math.abs(got[0] - want) > 1e-4 * (1 + Math.abs(want))) fail(`${f}: the identical "fog" row predicted ${got[0]}, the training file gives ${want}`);
}
const err = fs.readFileSync(`${dir}/unseen.err`, 'utf8');
if (!/^nodegrad: error: Expected one of the known categories \(drizzle, fog, rain, snow, sun\) for \S+ row 3 column "weather" but received "hail"/.test(err)) {
  fail(`unclear message for an unseen category: ${JSON.stringify(err)}`);
}
if (fs.readFileSync(`${dir}/unseen.out`, 'utf8') !== '') fail('predictions printed despite the unseen category');
EOF

# Text labels as the target, and bench (not shipped) neither listed nor crashing.
nodegrad train --data "$work/train.csv" --target weather --ignore-columns date --epochs 2 --layers 8 --quiet --out "$work/cls" \
  || fail "train --target weather exited with $?"
nodegrad --help > "$work/help.txt"
status=0
nodegrad bench > /dev/null 2> "$work/bench.err" || status=$?
node - "$work" "$status" <<'EOF'
const fs = require('fs');
const [dir, status] = process.argv.slice(2);
const fail = (msg) => { console.error(`cli-csv: FAIL: ${msg}`); process.exit(1); };
if (!fs.existsSync(`${dir}/cls/model.safetensors`)) fail('train --target weather wrote no model');
if (/\bbench\b/.test(fs.readFileSync(`${dir}/help.txt`, 'utf8'))) fail('nodegrad --help lists bench, which the package does not ship');
if (status !== '2' || !fs.readFileSync(`${dir}/bench.err`, 'utf8').startsWith('nodegrad: error: Expected a source checkout')) {
  fail(`nodegrad bench: exit ${status}, ${JSON.stringify(fs.readFileSync(`${dir}/bench.err`, 'utf8'))}`);
}
fs.rmSync(dir, { recursive: true, force: true });
EOF
echo "cli-csv: trained and predicted with the installed CLI (subset of categories, unseen category refused)"

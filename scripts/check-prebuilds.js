#!/usr/bin/env node
// prepublishOnly: refuses to publish a package without its prebuilt binaries. Users install
// nodegrad without a compiler (README, "Platforms"); a tarball packed from a plain checkout has
// no prebuilds/ and would make every install compile from source (minutes, and g++/make/python
// on the user's machine). Build them first: npm run prebuilds && npm run prebuilds:arm64
// (scripts/pack-smoke.sh runs both and checks the tarball).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const REQUIRED = ['linux-x64', 'linux-arm64'].map((p) => path.join('prebuilds', p, 'nodegrad.glibc.node'));

function missingPrebuilds(root) {
  return REQUIRED.filter((rel) => {
    const file = path.join(root, rel);
    return !fs.existsSync(file) || fs.statSync(file).size === 0;
  });
}

if (require.main === module) {
  const missing = missingPrebuilds(process.argv[2] ?? path.join(__dirname, '..'));
  if (missing.length) {
    process.stderr.write(`Expected the prebuilt binaries ${REQUIRED.join(' and ')} before publishing but ${missing.join(' and ')} ` +
      `${missing.length === 1 ? 'is' : 'are'} missing: run npm run prebuilds && npm run prebuilds:arm64 (or scripts/pack-smoke.sh)\n`);
    process.exit(1);
  }
}

module.exports = { missingPrebuilds, REQUIRED };

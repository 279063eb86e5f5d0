#!/usr/bin/env node
// Part of build:ts: makes every file package.json's "bin" names executable. tsc writes them
// 0644; npm's bin links chmod them only when a link is made, so a rebuilt dist/ behind an
// existing link (npx's cached link to a checkout, npm link) ran into "Permission denied".
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const { bin } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
for (const rel of typeof bin === 'string' ? [bin] : Object.values(bin ?? {})) {
  const file = path.join(root, rel);
  fs.chmodSync(file, fs.statSync(file).mode | 0o111);
}

// Writes the README's TypeScript examples (its ```ts blocks, in order: they form one program) as
// an ES module (readme.mts, as written) and as CommonJS (readme.cts: import = require, and the
// code inside an async function since CommonJS has no top-level await).
'use strict';
const fs = require('fs');
const readme = fs.readFileSync(process.argv[2], 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
if (blocks.length === 0) throw new Error('no ```ts blocks in README.md');
const code = blocks.join('\n');
const importLine = /^import \* as ng from 'nodegrad';.*$/m;
if (!importLine.test(code)) throw new Error("README's examples do not start with import * as ng from 'nodegrad'");
fs.writeFileSync('readme.mts', code + '\nexport {};\n');
const body = code.replace(importLine, '').split('\n').map((l) => '  ' + l).join('\n');
fs.writeFileSync('readme.cts', "import ng = require('nodegrad');\n\nexport async function main(): Promise<void> {\n" + body + '\n}\n');
console.log(`onnx-types: ${blocks.length} README TypeScript blocks written as readme.mts and readme.cts`);

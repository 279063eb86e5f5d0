// Lets a plain `node` child process require the TypeScript sources (lib/**, test/**) directly:
// each .ts file is transpiled on load with typescript.transpileModule (no type check) to
// CommonJS. Node's CommonJS resolver tries every registered extension, so the extensionless
// imports of the sources ('../core/validate', '../../lib') resolve to the .ts files.
// Transpiled output is cached under the OS temp folder, keyed by a hash of the source, so only
// the first child process pays for loading the TypeScript compiler.
//   node -r ./test/persistence/register-ts.js test/persistence/resume-child.ts ARGS
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

const cacheDir = path.join(os.tmpdir(), 'nodegrad-persistence-ts-cache');
let ts = null;

function transpile(source, filename) {
  const key = crypto.createHash('sha256').update(filename).update('\0').update(source).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    // not cached yet
  }
  if (ts === null) ts = require('typescript');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      resolveJsonModule: true,
      sourceMap: false,
    },
  });
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, outputText);
    fs.renameSync(tmp, cached);
  } catch {
    // a cache is an optimization only
  }
  return outputText;
}

require.extensions['.ts'] = function compileTs(module, filename) {
  module._compile(transpile(fs.readFileSync(filename, 'utf8'), filename), filename);
};

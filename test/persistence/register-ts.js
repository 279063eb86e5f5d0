// Lets a plain `node` child process require the TypeScript sources (lib/**, test/**) directly:
// each .ts file is transpiled on load with typescript.transpileModule (no type check), as
// CommonJS. Node's CommonJS resolver tries every registered extension, so the extensionless
// imports of the sources ('../core/validate', '../../lib') resolve to .ts files.
//   node -r ./test/persistence/register-ts.js test/persistence/resume-child.ts ARGS
'use strict';
const fs = require('node:fs');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  resolveJsonModule: true,
  sourceMap: false,
};

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};

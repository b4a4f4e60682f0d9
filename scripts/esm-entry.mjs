#!/usr/bin/env node
// Writes the package's ESM entry over its CommonJS build, so that `import` and
// `require` reach one implementation: an error thrown through one entry point
// is `instanceof` the class exported by the other. Also puts the library
// references the declarations need at the top of both declaration files, so a
// consumer type-checks without @types/node and whatever its `target`.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const require = createRequire(import.meta.url);

const names = Object.keys(require(join(dist, 'index.cjs')))
  .filter((n) => n !== '__esModule' && n !== 'default')
  .sort();
if (names.length === 0) throw new Error('dist/index.cjs exports nothing');
for (const n of names) {
  if (!/^[A-Za-z_$][\w$]*$/.test(n)) throw new Error(`export name not an identifier: ${n}`);
}

writeFileSync(
  join(dist, 'index.js'),
  [
    '// The ESM entry: the CommonJS build, re-exported (one implementation for both).',
    "import lib from './index.cjs';",
    `export const { ${names.join(', ')} } = lib;`,
    '',
  ].join('\n'),
);

// es2022: ReadonlyMap, PromiseSettledResult, AsyncIterableIterator;
// esnext.disposable: Symbol.asyncDispose (EoipClient is AsyncDisposable).
const LIBS = ['es2022', 'esnext.disposable'];
const header = LIBS.map((l) => `/// <reference lib="${l}" />`).join('\n');
const cts = readFileSync(join(dist, 'index.d.cts'), 'utf8').replace(
  /^(\/\/\/ <reference lib="[^"]+" \/>\n)+/,
  '',
);
// AbortSignal comes from the DOM library or @types/node; an empty global
// interface merges with either and keeps a consumer that has neither compiling.
const GLOBALS = `
declare global {
  /** The platform's AbortSignal (DOM library or @types/node); declared here so the types stand alone. */
  interface AbortSignal {}
}
`;
const body = cts.includes('interface AbortSignal {}') ? cts : `${cts}${GLOBALS}`;
const withLibs = `${header}\n${body}`;
writeFileSync(join(dist, 'index.d.cts'), withLibs);
writeFileSync(join(dist, 'index.d.ts'), withLibs);
console.log(`dist/index.js: ${names.length} named exports over dist/index.cjs`);

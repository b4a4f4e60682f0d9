/**
 * Both entry points of the built package (dist/, built by `npm test` first)
 * reach one implementation: an error thrown through one is `instanceof` the
 * class exported by the other, and every export is the very same value.
 * Checked in a plain Node process, the way consumers load the package.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ESM = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const CJS = fileURLToPath(new URL('../../dist/index.cjs', import.meta.url));

const SCRIPT = `
import { createRequire } from 'node:module';
const esm = await import(${JSON.stringify(ESM)});
const cjs = createRequire(import.meta.url)(${JSON.stringify(CJS)});
const esmNames = Object.keys(esm).sort();
const cjsNames = Object.keys(cjs).filter((n) => n !== '__esModule').sort();
const different = esmNames.filter((n) => esm[n] !== cjs[n]);
const spec = { tunnelId: 70000, remote: '198.51.100.7' };
const viaCjs = await cjs.createTunnel(spec).catch((e) => e);
const viaEsm = await esm.createTunnel(spec).catch((e) => e);
console.log(JSON.stringify({
  esmNames, cjsNames, different,
  cjsErrorIsEsmClass: viaCjs instanceof esm.InvalidArgumentError && viaCjs instanceof esm.EoipError,
  esmErrorIsCjsClass: viaEsm instanceof cjs.InvalidArgumentError && viaEsm instanceof cjs.EoipError,
  field: viaEsm.field,
}));
`;

describe('ESM and CJS entry points', () => {
  it('export the same names, each the identical value, and share error classes', () => {
    if (!existsSync(ESM) || !existsSync(CJS)) throw new Error('build first: npm run build (npm test does)');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { encoding: 'utf8' });
    const r = JSON.parse(out) as {
      esmNames: string[];
      cjsNames: string[];
      different: string[];
      cjsErrorIsEsmClass: boolean;
      esmErrorIsCjsClass: boolean;
      field: string;
    };
    expect(r.esmNames).toEqual(r.cjsNames);
    expect(r.esmNames).toContain('EoipError');
    expect(r.esmNames.length).toBeGreaterThan(50);
    expect(r.different).toEqual([]);
    expect(r.cjsErrorIsEsmClass).toBe(true);
    expect(r.esmErrorIsCjsClass).toBe(true);
    expect(r.field).toBe('tunnelId');
  });
});

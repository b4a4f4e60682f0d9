/**
 * The layers' one-way direction: cli → api → transport → codec. Each file
 * under src/ is read and every module it imports (static, type-only,
 * re-exports and dynamic `import()`) is resolved to the layer it lands in.
 * The cli reaches the library through the api only, never the codec, the
 * transport or the package root (src/index.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../fixtures/vectors.js';

const SRC = join(REPO_ROOT, 'src');

type Layer = 'codec' | 'transport' | 'api' | 'cli';

/** The layers each layer may import from (itself included). */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  codec: ['codec'],
  transport: ['transport', 'codec'],
  api: ['api', 'transport', 'codec'],
  cli: ['cli', 'api'],
};

/** Files outside src/ a layer may read, as data: the cli's version line comes from package.json. */
const DATA_FILES: Partial<Record<Layer, readonly string[]>> = {
  cli: ['package.json'],
};

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
const PACKAGES = new Set([
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.optionalDependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {}),
]);

function filesOf(layer: Layer): string[] {
  const dir = join(SRC, layer);
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f))
    .sort();
}

/** Every module specifier of a file: imports, type imports, re-exports, `import()` and `require()`. */
function specifiersOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** The package a bare specifier names (`yaml`, `@scope/name`), without its subpath. */
function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** What is wrong with `spec` imported from `file` of `layer`; undefined when it is allowed. */
function violation(layer: Layer, file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) {
    if (spec.startsWith('node:') || builtinModules.includes(spec)) return undefined;
    const name = packageName(spec);
    if (name === pkg.name) return 'the package itself (its root)';
    return PACKAGES.has(name) ? undefined : 'a package that is not a dependency';
  }
  const target = resolve(dirname(file), spec);
  const fromRoot = relative(REPO_ROOT, target).split(sep).join('/');
  if (DATA_FILES[layer]?.includes(fromRoot)) return undefined;
  const fromSrc = relative(SRC, target).split(sep);
  if (fromSrc[0] === '..') return 'a file outside src/';
  if (fromSrc.length === 1) return 'the package root';
  const to = fromSrc[0] as Layer;
  if (!(to in ALLOWED)) return `src/${to}, which is no layer`;
  return ALLOWED[layer].includes(to) ? undefined : `the ${to} layer`;
}

function violations(layer: Layer): string[] {
  const out: string[] = [];
  for (const file of filesOf(layer)) {
    for (const spec of specifiersOf(file)) {
      const why = violation(layer, file, spec);
      if (why !== undefined) out.push(`${relative(REPO_ROOT, file)} imports '${spec}': ${why}`);
    }
  }
  return out;
}

describe('layers', () => {
  it('the scan sees static, type-only and dynamic imports', () => {
    const run = specifiersOf(join(SRC, 'cli', 'run.ts'));
    expect(run).toContain('./dry-run.js');
    expect(run).toContain('../api/client.js');
    const sample = join(SRC, 'cli', 'sample.ts');
    expect(violation('cli', sample, '../codec/errno.js')).toBe('the codec layer');
    expect(violation('cli', sample, '../transport/socket.js')).toBe('the transport layer');
    expect(violation('cli', sample, '../index.js')).toBe('the package root');
    expect(violation('cli', sample, './../codec/errno.js')).toBe('the codec layer');
    expect(violation('cli', sample, pkg.name)).toBe('the package itself (its root)');
    expect(violation('cli', sample, '../api/client.js')).toBeUndefined();
    expect(violation('cli', sample, 'node:fs')).toBeUndefined();
  });

  it('the cli imports only the api, its own files, node builtins and dependencies', () => {
    expect(filesOf('cli').length).toBeGreaterThan(0);
    expect(violations('cli')).toEqual([]);
  });

  it('the api imports nothing from the cli', () => {
    expect(violations('api')).toEqual([]);
  });

  it('the transport imports nothing from the api or the cli', () => {
    expect(violations('transport')).toEqual([]);
  });

  it('the codec imports nothing from the transport, the api or the cli', () => {
    expect(violations('codec')).toEqual([]);
  });
});

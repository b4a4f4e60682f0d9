import { defineConfig, type Options } from 'tsup';

const common: Options = {
  sourcemap: false,
  target: 'node20',
  platform: 'node',
  // import.meta.url in the CJS builds (used to find the native binding).
  shims: true,
};

export default defineConfig([
  {
    // The library: one CommonJS build + declarations. scripts/esm-entry.mjs
    // then writes the ESM entry over it, so both entry points share one
    // implementation (and one class per error).
    ...common,
    entry: { index: 'src/index.ts' },
    format: ['cjs'],
    dts: true,
    clean: true,
  },
  {
    // The `eoip` bin: one bundled CJS file so start-up loads as little as possible.
    ...common,
    entry: { cli: 'src/cli/main.ts' },
    format: ['cjs'],
    dts: false,
    clean: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);

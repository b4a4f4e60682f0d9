import { defineConfig } from 'tsup';

const common = {
  sourcemap: false,
  target: 'node20',
  platform: 'node',
  // The native socket layer stays a real dependency, loaded on first use.
  external: ['netlink'],
  // import.meta.url in the CJS builds (used to find the namespace helper).
  shims: true,
} as const;

export default defineConfig([
  {
    // The library: ESM + CJS + declarations.
    ...common,
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
  },
  {
    // The helper process that makes link changes inside another network namespace.
    ...common,
    entry: { 'netns-child': 'src/api/netns-child.ts' },
    format: ['cjs'],
    dts: false,
    clean: false,
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

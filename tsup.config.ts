import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The library: ESM + CJS + declarations.
    entry: { index: "src/index.ts", "netns-child": "src/api/netns-child.ts" },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    external: ['netlink'],
    shims: true,
  },
  {
    // The `eoip` bin: one bundled CJS file so start-up loads as little as possible.
    entry: { cli: 'src/cli/main.ts' },
    format: ['cjs'],
    dts: false,
    sourcemap: false,
    clean: false,
    target: 'node20',
    platform: 'node',
    external: ['netlink'],
    shims: true,
    banner: { js: '#!/usr/bin/env node' },
  },
]);

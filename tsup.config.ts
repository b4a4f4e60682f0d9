import { defineConfig, type Options } from 'tsup';

const common: Options = {
  sourcemap: false,
  target: 'node20',
  platform: 'node',
  // import.meta.url in the CJS builds (used to find the native binding).
  shims: true,
};

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * The `eoip` bin, dist/cli.cjs, holds the argument parser, help and version.
 * The code of the commands is in bundles of their own beside it, which
 * src/cli/app.ts's `import('./<command>.js')` loads when a command runs,
 * through src/cli/code-cache.ts (with V8's code cache):
 */
const COMMAND_BUNDLES: Record<string, { entry: string; imports: readonly string[] }> = {
  // add, set, list, del: the library's client, socket and codec.
  'cli-run.cjs': { entry: 'src/cli/run.ts', imports: ['./run.js'] },
  // apply, monitor, doctor (YAML, the reconciler, the watcher, the checks).
  'cli-commands.cjs': {
    entry: 'src/cli/commands.ts',
    imports: ['./apply.js', './monitor.js', './doctor.js'],
  },
};

/**
 * app.ts's imports of the commands become loads of their bundles. The build
 * fails when one of them is not found (app.ts changed): the code of every
 * command would silently be back in the bin.
 */
const commandBundles: EsbuildPlugin = {
  name: 'eoip-command-bundles',
  setup(build) {
    const bundleOf = new Map(
      Object.entries(COMMAND_BUNDLES).flatMap(([name, b]) => b.imports.map((i) => [i, name] as const)),
    );
    const seen = new Set<string>();
    build.onResolve({ filter: /^\.\/[a-z-]+\.js$/ }, (args) => {
      const name = bundleOf.get(args.path);
      if (name === undefined || args.kind !== 'dynamic-import') return;
      if (!/[\\/]src[\\/]cli[\\/]app\.ts$/.test(args.importer)) return;
      seen.add(args.path);
      return { path: name, namespace: 'eoip-command-bundle', pluginData: { dir: args.resolveDir } };
    });
    build.onLoad({ filter: /.*/, namespace: 'eoip-command-bundle' }, (args) => ({
      loader: 'js',
      resolveDir: args.pluginData.dir,
      contents: `module.exports = require('./code-cache.js').requireBundle(${JSON.stringify(args.path)});\n`,
    }));
    build.onEnd(() => {
      const missing = [...bundleOf.keys()].filter((i) => !seen.has(i));
      if (missing.length === 0) return;
      return { errors: [{ text: `src/cli/app.ts no longer has import(${missing.join('), import(')})` }] };
    });
  },
};

/** What the bin and the command bundles share. */
const cli: Options = {
  ...common,
  format: ['cjs'],
  dts: false,
  clean: false,
  // node: imports left to esbuild (tsup would strip the prefix and mark them external first).
  removeNodeProtocol: false,
  esbuildOptions(options) {
    // import() of `yaml` and of the command bundles as require(): loaded as
    // CommonJS, no ES module loader started (and none the code cache would need).
    options.supported = { ...options.supported, 'dynamic-import': false };
  },
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
    // The `eoip` bin: parsing, help and version load nothing else.
    ...cli,
    entry: { cli: 'src/cli/main.ts' },
    banner: { js: '#!/usr/bin/env node' },
    esbuildPlugins: [commandBundles],
  },
  {
    // The commands' bundles. Each holds its own copy of the library code it
    // uses: a process runs one command, and what crosses from the bin into a
    // bundle is plain data (the parsed command, the output functions) and
    // back an exit status, never an object whose class is checked.
    ...cli,
    entry: Object.fromEntries(
      Object.entries(COMMAND_BUNDLES).map(([name, b]) => [name.replace(/\.cjs$/, ''), b.entry]),
    ),
  },
]);

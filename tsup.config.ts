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
 * The `eoip` bin, dist/cli.cjs, is only a loader (src/cli/bin.ts): the
 * command line's code is in bundles beside it, loaded through
 * src/cli/code-cache.ts with V8's code cache:
 */
const BUNDLES: Record<string, { entry: string; imports: readonly string[] }> = {
  // The parser, help, version, and add, set, list, del (the library's client,
  // socket and codec): what the bin loads at every start.
  'cli-main.cjs': { entry: 'src/cli/main.ts', imports: [] },
  // apply, monitor, doctor (YAML, the reconciler, the watcher, the checks),
  // loaded by cli-main.cjs in place of app.ts's import() of each.
  'cli-commands.cjs': {
    entry: 'src/cli/commands.ts',
    imports: ['./apply.js', './monitor.js', './doctor.js'],
  },
};

/**
 * app.ts's imports of apply, monitor and doctor become loads of their
 * bundle, with the command as the cache profile. The build fails when one of
 * them is not found (app.ts changed): their code would silently be back in
 * cli-main.cjs.
 */
const commandBundles: EsbuildPlugin = {
  name: 'eoip-command-bundles',
  setup(build) {
    const bundleOf = new Map(
      Object.entries(BUNDLES).flatMap(([name, b]) => b.imports.map((i) => [i, name] as const)),
    );
    const seen = new Set<string>();
    build.onResolve({ filter: /^\.\/[a-z-]+\.js$/ }, (args) => {
      const name = bundleOf.get(args.path);
      if (name === undefined || args.kind !== 'dynamic-import') return;
      if (!/[\\/]src[\\/]cli[\\/]app\.ts$/.test(args.importer)) return;
      seen.add(args.path);
      // One module per command (`cli-commands.cjs:apply`): its cache profile is the command.
      return {
        path: `${name}:${args.path.slice(2, -3)}`,
        namespace: 'eoip-command-bundle',
        pluginData: args.resolveDir,
      };
    });
    build.onLoad({ filter: /.*/, namespace: 'eoip-command-bundle' }, (args) => {
      const [name, profile] = args.path.split(':');
      return {
        loader: 'js',
        resolveDir: args.pluginData,
        contents: `module.exports = require('./code-cache.js').requireBundle(${JSON.stringify(name)}, ${JSON.stringify(profile)});\n`,
      };
    });
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
    // Less to read and hash at every start; names are kept (no identifier
    // minification), so an error still names the function it came from.
    options.minifyWhitespace = true;
    options.minifySyntax = true;
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
    // The `eoip` bin: the loader of cli-main.cjs.
    ...cli,
    entry: { cli: 'src/cli/bin.ts' },
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    // The bundles. Each holds its own copy of the library code it uses: a
    // process runs one command, and what crosses from cli-main.cjs into
    // cli-commands.cjs is plain data (the parsed command, the output
    // functions) and back an exit status, never an object whose class is checked.
    ...cli,
    entry: Object.fromEntries(
      Object.entries(BUNDLES).map(([name, b]) => [name.replace(/\.cjs$/, ''), b.entry]),
    ),
    esbuildPlugins: [commandBundles],
  },
]);

/**
 * Where a helper process's script is: beside the calling module, built
 * (`.cjs`/`.js` in dist/) or, when running from the sources, the TypeScript
 * file under tsx.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Node arguments that run the helper script `name` (without extension)
 * found beside the module at `moduleUrl` (its `import.meta.url`).
 */
export function childScriptArgs(moduleUrl: string, name: string): string[] {
  const here = new URL('.', moduleUrl);
  for (const ext of ['.cjs', '.js']) {
    const p = fileURLToPath(new URL(name + ext, here));
    if (existsSync(p)) return [p];
  }
  return ['--import', 'tsx', fileURLToPath(new URL(`${name}.ts`, here))];
}

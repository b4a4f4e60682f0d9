/**
 * Proof that something runs in this process: every child process started
 * asynchronously (spawn, exec, execFile, fork — all go through
 * ChildProcess.prototype.spawn, whichever way `node:child_process` was
 * loaded) is recorded while a spy is active. Synchronous helpers of the
 * tests themselves (execFileSync, spawnSync) do not go through it.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const { ChildProcess } = createRequire(import.meta.url)(
  'node:child_process',
) as typeof import('node:child_process');

/** The commands started while the spy was on. */
export interface SpawnSpy {
  /** Each child's file and arguments, in order. */
  readonly started: string[][];
  /** Stop recording. */
  restore(): void;
}

/** Record every asynchronous child process started from now on until `restore()`. */
export function spySpawns(): SpawnSpy {
  const proto = ChildProcess.prototype as unknown as {
    spawn: (o: { file: string; args: string[] }) => unknown;
  };
  const original = proto.spawn;
  const started: string[][] = [];
  proto.spawn = function (this: unknown, options) {
    started.push([options.file, ...(options.args ?? []).slice(1)]);
    return original.call(this, options);
  };
  return {
    started,
    restore() {
      proto.spawn = original;
    },
  };
}

/** The pids of this process's children now, from /proc (any thread's). */
export async function childPids(): Promise<number[]> {
  const { readdirSync, readFileSync } = await import('node:fs');
  const out: number[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const text = readFileSync(`/proc/self/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    } catch {}
  }
  return out;
}

/**
 * Run an ES module `script` (TypeScript sources allowed, through tsx) as the
 * unprivileged user 65534, with `home` as HOME; its standard output.
 */
export function runAsNobody(script: string, home: string, cwd?: string): string {
  return execFileSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ],
    { encoding: 'utf8', env: { ...process.env, HOME: home }, ...(cwd !== undefined ? { cwd } : {}) },
  );
}

/**
 * The Node side of bench/helper.py: which python3 to use, and the helper as
 * a process that answers one JSON request at a time (link changes with
 * timestamps, child CPU times).
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BENCH_DIR } from './common.mjs';

/** The python3 interpreters tried, in order (pyenv's may lack Debian's python3-pyroute2). */
const PYTHONS = ['python3', '/usr/bin/python3'];

/**
 * A python3 for the helper (the standard library is enough) and, when one
 * has it, a python3 with pyroute2, or the reason there is none.
 */
export function findPython() {
  let any;
  for (const py of PYTHONS) {
    const r = spawnSync(py, ['-c', 'import pyroute2'], { stdio: 'ignore' });
    if (r.error) continue;
    any ??= py;
    if (r.status === 0) return { python: py, pyroute2: py };
  }
  return {
    python: any,
    pyroute2: undefined,
    noPyroute2: any
      ? `pyroute2 is not installed for ${PYTHONS.join(' or ')} (Debian: apt-get install python3-pyroute2)`
      : 'python3 is not installed',
  };
}

/** Start bench/helper.py; `request(obj)` resolves with its answer, rejects with its error. */
export function startHelper(python) {
  const child = spawn(python, [join(BENCH_DIR, 'helper.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = [];
  let failure;
  const fail = (e) => {
    failure ??= e;
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  createInterface({ input: child.stdout }).on('line', (line) => {
    const w = waiting.shift();
    if (!w) return;
    const answer = JSON.parse(line);
    if (answer.error) w.reject(new Error(`bench/helper.py: ${answer.error}`));
    else w.resolve(answer);
  });
  child.on('error', fail);
  child.on('exit', (code, signal) => fail(new Error(`bench/helper.py exited (${code ?? signal})`)));
  return {
    request(req) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(`${JSON.stringify(req)}\n`);
      });
    },
    close() {
      child.stdin.end();
    },
  };
}

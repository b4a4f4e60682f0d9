/**
 * The code blocks of README.md and docs/ are part of the product: each `ts`
 * block type-checks against the sources and parses on the oldest Node the
 * package supports; each shell block either runs (test/kernel/docs-shell.test.ts)
 * or opens with a `# needs: …` line; each apply file parses.
 * See test/fixtures/doc-blocks.ts for the rule.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { parseApplyFile } from '../../src/api/apply.js';
import { allBlocks, type DocBlock, needsOf, where } from '../fixtures/doc-blocks.js';
import { packageExports } from '../fixtures/package-exports.js';
import { REPO_ROOT } from '../fixtures/vectors.js';

const blocks = allBlocks();
const work = mkdtempSync(join(tmpdir(), 'eoip-doc-blocks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The block as a module: fragments (no import line) see the whole package. */
function asModule(block: DocBlock): string {
  if (/^import\s/m.test(block.code)) return block.code;
  return `import { ${packageExports().join(', ')} } from 'eoip-netlink';\n${block.code}`;
}

const tsBlocks = blocks.filter((b) => b.lang === 'ts' || b.lang === 'typescript');

describe('TypeScript blocks in README.md and docs/', () => {
  it('exist (the check below is not vacuous)', () => {
    expect(tsBlocks.length).toBeGreaterThanOrEqual(10);
    expect(tsBlocks.some((b) => b.file === 'README.md')).toBe(true);
  });

  it('type-check against the sources, strict', () => {
    const files = tsBlocks.map((b, i) => {
      const path = join(work, `block-${i}.mts`);
      writeFileSync(path, asModule(b));
      return { path, block: b };
    });
    const program = ts.createProgram(
      files.map((f) => f.path),
      {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
        types: ['node'],
        typeRoots: [join(REPO_ROOT, 'node_modules', '@types')],
        skipLibCheck: true,
        paths: { 'eoip-netlink': [join(REPO_ROOT, 'src', 'index.ts')] },
      },
    );
    const problems: string[] = [];
    for (const f of files) {
      const source = program.getSourceFile(f.path);
      const diags = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
      const offset = asModule(f.block) === f.block.code ? 0 : 1;
      for (const d of diags) {
        const line = d.start !== undefined && source ? source.getLineAndCharacterOfPosition(d.start).line : 0;
        const docLine = f.block.line + 1 + line - offset;
        problems.push(`${f.block.file}:${docLine}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  const oldest = /^>=\s*(\d+)/.exec(
    (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } })
      .engines.node,
  )?.[1];
  const onOldest = process.versions.node.split('.')[0] === oldest;
  if (!onOldest)
    console.warn(`[syntax check skipped] it needs Node ${oldest}, the oldest that package.json allows`);
  it.skipIf(!onOldest)(
    'parse on the oldest Node the package supports (no newer syntax such as `await using`)',
    () => {
      const problems: string[] = [];
      for (const [i, b] of tsBlocks.entries()) {
        // Types stripped, nothing lowered: what a user's runtime would be given.
        const js = transformSync(asModule(b), { loader: 'ts', format: 'esm', target: 'esnext' }).code;
        const path = join(work, `syntax-${i}.mjs`);
        writeFileSync(path, js);
        try {
          execFileSync(process.execPath, ['--check', path], { stdio: 'pipe' });
        } catch (e) {
          const err = String((e as { stderr?: Buffer }).stderr ?? e)
            .split('\n')
            .find((l) => l.includes('Error'));
          problems.push(`${where(b)}: ${err}`);
        }
      }
      expect(problems).toEqual([]);
    },
  );
});

describe('shell blocks in README.md and docs/', () => {
  const shBlocks = blocks.filter((b) => b.lang === 'sh' || b.lang === 'bash');

  it('each either runs as written or says first what it needs', () => {
    expect(shBlocks.length).toBeGreaterThanOrEqual(10);
    for (const b of shBlocks) {
      const needs = needsOf(b);
      if (needs === undefined) continue;
      // A note that says something: at least a few words.
      expect(needs.length, `${where(b)}: empty needs note`).toBeGreaterThan(5);
    }
  });

  it('the runnable ones name only commands the test run has', () => {
    const known = /^(eoip|ip|npx eoip|echo|cat|printf|ls|test|true|unshare|jq|grep|head|sed)\b/;
    const problems: string[] = [];
    for (const b of shBlocks.filter((x) => needsOf(x) === undefined)) {
      for (const raw of b.code.split('\n')) {
        const line = raw.replace(/#.*$/, '').trim();
        if (line === '' || known.test(line)) continue;
        problems.push(`${where(b)}: '${line}' is not runnable here; add a '# needs: …' line`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('apply files in docs/', () => {
  const files = blocks.filter(
    (b) => (b.lang === 'yaml' || b.lang === 'json') && /^\s*(\{\s*)?"?tunnels"?\s*:/.test(b.code),
  );

  it('parse with parseApplyFile', async () => {
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const b of files) {
      const desired = await parseApplyFile(b.code, b.lang === 'yaml' ? 'yaml' : 'json');
      expect(desired.length, where(b)).toBeGreaterThan(0);
    }
  });
});

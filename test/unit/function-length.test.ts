/**
 * No function in src/ is longer than 60 lines, except measured hot paths,
 * which say so in their doc comment ("Long on purpose: …" and why).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../fixtures/vectors.js';

const MAX_LINES = 60;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

/** Every function longer than MAX_LINES without a reason in its doc comment, as `file:line name (n lines)`. */
function longFunctions(): string[] {
  const out: string[] = [];
  for (const file of sources(join(REPO_ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const visit = (n: ts.Node) => {
      if (ts.isFunctionLike(n) && 'body' in n && n.body) {
        const first = sf.getLineAndCharacterOfPosition(n.getStart()).line;
        const last = sf.getLineAndCharacterOfPosition(n.end).line;
        const lines = last - first + 1;
        const docs = ts
          .getJSDocCommentsAndTags(n)
          .map((d) => d.getText())
          .join('\n');
        if (lines > MAX_LINES && !docs.includes('Long on purpose')) {
          const name = (n as ts.FunctionLikeDeclarationBase).name?.getText() ?? '(anonymous)';
          out.push(`${relative(REPO_ROOT, file)}:${first + 1} ${name} (${lines} lines)`);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return out;
}

describe('function length', () => {
  it(`no function is over ${MAX_LINES} lines without saying why`, () => {
    expect(longFunctions()).toEqual([]);
  });
});

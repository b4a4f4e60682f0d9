/**
 * What package.json promises users: the changelog has the version's section,
 * the schema and the guides are reachable from the tarball's layout.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../fixtures/vectors.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  files: string[];
  exports: Record<string, unknown>;
};

describe('package metadata', () => {
  it('CHANGELOG.md has a section for the version in package.json', () => {
    const changelog = readFileSync(join(REPO_ROOT, 'CHANGELOG.md'), 'utf8');
    const heading = new RegExp(`^## \\[${pkg.version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm');
    expect(changelog).toMatch(heading);
    expect(changelog).toMatch(/^## \[Unreleased\]$/m);
  });

  it('the JSON Schema is exported and exists', () => {
    expect(pkg.exports['./schema/tunnels.schema.json']).toBe('./schema/tunnels.schema.json');
    expect(existsSync(join(REPO_ROOT, 'schema', 'tunnels.schema.json'))).toBe(true);
  });

  it('every relative link of README.md and docs/*.md points at a file the package ships', () => {
    const shipped = (rel: string) =>
      pkg.files.some((f) => {
        const pattern = new RegExp(`^${f.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}(/|$)`);
        return pattern.test(rel);
      }) || ['package.json'].includes(rel);
    const guides = readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md'));
    const docs = ['README.md', ...guides.map((d) => `docs/${d}`)];
    const problems: string[] = [];
    for (const doc of docs) {
      const text = readFileSync(join(REPO_ROOT, doc), 'utf8');
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1] ?? '';
        if (/^[a-z]+:/.test(target)) continue;
        const rel = join(doc.includes('/') ? doc.slice(0, doc.lastIndexOf('/')) : '', target);
        if (!existsSync(join(REPO_ROOT, rel))) problems.push(`${doc}: ${target} does not exist`);
        else if (!shipped(rel)) problems.push(`${doc}: ${target} is not in package.json "files"`);
      }
    }
    expect(problems).toEqual([]);
  });
});

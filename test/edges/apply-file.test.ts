/**
 * The apply-file reader under hostile input: whatever the text, only the
 * library's typed error comes out, no message quotes more than 64
 * characters of the file, nesting never reaches the stack limit, and the
 * size and tunnel-count limits hold before the heavy work.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseApplyFile, readApplyFile } from '../../src/api/apply.js';
import {
  APPLY_FILE_MAX_BYTES,
  APPLY_FILE_MAX_TUNNELS,
  ApplyFileError,
  readApplyFileText,
} from '../../src/api/apply-file.js';
import { InvalidArgumentError, quoteValue } from '../../src/api/errors.js';

const QUOTE_LIMIT = 64;

/** Printable ASCII but `"` and `\\`. */
const PLAIN_CHAR = fc.constantFrom(
  ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).filter(
    (c) => c !== '"' && c !== '\\',
  ),
);

/** A stretch of more than 64 characters of `text` found in `message`, or undefined. */
function leakedStretch(message: string, text: string): string | undefined {
  for (let i = 0; i + QUOTE_LIMIT + 1 <= message.length; i++) {
    const stretch = message.slice(i, i + QUOTE_LIMIT + 1);
    if (text.includes(stretch)) return stretch;
  }
  return undefined;
}

/** Parse and return the error (or undefined when the text was accepted). */
async function refusal(text: string, format: 'json' | 'yaml', file = `t.${format}`): Promise<unknown> {
  try {
    await parseApplyFile(text, format, { file });
    return undefined;
  } catch (e) {
    return e;
  }
}

/** The error must be the library's, bounded, on one line, with no long stretch of the text. */
function expectSafeRefusal(e: unknown, text: string): void {
  if (e === undefined) return;
  expect(e).toBeInstanceOf(InvalidArgumentError);
  const message = (e as Error).message;
  expect(message).not.toMatch(/\n/);
  expect(message).not.toMatch(/Maximum call stack|function |native code|\[object /);
  expect(leakedStretch(message, text)).toBeUndefined();
}

describe('quoteValue', () => {
  it('cuts long strings to 64 characters with an ellipsis and the full length', () => {
    const secret = `-----BEGIN OPENSSH PRIVATE KEY-----${'b3BlbnNzaC1rZXktdjEAAAAABG5vbmU'.repeat(80)}`;
    const q = quoteValue(secret);
    expect(q).toBe(`${JSON.stringify(`${secret.slice(0, 63)}…`)} (2,515 characters)`);
    expect(quoteValue('x'.repeat(64))).toBe(JSON.stringify('x'.repeat(64)));
  });

  it('shows NaN, Infinity and -0 as written, objects by their own properties only', () => {
    expect([quoteValue(Number.NaN), quoteValue(-Infinity), quoteValue(-0)]).toEqual([
      'NaN',
      '-Infinity',
      '-0',
    ]);
    expect(quoteValue({ constructor: 1 })).toBe('{"constructor":1}');
    expect(quoteValue(Object.create({ inherited: 1 }))).toBe('{}');
    let getterCalls = 0;
    const withGetter = {
      get x() {
        getterCalls++;
        return 1;
      },
    };
    expect(quoteValue(withGetter)).toBe('{"x":a getter}');
    expect(getterCalls).toBe(0);
  });

  it('costs little and stays short for huge and deeply nested values', () => {
    let deep: unknown[] = [];
    const root = deep;
    for (let i = 0; i < 100_000; i++) {
      const next: unknown[] = [];
      deep.push(next);
      deep = next;
    }
    expect(quoteValue(root)).toBe('[[[[…]]]]');
    const big = quoteValue(new Array(1_000_000).fill(7));
    expect(big.length).toBeLessThanOrEqual(QUOTE_LIMIT);
    expect(big.endsWith('…')).toBe(true);
  });
});

describe('parseApplyFile: any text gives the tunnels or the typed error', () => {
  it('random JSON documents', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (v) => {
        const text = JSON.stringify(v);
        expectSafeRefusal(await refusal(text, 'json'), text);
      }),
      { numRuns: 300 },
    );
  });

  it('random JSON documents read as YAML (JSON is YAML 1.2)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (v) => {
        const text = JSON.stringify(v);
        expectSafeRefusal(await refusal(text, 'yaml'), text);
      }),
      { numRuns: 300 },
    );
  });

  it('random text, long lines included, never quoted beyond 64 characters', async () => {
    const texts = fc.oneof(
      fc.string({ unit: 'grapheme', minLength: 65, maxLength: 400 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.stringMatching(/^[[\]{}":,a-z0-9 \n#&*!|>-]{0,300}$/),
    );
    await fc.assert(
      fc.asyncProperty(texts, fc.constantFrom('json' as const, 'yaml' as const), async (text, format) => {
        expectSafeRefusal(await refusal(text, format), text);
      }),
      { numRuns: 400 },
    );
  });

  it('tunnels with hostile values and keys: the field is named, the value cut', async () => {
    // Characters JSON writes as they are: what the message shows of a value is then the text itself.
    const plain = fc.string({ unit: PLAIN_CHAR, minLength: 65, maxLength: 3000 });
    const hostile = fc.oneof(
      plain,
      fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', '\u001b[31mred'),
      fc.double(),
      fc.array(fc.string({ maxLength: 100 }), { maxLength: 50 }),
    );
    const keys = fc.oneof(
      fc.constantFrom(
        'name',
        'tunnelId',
        'remote',
        'ttl',
        'keepalive',
        'constructor',
        '__proto__',
        'valueOf',
      ),
      fc.string({ unit: PLAIN_CHAR, minLength: 1, maxLength: 2000 }),
    );
    await fc.assert(
      fc.asyncProperty(keys, hostile, fc.boolean(), async (key, value, yaml) => {
        const tunnel: Record<string, unknown> = { name: 'e1', tunnelId: 1, remote: '10.0.0.2' };
        Object.defineProperty(tunnel, key, { value, enumerable: true, configurable: true, writable: true });
        const text = JSON.stringify({ tunnels: [tunnel] });
        const e = await refusal(text, yaml ? 'yaml' : 'json');
        expectSafeRefusal(e, text);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseApplyFile: bounded work', () => {
  const deepCases: Array<[string, string, 'json' | 'yaml', number]> = [
    ['100,000 [ as JSON', '['.repeat(100_000), 'json', 1],
    ['100,000 { as JSON', '{"a":'.repeat(100_000), 'json', 1],
    ['balanced deep JSON', `${'['.repeat(10_000)}${']'.repeat(10_000)}`, 'json', 1],
    ['100,000 [ as YAML', '['.repeat(100_000), 'yaml', 1],
    ['balanced deep YAML flow', `${'['.repeat(10_000)}${']'.repeat(10_000)}`, 'yaml', 1],
    ['100,000 - as YAML', `${'- '.repeat(100_000)}x`, 'yaml', 1],
    [
      '3,000 indented maps as YAML',
      Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'),
      'yaml',
      66,
    ],
  ];
  it.each(deepCases)(
    '%s: nested too deeply, a typed error with a position',
    async (_what, text, format, line) => {
      const e = await refusal(text, format);
      expect(e).toBeInstanceOf(ApplyFileError);
      expect((e as Error).message).toMatch(
        new RegExp(`^t\\.(json|yaml):${line}:\\d+: nested too deeply \\(.* at most 64 deep\\)$`),
      );
      expect((e as ApplyFileError).line).toBe(line);
    },
  );

  it('brackets inside strings do not count as nesting', async () => {
    const text = JSON.stringify({
      tunnels: [{ name: 'e1', tunnelId: 1, remote: '10.0.0.2', x: '['.repeat(500) }],
    });
    const e = await refusal(text, 'json');
    expect((e as Error).message).toMatch(/invalid tunnels\[0\]\.x: "\[{63}…" \(500 characters\)/);
  });

  it('more tunnels than the limit: refused before any tunnel is checked', async () => {
    const text = `[${new Array(APPLY_FILE_MAX_TUNNELS + 1).fill('{}').join(',')}]`;
    const e = await refusal(text, 'json');
    expect(e).toBeInstanceOf(ApplyFileError);
    expect((e as Error).message).toBe('t.json:1:1: too many tunnels (100,001; at most 100,000 per file)');
    // At the limit the tunnels themselves are checked.
    const atLimit = `[${new Array(APPLY_FILE_MAX_TUNNELS).fill('{}').join(',')}]`;
    expect((await refusal(atLimit, 'json')) as ApplyFileError).toMatchObject({ field: 'tunnels[0].remote' });
  });

  it('a YAML list longer than the limit: refused while parsing, before the document is built', async () => {
    const item = '  - {name: e, tunnelId: 1, remote: 10.0.0.2}\n';
    const text = `tunnels:\n${item.repeat(APPLY_FILE_MAX_TUNNELS + 2000)}`;
    const e = (await refusal(text, 'yaml')) as ApplyFileError;
    expect(e).toBeInstanceOf(ApplyFileError);
    expect(e.message).toMatch(
      /^t\.yaml:\d+:\d+: a list or object with more than 100,000 items \(at most 100,000 tunnels per file\)$/,
    );
  });

  it('text over 16 MiB: refused before parsing', async () => {
    const e = await refusal(' '.repeat(APPLY_FILE_MAX_BYTES + 1), 'json');
    expect((e as Error).message).toBe('t.json: too large (more than 16,777,216 bytes, 16 MiB)');
  });

  it('alias bombs are refused', async () => {
    const text = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    expect(((await refusal(text, 'yaml')) as Error).message).toBe('t.yaml:1:1: not YAML: too many aliases');
  });
});

describe('parseApplyFile: messages name the file, line, column and field', () => {
  it('a JSON field: line and column of its value', async () => {
    const text =
      '{"tunnels": [\n  {"name": "a", "tunnelId": 1, "remote": "10.0.0.1"},\n  {"name": "b", "tunnelId": 2, "remote": "10.0.0.2", "ttl": 999}\n]}';
    const e = (await refusal(text, 'json', 'site.json')) as ApplyFileError;
    expect(e).toBeInstanceOf(ApplyFileError);
    expect(e.message).toBe('site.json:3:61: invalid tunnels[1].ttl: 999 (allowed: an integer 0..255)');
    expect({ field: e.field, value: e.value, line: e.line, column: e.column, file: e.file }).toEqual({
      field: 'tunnels[1].ttl',
      value: 999,
      line: 3,
      column: 61,
      file: 'site.json',
    });
  });

  it('a YAML field, and NaN / Infinity shown as such', async () => {
    const text = 'tunnels:\n  - name: a\n    tunnelId: .nan\n    remote: 10.0.0.1\n';
    const e = (await refusal(text, 'yaml', 'site.yaml')) as ApplyFileError;
    expect(e.message).toBe('site.yaml:3:15: invalid tunnels[0].tunnelId: NaN (allowed: 0..65535 for eoip)');
    const inf = (await refusal('- {name: a, tunnelId: 1, remote: 10.0.0.1, ttl: -.inf}', 'yaml')) as Error;
    expect(inf.message).toBe('t.yaml:1:49: invalid tunnels[0].ttl: -Infinity (allowed: an integer 0..255)');
  });

  it('JSON syntax errors: a position, never the text around it', async () => {
    const secret = 'hunter2-very-secret-token';
    const e = (await refusal(`{"tunnels": [${secret}]}`, 'json')) as ApplyFileError;
    expect(e.message).toBe('t.json:1:14: not JSON: unexpected character');
    expect(e.message).not.toContain('hunter');
    const cut = (await refusal('{"tunnels": [\n', 'json')) as Error;
    expect(cut.message).toBe('t.json:2:1: not JSON: unexpected end of JSON input');
  });

  it('a private key given as an apply file: nothing of it in the message', async () => {
    const key = `-----BEGIN OPENSSH PRIVATE KEY-----\n${'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n'.repeat(20)}-----END OPENSSH PRIVATE KEY-----\n`;
    for (const format of ['json', 'yaml'] as const) {
      const e = (await refusal(key, format)) as Error;
      expect(e).toBeInstanceOf(ApplyFileError);
      expect(e.message).not.toMatch(/BEGIN|b3Bl|OPENSSH/);
    }
  });

  it('an unknown YAML tag: one line with the position, no process warning', async () => {
    const warn = vi.spyOn(process, 'emitWarning');
    try {
      const e = (await refusal('tunnels: !foo [1]\n', 'yaml', 'tag.yaml')) as Error;
      expect(e.message).toBe(
        'tag.yaml:1:10: not YAML: Unresolved tag (only the core schema: no custom tags)',
      );
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('inherited names are not fields: constructor, __proto__, toString', async () => {
    const top = (await refusal('{"constructor": 1}', 'json')) as ApplyFileError;
    expect(top.message).toBe("t.json:1:17: unknown key constructor (allowed: only 'tunnels' and '$schema')");
    const proto = (await refusal('{"__proto__": {"tunnels": []}}', 'json')) as ApplyFileError;
    expect(proto.message).toMatch(/^t\.json:1:15: unknown key __proto__ /);
    const yamlProto = (await refusal('__proto__: {tunnels: []}\n', 'yaml')) as ApplyFileError;
    expect(yamlProto.message).toMatch(/^t\.yaml:1:\d+: unknown key __proto__ /);
    const missing = (await refusal('{"$schema": "x"}', 'json')) as ApplyFileError;
    expect(missing.message).toBe('t.json:1:1: missing tunnels (a list of tunnels is required)');
  });

  it('options and arguments are checked like fields', async () => {
    const bad = async (f: () => Promise<unknown>) => f().catch((e: unknown) => e);
    expect(await bad(() => parseApplyFile('[]', 'json', null as never))).toMatchObject({ field: 'options' });
    expect(await bad(() => parseApplyFile('[]', 'json', { file: 5 } as never))).toMatchObject({
      field: 'file',
    });
    expect(await bad(() => parseApplyFile('[]', 'json', { fil: 'x' } as never))).toMatchObject({
      field: 'fil',
    });
    const inherited = Object.create({ file: 'not-own.json' }) as { file?: string };
    expect(await parseApplyFile('[]', 'json', inherited)).toEqual([]);
    expect(await bad(() => parseApplyFile(5 as never, 'json'))).toMatchObject({ field: 'text' });
    expect(await bad(() => parseApplyFile('[]', 'toml' as never))).toMatchObject({ field: 'format' });
    expect(await bad(() => readApplyFile(42 as never))).toMatchObject({ field: 'path' });
  });

  it('control characters in keys are escaped, long keys cut', async () => {
    const e = (await refusal(JSON.stringify({ '\u001b[2Jwipe': 1 }), 'json')) as Error;
    expect(e.message).toContain('unknown key \\u001b[2Jwipe');
    expect(e.message).not.toContain('\u001b');
    const long = (await refusal(JSON.stringify({ ['k'.repeat(5000)]: 1 }), 'json')) as Error;
    expect(long.message).toBe(
      `t.json:1:5005: unknown key ${'k'.repeat(63)}… (allowed: only 'tunnels' and '$schema')`,
    );
  });
});

describe('readApplyFile: only regular files, bounded, never blocking', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eoip-apply-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a FIFO is refused without waiting for a writer', () => {
    const fifo = join(dir, 'fifo.json');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(() => readApplyFileText(fifo)).toThrow(
      `${fifo}: a FIFO, not a regular file: an apply file must be a regular file (or '-' for standard input)`,
    );
  });

  it('/dev/zero and directories are refused before reading', () => {
    expect(() => readApplyFileText('/dev/zero')).toThrow(
      /^\/dev\/zero: a character device, not a regular file/,
    );
    expect(() => readApplyFileText(dir)).toThrow(/: a directory, not a regular file/);
  });

  it('a file over 16 MiB is refused from its size, before reading', () => {
    const sparse = join(dir, 'big.json');
    writeFileSync(sparse, '');
    truncateSync(sparse, APPLY_FILE_MAX_BYTES + 1);
    expect(() => readApplyFileText(sparse)).toThrow(
      `${sparse}: too large (16,777,217 bytes or more; at most 16,777,216 bytes, 16 MiB)`,
    );
  });

  it('a file that reports size 0 but has content (/proc) is read whole', () => {
    const text = readApplyFileText('/proc/self/status');
    expect(text).toMatch(/^Name:\t/);
    expect(text).toMatch(/\nPid:\t\d+\n/);
  });

  it('a missing file: cannot read, with the errno', () => {
    expect(() => readApplyFileText(join(dir, 'nope.json'))).toThrow(
      `cannot read ${join(dir, 'nope.json')}: ENOENT`,
    );
  });

  it('a symlink to a secret: read, refused, and nothing of the secret shown', async () => {
    const secret = join(dir, 'id_ed25519');
    writeFileSync(
      secret,
      '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAC3NzaC1lZDI1NTE5AAAAIHuS3cr3tK3y\n-----END OPENSSH PRIVATE KEY-----\n',
    );
    for (const name of ['k.yaml', 'k.json']) {
      symlinkSync(secret, join(dir, name));
      const e = await readApplyFile(join(dir, name)).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ApplyFileError);
      expect((e as Error).message).not.toMatch(/BEGIN|AAAA|OPENSSH/);
      expect((e as ApplyFileError).line).toBe(1);
    }
  });

  it('a good file by path: YAML by its extension', async () => {
    const good = join(dir, 'good.yml');
    writeFileSync(good, 'tunnels:\n  - {name: e1, tunnelId: 7, remote: 10.0.0.2, ttl: 64}\n');
    expect(await readApplyFile(good)).toEqual([{ name: 'e1', tunnelId: 7, remote: '10.0.0.2', ttl: 64 }]);
  });
});

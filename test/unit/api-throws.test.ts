/**
 * The API reference says what each public function takes and what it can
 * throw: every parameter of an exported function (and of an EoipClient
 * method) has a `@param`, every one that does I/O or checks its input lists
 * the error classes it throws with `@throws`, those are classes the package
 * exports, and an operation that takes a signal or a timeout lists
 * AbortedError or TimeoutError. Read from the source's doc comments through
 * the TypeScript compiler.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../../src/index.js';
import { REPO_ROOT } from '../fixtures/vectors.js';

/** One documented callable: an exported function or a public EoipClient method. */
interface Callable {
  /** `createTunnel`, `EoipClient.getLink`, … */
  name: string;
  /** Its parameters' names. */
  params: string[];
  /** `@param` tags: name -> text. */
  paramDocs: Map<string, string>;
  /** The text of each `@throws` tag. */
  throws: string[];
  /** Returns a Promise (it does I/O). */
  async: boolean;
  /** Names of the properties its parameters accept (e.g. `signal`, `timeout`). */
  optionKeys: Set<string>;
}

/** Synchronous functions that check their input and throw for bad input. */
const SYNC_THROWING = [
  'watchTunnels',
  'watchLinks',
  'splitMessages',
  'decodeLinkMessage',
  'decodeErrorPayload',
  'describeMessage',
  'buildNewLinkRequest',
  'buildCreateTunnelRequest',
  'buildChangeTunnelRequest',
  'buildGetLinkRequest',
  'buildDeleteLinkRequest',
  'buildDumpLinksRequest',
  'EoipClient.withTransport',
];

/**
 * Asynchronous functions that never reject with an error of their own (their
 * doc says why): a failure is an answer, or comes from the caller's callbacks.
 */
const NEVER_REJECTS = ['probeKind', 'executeSteps', 'reconcile'];

/** A signal that ends the iteration or fails a step instead of throwing AbortedError. */
const SIGNAL_NOT_THROWN = ['watchTunnels', 'watchLinks', 'reconcile'];

/** A `timeout` that is only the default of later operations: the call itself sends nothing. */
const TIMEOUT_IS_A_DEFAULT = ['EoipClient.open'];

/**
 * The block tags of the doc comment right before `decl`, as TypeDoc reads
 * them (the compiler's own JSDoc parser takes `@throws {@link X}` for a type).
 */
function docTags(decl: ts.Node): Array<{ tag: string; text: string }> {
  const source = decl.getSourceFile().getFullText();
  const ranges = ts.getLeadingCommentRanges(source, decl.getFullStart()) ?? [];
  const doc = ranges.filter((r) => source.startsWith('/**', r.pos)).pop();
  if (!doc) return [];
  const lines = source
    .slice(doc.pos + 3, doc.end - 2)
    .split('\n')
    .map((l) => l.replace(/^\s*\*?\s?/, '').trimEnd());
  const tags: Array<{ tag: string; text: string }> = [];
  let inCode = false;
  for (const line of lines) {
    if (line.startsWith('```')) inCode = !inCode;
    const m = inCode ? null : /^@(\w+)\s*(.*)$/.exec(line);
    if (m) tags.push({ tag: m[1]!, text: m[2]! });
    else if (tags.length > 0 && !inCode) tags[tags.length - 1]!.text += ` ${line.trim()}`;
  }
  return tags.map((t) => ({ tag: t.tag, text: t.text.trim() }));
}

function describeCallable(checker: ts.TypeChecker, name: string, decl: ts.SignatureDeclaration): Callable {
  const tags = docTags(decl);
  const paramDocs = new Map<string, string>();
  for (const t of tags) {
    const m = t.tag === 'param' ? /^(\w+)\s*(?:-\s*)?(.*)$/.exec(t.text) : null;
    if (m) paramDocs.set(m[1]!, m[2]!);
  }
  const sig = checker.getSignatureFromDeclaration(decl)!;
  const ret = checker.getReturnTypeOfSignature(sig);
  const optionKeys = new Set<string>();
  for (const p of decl.parameters) {
    const type = checker.getNonNullableType(checker.getTypeAtLocation(p));
    for (const prop of type.getApparentProperties()) optionKeys.add(prop.getName());
  }
  return {
    name,
    params: decl.parameters.map((p) => p.name.getText()),
    paramDocs,
    throws: tags.filter((t) => t.tag === 'throws').map((t) => t.text),
    async: ret.getSymbol()?.getName() === 'Promise',
    optionKeys,
  };
}

/** Every exported function and public EoipClient method, as its doc comment describes it. */
function readCallables(): Callable[] {
  const index = join(REPO_ROOT, 'src', 'index.ts');
  const program = ts.createProgram([index], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(index)!)!;
  const out: Callable[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    for (const decl of symbol.declarations ?? []) {
      if (ts.isFunctionDeclaration(decl) && decl.body) {
        out.push(describeCallable(checker, exported.name, decl));
      }
      if (ts.isClassDeclaration(decl) && exported.name === 'EoipClient') {
        for (const m of decl.members) {
          const hidden =
            ts.getCombinedModifierFlags(m).valueOf() &
            (ts.ModifierFlags.Private | ts.ModifierFlags.Protected);
          if (!ts.isMethodDeclaration(m) || hidden || !ts.isIdentifier(m.name)) continue;
          out.push(describeCallable(checker, `EoipClient.${m.name.text}`, m));
        }
      }
    }
  }
  return out;
}

/** The class a `@throws` tag names first: `{@link X}` or a leading `X`. */
function thrownClass(text: string): string | undefined {
  return /^\{@link\s+([A-Za-z]\w*)\s*\}/.exec(text)?.[1] ?? /^([A-Z]\w*)\b/.exec(text)?.[1];
}

/** Every class a `@throws` tag links to. */
function linkedClasses(text: string): string[] {
  return [...text.matchAll(/\{@link\s+([A-Za-z]\w*)\s*\}/g)].map((m) => m[1]!);
}

/** An error class of the package, or one of JavaScript's own (`TypeError`). */
function isErrorClass(name: string): boolean {
  const v = (lib as Record<string, unknown>)[name] ?? (globalThis as Record<string, unknown>)[name];
  return typeof v === 'function' && (v === Error || v.prototype instanceof Error);
}

describe('API reference: parameters and thrown errors', () => {
  let callables: Callable[] = [];
  const named = (name: string): Callable => {
    const c = callables.find((x) => x.name === name);
    if (!c) throw new Error(`no exported ${name}`);
    return c;
  };
  /** The callables that must list what they throw. */
  const mustList = () =>
    callables.filter((c) => (c.async && !NEVER_REJECTS.includes(c.name)) || SYNC_THROWING.includes(c.name));

  beforeAll(() => {
    callables = readCallables();
  }, 120_000);

  it('finds the public functions and methods', () => {
    const names = callables.map((c) => c.name);
    for (const n of [
      'createTunnel',
      'createLink',
      'applyTunnels',
      'watchTunnels',
      'EoipClient.changeTunnel',
    ]) {
      expect(names).toContain(n);
    }
    expect(names).not.toContain('EoipClient.prepareCreate'); // private
    for (const n of [...SYNC_THROWING, ...NEVER_REJECTS, ...SIGNAL_NOT_THROWN, ...TIMEOUT_IS_A_DEFAULT])
      expect(names).toContain(n);
  });

  it('document every parameter', () => {
    const missing = callables.flatMap((c) =>
      c.params.filter((p) => !c.paramDocs.get(p)).map((p) => `${c.name}(${p})`),
    );
    expect(missing).toEqual([]);
  });

  it('list what they throw when they do I/O or check their input', () => {
    const silent = mustList()
      .filter((c) => !c.throws.some((t) => thrownClass(t) !== undefined))
      .map((c) => c.name);
    expect(silent).toEqual([]);
  });

  it("name only error classes the package exports (or JavaScript's own)", () => {
    const wrong = callables.flatMap((c) =>
      c.throws
        .map(thrownClass)
        .filter((n): n is string => n !== undefined && !isErrorClass(n))
        .map((n) => `${c.name}: ${n}`),
    );
    expect(wrong).toEqual([]);
  });

  it('list AbortedError and TimeoutError where an operation takes a signal or a timeout', () => {
    const missing: string[] = [];
    for (const c of mustList().filter((x) => x.async)) {
      const listed = new Set(c.throws.flatMap(linkedClasses));
      if (c.optionKeys.has('signal') && !SIGNAL_NOT_THROWN.includes(c.name) && !listed.has('AbortedError'))
        missing.push(`${c.name}: AbortedError`);
      if (
        c.optionKeys.has('timeout') &&
        !TIMEOUT_IS_A_DEFAULT.includes(c.name) &&
        !listed.has('TimeoutError')
      )
        missing.push(`${c.name}: TimeoutError`);
    }
    expect(missing).toEqual([]);
  });

  it('say which refusals the tunnel and link operations map to', () => {
    const lists = (name: string, cls: string) => named(name).throws.some((t) => thrownClass(t) === cls);
    for (const op of ['createTunnel', 'EoipClient.createTunnel', 'createLink']) {
      expect(lists(op, 'PermissionError'), op).toBe(true);
      expect(lists(op, 'KindNotAvailableError'), op).toBe(true);
    }
    for (const op of ['changeTunnel', 'EoipClient.changeTunnel', 'deleteTunnel', 'EoipClient.deleteTunnel']) {
      expect(lists(op, 'LinkNotFoundError'), op).toBe(true);
      expect(lists(op, 'NotATunnelError'), op).toBe(true);
    }
    for (const op of ['changeLink', 'deleteLink']) expect(lists(op, 'LinkNotFoundError'), op).toBe(true);
    expect(lists('applyTunnelsWith', 'ApplyError')).toBe(true);
    expect(lists('parseApplyFile', 'ApplyFileError')).toBe(true);
    expect(lists('dumpLinks', 'DumpInterruptedError')).toBe(true);
  });
});

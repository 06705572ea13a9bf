/**
 * Finds the tests of a set of modules as `opa test` does (OPA tester/runner.go): rules with no
 * arguments whose head names `test_*` (or `todo_test_*`, reported as skipped) in its ground
 * prefix — `test_x`, also `a.b.test_x` (the test `data.pkg.a.b.test_x`, named `a.b.test_x`) and
 * `test_x.a` / `test_x[k]`, where the test is `data.pkg.test_x` and the rest of the head is its
 * value (runner.go ruleName: the first such term ends the test's name).
 *
 * Several definitions of one test name are several tests in OPA, each run on its own and
 * reported as `name`, `name#01`, `name#02`, …. A rule with several definitions is one document
 * to the compiler, so every definition after the first is renamed in the source text (on its
 * head line only, so line numbers and coverage are unchanged) and planned as its own entrypoint;
 * a chained body (`test_a { x } { y }`) is split off into a rule of its own on the same line.
 *
 * @example
 *   const { modules, tests } = discoverTests([{ file: 'a_test.rego', text }]);
 *   tests.map((t) => t.name); // ['test_a', 'test_a#01']
 */
import { parseSourceIn, type DialectOptions } from '../parse-dialect.js';
import type { ModuleSource } from '../index.js';
import type { Rule, Term } from '../syntax/ast.js';
import { walkBody, walkTerm, type Visitor } from '../syntax/walk.js';

export interface TestCase {
  /** `data.pkg.test_x` (with `#01`… for further definitions), as OPA prints it */
  readonly fullName: string;
  /** `data.pkg` */
  readonly pkg: string;
  /** `test_x`, `test_x#01`, `a.test_x`, `a["test_x#01"]` (OPA's Ref.String() of the name's ref) */
  readonly name: string;
  /**
   * the ref OPA's runner queries (`Package.Path.Extend(ref).String()`): every name after `data` a
   * string, so a further definition is `data.pkg["test_x#01"]`, where its name shows `test_x#01`
   */
  readonly query: string;
  /** the plan that runs it (`pkg/test_x`) */
  readonly entrypoint: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** a `todo_test_` rule: listed, not run */
  readonly skip: boolean;
  /**
   * OPA ≥ 1.2's parameterized test, a head with variables after the name (`test_x[note] if …`):
   * each key of its object is a case (tester/runner.go subResults)
   */
  readonly parameterized?: boolean;
  /**
   * the plan of a helper rule (added to the module's text) that lists the keys the test's body
   * binds before anything can fail: OPA injects `internal.test_case` there (runner.go
   * injectTestCaseFunc), so a case whose remaining body fails is still reported, as FAIL
   */
  readonly casesEntrypoint?: string;
}

/** what discovery appends to the name of a further definition of a test (`test_x__regate_def1`) */
export const DUP_SUFFIX = '__regate_def';
const CASES_PREFIX = '__regate_cases_';

/** A ground-free head key written back as Rego (vars, strings, numbers, refs of those), or undefined. */
function termText(t: Term): string | undefined {
  switch (t.kind) {
    case 'var':
      return t.name;
    case 'string':
      return JSON.stringify(t.value);
    case 'number':
      return t.text;
    case 'ref': {
      const head = termText(t.head);
      if (head === undefined || t.head.kind !== 'var') return undefined;
      const path = t.path.map((x) => termText(x));
      return path.every((x) => x !== undefined) ? head + path.map((x) => `[${x}]`).join('') : undefined;
    }
    default:
      return undefined;
  }
}

function varsOf(visit: (v: Visitor) => void): Set<string> {
  const names = new Set<string>();
  visit({ term: (t) => void (t.kind === 'var' && t.name !== '_' ? names.add(t.name) : undefined) });
  return names;
}

/**
 * The helper rule listing a parameterized test's cases: the body up to the literal that binds
 * the last variable of the key, as `name contains [key, …] if { prefix }`. OPA's injectTestCaseFunc
 * puts `internal.test_case([key])` right below the first occurrence of each key variable; a
 * case the rest of the body rejects is then reported failed. Undefined when the key is bound
 * by the last literal only (no case can fail after it) or cannot be written back.
 */
function casesRule(r: Rule, keys: readonly Term[], name: string, lines: readonly string[], v1: boolean): string | undefined {
  if (r.elses.length > 0) return undefined;
  const texts = keys.map(termText);
  if (!texts.every((x) => x !== undefined)) return undefined;
  // the case's path, as the array OPA passes internal.test_case
  const keyText = `[${texts.join(', ')}]`;
  const wanted = varsOf((v) => keys.forEach((k) => walkTerm(k, v)));
  let last = -1;
  const seen = new Set<string>();
  for (let i = 0; i < r.body.length && seen.size < wanted.size; i++) {
    const lit = r.body[i]!;
    // `some x` declares and `not …` never binds: OPA's rewritten body has neither as the binding
    if (lit.expr.kind !== 'some' && !lit.negated) for (const n of varsOf((v) => walkBody([lit], v))) if (wanted.has(n)) seen.add(n);
    last = i;
  }
  const first = r.body[0];
  const next = r.body[last + 1];
  if (seen.size < wanted.size || first === undefined || next === undefined) return undefined;
  // the source text from the first literal to the one after `last` (a comment may end it: `\n}`)
  const from = { line: first.span.line - 1, col: first.span.col - 1 };
  const to = { line: next.span.line - 1, col: next.span.col - 1 };
  const text = from.line === to.line ? (lines[from.line] ?? '').slice(from.col, to.col) : [(lines[from.line] ?? '').slice(from.col), ...lines.slice(from.line + 1, to.line), (lines[to.line] ?? '').slice(0, to.col)].join('\n');
  const prefix = text.replace(/[\s;]+$/, '');
  return v1 ? `${name} contains ${keyText} if {\n${prefix}\n}` : `${name}[${keyText}] {\n${prefix}\n}`;
}

/** A head term with no variables in it (OPA's IsGround, for the kinds a rule head can hold). */
function isGround(t: Term): boolean {
  return t.kind === 'string' || t.kind === 'number' || t.kind === 'bool' || t.kind === 'null';
}

/** The name a head term gives (a var or a string), as runner.go ruleName reads it. */
function termName(t: Term, first: boolean): string | undefined {
  if (t.kind === 'var') return first ? t.name : undefined;
  return t.kind === 'string' ? t.value : undefined;
}

/**
 * OPA's ruleName (tester/runner.go): walking the head's ground prefix, the first term named
 * `test_…` or `todo_test_…` ends the test's name; undefined when there is none.
 */
export function testNameOf(ref: readonly Term[]): { name: string; at: number } | undefined {
  for (let i = 0; i < ref.length; i++) {
    const t = ref[i]!;
    if (!(i === 0 && t.kind === 'var') && !isGround(t)) return undefined;
    const n = termName(t, i === 0);
    if (n !== undefined && (n.startsWith('test_') || n.startsWith('todo_test_'))) return { name: n, at: i };
  }
  return undefined;
}

const IDENT = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A ref of names as OPA's Ref.String() prints it: `a.b`, a key that is no identifier as `["k#01"]`. */
function refText(names: readonly string[]): string {
  return names.map((n, i) => (i === 0 ? n : IDENT.test(n) ? `.${n}` : `[${JSON.stringify(n)}]`)).join('');
}

export function discoverTests(modules: readonly ModuleSource[], dialect: DialectOptions = {}, caseHelpers: (file: string) => boolean = () => true): { modules: ModuleSource[]; tests: TestCase[] } {
  const tests: TestCase[] = [];
  const seen = new Map<string, number>();
  const out: ModuleSource[] = [];
  for (const m of modules) {
    const mod = parseSourceIn(m, dialect);
    const lines = m.text.split('\n');
    // characters inserted so far on a line (several definitions may share one)
    const shift = new Map<number, number>();
    let changed = false;
    const helpers: string[] = [];
    const v1 = mod.regoVersion === 'v1' || mod.regoV1 === true;
    for (const r of mod.rules) {
      if (r.args !== undefined && r.args.length > 0) continue;
      const found = testNameOf(r.ref);
      if (found === undefined) continue;
      const { name, at } = found;
      // the names up to the test's (`a`, `b` of `a.b.test_x`); a var can only be the first
      const prefix = r.ref.slice(0, at).map((t, i) => termName(t, i === 0) ?? '');
      const tail = r.ref.slice(at + 1);
      // OPA ≥ 1.2 (Head.DocKind: a dynamic ref is a partial object): a head `test_x[note]` whose
      // tail has variables is one test of several cases; with a ground tail (`test_x.a`) the
      // test's value is an object, not `true`, and it fails, as in OPA
      const parameterized = tail.some((t) => !isGround(t));
      const skip = name.startsWith('todo_test_');
      const key = [...mod.package, ...prefix, name].join('/');
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      let ruleName = name;
      const term = r.ref[at]!;
      if (n > 0) {
        ruleName = `${name}${DUP_SUFFIX}${n}`;
        if (r.chained) {
          // `test_a { x } { y }`: the second body becomes a rule of its own on the same line,
          // `test_a { x }; test_a__regate_def1 { y }` (with `if` where v1's rules apply)
          const li = r.span.line - 1;
          const col = r.span.col - 1 + (shift.get(li) ?? 0);
          const line = lines[li] ?? '';
          if (line[col] !== '{' || at > 0 || tail.length > 0) continue;
          const insert = `; ${ruleName}${mod.regoVersion === 'v1' || mod.regoV1 ? ' if' : ''} `;
          lines[li] = line.slice(0, col) + insert + line.slice(col);
          shift.set(li, (shift.get(li) ?? 0) + insert.length);
        } else {
          // Rename this definition where its name is written: line and column of the term (a
          // string term of a ref may start at its `.`).
          const li = term.span.line - 1;
          const line = lines[li] ?? '';
          let col = term.span.col - 1 + (shift.get(li) ?? 0);
          if (line[col] === '.') col++;
          if (line.slice(col, col + name.length) !== name) continue; // not written plainly: leave it merged
          lines[li] = line.slice(0, col) + ruleName + line.slice(col + name.length);
          shift.set(li, (shift.get(li) ?? 0) + ruleName.length - name.length);
        }
        changed = true;
      }
      const pkg = ['data', ...mod.package].join('.');
      // runner.go rewriteDuplicateTestNames: `name#01`, a var in a one-term ref, else a string key
      const numbered = n > 0 ? `${name}#${String(n).padStart(2, '0')}` : name;
      const shown = refText([...prefix, numbered]);
      const helperName = `${CASES_PREFIX}${[...prefix, ruleName].join('_')}`;
      const helper = parameterized && !skip && caseHelpers(m.file) ? casesRule(r, tail, helperName, m.text.split('\n'), v1) : undefined;
      if (helper !== undefined) helpers.push(helper);
      tests.push({
        fullName: `${pkg}.${shown}`,
        pkg,
        name: shown,
        query: refText(['data', ...mod.package, ...prefix, numbered]),
        entrypoint: [...mod.package, ...prefix, ruleName].join('/'),
        file: m.file,
        line: r.span.line,
        col: r.span.col,
        skip,
        ...(parameterized ? { parameterized: true } : {}),
        ...(helper !== undefined ? { casesEntrypoint: [...mod.package, helperName].join('/') } : {}),
      });
    }
    // helpers go after the module's last line, so its own lines keep their numbers
    if (helpers.length > 0) {
      lines.push('', ...helpers);
      changed = true;
    }
    out.push(changed ? { ...m, text: lines.join('\n') } : m);
  }
  return { modules: out, tests };
}

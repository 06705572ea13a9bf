/**
 * Shared helpers for the ext builtin tests: a fixed BuiltinContext, a `call` that runs a
 * builtin from the default registry, and a loader for OPA's conformance YAML (the ground truth
 * these tests take their values from).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Test } from 'tap';
import { createRegistry } from '../../../src/policy/builtins/registry.js';
import { allBuiltins } from '../../../src/policy/builtins/index.js';
import type { BuiltinContext } from '../../../src/policy/builtins/registry.js';
import { fromJs, makeObject, RSet, stringifyJson, type Value } from '../../../src/policy/value/index.js';
import { RegoError } from '../../../src/policy/errors.js';

type Tap = Test;


const registry = createRegistry(allBuiltins);

export const CASES = new URL('../../../../shared/conformance/cases/v1/', import.meta.url).pathname;

export interface Case {
  note: string;
  modules?: string[];
  input?: unknown;
  want_result?: Record<string, unknown>[];
  want_error?: string;
  want_error_code?: string;
  [k: string]: unknown;
}

/** All cases of one topic directory. */
export function loadCases(topic: string): Case[] {
  const dir = join(CASES, topic);
  const out: Case[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.yaml')) continue;
    const doc = parseYaml(readFileSync(join(dir, f), 'utf8')) as { cases: Case[] };
    out.push(...doc.cases);
  }
  return out;
}

/** Case `i` of a topic's cases; throws (failing the test) where the corpus has fewer. */
export function caseAt(cases: Case[], i: number): Case {
  const c = cases[i];
  if (c === undefined) throw new Error(`case ${i} wanted, the topic has ${cases.length}`);
  return c;
}

export function makeCtx(over: Partial<BuiltinContext> = {}): BuiltinContext & { printed: string[] } {
  const printed: string[] = [];
  let seed = 42;
  return {
    strict: true,
    nowNs: 1_700_000_000_000_000_000n,
    cache: new Map(),
    print: (m: string) => printed.push(m),
    env: { HOME: '/home/test' },
    // Deterministic LCG so tests are reproducible.
    random: () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    },
    printed,
    ...over,
  };
}

/** Calls a builtin by name with JS arguments (converted to Values). */
export function call(name: string, args: unknown[], ctx: BuiltinContext = makeCtx()): Value | undefined {
  const def = registry.get(name);
  if (!def) throw new Error(`no builtin ${name}`);
  if (def.arity !== args.length) throw new Error(`${name}: arity ${def.arity}, got ${args.length}`);
  return def.impl(
    args.map((a) => (a instanceof Object && !Array.isArray(a) && Object.getPrototypeOf(a) !== Object.prototype ? (a as Value) : fromJs(a))),
    ctx,
  );
}

/** Extracts `name := <literal>` from a Rego module: a raw string, a JSON string, or an object/array literal. */
export function regoLiteral(module: string, name: string): unknown {
  const re = new RegExp(`^${name}\\s*:?=\\s*`, 'm');
  const m = re.exec(module);
  if (!m) return undefined;
  const rest = module.slice(m.index + m[0].length);
  if (rest.startsWith('`')) return rest.slice(1, rest.indexOf('`', 1));
  if (rest.startsWith('"')) {
    const end = /^"(?:[^"\\]|\\.)*"/.exec(rest);
    return end ? JSON.parse(end[0]) : undefined;
  }
  if (rest.startsWith('{') || rest.startsWith('[')) {
    let depth = 0;
    let inStr = false;
    for (let i = 0; i < rest.length; i++) {
      const c = rest[i];
      if (inStr) {
        if (c === '\\') i++;
        else if (c === '"') inStr = false;
        continue;
      }
      if (c === '"') inStr = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return JSON.parse(rest.slice(0, i + 1).replace(/,(\s*[}\]])/g, '$1'));
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// A minimal reader for the single-call cases of the corpus: `p := x if { ns.fn(args…, x) }`,
// `p := x if { x := ns.fn(args…) }`, `p if { ns.fn(args…) }`. Operands must be literal terms.

/** A variable in a term (an output position). */
export class Var {
  constructor(readonly name: string) {}
}
export type Term = unknown;

/** Parses one Rego literal term at `s[i]`; returns [term, next index]. */
export function parseTerm(s: string, i: number): [Term, number] {
  const ws = () => {
    while (i < s.length) {
      if (/\s/.test(s[i] as string)) i++;
      else if (s[i] === '#') while (i < s.length && s[i] !== '\n') i++;
      else break;
    }
  };
  ws();
  const c = s[i];
  if (c === '"') {
    const m = /^"(?:[^"\\]|\\.)*"/.exec(s.slice(i));
    if (!m) throw new Error('bad string');
    return [JSON.parse(m[0]), i + m[0].length];
  }
  if (c === '`') {
    const e = s.indexOf('`', i + 1);
    return [s.slice(i + 1, e), e + 1];
  }
  if (c === '[' || c === '{') {
    const close = c === '[' ? ']' : '}';
    i++;
    const items: Term[] = [];
    const keys: Term[] = [];
    let isObject = false;
    ws();
    while (s[i] !== close) {
      const [k, j] = parseTerm(s, i);
      i = j;
      ws();
      if (c === '{' && s[i] === ':') {
        isObject = true;
        const [v, j2] = parseTerm(s, i + 1);
        keys.push(k);
        items.push(v);
        i = j2;
      } else items.push(k);
      ws();
      if (s[i] === ',') i++;
      ws();
      if (i >= s.length) throw new Error('unterminated');
    }
    i++;
    if (c === '[') return [items, i];
    if (isObject || items.length === 0) return [{ __obj: keys.map((k, n) => [k, items[n]]) }, i];
    return [{ __set: items }, i];
  }
  const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(s.slice(i));
  if (num) return [num[0].includes('.') || /[eE]/.test(num[0]) ? Number(num[0]) : BigInt(num[0]) <= BigInt(Number.MAX_SAFE_INTEGER) && BigInt(num[0]) >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(num[0]) : BigInt(num[0]), i + num[0].length];
  const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(s.slice(i));
  if (id) {
    if (id[0] === 'true') return [true, i + 4];
    if (id[0] === 'false') return [false, i + 5];
    if (id[0] === 'null') return [null, i + 4];
    if (id[0] === 'set' && s.slice(i, i + 5) === 'set()') return [{ __set: [] }, i + 5];
    return [new Var(id[0]), i + id[0].length];
  }
  throw new Error(`cannot parse term at ${s.slice(i, i + 20)}`);
}

/** Converts a parsed term to a Value, resolving variables from `env` (undefined if one is unbound). */
export function termValue(t: Term, env: Record<string, unknown> = {}): Value | undefined {
  if (t instanceof Var) {
    if (t.name.startsWith('input.') && env.input !== undefined) {
      let cur: unknown = env.input;
      for (const p of t.name.split('.').slice(1)) cur = (cur as Record<string, unknown> | undefined)?.[p];
      return cur === undefined ? undefined : fromJs(cur);
    }
    return Object.hasOwn(env, t.name) ? fromJs(env[t.name]) : undefined;
  }
  if (Array.isArray(t)) {
    const out: Value[] = [];
    for (const e of t) {
      const v = termValue(e, env);
      if (v === undefined) return undefined;
      out.push(v);
    }
    return out;
  }
  if (t !== null && typeof t === 'object') {
    const o = t as { __obj?: [Term, Term][]; __set?: Term[] };
    if (o.__set) {
      const vals = o.__set.map((e) => termValue(e, env));
      if (vals.some((v) => v === undefined)) return undefined;
      return RSet.of(vals as Value[]);
    }
    const entries: [Value, Value][] = [];
    for (const [k, v] of o.__obj ?? []) {
      const kv = termValue(k, env);
      const vv = termValue(v, env);
      if (kv === undefined || vv === undefined) return undefined;
      entries.push([kv, vv]);
    }
    return makeObject(entries);
  }
  return fromJs(t);
}

export interface CallCase {
  fn: string;
  args: Value[];
  /** What the case expects of the call's output: a value, "defined", or an error. */
  expect: { value: Value } | { defined: true } | { error: { code: string | undefined; message: string | undefined } } | { undefined: true };
}

/**
 * Recognises a single-call case for builtin `fn` (arity `arity`): returns the call's operands
 * and expectation, or undefined when the case has another shape.
 */
export function readCallCase(c: Case, fn: string, arity: number): CallCase | undefined {
  if (c.modules?.length !== 1) return undefined;
  const mod = c.modules[0] as string;
  // `p := f(args)` (no body) reads as `p := x if { x := f(args) }`.
  const bare = /^p\s*:=\s*(?=[a-z])/m.exec(mod);
  const contains = /^p\s+contains\s+(\S+)\s+if\s*\{/m.exec(mod);
  const head = contains ? ([contains[0], contains[1]] as unknown as RegExpExecArray & { index: number }) : /^p\s*(?::=\s*(\S.*?)\s+)?if\s*\{/m.exec(mod);
  if (contains) (head as { index: number }).index = contains.index;
  if (!head && !bare) return undefined;
  const body = head ? mod.slice(head.index + head[0].length) : `x := ${mod.slice((bare as RegExpExecArray).index + (bare as RegExpExecArray)[0].length).trim()}\n}`;
  const headTermText = head ? head[1] : 'x';
  const at = body.indexOf(fn + '(');
  if (at < 0 || body.indexOf(fn + '(', at + 1) >= 0) return undefined;
  // Every other statement in the body must be trivial for this reader.
  const before = body.slice(0, at).trim();
  let outVar: string | undefined;
  const assign = /^([a-z_][a-z0-9_]*)\s*:?=\s*$/i.exec(before);
  if (assign) outVar = assign[1];
  else if (before !== '') return undefined;
  let i = at + fn.length + 1;
  const terms: Term[] = [];
  try {
    for (;;) {
      const [t, j] = parseTerm(body, i);
      terms.push(t);
      i = j;
      while (/\s/.test(body[i] as string)) i++;
      if (body[i] === ',') {
        i++;
        while (/\s/.test(body[i] as string)) i++;
        if (body[i] === ')') break;
        continue;
      }
      if (body[i] === ')') break;
      return undefined;
    }
  } catch {
    return undefined;
  }
  const rest = body.slice(i + 1).trim();
  let outTerm: Term | undefined;
  if (terms.length === arity + 1) outTerm = terms.pop();
  else if (terms.length !== arity) return undefined;
  // The planner's rewriting `f(args, __local1__); __local0__ = __local1__` is the same shape.
  const alias = /^(\w+)\s*=\s*(\w+)\s*\}$/.exec(rest);
  if (alias && outTerm instanceof Var && alias[2] === outTerm.name) outTerm = new Var(alias[1] as string);
  else if (rest !== '}') return undefined;
  if (outVar) outTerm = new Var(outVar);
  const env = { input: c.input };
  const args: Value[] = [];
  for (const t of terms) {
    const v = termValue(t, env);
    if (v === undefined) return undefined;
    args.push(v);
  }
  if (c.want_error !== undefined || c.want_error_code !== undefined)
    // Some cases spell the message as OPA's full error text, "<code>: <message>".
    return { fn, args, expect: { error: { code: c.want_error_code, message: c.want_error?.replace(/^eval_[a-z_]+_error: /, '') } } };
  const want = c.want_result;
  if (!want || want.length === 0) return { fn, args, expect: { undefined: true } };
  if (want.length !== 1) return undefined;
  let x = (want[0] as Record<string, unknown>).x;
  // A one-element partial set `p contains v` renders as [v].
  if (contains) {
    if (!Array.isArray(x) || x.length !== 1) return undefined;
    x = x[0];
  }
  const headTerm = headTermText;
  if (headTerm === undefined) return outTerm === undefined ? { fn, args, expect: { defined: true } } : undefined;
  if (outTerm === undefined) return undefined;
  // The head and the output term must be the same shape (`x` / `[x, y, z]`).
  if (headTerm.replace(/\s/g, '') !== (outTerm instanceof Var ? outTerm.name : Array.isArray(outTerm) ? `[${outTerm.map((v) => (v instanceof Var ? v.name : '?')).join(',')}]` : '?')) return undefined;
  return { fn, args, expect: { value: fromJs(x) } };
}

/** JSON view of a value the way the corpus writes results (sets as arrays, numbers as doubles). */
export function asJson(v: Value): unknown {
  return JSON.parse(stringifyJson(v));
}

/**
 * Runs every recognisable single-call case of `topics` for the builtins `fns` (name → arity)
 * as tap subtests. Returns how many cases were recognised, so a test can insist on coverage.
 */
export function runCallCases(t: Tap, topics: string[], fns: Record<string, number>, opts: { ctx?: () => BuiltinContext } = {}): number {
  let n = 0;
  for (const topic of topics) {
    for (const c of loadCases(topic)) {
      for (const [fn, arity] of Object.entries(fns)) {
        const cc = readCallCase(c, fn, arity);
        if (!cc) continue;
        n++;
        t.test(`${c.note} (${fn})`, (t) => {
          const ctx = opts.ctx ? opts.ctx() : makeCtx({ strict: c.strict_error === true });
          let out: Value | undefined;
          let err: RegoError | undefined;
          try {
            out = call(fn, cc.args, ctx);
          } catch (e) {
            if (!(e instanceof RegoError)) throw e;
            err = e;
          }
          if (err && err.opaCode === 'eval_builtin_error' && !ctx.strict) {
            err = undefined;
            out = undefined;
          }
          const ex = cc.expect;
          if ('error' in ex) {
            t.ok(err, 'raises');
            if (ex.error.code) t.equal(err?.opaCode, ex.error.code, 'error code');
            if (ex.error.message) t.ok((err?.message ?? '').includes(ex.error.message), `error message contains ${JSON.stringify(ex.error.message)}: ${err?.message}`);
          } else {
            t.equal(err, undefined, 'no error');
            if ('value' in ex) t.same(out === undefined ? undefined : asJson(out), asJson(ex.value));
            else if ('defined' in ex) t.ok(out !== undefined && out !== false, 'defined');
            else t.ok(out === undefined || out === false, 'undefined');
          }
          t.end();
        });
      }
    }
  }
  return n;
}

/** `name := <term>` from a module, parsed as a Rego term (sets allowed) and converted to a Value. */
export function regoTerm(module: string, name: string): Value | undefined {
  const m = new RegExp(`^${name}\\s*:?=\\s*`, 'm').exec(module);
  if (!m) return undefined;
  try {
    return termValue(parseTerm(module, m.index + m[0].length)[0]);
  } catch {
    return undefined;
  }
}

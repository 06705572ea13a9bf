/**
 * Runs OPA's conformance cases for the core-builtin topics on the JS back end, using OPA's own
 * plans (so only the back end and the builtins are exercised, not our front end).
 *
 *   npx tsx test/policy/builtins/conformance-topics.ts [topic …] [--verbose] [--v0]
 *
 * Prints pass/fail/skip per topic. `runTopics` is also used by conformance.test.ts.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createJsEvaluator } from '../../../src/policy/backend/js/index.js';
import type { Policy } from '../../../src/policy/ir/types.js';
import { RegoError } from '../../../src/policy/errors.js';
import { ObjectBuilder, RSet, fromJs, parseJson, stringifyJson, toJs, type Value } from '../../../src/policy/value/index.js';

/** Parses the ground-term subset of Rego used by `input_term`: JSON plus sets and trailing commas. */
function parseTerm(text: string): Value {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const value = (): Value => {
    ws();
    const c = text[i];
    if (text.startsWith('set()', i)) {
      i += 5;
      return new RSet();
    }
    if (c === '[') {
      i++;
      const out: Value[] = [];
      for (;;) {
        ws();
        if (text[i] === ']') return i++, out;
        out.push(value());
        ws();
        if (text[i] === ',') i++;
      }
    }
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return i++, {};
      const first = value();
      ws();
      if (text[i] === ':') {
        const b = new ObjectBuilder();
        i++;
        b.set(first, value());
        for (;;) {
          ws();
          if (text[i] === ',') i++;
          ws();
          if (text[i] === '}') return i++, b.build();
          const k = value();
          ws();
          if (text[i++] !== ':') throw new Error('bad object');
          b.set(k, value());
        }
      }
      const s = RSet.of([first]);
      for (;;) {
        ws();
        if (text[i] === ',') i++;
        ws();
        if (text[i] === '}') return i++, s;
        s.add(value());
      }
    }
    const m = /^(?:"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!m) throw new Error(`bad term at ${i}`);
    i += m[0].length;
    return parseJson(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) throw new Error('trailing text');
  return v;
}

const ROOT = new URL('../../../../shared/conformance/', import.meta.url).pathname;

export const CORE_TOPICS = [
  'aggregates', 'arithmetic', 'array', 'base64builtins', 'base64urlbuiltins', 'bitsand', 'bitsnegate', 'bitsor',
  'bitsshiftleft', 'bitsshiftright', 'bitsxor', 'casts', 'comparisonexpr', 'globmatch', 'globquotemeta', 'globsmatch',
  'hexbuiltins', 'intersection', 'jsonbuiltins', 'jsonfilter', 'jsonpatch', 'jsonremove', 'jsonremoveidempotent',
  'jsonschema', 'numbersrange', 'numbersrangestep', 'objectfilter', 'objectget', 'objectkeys', 'objectremove',
  'objectremovenonstringkey', 'objectunion', 'regexfind', 'regexfindallstringsubmatch', 'regexisvalid', 'regexmatch',
  'regexmatchtemplate', 'regexreplace', 'regexsplit', 'rendertemplate', 'replacen', 'semvercompare', 'semverisvalid',
  'reachable', 'sets', 'sprintf', 'stringinterpolation', 'strings', 'subset', 'trim', 'trimleft', 'trimprefix', 'trimright',
  'trimspace', 'trimsuffix', 'type', 'typebuiltin', 'typenamebuiltin', 'union', 'units', 'urlbuiltins', 'walkbuiltin',
];

interface Case {
  note: string;
  data?: unknown;
  input?: unknown;
  input_term?: string;
  want_result?: Record<string, unknown>[];
  want_defined?: boolean;
  want_error_code?: string;
  want_error?: string;
  sort_bindings?: boolean;
  strict_error?: boolean;
}

export interface Outcome {
  note: string;
  status: 'pass' | 'fail' | 'skip';
  detail?: string;
}

/** JSON text with object keys sorted; arrays sorted too when `unordered`. */
function canon(x: unknown, unordered: boolean): string {
  if (Array.isArray(x)) {
    const parts = x.map((e) => canon(e, unordered));
    if (unordered) parts.sort();
    return '[' + parts.join(',') + ']';
  }
  if (x !== null && typeof x === 'object') {
    return '{' + Object.keys(x).sort().map((k) => JSON.stringify(k) + ':' + canon((x as Record<string, unknown>)[k], unordered)).join(',') + '}';
  }
  if (typeof x === 'number' || typeof x === 'bigint') return stringifyJson(typeof x === 'bigint' ? x : fromJs(x));
  return JSON.stringify(x);
}

function runCase(c: Case, policy: Policy): Outcome {
  let ev;
  try {
    ev = createJsEvaluator(policy, c.data === undefined ? {} : { data: fromJs(c.data) });
  } catch (e) {
    return { note: c.note, status: 'fail', detail: `compile: ${(e as Error).message}` };
  }
  let input: Value | undefined;
  try {
    input = c.input_term !== undefined ? parseTerm(c.input_term) : c.input === undefined ? undefined : fromJs(c.input);
  } catch {
    return { note: c.note, status: 'skip', detail: 'input_term beyond the scalar/collection term subset' };
  }
  let rows: Value[];
  try {
    const v1 = ev.plans.includes('eval');
    rows = ev.evaluate(v1 ? 'eval' : (ev.plans[0] as string), input, { strictBuiltinErrors: c.strict_error === true, nowNs: 0n, print: () => {} });
    // v0 plans evaluate the package `data.query`, whose rule `result` is the set of binding
    // objects: rows are [{result: {result: {…}}}].
    if (!v1) {
      const top = rows[0] as { result?: { result?: unknown } } | undefined;
      const set = top?.result?.result;
      rows = set instanceof RSet ? [...set.values()] : [];
    }
  } catch (e) {
    if (c.want_error_code || c.want_error) {
      const code = e instanceof RegoError ? e.opaCode : undefined;
      if (c.want_error_code && code !== c.want_error_code) return { note: c.note, status: 'fail', detail: `error code ${code} (${(e as Error).message}), want ${c.want_error_code}` };
      return { note: c.note, status: 'pass' };
    }
    return { note: c.note, status: 'fail', detail: `threw ${(e as Error).message}` };
  }
  if (c.want_error_code || c.want_error) return { note: c.note, status: 'fail', detail: `no error; got ${canon(rows.map((v) => toJs(v)), false)}, want ${c.want_error_code} ${c.want_error ?? ''}` };
  if (c.want_defined !== undefined) {
    return (rows.length > 0) === c.want_defined ? { note: c.note, status: 'pass' } : { note: c.note, status: 'fail', detail: `defined=${rows.length > 0}` };
  }
  const want = c.want_result ?? [];
  const got = rows.map((v) => toJs(v));
  const g = canon(got.map((r) => canon(r, c.sort_bindings === true)), true);
  const w = canon(want.map((r) => canon(fromJsLoose(r), c.sort_bindings === true)), true);
  return g === w ? { note: c.note, status: 'pass' } : { note: c.note, status: 'fail', detail: `got ${canon(got, false)}\n      want ${canon(want, false)}` };
}

function fromJsLoose(x: unknown): unknown {
  return x;
}

/** `version`: the corpus folder (`v1`, or `v0-opa0.48` for the Rego v0 cases). */
export function runTopic(topic: string, version = 'v1'): Outcome[] {
  const dir = join(ROOT, 'cases', version, topic);
  if (!existsSync(dir)) return [];
  const out: Outcome[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
    const planFile = join(ROOT, 'plans', version, topic, f.replace(/\.yaml$/, '.plans.json'));
    const doc = parseYaml(readFileSync(join(dir, f), 'utf8'), { intAsBigInt: false }) as { cases: Case[] };
    const plans = existsSync(planFile) ? (JSON.parse(readFileSync(planFile, 'utf8')) as { note: string; plan: Policy }[]) : [];
    const used = new Set<number>();
    for (const c of doc.cases) {
      // Notes repeat within a file; plans are in case order, so take the next unused one.
      const idx = plans.findIndex((x, i) => x.note === c.note && !used.has(i));
      if (idx !== -1) used.add(idx);
      const p = idx === -1 ? undefined : plans[idx];
      if (!p) {
        out.push({ note: c.note, status: 'skip', detail: 'no plan (OPA rejects it at compile time)' });
        continue;
      }
      try {
        out.push(runCase(c, p.plan));
      } catch (e) {
        out.push({ note: c.note, status: 'fail', detail: `harness: ${(e as Error).stack}` });
      }
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const verbose = process.argv.includes('--verbose');
  const version = process.argv.includes('--v0') ? 'v0-opa0.48' : 'v1';
  const topics = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  let pass = 0;
  let fail = 0;
  let skip = 0;
  for (const t of topics.length ? topics : CORE_TOPICS) {
    const r = runTopic(t, version);
    const p = r.filter((x) => x.status === 'pass').length;
    const f = r.filter((x) => x.status === 'fail');
    const s = r.filter((x) => x.status === 'skip').length;
    pass += p;
    fail += f.length;
    skip += s;
    console.log(`${t.padEnd(28)} pass ${p} fail ${f.length} skip ${s}`);
    if (verbose) for (const x of f) console.log(`    FAIL ${x.note}: ${x.detail}`);
  }
  console.log(`TOTAL pass ${pass} fail ${fail} skip ${skip}`);
}

/**
 * Regex engines for the Rego regex builtins: compile and match cost on gateway-typical patterns
 * and inputs, and the time on patterns that make a backtracking engine explode.
 *
 *   npx tsx bench/regex.ts [--rounds 5] [--ms 200]
 *
 * Engines: `re2js` (what regate uses, through GoRegexp), JavaScript's RegExp (backtracking; the
 * patterns written in JS syntax) and, when installed, the native `re2` addon (`npm i --no-save
 * re2`, a node-gyp build). Each figure is the median over `--rounds` rounds, the engines
 * interleaved within each round, of the mean time per operation in a `--ms` loop. A shared
 * machine moves these by tens of percent: compare engines within one run.
 */
import { createRequire } from 'node:module';
import { compileGoRegexp } from '../src/policy/builtins/shared/re2.js';
import { argValue } from './lib/args.js';

const rounds = Number(argValue('--rounds') ?? '5');
const ms = Number(argValue('--ms') ?? '200');

interface Engine {
  compile(re2: string, js: string): unknown;
  test(re: unknown, s: string): boolean;
}

const engines: Record<string, Engine> = {
  re2js: { compile: (p) => compileGoRegexp(p), test: (re, s) => (re as ReturnType<typeof compileGoRegexp>).matchString(s) },
  RegExp: { compile: (_p, js) => new RegExp(js, 'u'), test: (re, s) => (re as RegExp).test(s) },
};
try {
  const RE2 = createRequire(import.meta.url)('re2') as new (p: string, f: string) => { test(s: string): boolean };
  engines['re2 (native)'] = { compile: (p) => new RE2(p, 'u'), test: (re, s) => (re as { test(s: string): boolean }).test(s) };
} catch {
  console.log('native re2 not installed (npm i --no-save re2): measuring re2js and RegExp only');
}

// [name, RE2 pattern, the same in JS syntax, input]
const typical: [string, string, string, string][] = [
  ['path', '^/api/v[0-9]+/users/[a-z0-9-]+$', '^/api/v[0-9]+/users/[a-z0-9-]+$', '/api/v2/users/abc-123-def'],
  ['bearer (270 chars)', '(?i)^bearer\\s+[A-Za-z0-9._~+/-]+=*$', '^[Bb][Ee][Aa][Rr][Ee][Rr]\\s+[A-Za-z0-9._~+/-]+=*$', 'Bearer eyJhbGciOiJSUzI1NiJ9.' + 'x'.repeat(240) + '.sig'],
  ['email', '^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$', '^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$', 'alice.smith+test@mail.example.com'],
  ['host', '^([a-z0-9-]+\\.)*example\\.com$', '^([a-z0-9-]+\\.)*example\\.com$', 'api.eu.example.com'],
  ['scope word', '(^| )car:(read|write)( |$)', '(^| )car:(read|write)( |$)', 'openid profile car:read home:write'],
  ['user agent', 'iPhone|iPad|Android', 'iPhone|iPad|Android', 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36'],
  ['unicode class', '^\\p{L}+$', '^\\p{L}+$', 'Grüße'],
];
// [name, pattern (same in both syntaxes), input, run RegExp too (it finishes in seconds)]
const pathological: [string, string, string, boolean][] = [
  ['^(a+)+$ on 26 a + !', '^(a+)+$', 'a'.repeat(26) + '!', true],
  ['^(a|aa)*b$ on 32 a', '^(a|aa)*b$', 'a'.repeat(32), true],
  ['^(a+)+$ on 40 a + !', '^(a+)+$', 'a'.repeat(40) + '!', false],
  ['^(a+)+$ on 10,000 a + !', '^(a+)+$', 'a'.repeat(10_000) + '!', false],
];

/** Mean µs per call of f over about `ms` milliseconds. */
function perCall(f: () => unknown): number {
  let n = 0;
  const t0 = performance.now();
  let t = 0;
  do {
    for (let i = 0; i < 50; i++) f();
    n += 50;
    t = performance.now() - t0;
  } while (t < ms);
  return (t * 1000) / n;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (us: number): string => (us < 10 ? us.toFixed(2) : us.toFixed(0));

const rows: Record<string, string>[] = [];
for (const [name, re2, js, s] of typical) {
  const match: Record<string, number[]> = {};
  const compile: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [en, e] of Object.entries(engines)) {
      const re = e.compile(re2, js);
      if (!e.test(re, s)) throw new Error(`${en} does not match ${name}`);
      (match[en] ??= []).push(perCall(() => e.test(re, s)));
      (compile[en] ??= []).push(perCall(() => e.compile(re2, js)));
    }
  }
  const row: Record<string, string> = { pattern: name };
  for (const en of Object.keys(engines)) row[`${en} match µs`] = fmt(median(match[en] as number[]));
  for (const en of Object.keys(engines)) row[`${en} compile µs`] = fmt(median(compile[en] as number[]));
  rows.push(row);
}
console.log(`typical patterns (median of ${rounds} rounds)`);
console.table(rows);

const slow: Record<string, string>[] = [];
for (const [name, p, s, withRegExp] of pathological) {
  const row: Record<string, string> = { case: name };
  for (const [en, e] of Object.entries(engines)) {
    if (en === 'RegExp' && !withRegExp) {
      row[en] = 'hours (not run)';
      continue;
    }
    const re = e.compile(p, p);
    const t0 = performance.now();
    e.test(re, s);
    row[en] = `${(performance.now() - t0).toFixed(2)} ms`;
  }
  slow.push(row);
}
console.log('pathological patterns (one match each)');
console.table(slow);

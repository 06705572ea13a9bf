/**
 * `regate policy eval [flags] <query>` — `opa eval`: evaluates a query against the policies and
 * data given (`-d` files and directories, `prefix:path` to place data, `-b` bundles) and an input
 * (`-i file` or `-I` stdin).
 *
 * Every expression of the query is a result expression, its value captured as OPA captures it
 * (eval-query.ts: `f(1)` prints the call's value, `x := 1` is true and binds x); the rows are
 * printed in the `--format` asked (eval-output.ts). An error is printed as OPA prints it
 * (opa-errors.ts): `{"errors": […]}` on stdout with `--format json`, `N error(s) occurred: …` on
 * stderr otherwise.
 * Exit code: 0; 1 on an error, or with `--fail` when undefined, `--fail-defined` when defined.
 */
import { readFile } from 'node:fs/promises';
import { RegoError, compileToPlan, createEvaluator, createTraceRecorder, filterTrace, isObject, mergeData, objectEntries, objectGet, toJs, type Policy, type SourceLocation, type TraceRecorder, type Value } from '../../policy/index.js';
import { parseSourceIn } from '../../policy/parse-dialect.js';
import type { Module } from '../../policy/syntax/ast.js';
import { UsageError, type ParsedArgs } from './args.js';
import { builtinsOf, CAPABILITIES_FLAG, compileOptionsOf, dialectOf, SCHEMA_FLAG, type Subcommand } from './common.js';
import { CAPTURE_PREFIX, captureQuery, unshiftErrors, type CapturedQuery } from './eval-query.js';
import { EXPLAIN_MODES, expressionAt, formatTracePretty, traceJson, type ExplainMode } from './eval-explain.js';
import { EVAL_FORMATS, formatResults, type EvalFormat, type ResultRow } from './eval-output.js';
import { loadBundle, loadPaths, parseDataText } from './load-paths.js';
import { formatErrorsJson, formatErrorsText, toOutputErrors } from './opa-errors.js';

/** JSON data for the output, numbers kept as OPA prints them (`1.0`, big integers exactly: goJson → writeJson). */
function toJson(v: Value): unknown {
  return toJs(v, { keepText: true });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readInput(a: ParsedArgs): Promise<Value | undefined> {
  const path = a.one('input');
  if (path !== undefined && a.bool('stdin-input')) throw new UsageError('-i and -I both give the input: use one');
  if (a.bool('stdin-input')) return parseInputText(await readStdin(), '<stdin>');
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RegoError('REGO_ERR_FILE', `${path}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EISDIR' ? 'is a directory, not an input document' : String(code)}`);
  }
  return parseInputText(text, path);
}

function parseInputText(text: string, where: string): Value {
  try {
    // JSON is YAML, but YAML's reading of JSON numbers loses big integers: JSON first.
    return parseDataText(text, where.endsWith('.yaml') || where.endsWith('.yml') ? where : `${where}.json`);
  } catch (e) {
    if (where.endsWith('.json')) throw new RegoError('REGO_ERR_INPUT_FILE', (e as Error).message, { cause: e });
    try {
      return parseDataText(text, `${where}.yaml`);
    } catch (e2) {
      throw new RegoError('REGO_ERR_INPUT_FILE', `${where}: not JSON or YAML: ${(e2 as Error).message}`, { cause: e2 });
    }
  }
}

/** Is a row key one of the query's own variables (not a capture, a wildcard or a compiler temporary)? */
function isUserVar(k: string): boolean {
  return !k.startsWith(CAPTURE_PREFIX) && !k.includes('$') && !k.startsWith('__');
}

export const evalCommand: Subcommand = {
  name: 'eval',
  synopsis: 'eval [flags] <query>',
  description: 'Evaluates a Rego query, like `opa eval`.\nExit code: 0; 1 on an error, with --fail when the result is undefined, with --fail-defined when it is defined.',
  flags: [
    { name: 'data', short: 'd', valued: true, help: 'a policy or data file, or a directory of them; prefix.path:file puts its data under data.prefix.path (repeatable)' },
    { name: 'bundle', short: 'b', valued: true, help: 'a bundle: a directory or a .tar.gz (repeatable)' },
    { name: 'input', short: 'i', valued: true, help: 'the input document, a JSON or YAML file' },
    SCHEMA_FLAG,
    CAPABILITIES_FLAG,
    { name: 'stdin-input', short: 'I', help: 'read the input document from stdin' },
    { name: 'format', short: 'f', valued: true, help: 'json (default), values, bindings, pretty, raw or discard' },
    { name: 'fail', help: 'exit 1 when the result is undefined' },
    { name: 'fail-defined', help: 'exit 1 when the result is defined' },
    { name: 'strict-builtin-errors', help: 'a builtin error fails the query instead of making it undefined' },
    { name: 'strict', help: 'same as --strict-builtin-errors (kept for earlier regate scripts)' },
    { name: 'explain', valued: true, help: 'off (default), notes, fails, full or debug: the evaluation trace, in json and pretty output (a subset of OPA\'s events: Enter, Exit, Fail, Note)' },
  ],
  async run(a: ParsedArgs): Promise<number> {
    const query = a.positional.join(' ').trim();
    if (query === '') throw new UsageError('eval needs a <query>');
    const format = (a.one('format') ?? 'json') as EvalFormat;
    if (!EVAL_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${EVAL_FORMATS.join(', ')}, not ${format}`);
    if (a.bool('fail') && a.bool('fail-defined')) throw new UsageError('--fail and --fail-defined exclude each other');
    const explain = (a.one('explain') ?? 'off') as ExplainMode;
    if (!EXPLAIN_MODES.includes(explain)) throw new UsageError(`--explain must be one of ${EXPLAIN_MODES.join(', ')}, not ${explain}`);
    const trace: Trace | undefined = explain === 'off' ? undefined : { recorder: createTraceRecorder(), sources: new Map() };
    // As opa: an unreadable input is an error of the command line, printed as text whatever the format.
    const input = await readInput(a);

    let rows: ResultRow[];
    // OPA prints the trace with the result (json, discard) or before it (pretty), errors included
    const explanation = (): { json?: unknown[]; pretty: string } => {
      if (trace === undefined || explain === 'off') return { pretty: '' };
      const events = filterTrace(trace.recorder.events, explain);
      if (events.length === 0) return { pretty: '' };
      return { json: traceJson(events), pretty: formatTracePretty(events, (loc) => describe(trace, loc)) };
    };
    try {
      rows = await evaluate(a, query, input, trace);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      const errs = toOutputErrors(e);
      const x = explanation();
      if (format === 'json') process.stdout.write(formatErrorsJson(errs, x.json));
      else {
        if (format === 'pretty') process.stdout.write(x.pretty);
        process.stderr.write(formatErrorsText(errs) + '\n');
      }
      return 1;
    }
    const x = explanation();
    if (format === 'pretty') process.stdout.write(x.pretty);
    process.stdout.write(formatResults(rows, format, x.json));
    if (a.bool('fail') && rows.length === 0) return 1;
    if (a.bool('fail-defined') && rows.length > 0) return 1;
    return 0;
  },
};

/** An evaluation's trace: its events, and what names their expressions. */
interface Trace {
  recorder: TraceRecorder;
  /** module sources by file name */
  sources: Map<string, string>;
  query?: CapturedQuery;
}

/**
 * The query as OPA's trace prints it: a captured term as `term = _` (OPA's capture variable is a
 * wildcard), a captured call with `_` as its output argument.
 */
function queryTraceText(q: CapturedQuery): string {
  return q.exprs.map(traceTextOf).join('; ');
}

function traceTextOf(x: CapturedQuery['exprs'][number]): string {
  if (x.capture === undefined) return x.text;
  if (/^[\w.]+\(.*\)$/s.test(x.text)) return `${x.text.slice(0, -1)}, _)`;
  // a ref or a scalar is unified with the capture; an infix call keeps its text
  return /^[\w.[\]"]+$/.test(x.text) ? `${x.text} = _` : x.text;
}

/** The expression text a Fail at `loc` shows: a module's source, or the query expression it belongs to. */
function describe(t: Trace, loc: SourceLocation): string {
  if (loc.file !== '<query>') return expressionAt(t.sources, loc);
  const q = t.query;
  if (q === undefined) return '';
  // a capture check appended to the query (`__regate_c0` on a line of its own) stands for its expression
  const line = q.text.split('\n')[loc.line - 1] ?? '';
  const check = q.exprs.find((x) => x.capture !== undefined && line.trim() === x.capture);
  if (check !== undefined) return traceTextOf(check);
  const col = q.unshift(loc.line, loc.col);
  let best: CapturedQuery['exprs'][number] | undefined;
  for (const x of q.exprs) if (x.row === loc.line && x.col <= col) best = x;
  return best === undefined ? queryTraceText(q) : traceTextOf(best);
}

/** Loads, compiles and evaluates; the rows of OPA's result set. */
async function evaluate(a: ParsedArgs, query: string, input: Value | undefined, trace?: Trace): Promise<ResultRow[]> {
  const loaded = await loadPaths(a.all('data'), { includeTests: true, ...(a.bool('v0-compatible') ? { regoVersion: 'v0' as const } : {}) });
  const modules = [...loaded.modules];
  let data = loaded.data;
  const plans: Policy[] = [];
  for (const b of a.all('bundle')) {
    const r = await loadBundle(b, { includeTests: true });
    modules.push(...r.modules);
    data = mergeData(data, r.data, b);
    if (r.plan !== undefined) plans.push(r.plan as Policy);
  }
  const fromPlan = plans.length === 1 && modules.length === 0 && trace === undefined ? await evaluatePlanBundle(a, plans[0] as Policy, data, query, input) : undefined;
  if (fromPlan !== undefined) return fromPlan;
  let parsed: Module[] | undefined;
  const parsedModules = (): readonly Module[] => {
    if (parsed === undefined) {
      parsed = [];
      for (const m of modules) {
        try {
          parsed.push(parseSourceIn(m, dialectOf(a)));
        } catch {
          // the compiler reports it
        }
      }
    }
    return parsed;
  };
  const q = captureQuery(query, parsedModules, a.bool('v0-compatible') ? 'v0' : 'v1');
  const builtins = builtinsOf(a);
  let values: Value[];
  try {
    const plan = compileToPlan(modules, { query: q.text, ...compileOptionsOf(a), builtins });
    const ev = await createEvaluator(plan, { engine: 'js', data, builtins, ...(trace === undefined ? {} : { trace: true }) });
    const strictBuiltinErrors = a.bool('strict-builtin-errors') || a.bool('strict');
    if (trace === undefined) values = ev.evaluate('eval', input, { strictBuiltinErrors });
    else {
      for (const m of modules) trace.sources.set(m.file, m.text);
      trace.query = q;
      const at: SourceLocation = { file: '<query>', line: 1, col: 1 };
      const text = queryTraceText(q);
      trace.recorder.enterQuery(at, text);
      values = ev.evaluate('eval', input, { strictBuiltinErrors, tracer: trace.recorder });
      for (let i = 0; i < values.length; i++) trace.recorder.exitQuery(at, text);
    }
  } catch (e) {
    throw unshiftErrors(e, q, query);
  }
  return values.map((row) => {
    const got = new Map<string, unknown>();
    if (isObject(row)) for (const [k, v] of objectEntries(row)) if (typeof k === 'string') got.set(k, toJson(v));
    const names = [...got.keys()].filter(isUserVar).sort();
    return {
      expressions: q.exprs.map((x) => ({ value: x.capture === undefined ? true : got.get(x.capture), text: x.text, location: { row: x.row, col: x.col } })),
      ...(names.length > 0 ? { bindings: Object.fromEntries(names.map((n) => [n, got.get(n)])) } : {}),
    };
  });
}

/**
 * `policy build`'s default output is a plan bundle (`/plan.json`, no sources), where `opa build`
 * writes a Rego bundle; so a CI's `build -b src -e credit/decision -o bundle.tar.gz` followed by
 * `eval -b bundle.tar.gz 'data.credit.decision'` has no Rego to compile. When the query is just
 * one of the plan's entrypoints (`data.credit.decision` for `credit/decision`), that plan is the
 * compiled query: it is evaluated as the gateway evaluates it. Any other query is compiled as
 * usual (over no modules, so mostly undefined, as OPA's eval of a `-t plan` bundle).
 */
async function evaluatePlanBundle(a: ParsedArgs, plan: Policy, data: Value, query: string, input: Value | undefined): Promise<ResultRow[] | undefined> {
  const text = query.trim();
  if (!/^data(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(text)) return undefined;
  const entrypoint = text.split('.').slice(1).join('/');
  if (!(plan.plans.plans ?? []).some((p) => p.name === entrypoint)) return undefined;
  const ev = await createEvaluator(plan, { engine: 'js', data, builtins: builtinsOf(a) });
  const rows = ev.evaluate(entrypoint, input, { strictBuiltinErrors: a.bool('strict-builtin-errors') || a.bool('strict') });
  const out: ResultRow[] = [];
  for (const row of rows) {
    const v = isObject(row) ? objectGet(row, 'result') : undefined;
    if (v !== undefined) out.push({ expressions: [{ value: toJson(v), text, location: { row: 1, col: 1 } }] });
  }
  return out;
}

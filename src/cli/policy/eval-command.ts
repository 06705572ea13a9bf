/**
 * `regate policy eval [flags] <query>` — `opa eval`: evaluates a query against the policies and
 * data given (`-d` files and directories, `-b` bundles) and an input (`-i file` or `-I` stdin).
 *
 * `--format json` (default) prints `{"result":[…]}` like `opa eval -f json`: a query that is a
 * single non-call term (`data.x.y`, `input.a[i]`) gets `expressions: [{value, text}]`; every row
 * carries the query's variable `bindings` (when there are any); an undefined query prints {}.
 * `raw` prints each value (strings unquoted), `pretty` indented JSON or a bindings table.
 * Exit code: 0; 1 on an error, or with `--fail` when undefined, `--fail-defined` when defined.
 */
import { readFile } from 'node:fs/promises';
import { RegoError, compileToPlan, createEvaluator, isObject, mergeData, objectEntries, parseQuery, toJs, writeJson, type Value } from '../../policy/index.js';
import { UsageError, type ParsedArgs } from './args.js';
import { compileOptionsOf, SCHEMA_FLAG, type Subcommand } from './common.js';
import { loadBundle, loadPaths, parseDataText } from './load-paths.js';

/** Name of the variable that carries a single-term query's value; never a user variable (they cannot contain `__regate`). */
const VALUE_VAR = 'value__regate';

/** Is the query one plain term (a ref, a var, a value) whose value `opa eval` would print? */
function isSingleTerm(query: string): boolean {
  try {
    const lits = parseQuery(query);
    const l = lits[0];
    return lits.length === 1 && l !== undefined && !l.negated && l.with.length === 0 && l.expr.kind === 'term' && l.expr.term?.kind !== 'call';
  } catch {
    return false; // the compiler reports the parse error with its location
  }
}

/** JSON data for the output, numbers kept as OPA prints them (`1.0`, big integers exactly: writeJson). */
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

interface Row {
  expressions: { value: unknown; text: string }[];
  bindings?: Record<string, unknown>;
}

function formatPretty(rows: readonly Row[], single: boolean): string {
  if (rows.length === 0) return 'undefined\n';
  if (single && rows.every((r) => r.bindings === undefined)) return rows.map((r) => writeJson(r.expressions[0]?.value, '  ') + '\n').join('');
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.bindings ?? {})))];
  if (names.length === 0) return rows.map((r) => writeJson(r.expressions[0]?.value, '  ') + '\n').join('');
  const cells = rows.map((r) => names.map((n) => writeJson(r.bindings?.[n] ?? null)));
  const w = names.map((n, i) => Math.max(n.length, ...cells.map((c) => (c[i] ?? '').length)));
  const sep = '+' + w.map((x) => '-'.repeat(x + 2)).join('+') + '+\n';
  const tr = (xs: string[]) => '|' + xs.map((x, i) => ` ${x.padEnd(w[i] ?? 0)} `).join('|') + '|\n';
  return sep + tr(names) + sep + cells.map(tr).join('') + sep;
}

function formatRaw(rows: readonly Row[]): string {
  return rows
    .flatMap((r) => (r.bindings && r.expressions[0]?.value === true ? [r.bindings] : [r.expressions[0]?.value]))
    .map((v) => (typeof v === 'string' ? v : writeJson(v)) + '\n')
    .join('');
}

export const evalCommand: Subcommand = {
  name: 'eval',
  synopsis: 'eval [flags] <query>',
  description: 'Evaluates a Rego query, like `opa eval`.\nExit code: 0; 1 on an error, with --fail when the result is undefined, with --fail-defined when it is defined.',
  flags: [
    { name: 'data', short: 'd', valued: true, help: 'a policy or data file, or a directory of them (repeatable)' },
    { name: 'bundle', short: 'b', valued: true, help: 'a bundle: a directory or a .tar.gz (repeatable)' },
    { name: 'input', short: 'i', valued: true, help: 'the input document, a JSON or YAML file' },
    SCHEMA_FLAG,
    { name: 'stdin-input', short: 'I', help: 'read the input document from stdin' },
    { name: 'format', short: 'f', valued: true, help: 'json (default), raw or pretty' },
    { name: 'fail', help: 'exit 1 when the result is undefined' },
    { name: 'fail-defined', help: 'exit 1 when the result is defined' },
    { name: 'strict-builtin-errors', help: 'a builtin error fails the query instead of making it undefined' },
    { name: 'strict', help: 'same as --strict-builtin-errors (kept for earlier regate scripts)' },
  ],
  async run(a: ParsedArgs): Promise<number> {
    const query = a.positional.join(' ').trim();
    if (query === '') throw new UsageError('eval needs a <query>');
    const format = a.one('format') ?? 'json';
    if (!['json', 'raw', 'pretty'].includes(format)) throw new UsageError(`--format must be json, raw or pretty, not ${format}`);
    if (a.bool('fail') && a.bool('fail-defined')) throw new UsageError('--fail and --fail-defined exclude each other');
    const loaded = await loadPaths(a.all('data'), { includeTests: true });
    const modules = [...loaded.modules];
    let data = loaded.data;
    for (const b of a.all('bundle')) {
      const r = await loadBundle(b);
      modules.push(...r.modules);
      data = mergeData(data, r.data, b);
    }
    const input = await readInput(a);

    const single = isSingleTerm(query);
    const plan = compileToPlan(modules, { query: single ? `${VALUE_VAR} = ${query}` : query, ...compileOptionsOf(a) });
    const ev = await createEvaluator(plan, { engine: 'js', data });
    const values = ev.evaluate('eval', input, { strictBuiltinErrors: a.bool('strict-builtin-errors') || a.bool('strict') });
    const rows: Row[] = values.map((row) => {
      const bindings: Record<string, unknown> = {};
      let value: unknown = true;
      if (isObject(row)) {
        for (const [k, v] of objectEntries(row)) {
          if (k === VALUE_VAR) value = toJson(v);
          else if (typeof k === 'string' && !k.startsWith('$') && !k.startsWith('__')) bindings[k] = toJson(v);
        }
      }
      return { expressions: [{ value, text: query }], ...(Object.keys(bindings).length > 0 ? { bindings } : {}) };
    });
    if (format === 'json') process.stdout.write(writeJson(rows.length > 0 ? { result: rows } : {}, '  ') + '\n');
    else if (format === 'raw') process.stdout.write(formatRaw(rows));
    else process.stdout.write(formatPretty(rows, single));
    if (a.bool('fail') && rows.length === 0) return 1;
    if (a.bool('fail-defined') && rows.length > 0) return 1;
    return 0;
  },
};

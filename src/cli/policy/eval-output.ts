/**
 * `opa eval --format …` output (OPA's internal/presentation): the result set printed as
 * - json (default): `{"result": [{"expressions": [{value, text, location}], "bindings": {…}}]}`, `{}` when undefined;
 * - values: each row's expression values as a JSON array; bindings: each row's bindings;
 * - raw: each row's expression values on one line, space-separated, strings without quotes;
 * - pretty: one row without bindings whose expression is one (or all are booleans) as indented
 *   JSON; otherwise a table of the bindings and the non-boolean expressions; `undefined`;
 * - discard: the JSON output with the result replaced by "discarded".
 *
 * @example
 *   process.stdout.write(formatResults([{ expressions: [{ value: 2, text: 'f(1)', location: { row: 1, col: 1 } }] }], 'raw')); // "2\n"
 */
import { goJson } from './opa-errors.js';

export interface ResultRow {
  expressions: { value: unknown; text: string; location: { row: number; col: number } }[];
  bindings?: Record<string, unknown>;
}

export const EVAL_FORMATS = ['json', 'values', 'bindings', 'pretty', 'raw', 'discard'] as const;
export type EvalFormat = (typeof EVAL_FORMATS)[number];

/** Display width, one column a code point (tablewriter measures East Asian wide characters as two; rare in policy values). */
const width = (s: string): number => [...s].length;

/** A table as OPA's tablewriter draws it: light box lines, headers centred, cells left-aligned, one space of padding. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const w = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (l: string, m: string, r: string) => l + w.map((x) => '─'.repeat(x + 2)).join(m) + r + '\n';
  const centre = (s: string, x: number) => {
    const gap = x - width(s);
    const left = Math.floor(gap / 2);
    return ' '.repeat(left) + s + ' '.repeat(gap - left);
  };
  let out = line('┌', '┬', '┐');
  out += '│' + header.map((h, i) => ` ${centre(h, w[i]!)} `).join('│') + '│\n';
  out += line('├', '┼', '┤');
  for (const r of rows) out += '│' + w.map((x, i) => ` ${(r[i] ?? '').padEnd(x + (r[i] ?? '').length - width(r[i] ?? ''))} `).join('│') + '│\n';
  return out + line('└', '┴', '┘');
}

function pretty(rows: readonly ResultRow[]): string {
  if (rows.length === 0) return 'undefined\n';
  const first = rows[0]!;
  const noBindings = first.bindings === undefined || Object.keys(first.bindings).length === 0;
  if (rows.length === 1 && noBindings && (first.expressions.length === 1 || first.expressions.every((x) => typeof x.value === 'boolean'))) {
    return goJson(first.expressions[0]?.value, 2) + '\n';
  }
  // The columns: the first row's variables in name order, then its expressions (only the
  // non-boolean ones when there are variables: `x := 1` is true, its column would say nothing).
  const vars = Object.keys(first.bindings ?? {}).sort();
  const exprIdx = first.expressions.map((x, i) => [x, i] as const).filter(([x]) => typeof x.value !== 'boolean' || noBindings).map(([, i]) => i);
  const header = [...vars, ...exprIdx.map((i) => first.expressions[i]!.text)];
  const cells = rows.map((r) => [...vars.map((v) => goJson(r.bindings?.[v] ?? null)), ...exprIdx.map((i) => goJson(r.expressions[i]?.value ?? null))]);
  return renderTable(header, cells);
}

/** `explanation`: the trace (eval-explain.ts), which json and discard print after the result as OPA's Output does. */
export function formatResults(rows: readonly ResultRow[], format: EvalFormat, explanation?: unknown[]): string {
  const x = explanation === undefined ? {} : { explanation };
  switch (format) {
    case 'json':
      return goJson(rows.length > 0 ? { result: rows, ...x } : x, 2) + '\n';
    case 'discard':
      return goJson(rows.length > 0 ? { result: 'discarded', ...x } : x, 2) + '\n';
    case 'values':
      return rows.map((r) => goJson(r.expressions.map((x) => x.value), 2) + '\n').join('');
    case 'bindings':
      return rows.map((r) => goJson(r.bindings ?? {}, 2) + '\n').join('');
    case 'raw':
      return rows.map((r) => r.expressions.map((x) => (typeof x.value === 'string' ? x.value : goJson(x.value))).join(' ') + '\n').join('');
    case 'pretty':
      return pretty(rows);
  }
}

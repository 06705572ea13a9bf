/**
 * `regate policy eval --explain=notes|fails|full|debug` — the evaluation trace as `opa eval
 * --explain` prints it: with `--format pretty` OPA's PrettyTraceWithLocation table before the
 * result (v1/topdown/trace.go), with `--format json` (and discard) an `explanation` array beside
 * `result`; the other formats print no trace (OPA's presentation package).
 *
 * The events come from the JS back end's trace hooks (policy/backend/trace.ts), filtered as
 * OPA's lineage package filters them. What differs from OPA, because regate runs plans, not
 * OPA's interpreter: the events are Enter/Exit of the query and of each rule body, Fail of the
 * expression whose statement failed, and Note; there are no Eval, Redo, Index or Unify events and
 * no child queries of `not`, comprehensions or `every`, so `full` and `debug` print the same
 * subset. An event shows the expression's source text (its first line) where OPA prints the
 * expression re-formatted from its AST, and in JSON `Node` and `Locals` are null.
 *
 * @example
 *   const text = formatTracePretty(filterTrace(rec.events, 'notes'), describe);
 *   // query:1     Enter data.p.allow = _
 *   // p.rego:3    | Enter data.p.allow
 *   // p.rego:4    | | Note "checking user"
 */
import type { SourceLocation, TraceEvent } from '../../policy/index.js';

export const EXPLAIN_MODES = ['off', 'full', 'notes', 'fails', 'debug'] as const;
export type ExplainMode = (typeof EXPLAIN_MODES)[number];

/** The pseudo-file of the query (eval-query.ts). */
const QUERY_FILE = '<query>';

/** OPA's trace table: the location column padded by 4 (columnPadding), then one space. */
const COLUMN_PADDING = 4;
/** getShortenedFileNames: paths are shortened when a location is longer than this. */
const MAX_IDEAL_LOCATION_WIDTH = 64;
/** len("query") */
const MIN_LOCATION_WIDTH = 5;

/** Turns an event's location into the expression text a Fail shows. */
export type DescribeLocation = (loc: SourceLocation) => string;

/**
 * The text of the expression at `loc` in `sources` (file → text): from its column to the end of
 * its line, without a trailing comment.
 */
export function expressionAt(sources: ReadonlyMap<string, string>, loc: SourceLocation): string {
  const text = sources.get(loc.file);
  if (text === undefined) return '';
  const line = text.split('\n')[loc.line - 1] ?? '';
  return stripComment(line.slice(Math.max(0, loc.col - 1))).trim();
}

/** The line without a `#` comment (a `#` inside a string literal is kept). */
function stripComment(s: string): string {
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote !== undefined) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '#') return s.slice(0, i);
  }
  return s;
}

/** Go's %q of a string (strconv.Quote): JSON's escapes, plus \a \b \f \v and \x.. for other control bytes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0b) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if ((c >= 0x80 && c < 0xa0) || c === 0xad || (c >= 0xfff9 && c <= 0xfffb) || c === 0xfeff || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f)) {
      out += c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out + '"';
}

/** One event as OPA's formatEvent writes it, with its "| " indentation for the query depth. */
function formatEvent(e: TraceEvent, depth: number, describe: DescribeLocation): string {
  // formatEventSpaces: an Enter (and a Redo of a rule or query) sits at its query's depth, the rest one deeper
  const spaces = e.op === 'Enter' || (e.op === 'Redo' && e.text !== '') ? depth : depth + 1;
  const padding = spaces > 1 ? '| '.repeat(spaces - 1) : '';
  if (e.op === 'Note') return `${padding}${e.op} ${goQuote(e.message)}`;
  // a failure inside `not x` is x failing (OPA: in the negation's own query), not the `not`
  const details = e.text !== '' ? e.text : e.negated ? describe(e.location).replace(/^not\s+/, '') : describe(e.location);
  return `${padding}${e.op} ${details}`;
}

/** OPA's TruncateFilePaths: the longest common part of the directories (after the first) becomes "...". */
function shortenPaths(files: readonly string[], longest: number): { alias: Map<string, string>; longest: number } {
  const alias = new Map(files.map((f) => [f, f]));
  const dirs = files.map((f) => {
    const d = f.includes('/') ? f.slice(0, f.lastIndexOf('/')) : '.';
    const s = d.replace(/^\//, '');
    const slash = s.indexOf('/');
    return slash > 0 ? s.slice(slash + 1) : s;
  });
  let lcs = dirs.length > 1 ? longestCommonSubstring(dirs) : (dirs[0] ?? '');
  const diff = MAX_IDEAL_LOCATION_WIDTH - (longest - lcs.length + 3);
  if (diff > 0) lcs = diff > lcs.length ? '' : lcs.slice(0, lcs.length - diff);
  if (lcs.length <= 3) return { alias, longest };
  for (const f of files) alias.set(f, f.replace(lcs, '...'));
  return { alias, longest: longest - (lcs.length - 3) };
}

function longestCommonSubstring(xs: readonly string[]): string {
  const [first, ...rest] = [...xs].sort((a, b) => a.length - b.length);
  if (first === undefined) return '';
  for (let len = first.length; len > 0; len--) {
    for (let i = 0; i + len <= first.length; i++) {
      const cand = first.slice(i, i + len);
      if (rest.every((x) => x.includes(cand))) return cand;
    }
  }
  return '';
}

/** PrettyTraceWithLocation: `file:row` (or `query:row`), then the event. */
export function formatTracePretty(events: readonly TraceEvent[], describe: DescribeLocation): string {
  const files: string[] = [];
  let longest = 0;
  for (const e of events) {
    const f = e.location.file === QUERY_FILE ? '' : e.location.file;
    longest = Math.max(longest, (f === '' ? MIN_LOCATION_WIDTH : f.length) + String(e.location.line).length + 1);
    if (f !== '' && !files.includes(f)) files.push(f);
  }
  const alias = files.length > 0 && longest > MAX_IDEAL_LOCATION_WIDTH ? shortenPaths(files, longest).alias : new Map(files.map((f) => [f, f]));
  const depths = new Map<number, number>();
  const rows = events.map((e) => {
    let depth = depths.get(e.queryId) ?? 0;
    if (depth === 0) {
      depth = (depths.get(e.parentId) ?? 0) + 1;
      depths.set(e.queryId, depth);
    }
    const f = e.location.file === QUERY_FILE ? 'query' : (alias.get(e.location.file) ?? e.location.file);
    return [`${f}:${e.location.line}`, formatEvent(e, depth, describe)] as const;
  });
  // the table pads every column but the last to its widest cell plus the padding
  const w = Math.max(0, ...rows.map(([l]) => l.length)) + COLUMN_PADDING;
  return rows.map(([l, ev]) => `${l.padEnd(w)} ${ev}\n`).join('');
}

/** The `explanation` of `--format json`: OPA's topdown.Event fields, Node and Locals left null (see above). */
export function traceJson(events: readonly TraceEvent[]): unknown[] {
  return events.map((e) => ({
    Node: null,
    Location: { col: e.location.col, file: e.location.file === QUERY_FILE ? '' : e.location.file, row: e.location.line },
    Locals: null,
    LocalMetadata: null,
    Ref: null,
    Op: e.op,
    Message: e.message,
    QueryID: e.queryId,
    ParentID: e.parentId,
  }));
}

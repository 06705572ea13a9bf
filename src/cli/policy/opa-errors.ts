/**
 * Errors as `opa` prints them. Text: `1 error occurred: a.rego:3:5: rego_type_error: message`, or
 * `N errors occurred:` and one error a line (`… occurred during loading:` for what fails while
 * files are read and parsed, as OPA's loader says); a parse error adds OPA's two detail lines,
 * the source line and a caret, each after a tab. JSON (`--format json`): OPA's presentation
 * shape, `{"errors": [{"message", "code", "location": {"file", "row", "col"}, "details"}]}`.
 *
 * The code is OPA's where the registry (policy/error-codes.ts) maps one; a failure OPA has no
 * code for (a missing file, a data conflict) carries regate's REGO_ERR_* code instead, where OPA
 * prints the bare message. regate keeps the column in the text (`file:row:col`), where OPA
 * prints `file:row`: the project's rule that every located error names its column.
 *
 * @example
 *   const errs = toOutputErrors(e);
 *   process.stderr.write(formatErrorsText(errs) + '\n');
 */
import { CompileErrors, ParseErrors, RegoError, writeJson } from '../../policy/index.js';
import { UsageError } from './args.js';

export interface OutputError {
  message: string;
  code?: string;
  location?: { file: string; row: number; col: number };
  /** a parse error's source line and the index of the offending character in it (OPA's ParserErrorDetail) */
  details?: { line: string; idx: number };
}

/** The query's pseudo-file: OPA gives a query no file name. */
const QUERY_FILE = '<query>';

/** Failures of reading files (OPA's loader), as opposed to compiling them. */
function isLoadCode(code: string): boolean {
  return code.startsWith('REGO_ERR_PARSE_') || ['REGO_ERR_FILE', 'REGO_ERR_DATA_FILE', 'REGO_ERR_DATA_CONFLICT', 'REGO_ERR_INPUT_FILE', 'REGO_ERR_BUNDLE', 'REGO_ERR_BUNDLE_ROOTS'].includes(code);
}

function one(e: RegoError): OutputError & { regoCode: string } {
  const loc = e.location;
  const out: OutputError & { regoCode: string } = { message: e.message, code: e.opaCode ?? e.code, regoCode: e.code };
  if (loc !== undefined) {
    out.location = { file: loc.file === QUERY_FILE ? '' : loc.file, row: loc.line, col: loc.col };
    if (e.code.startsWith('REGO_ERR_PARSE_') && loc.text !== undefined) out.details = { line: loc.text, idx: Math.max(0, loc.col - 1) };
  }
  return out;
}

/** Every error `e` holds, in OPA's output shape; `regoCode` keeps the REGO_ERR_* code for the text heading. */
export function toOutputErrors(e: unknown): (OutputError & { regoCode: string })[] {
  if (e instanceof CompileErrors && e.errors.length > 0) return e.errors.flatMap((x) => toOutputErrors(x));
  if (e instanceof LoadErrors) return e.errors.flatMap((x) => toOutputErrors(x));
  if (e instanceof ParseErrors) return e.errors.flatMap((x) => toOutputErrors(x));
  if (e instanceof RegoError) return [one(e)];
  if (e instanceof UsageError) return [{ message: e.message, regoCode: '' }];
  if (e instanceof Error) {
    const err = e as NodeJS.ErrnoException;
    if (typeof err.code === 'string' && typeof err.path === 'string') {
      const why = err.code === 'ENOENT' ? 'no such file or directory' : err.code === 'EISDIR' ? 'is a directory' : err.code === 'ENOTDIR' ? 'not a directory' : err.code === 'EACCES' ? 'permission denied' : e.message;
      return [{ message: `${err.path}: ${why}`, code: 'REGO_ERR_FILE', regoCode: 'REGO_ERR_FILE' }];
    }
    return [{ message: e.message, regoCode: '' }];
  }
  return [{ message: String(e), regoCode: '' }];
}

/** Several errors of one load (OPA collects every file's error before it gives up). */
export class LoadErrors extends RegoError {
  readonly errors: RegoError[];

  constructor(errors: RegoError[]) {
    const first = errors[0];
    super(first?.code ?? 'REGO_ERR_FILE', errors.map((x) => x.message).join('\n'), first?.location === undefined ? {} : { location: first.location });
    this.name = 'LoadErrors';
    this.errors = errors;
  }
}

/**
 * OPA's compiler stops at its error limit (`--max-errors`, 10 by default) and says so with one
 * more error, `rego_compile_error: error limit reached`. Errors of reading files are not counted.
 */
export function limitErrors<T extends OutputError & { regoCode?: string }>(errs: readonly T[], max: number): (T | (OutputError & { regoCode: string }))[] {
  const compile = errs.filter((x) => x.regoCode === undefined || !isLoadCode(x.regoCode));
  if (max <= 0 || compile.length <= max || compile.length !== errs.length) return [...errs];
  return [...errs.slice(0, max), { message: 'error limit reached', code: 'rego_compile_error', regoCode: 'REGO_ERR_COMPILE' }];
}

/** The `--max-errors` / `-m` flag of check and test (OPA's addMaxErrorsFlag). */
export const MAX_ERRORS_FLAG = { name: 'max-errors', short: 'm', valued: true, help: 'stop after this many compile errors and add "error limit reached" (default 10, as opa; 0 or less: no limit)' } as const;

/** The value of MAX_ERRORS_FLAG. */
export function maxErrorsOf(value: string | undefined): number {
  const n = Number(value ?? '10');
  if (!Number.isInteger(n)) throw new UsageError(`--max-errors must be a whole number, not ${value}`);
  return n;
}

/** One error's line: `file:row:col: code: message`, then OPA's detail lines of a parse error. */
export function formatErrorLine(x: OutputError): string {
  const loc = x.location;
  const where = loc === undefined ? '' : loc.file !== '' ? `${loc.file}:${loc.row}:${loc.col}: ` : `${loc.row}:${loc.col}: `;
  let s = `${where}${x.code === undefined ? '' : `${x.code}: `}${x.message}`;
  if (x.details !== undefined) {
    // OPA's ParserErrorDetail.Lines: the line without its leading tabs, the caret moved left by as many.
    const line = x.details.line.replace(/^\t+/, '');
    const indent = Math.max(0, x.details.idx - (x.details.line.length - line.length));
    s += `\n\t${line}\n\t${' '.repeat(indent)}^`;
  }
  return s;
}

/** OPA's text: `1 error occurred: …` or `N errors occurred:\n…` (`during loading` for file errors). */
export function formatErrorsText(errs: readonly (OutputError & { regoCode?: string })[]): string {
  const loading = errs.length > 0 && errs.every((x) => x.regoCode !== undefined && isLoadCode(x.regoCode));
  const during = loading ? ' during loading' : '';
  if (errs.length === 1) return `1 error occurred${during}: ${formatErrorLine(errs[0]!)}`;
  return `${errs.length} errors occurred${during}:\n${errs.map(formatErrorLine).join('\n')}`;
}

/** `{"errors": […]}` as OPA's presentation.JSON writes it (two-space indent, Go's HTML escaping). */
export function formatErrorsJson(errs: readonly OutputError[], explanation?: unknown[]): string {
  const errors = errs.map(({ message, code, location, details }) => ({ message, ...(code === undefined ? {} : { code }), ...(location ? { location } : {}), ...(details ? { details } : {}) }));
  return goJson({ errors, ...(explanation === undefined ? {} : { explanation }) }, 2) + '\n';
}

/**
 * JSON as Go's encoding/json writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped inside strings
 * (Go's default HTML-safe encoding, which OPA's output keeps). These characters appear only inside
 * strings in JSON text, so replacing them in the whole text is exact.
 */
export function goJson(v: unknown, indent?: number): string {
  // writeJson: JSON.stringify's layout, with numbers as their text (RNumbers, bigints) as OPA prints them
  return writeJson(v, indent === undefined ? undefined : ' '.repeat(indent)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

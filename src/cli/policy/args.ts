/**
 * Flag parsing for `regate policy …`, in the shape `opa` accepts: `-f json`, `--format json`,
 * `--format=json`, repeatable valued flags (`-d a -d b`), booleans (`-v`), and `--` to end flags.
 * Each subcommand declares its flags; anything else is a UsageError (exit 2).
 *
 * @example
 *   const a = parseArgs(['-v', '--run', 'allow', 'dir'], TEST_FLAGS);
 *   a.bool('verbose'); a.one('run'); a.positional; // true, 'allow', ['dir']
 */

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface FlagSpec {
  /** long name without dashes, e.g. `format` */
  readonly name: string;
  /** one-letter alias without the dash, e.g. `f` */
  readonly short?: string;
  /** takes a value (else boolean) */
  readonly valued?: boolean;
  /**
   * a list flag (pflag's StringSlice, as `opa … --ignore`): each value is a comma-separated CSV
   * record, so `--ignore '*.yml','*.yaml'` (one shell word) gives two patterns
   */
  readonly csv?: boolean;
  readonly help: string;
}

export interface ParsedArgs {
  readonly positional: string[];
  bool(name: string): boolean;
  /** the last value given for a valued flag */
  one(name: string): string | undefined;
  /** every value given for a repeatable flag, in order */
  all(name: string): string[];
}

/** Flags every `regate policy` subcommand takes. */
export const COMMON_FLAGS: readonly FlagSpec[] = [
  { name: 'help', short: 'h', help: 'print this help' },
  { name: 'version', help: 'print the version' },
  { name: 'v0-compatible', help: 'read the policies as Rego v0 (as opa --v0-compatible)' },
  // OPA 1.x keeps --v1-compatible (the default dialect; --v0-compatible takes precedence), and
  // CI scripts written during the v1 migration still pass it.
  { name: 'v1-compatible', help: 'read the policies as Rego v1, the default (as opa --v1-compatible)' },
];

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const all = [...COMMON_FLAGS, ...specs];
  const values = new Map<string, string[]>();
  const positional: string[] = [];
  const find = (arg: string): FlagSpec | undefined => (arg.startsWith('--') ? all.find((s) => s.name === arg.slice(2)) : all.find((s) => s.short !== undefined && s.short === arg.slice(1)));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const key = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = find(key);
    if (!spec) throw new UsageError(`unknown flag ${key}`);
    let value: string;
    if (spec.valued) {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`${key} needs a value`);
      value = v;
    } else {
      if (eq > 0 && !['true', 'false'].includes(arg.slice(eq + 1))) throw new UsageError(`${key} takes no value`);
      value = eq > 0 ? arg.slice(eq + 1) : 'true';
    }
    values.set(spec.name, [...(values.get(spec.name) ?? []), ...(spec.csv === true ? splitCsvRecord(value, key) : [value])]);
  }
  return {
    positional,
    bool: (name) => values.get(name)?.at(-1) === 'true',
    one: (name) => values.get(name)?.at(-1),
    all: (name) => values.get(name) ?? [],
  };
}

/**
 * One value of a pflag StringSlice flag: pflag's readAsCSV reads it with Go's encoding/csv
 * (one record, fields split at commas, a field that starts with `"` is quoted and `""` in it is a
 * quote; a `"` inside an unquoted field is an error). An empty value is no element.
 *
 * @example
 *   splitCsvRecord("*.yml,*.yaml,.md", '--ignore'); // ['*.yml', '*.yaml', '.md']
 */
export function splitCsvRecord(value: string, key: string): string[] {
  if (value === '') return [];
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (value[i] === '"') {
      i++;
      for (;;) {
        const q = value.indexOf('"', i);
        if (q < 0) throw new UsageError(`invalid argument ${JSON.stringify(value)} for ${key}: extraneous or missing " in quoted-field`);
        field += value.slice(i, q);
        i = q + 1;
        if (value[i] === '"') {
          field += '"';
          i++;
          continue;
        }
        break;
      }
      if (i < value.length && value[i] !== ',') throw new UsageError(`invalid argument ${JSON.stringify(value)} for ${key}: extraneous or missing " in quoted-field`);
    } else {
      const c = value.indexOf(',', i);
      field = value.slice(i, c < 0 ? value.length : c);
      if (field.includes('"')) throw new UsageError(`invalid argument ${JSON.stringify(value)} for ${key}: bare " in non-quoted-field`);
      i = c < 0 ? value.length : c;
    }
    fields.push(field);
    if (i >= value.length) return fields;
    i++; // the comma
  }
}

/** The flag table of a help text. */
export function describeFlags(specs: readonly FlagSpec[]): string {
  const rows = [...specs, ...COMMON_FLAGS].map((s) => [`${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.valued ? ' <value>' : ''}`, s.help] as const);
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([f, h]) => `  ${f.padEnd(w)}  ${h}`).join('\n');
}

/** Parses a Go duration as `opa test --timeout` takes it (`5s`, `1m30s`, `500ms`); milliseconds. */
export function parseDurationMs(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    total += Number(m[1]) * (units[m[2] as string] as number);
    end = re.lastIndex;
  }
  if (s === '' || end !== s.length) throw new UsageError(`invalid duration ${JSON.stringify(s)} (e.g. 5s, 500ms, 1m)`);
  return total;
}

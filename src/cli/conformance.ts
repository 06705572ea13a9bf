/**
 * `regate conformance <cases-dir> [--engine js|wasm] [--plans dir] [--json out.json] [--filter substring] [--v0-compatible]`
 * (`--v0-compatible`: the cases are Rego v0, as `cases/v0-opa0.48`)
 *
 * Runs OPA's YAML conformance cases. Prints one line per failing case (`FAIL file: note: reason`),
 * a per-topic table, and last `N passed, M failed`. Exit 0 whenever the run completes: failing
 * cases are a measurement, not a crash (exit 2 for bad usage or an unavailable engine).
 */
import { writeFile } from 'node:fs/promises';
import { runConformance, summarizeByTopic, type Engine } from '../policy/conformance/run.js';

const USAGE = 'usage: regate conformance <cases-dir> [--engine js|wasm] [--plans dir] [--json out.json] [--filter substring] [--v0-compatible]\n';

export function help(): string {
  return USAGE;
}

export async function run(argv: string[]): Promise<number> {
  let casesDir: string | undefined;
  let engine: Engine = 'js';
  let plansDir: string | undefined;
  let jsonOut: string | undefined;
  let filter: string | undefined;
  let v0 = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = (): string | undefined => argv[++i];
    if (a === '--engine') {
      const e = next();
      if (e !== 'js' && e !== 'wasm') return usage(`--engine must be js or wasm`);
      engine = e;
    } else if (a === '--plans') plansDir = next();
    else if (a === '--json') jsonOut = next();
    else if (a === '--filter') filter = next();
    else if (a === '--v0-compatible') v0 = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE);
      return 0;
    } else if (a.startsWith('-')) return usage(`unknown option ${a}`);
    else if (casesDir === undefined) casesDir = a;
    else return usage(`unexpected argument ${a}`);
  }
  if (casesDir === undefined) return usage('missing <cases-dir>');
  if (argv.includes('--plans') && plansDir === undefined) return usage('--plans needs a directory');

  const results = await runConformance({
    casesDir,
    engine,
    ...(plansDir !== undefined ? { plansDir } : {}),
    ...(filter !== undefined ? { filter } : {}),
    ...(v0 ? { regoVersion: 'v0' as const } : {}),
    onResult: (r) => {
      if (!r.pass) process.stdout.write(`FAIL ${r.file}: ${r.note}: ${r.reason ?? ''}\n`);
    },
  });
  const rows = summarizeByTopic(results);
  const w = Math.max(5, ...rows.map((r) => r.topic.length));
  process.stdout.write(`\n${'topic'.padEnd(w)}  passed  failed\n`);
  for (const r of rows) process.stdout.write(`${r.topic.padEnd(w)}  ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}\n`);
  if (jsonOut !== undefined) {
    const out = results.map((r) => ({ file: r.file, note: r.note, pass: r.pass, reason: r.reason ?? '' }));
    await writeFile(jsonOut, JSON.stringify(out, null, 1) + '\n');
  }
  const passed = results.filter((r) => r.pass).length;
  process.stdout.write(`${passed} passed, ${results.length - passed} failed\n`);
  return 0;
}

function usage(msg: string): number {
  process.stderr.write(`regate conformance: ${msg}\n${USAGE}`);
  return 2;
}

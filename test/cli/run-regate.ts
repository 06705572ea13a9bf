/**
 * Runs the `regate` CLI in a child process (shared by the CLI tests): the compiled CLI
 * (bin/regate.js → dist/) when dist/ is at least as new as every source file — a third of the
 * CPU of compiling the sources under tsx in each child, which made these tests the slowest of the
 * suite — and the sources under tsx otherwise, so an edit is never tested against a stale build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The newest modification time of a file under `dir` (ms), 0 for none. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Is dist/ built from the sources as they are now? (tsc rewrites every output on each build) */
function distIsFresh(): boolean {
  const main = join(root, 'dist', 'cli', 'main.js');
  if (process.env['REGATE_TEST_FROM_SOURCE'] === '1' || !existsSync(main)) return false;
  return newestMtime(join(root, 'src')) <= statSync(main).mtimeMs;
}

function command(): string[] {
  if (distIsFresh()) return [join(root, 'bin', 'regate.js')];
  const runnerDir = mkdtempSync(join(tmpdir(), 'regate-cli-'));
  process.once('exit', () => rmSync(runnerDir, { recursive: true, force: true }));
  const runner = join(runnerDir, 'regate.mjs');
  writeFileSync(
    runner,
    `const m = await import(${JSON.stringify(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href)});\nprocess.exitCode = await m.main(process.argv.slice(2));\n`,
  );
  return ['--import', 'tsx', runner];
}
const cmd = command();

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `input`: what the process reads on stdin (none: an empty stdin). */
export function regate(args: string[], cwd = root, input = ''): CliResult {
  const r = spawnSync(process.execPath, [...cmd, ...args], { cwd, encoding: 'utf8', timeout: 120_000, input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * How a test runs the `regate` CLI in a child process: the compiled CLI (bin/regate.js → dist/)
 * when dist/ is at least as new as every source file, else the sources under tsx. A child
 * compiling the sources under tsx costs about three times the CPU of one loading dist/, and the
 * CLI tests start dozens of them; falling back to the sources means an edit is never tested
 * against a stale build. `REGATE_TEST_FROM_SOURCE=1` forces the sources.
 *
 * @example spawn(process.execPath, [...regateCliArgs(), 'start', '--config', file])
 */
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
export function distIsFresh(): boolean {
  const main = join(root, 'dist', 'cli', 'main.js');
  if (process.env['REGATE_TEST_FROM_SOURCE'] === '1' || !existsSync(main)) return false;
  return newestMtime(join(root, 'src')) <= statSync(main).mtimeMs;
}

let cached: string[] | null = null;

/** Node arguments that run the CLI as bin/regate.js does (main(), then exit with its status once output is flushed). */
export function regateCliArgs(): string[] {
  if (cached !== null) return cached;
  if (distIsFresh()) return (cached = [join(root, 'bin', 'regate.js')]);
  const dir = mkdtempSync(join(tmpdir(), 'regate-cli-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const runner = join(dir, 'regate.mjs');
  writeFileSync(runner, `const m = await import(${JSON.stringify(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href)});\nawait m.exitWhenFlushed(await m.main(process.argv.slice(2)));\n`);
  return (cached = ['--import', 'tsx', runner]);
}

/** Runs the `regate` CLI from source in a child process (shared by the CLI tests). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runnerDir = mkdtempSync(join(tmpdir(), 'regate-cli-'));
process.once('exit', () => rmSync(runnerDir, { recursive: true, force: true }));
const runner = join(runnerDir, 'regate.mjs');
writeFileSync(
  runner,
  `const m = await import(${JSON.stringify(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href)});\nprocess.exitCode = await m.main(process.argv.slice(2));\n`,
);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `input`: what the process reads on stdin (none: an empty stdin). */
export function regate(args: string[], cwd = root, input = ''): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', runner, ...args], { cwd, encoding: 'utf8', timeout: 120_000, input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the `regate` CLI from source in a child process (not a test file itself). */
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runnerDir = mkdtempSync(join(tmpdir(), 'regate-cli-'));
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

export function regate(args: string[], cwd = root): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', runner, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

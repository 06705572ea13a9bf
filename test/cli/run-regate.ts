/**
 * Runs the `regate` CLI synchronously for the CLI tests: main() in a worker thread of the test
 * process (test/helpers/regate-in-process.ts), which loads the CLI once for all the commands of a
 * file instead of a fresh Node process per command. A test that needs a real process (signals,
 * a working directory, process exit) uses spawnRegate (spawn-regate.ts);
 * `REGATE_TEST_SPAWN=1` runs these in child processes too (test/helpers/regate-cli.ts).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { regateCliArgs, root } from '../helpers/regate-cli.js';
import { regateInProcess } from '../helpers/regate-in-process.js';

export { root };

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `input`: what the process reads on stdin (none: an empty stdin). */
export function regate(args: string[], cwd = root, input = ''): CliResult {
  // a worker thread cannot change directory: another working directory gets a process
  if (process.env['REGATE_TEST_SPAWN'] !== '1' && resolve(cwd) === process.cwd()) return regateInProcess(args, input);
  const r = spawnSync(process.execPath, [...regateCliArgs(), ...args], { cwd, encoding: 'utf8', timeout: 120_000, input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

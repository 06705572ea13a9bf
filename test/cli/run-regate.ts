/** Runs the `regate` CLI in a child process, synchronously (shared by the CLI tests; see test/helpers/regate-cli.ts). */
import { spawnSync } from 'node:child_process';
import { regateCliArgs, root } from '../helpers/regate-cli.js';

export { root };

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `input`: what the process reads on stdin (none: an empty stdin). */
export function regate(args: string[], cwd = root, input = ''): CliResult {
  const r = spawnSync(process.execPath, [...regateCliArgs(), ...args], { cwd, encoding: 'utf8', timeout: 120_000, input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Real files in a tap test's own directory, for the `regate policy` command tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Test } from 'tap';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { distIsFresh, root } from '../../helpers/regate-cli.js';

export function policyDir(t: Test, files: Record<string, string>): string {
  const dir = t.testdir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

export const AUTHZ = `package authz

default allow := false

allow if input.user in data.authz.admins

greeting := sprintf("hello %s", [input.user])
`;

/**
 * Runs `regate policy <argv>` in this process (no child Node to start and compile), with what
 * it writes to stdout and stderr captured. The commands write with process.stdout/stderr.write
 * only; tap writes its own report after the test's assertions, outside this window.
 *
 * The compiled CLI (dist/) is used when it is built from the sources as they are: `policy test`
 * evaluates in worker threads, and a worker started from the sources compiles them all under
 * tsx again (seconds of CPU each), one from dist/ does not.
 */
export async function policyInProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { run } = (distIsFresh() ? await import(pathToFileURL(join(root, 'dist', 'cli', 'policy', 'index.js')).href) : await import('../../../src/cli/policy/index.js')) as typeof import('../../../src/cli/policy/index.js');
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => ((stdout += typeof s === 'string' ? s : Buffer.from(s).toString('utf8')), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => ((stderr += typeof s === 'string' ? s : Buffer.from(s).toString('utf8')), true)) as typeof process.stderr.write;
  try {
    const code = await run(argv);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/**
 * Runs the `regate` CLI in a child process the way bin/regate.js runs it: main() then
 * process.exit with its status (dist/ when fresh, else the sources: test/helpers/regate-cli.ts). Asynchronous, so a test can signal the child while it runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { regateCliArgs, root } from '../helpers/regate-cli.js';

export { root };
const dir = mkdtempSync(join(tmpdir(), 'regate-spawn-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

export interface Spawned {
  child: ChildProcess;
  /** exit code (null when killed by a signal) and everything printed */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** `guardMs` kills a child that never exits (the test then fails on the signal, not a hang). */
export function spawnRegate(args: string[], opts: { env?: NodeJS.ProcessEnv; guardMs?: number; cwd?: string; nodeArgs?: string[] } = {}): Spawned {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...regateCliArgs(), ...args], { cwd: opts.cwd ?? root, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), opts.guardMs ?? 60_000);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, done };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const net = await import('node:net');
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * A `--import` file that makes the `binaryen` package unresolvable, as in an install without it
 * (the default image): Node reports exactly this error for a package that is not installed.
 */
export function hideBinaryen(): string {
  const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === 'binaryen' || specifier.startsWith('binaryen/')) {
    const err = new Error("Cannot find package 'binaryen' imported from " + context.parentURL);
    err.code = 'ERR_MODULE_NOT_FOUND';
    throw err;
  }
  return next(specifier, context);
}`;
  const file = join(dir, 'hide-binaryen.mjs');
  writeFileSync(file, `import { register } from 'node:module';\nregister(${JSON.stringify('data:text/javascript,' + encodeURIComponent(hooks))});\n`);
  return file;
}

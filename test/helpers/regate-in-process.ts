/**
 * Runs the `regate` CLI's main() in a worker thread of the test process, synchronously: the same
 * entry bin/regate.js runs (dist/ when fresh, else the sources; test/helpers/regate-cli.ts),
 * with stdout and stderr captured and stdin given, and the exit status main() returns.
 *
 * Why: a CLI test file used to spawn a fresh Node process per command, each one loading the CLI
 * and the Rego toolchain again (dozens per file, the slowest files of the suite). The commands
 * these tests run do their work in main() and return its status — the process around them is not
 * what they test (test/cli/main.test.ts and the spawnRegate tests keep that covered) — so one
 * worker that has loaded the CLI once runs them all. A worker, not this thread, because the
 * callers are synchronous (`regate([...])` returns the result) and because process.stdin,
 * stdout and stderr can be swapped there without touching tap's own output.
 *
 * What a real process would show and this must too: an exception escaping main() becomes a
 * stack trace on stderr and status 1 (Node's own behaviour for an uncaught error); a worker that
 * dies (process.exit inside a command) fails loudly instead of hanging.
 *
 * @example const r = regateInProcess(['policy', 'eval', '-d', dir, 'data.p.r'], '');
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { distIsFresh, root } from './regate-cli.js';

export interface InProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The worker: loads main() once, then runs each request with the process streams swapped. */
const WORKER = String.raw`
const { workerData } = require('node:worker_threads');
const { Readable } = require('node:stream');
const { port, flag, entry } = workerData;
let mainP;
let current = null; // { stdout, stderr, answered } of the command running now
function answer(code) {
  if (current === null || current.answered) return;
  current.answered = true;
  port.postMessage({ code, stdout: current.stdout, stderr: current.stderr });
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
// as a process would end: process.exit(n) inside a command, or an error nothing caught
process.on('exit', (code) => answer(code));
const crash = (e) => { if (current) current.stderr += ((e && e.stack) || String(e)) + '\n'; answer(1); };
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
const capture = (key) => (s, enc, cb) => {
  if (current) current[key] += typeof s === 'string' ? s : Buffer.from(s).toString();
  if (typeof enc === 'function') enc(); else if (typeof cb === 'function') cb();
  return true;
};
process.stdout.write = capture('stdout');
process.stderr.write = capture('stderr');
port.on('message', async ({ args, input, env }) => {
  current = { stdout: '', stderr: '', answered: false };
  // the environment the test process has now, as a child spawned now would get it
  for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];
  Object.assign(process.env, env);
  Object.defineProperty(process, 'stdin', { configurable: true, enumerable: true, value: Readable.from(input === '' ? [] : [Buffer.from(input)]) });
  let code;
  try {
    // the sources need tsx's hooks, which a worker started with eval does not inherit
    mainP ??= (entry.endsWith('.ts') ? import('tsx/esm/api').then((tsx) => tsx.register()) : Promise.resolve()).then(() => import(entry)).then((m) => m.main);
    code = await (await mainP)(args);
  } catch (e) {
    // what Node prints for an uncaught error, and its exit status
    current.stderr += ((e && e.stack) || String(e)) + '\n';
    code = 1;
  }
  answer(code);
});
`;

interface Runner {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  exited: { code: number } | null;
}

let runner: Runner | undefined;

/**
 * `execArgv: []`: not the test process's preloads (tsx, tap's mock and processinfo hooks, source
 * maps), which every worker would load again — and so would every worker the CLI starts in turn
 * (`regate policy test` evaluates in one): as `node bin/regate.js` runs. The sources, when dist/
 * is stale, get tsx's hooks registered by the worker itself.
 */
function start(): Runner {
  const entry = distIsFresh() ? join(root, 'dist', 'cli', 'main.js') : join(root, 'src', 'cli', 'main.ts');
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER, { eval: true, workerData: { port: port2, flag, entry: pathToFileURL(entry).href }, transferList: [port2], stdout: false, stderr: false, execArgv: [] });
  const r: Runner = { worker, port: port1, flag, exited: null };
  worker.on('exit', (code) => {
    r.exited = { code };
    // wake a caller that waits for an answer the dead worker will never send
    Atomics.store(flag, 0, 2);
    Atomics.notify(flag, 0);
  });
  worker.on('error', () => {});
  // the worker must not keep the test process alive after its last test
  worker.unref();
  return r;
}

/** `input`: what the command reads on stdin (none: an empty stdin). `timeoutMs` as spawnSync's. */
export function regateInProcess(args: string[], input = '', timeoutMs = 120_000): InProcessResult {
  if (runner === undefined || runner.exited !== null) runner = start();
  const r = runner;
  Atomics.store(r.flag, 0, 0);
  r.port.postMessage({ args, input, env: { ...process.env } });
  // the worker runs on its own event loop while this thread waits for its flag
  const waited = Atomics.wait(r.flag, 0, 0, timeoutMs);
  const msg = receiveMessageOnPort(r.port);
  if (msg !== undefined) return msg.message as InProcessResult;
  if (waited === 'timed-out') {
    void r.worker.terminate();
    runner = undefined;
    return { code: null, stdout: '', stderr: `regate ${args.join(' ')}: no answer in ${timeoutMs} ms (worker terminated)` };
  }
  runner = undefined;
  return { code: null, stdout: '', stderr: `regate ${args.join(' ')}: the worker running the CLI exited (${r.exited?.code ?? '?'}) without an answer` };
}

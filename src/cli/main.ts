/**
 * `regate` command dispatcher. Each command lives in its own module exporting
 * `run(argv: string[]): Promise<number>` (the exit code), loaded lazily so that
 * `regate policy eval` never pays for loading uWebSockets.js or BullMQ.
 *
 * `--help`/`-h` and `--version` are answered here, before a command runs, so that asking for
 * help can never start anything (`regate demo --help` used to start the whole stack). A command
 * module may export `help(argv)` to describe its subcommands (`regate policy build --help` gets
 * `help(['build', '--help'])`); without it the usage below is printed.
 *
 * @example regate config check --config regate.yaml; regate audit tail --help; regate --version
 */
import { REGATE_VERSION } from '../gateway/server/version.js';

export interface CommandModule {
  run(argv: string[]): Promise<number>;
  /** The help text for `argv` (the arguments after the command name, including the help flag). */
  help?(argv: string[]): string;
}

interface Command {
  load: () => Promise<CommandModule>;
  /** one line in `regate --help` */
  summary: string;
  /** `regate <cmd> --help` when the module has no `help` of its own */
  usage: string;
}

const COMMANDS: Record<string, Command> = {
  start: { load: () => import('./start.js'), summary: 'start [--config regate.yaml]            run the gateway', usage: 'usage: regate start [--config regate.yaml]\n' },
  demo: { load: () => import('./demo.js'), summary: 'demo [--port N] [--admin-port N] [--engine js|wasm]  the demo stack (npm start)', usage: 'usage: regate demo [--port N] [--admin-port N] [--engine js|wasm]\n' },
  config: { load: () => import('./config.js'), summary: 'config check [--config regate.yaml]     validate a config without starting', usage: 'usage: regate config check [--config regate.yaml]\n' },
  policy: {
    load: () => import('./policy/index.js'),
    summary: 'policy test|fmt|check|eval|build …       the Rego toolchain (opa-compatible)',
    usage: 'usage: regate policy test|fmt|check|eval|build [flags]\n',
  },
  conformance: {
    load: () => import('./conformance.js'),
    summary: 'conformance <cases-dir> [--engine js|wasm] [--plans dir] [--json out.json]',
    usage: 'usage: regate conformance <cases-dir> [--engine js|wasm] [--plans dir] [--json out.json] [--filter substring]\n',
  },
  audit: { load: () => import('./audit.js'), summary: 'audit tail [--follow] [--json] [--redis url]  print the audit stream', usage: 'usage: regate audit tail [--follow] [--json] [--redis url]\n' },
  token: {
    load: () => import('./token.js'),
    summary: 'token revoke <jti|sha256|sub> [--value V] [--exp unix] [--redis url]  revoke tokens on every instance',
    usage: 'usage: regate token revoke <jti|sha256|sub> [--value V] [--exp unix] [--redis url]\n',
  },
};

const HELP_FLAGS = new Set(['-h', '--help']);
const VERSION_FLAGS = new Set(['-V', '--version']);

function usage(): string {
  return (
    'usage: regate <command> [options]\n\n' +
    Object.values(COMMANDS)
      .map((c) => '  regate ' + c.summary)
      .join('\n') +
    '\n  regate --version                         print the version\n\n' +
    '`regate <command> --help` describes a command. Environment: REDIS_URL (audit tail, token revoke), REGATE_LOG_LEVEL.\n'
  );
}

/** Whether the arguments ask for help (before a `--`, after which arguments are data). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (HELP_FLAGS.has(a)) return true;
  }
  return false;
}

let pipeGuard = false;

/**
 * `regate policy fmt --list … | head`: when the reader of stdout goes away, the command ends
 * quietly with 141 (what a shell reports for `opa`, which dies of SIGPIPE) — not with Node's
 * unhandled EPIPE and its stack trace.
 */
function endQuietlyWhenStdoutCloses(): void {
  if (pipeGuard) return;
  pipeGuard = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(141);
    throw e;
  });
}

export async function main(argv: string[]): Promise<number> {
  endQuietlyWhenStdoutCloses();
  const [name, ...rest] = argv;
  if (name === undefined || HELP_FLAGS.has(name)) {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (VERSION_FLAGS.has(name) || name === 'version') {
    process.stdout.write(`regate ${REGATE_VERSION}\n`);
    return 0;
  }
  // `regate help <command>` is `regate <command> --help`
  if (name === 'help') return rest[0] === undefined ? main(['--help']) : main([rest[0], '--help', ...rest.slice(1)]);
  const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) {
    process.stderr.write(`regate: unknown command ${JSON.stringify(name)}\n\n` + usage());
    return 2;
  }
  if (wantsHelp(rest)) {
    const mod = await cmd.load();
    process.stdout.write(mod.help?.(rest) ?? cmd.usage);
    return 0;
  }
  const mod = await cmd.load();
  return mod.run(rest);
}

/**
 * Ends the process with `code` once everything written to stdout and stderr has reached the
 * other end. A pipe is not synchronous in Node here: a write beyond the pipe's buffer (64 KiB)
 * is queued in libuv, and an immediate process.exit dropped the rest — `regate policy test
 * --format json | jq` got the first 65,536 bytes of a 74 KB report. An empty write's callback
 * runs after every earlier write of that stream has been handed to the kernel (or failed: EPIPE
 * is then handled by endQuietlyWhenStdoutCloses). We still exit explicitly, so that a library's
 * stray timer (ioredis keeps its connect timer after a refused connection) cannot hold the
 * terminal.
 *
 * @example await exitWhenFlushed(await main(process.argv.slice(2)));
 */
export async function exitWhenFlushed(code: number): Promise<never> {
  const flushed = (s: NodeJS.WriteStream): Promise<void> =>
    new Promise((resolve) => {
      // nothing queued: no write at all (an empty one to a reader that has gone would be EPIPE)
      if (s.destroyed || !s.writable || s.writableLength === 0) return resolve();
      s.write('', () => resolve());
    });
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

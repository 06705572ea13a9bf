/**
 * `regate start [--config regate.yaml]` — validates the config, runs the gateway, drains on
 * SIGTERM/SIGINT. A bad config exits 1 listing every problem (file:line: key: problem).
 */
import pino from 'pino';
import { loadConfigFile } from '../gateway/config/load.js';
import { ConfigError } from '../gateway/errors.js';
import { startRegate } from '../gateway/server/run.js';
import { loadUws, UwsLoadError } from '../gateway/server/uws-loader.js';
import { PortInUseError } from '../gateway/server/port-guard.js';
import { checkReceiveBuffer } from './receive-buffer-check.js';

export function help(): string {
  return `usage: regate start [--config regate.yaml]

Runs the gateway with the given config (default ./regate.yaml; \`regate config check\` validates
one without starting). SIGTERM/SIGINT drain in-flight requests and flush events; a second signal
exits at once. Log level: log.level in the config, REGATE_LOG_LEVEL where the config uses it.

Exit status: 0 after a drain, 1 invalid config or no usable uWebSockets.js build, 2 usage.
`;
}

/** One problem per line under a heading, for any ConfigError (a list or a single one). */
export function formatConfigError(err: ConfigError): string {
  const lines = err.message.split('\n');
  return lines.length === 1 ? `invalid config: ${lines[0]}\n` : `invalid config, ${lines.length} problems:\n` + lines.map((l) => `  ${l}\n`).join('');
}

export function parseStartArgs(argv: string[]): { config: string } | { error: string } {
  let config = 'regate.yaml';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--config' || a === '-c') {
      const v = argv[++i];
      if (v === undefined) return { error: `${a} needs a file name` };
      config = v;
    } else if (a.startsWith('--config=')) config = a.slice('--config='.length);
    else return { error: `unknown option ${JSON.stringify(a)}` };
  }
  return { config };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseStartArgs(argv);
  if ('error' in args) {
    process.stderr.write(`regate start: ${args.error}\nusage: regate start [--config regate.yaml]\n`);
    return 2;
  }
  let config;
  try {
    config = loadConfigFile(args.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`regate start: ${formatConfigError(err)}`);
      return 1;
    }
    throw err;
  }
  const logger = pino({ level: config.log.level });
  let running;
  try {
    running = await startRegate(config, logger);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UwsLoadError || err instanceof PortInUseError) {
      process.stderr.write(`regate start: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  // SIGHUP re-reads the TLS certificates (README "TLS"); in-flight requests finish on the old ones
  process.on('SIGHUP', () => {
    running.reload().then(
      () => logger.info('SIGHUP: TLS certificates reloaded'),
      (err: unknown) => logger.error({ err }, 'SIGHUP: certificate reload failed; the old certificates stay in use'),
    );
  });
  logger.info({ port: running.port, admin_port: running.adminPort, workers: running.workers }, 'regate ready');
  const rmem = checkReceiveBuffer(loadUws().build);
  if (rmem !== undefined) logger.warn(rmem);
  return waitForSignal(running.close, logger);
}

/** Resolves with exit code 0 after a graceful drain on the first SIGTERM/SIGINT; a second one exits at once. */
export function waitForSignal(close: () => Promise<void>, logger: pino.Logger): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      logger.info({ signal: sig }, 'draining');
      close().then(
        () => {
          logger.info('stopped');
          resolve(0);
          // idle keep-alive sockets of clients are closed; nothing else should hold the loop
          setImmediate(() => process.exit(0));
        },
        (err: unknown) => {
          logger.error({ err }, 'drain failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}

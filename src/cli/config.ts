/**
 * `regate config check [--config regate.yaml]` — validates a config without starting anything:
 * the schema and cross-checks (every problem of the file at once, `file:line: key: problem`),
 * then what `regate start` would find next without opening a port: that the routes' policy
 * entrypoints compile from `policies.dir`/`bundle` on the configured engine (engine `wasm` needs
 * the binaryen package, absent from the default image). Exit 0 valid, 1 invalid, 2 usage.
 *
 * `${VAR}` references are substituted from the environment as `start` would, so run it with the
 * environment the gateway gets (a missing secret is a problem of its key).
 *
 * @example regate config check --config /etc/regate/regate.yaml && systemctl reload regate
 */
import { resolve } from 'node:path';
import { InvalidConfigError, lineOfKey, loadConfigFile } from '../gateway/config/load.js';
import { createPolicyLoader } from '../gateway/authz/index.js';
import { ConfigError } from '../gateway/errors.js';
import type { GatewayConfig } from '../gateway/config/types.js';
import { RegoError } from '../policy/errors.js';
import { parseStartArgs } from './start.js';

const USAGE = 'usage: regate config check [--config regate.yaml]\n';

export function help(): string {
  return `${USAGE}
Validates a regate.yaml without starting the gateway: every mistake of the file is listed at
once as file:line: key: problem; then the routes' policy entrypoints are compiled as \`regate
start\` would. \${VAR} references are taken from this environment, like \`start\` does.

Exit status: 0 valid, 1 invalid (problems on stderr), 2 usage.
`;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'check') {
    process.stderr.write((sub === undefined ? '' : `regate config: unknown subcommand ${JSON.stringify(sub)}\n`) + USAGE);
    return 2;
  }
  const args = parseStartArgs(rest);
  if ('error' in args) {
    process.stderr.write(`regate config check: ${args.error}\n${USAGE}`);
    return 2;
  }
  const problems = await checkConfigFile(args.config);
  if (problems.length > 0) {
    process.stderr.write(`regate config check: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` + problems.map((p) => `  ${p.message}\n`).join(''));
    return 1;
  }
  process.stdout.write(`${args.config}: valid\n`);
  return 0;
}

/**
 * Every problem `regate start` would report for `file` before serving, without starting it.
 * @example (await checkConfigFile('regate.yaml')).map((p) => p.key) // → ['routes[0].upstream', …]
 */
export async function checkConfigFile(file: string, env: Record<string, string | undefined> = process.env): Promise<ConfigError[]> {
  let config: GatewayConfig;
  try {
    config = loadConfigFile(file, { env });
  } catch (err) {
    if (err instanceof InvalidConfigError) return [...err.problems];
    if (err instanceof ConfigError) return [err];
    throw err;
  }
  return checkPolicies(config, file);
}

/** The routes' entrypoints compile from the configured source on the configured engine. */
async function checkPolicies(config: GatewayConfig, file: string): Promise<ConfigError[]> {
  const entrypoints = [...new Set(config.routes.flatMap((r) => (r.policy !== undefined ? [r.policy] : [])))];
  if (entrypoints.length === 0) return [];
  const p = config.policies;
  const bundle = p?.bundle !== undefined ? resolve(config.source.dir, p.bundle) : undefined;
  const key = bundle !== undefined ? 'bundle' : 'dir';
  const load = createPolicyLoader({
    ...(bundle !== undefined ? { bundle } : { dir: resolve(config.source.dir, p?.dir ?? '.') }),
    engine: p?.engine ?? 'js',
    regoVersion: p?.rego_version ?? 'v1',
    entrypoints,
    ...(p?.http_send ? { httpSend: p.http_send } : {}),
  });
  try {
    await load();
    return [];
  } catch (err) {
    const fsError = err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';
    if (!(err instanceof RegoError) && !fsError) throw err;
    // an engine that is not installed is a problem of `engine`, not of the policies
    const path = err instanceof RegoError && err.code === 'REGO_ERR_ENGINE_UNAVAILABLE' ? ['policies', 'engine'] : ['policies', key];
    const why = err instanceof RegoError ? err.render() : (err as Error).message;
    return [new ConfigError(`the policies do not load: ${why}`, path.join('.'), lineOfKey(config, path), file)];
  }
}

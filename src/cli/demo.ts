/**
 * `regate demo` (what `npm start` runs): the whole stack on 127.0.0.1 — the dev token server
 * (oidc-provider), the demo APIs, and the gateway with examples/regate.demo.yaml and the example
 * policies in policies/ — then prints two user tokens and curl lines that walk a newcomer from
 * 401 through 403 to 200. Each curl line ends with `# NNN`, the status it gets (the CLI test
 * runs every printed line and checks it).
 *
 * Options: --port N (default 8080), --admin-port N (default 9901), --engine js|wasm.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import type { RequestListener, Server } from 'node:http';
import pino from 'pino';
import { loadConfigFile } from '../gateway/config/load.js';
import { ConfigError } from '../gateway/errors.js';
import { startRegate } from '../gateway/server/run.js';
import { formatConfigError, waitForSignal } from './start.js';

interface DemoApis {
  createDemoApi(name: string, opts?: { basic?: { username: string; password: string } }): RequestListener;
  startDemoUpstream(h: RequestListener): Promise<{ server: Server; port: number }>;
}

// src/cli/demo.ts and dist/cli/demo.js both sit two levels below the package root.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const USAGE = 'usage: regate demo [--port N] [--admin-port N] [--engine js|wasm]\n';

export function help(): string {
  return `${USAGE}
Starts the demo stack on 127.0.0.1 — a development token server, four demo APIs and the gateway
(examples/regate.demo.yaml, policies/) — and prints two user tokens and curl lines that walk
from 401 through 403 to 200. Needs Redis at REDIS_URL (default redis://127.0.0.1:6379) for the
audit events and rate limits. Ctrl-C stops it.

  --port N           the gateway's port (default $REGATE_PORT, else 8080)
  --admin-port N     the admin port: /healthz /readyz /metrics (default $REGATE_ADMIN_PORT, else 9901)
  --engine js|wasm   the policy engine (default $REGATE_ENGINE, else js; wasm needs binaryen)
`;
}

/** Options of \`regate demo\`; an unknown option or a bad value is a usage error, never a start. */
export function parseDemoArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): { port: string; adminPort: string; engine: string } | { error: string } {
  const out = { port: env.REGATE_PORT ?? '8080', adminPort: env.REGATE_ADMIN_PORT ?? '9901', engine: env.REGATE_ENGINE ?? 'js' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const key = a === '--port' ? 'port' : a === '--admin-port' ? 'adminPort' : a === '--engine' ? 'engine' : undefined;
    if (key === undefined) return { error: `unknown option ${JSON.stringify(a)}` };
    const v = argv[++i];
    if (v === undefined) return { error: `${a} needs a value` };
    out[key] = v;
  }
  for (const [name, v] of [['--port', out.port], ['--admin-port', out.adminPort]] as const) {
    if (!/^\d+$/.test(v) || Number(v) > 65535) return { error: `${name} must be a port number (0-65535)` };
  }
  if (out.engine !== 'js' && out.engine !== 'wasm') return { error: '--engine must be js or wasm' };
  return out;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseDemoArgs(argv);
  if ('error' in args) {
    process.stderr.write(`regate demo: ${args.error}\n${USAGE}`);
    return 2;
  }
  const { port, adminPort, engine } = args;

  // The token server is a development tool (oidc-provider is a devDependency): loaded lazily.
  const { startTokenServer } = await import('../devtools/token-server.js');
  const ts = await startTokenServer({ accessTokenTtlS: 3600 });
  const apis = (await import(pathToFileURL(join(root, 'examples', 'demo-upstream.mjs')).href)) as DemoApis;
  const carPassword = randomBytes(12).toString('base64url');
  const car = await apis.startDemoUpstream(apis.createDemoApi('car', { basic: { username: 'gateway', password: carPassword } }));
  const home = await apis.startDemoUpstream(apis.createDemoApi('home'));
  const orders = await apis.startDemoUpstream(apis.createDemoApi('orders'));
  const mobile = await apis.startDemoUpstream(apis.createDemoApi('mobile'));
  const servers = [car, home, orders, mobile].map((u) => u.server);
  const stopAll = async () => {
    for (const s of servers) s.close();
    await ts.stop();
  };

  const env = {
    ...process.env,
    REGATE_PORT: port,
    REGATE_ADMIN_PORT: adminPort,
    REGATE_ENGINE: engine,
    DEMO_CAR_URL: `http://127.0.0.1:${car.port}`,
    DEMO_HOME_URL: `http://127.0.0.1:${home.port}`,
    DEMO_ORDERS_URL: `http://127.0.0.1:${orders.port}`,
    DEMO_MOBILE_URL: `http://127.0.0.1:${mobile.port}`,
    DEMO_CAR_PASSWORD: carPassword,
    DEMO_JWKS_URI: ts.jwksUri,
    DEMO_ISSUER: ts.issuer,
    DEMO_AUDIENCE: ts.audience,
  };
  // the payload-encryption key (scenario 4): a fresh EC P-256 key per run. `private_key_env` is
  // read when the stage is built, from the process environment.
  process.env.DEMO_ENC_KEY ??= generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const file = join(root, 'examples', 'regate.demo.yaml');
  let running;
  try {
    const config = loadConfigFile(file, { env });
    running = await startRegate(config, pino({ level: config.log.level }));
  } catch (err) {
    await stopAll();
    if (err instanceof ConfigError || (err instanceof Error && /cannot listen/.test(err.message))) {
      const text = err instanceof ConfigError ? formatConfigError(err) : `${err.message}\n`;
      process.stderr.write(`regate demo: ${text}(try --port / --admin-port if the ports are taken)\n`);
      return 1;
    }
    throw err;
  }

  // User tokens as a login flow at the token server would issue them (RFC 9068 access tokens).
  const now = Math.floor(Date.now() / 1000);
  const userToken = (sub: string, scope: string) =>
    ts.signJwt({ iss: ts.issuer, aud: ts.audience, sub, client_id: 'mobile-app', scope, iat: now, exp: now + 3600, jti: randomBytes(8).toString('hex') });
  const alice = await userToken('alice', 'orders:read profile');
  const bob = await userToken('bob', 'profile');

  const gw = `http://127.0.0.1:${running.port}`;
  const admin = `http://127.0.0.1:${running.adminPort}`;
  const encrypted = await showEncryptedCall(gw, alice);
  const auth = (v: string) => `-H "Authorization: Bearer $${v}"`;
  process.stdout.write(
    [
      '',
      `regate demo: gateway ${gw}, admin ${admin}, token server ${ts.issuer} (policy engine: ${engine})`,
      `  demo APIs on 127.0.0.1: car :${car.port} (basic auth), home :${home.port}, orders :${orders.port}, mobile :${mobile.port}`,
      '',
      'Two users (alice holds car + home insurance and scope orders:read; bob holds home only):',
      `  export ALICE='${alice}'`,
      `  export BOB='${bob}'`,
      '',
      'Walk-through (policies/insurance, policies/scopes, policies/mobile):',
      `  curl -si ${gw}/car/insurance                       # 401`,
      `  curl -si ${gw}/car/insurance ${auth('BOB')}     # 403`,
      `  curl -si ${gw}/car/insurance ${auth('ALICE')}   # 200`,
      `  curl -si ${gw}/home/insurance ${auth('BOB')}    # 200`,
      `  curl -si ${gw}/orders ${auth('BOB')}            # 403`,
      `  curl -si ${gw}/orders ${auth('ALICE')}          # 200`,
      `  curl -si ${gw}/mobile/feed ${auth('ALICE')}     # 200`,
      `  curl -si ${gw}/nowhere                             # 404`,
      '',
      'Payload encryption (README "Payload encryption"; route /secure is payload_encryption: required):',
      `  curl -si ${gw}/secure/orders ${auth('ALICE')}   # 415`,
      ...encrypted,
      '',
      'Operations:',
      `  curl -s ${admin}/readyz`,
      `  curl -s ${admin}/metrics | grep regate_`,
      '  npm run regate -- audit tail --follow             # the audit decision log (Redis)',
      '',
      'Ctrl-C stops it (graceful drain).',
      '',
    ].join('\n'),
  );
  return waitForSignal(async () => {
    await running.close();
    await stopAll();
  }, pino({ level: 'info' }));
}

/**
 * One call through regate/client, shown as a curl user would see the wire: the JWE that left,
 * the sealed answer that came back, and what the SDK made of it.
 */
async function showEncryptedCall(gw: string, token: string): Promise<string[]> {
  const { createRegateClient } = await import('../client/index.js');
  const wire: string[] = [];
  const api = createRegateClient({
    baseUrl: gw,
    token,
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      const path = new URL(String(input)).pathname;
      if (path.startsWith('/secure')) {
        const body = typeof init?.body === 'string' ? init.body : '';
        const head = JSON.parse(Buffer.from(body.split('.')[0] ?? '', 'base64url').toString() || '{}') as Record<string, unknown>;
        const answer = await res.clone().text();
        wire.push(
          `  > POST ${path}  Content-Type: application/jose  (${body.length} bytes: ${body.slice(0, 40)}…)`,
          `    protected header: alg ${String(head.alg)}, enc ${String(head.enc)}, kid ${String(head.kid)}, cty ${String(head.cty)}, jti, iat, ath${head.rsp ? ', rsp' : ''}${head.ses ? ', ses' : ''}`,
          `  < ${res.status}  Content-Type: ${res.headers.get('content-type') ?? ''}  (${answer.length} bytes: ${answer.slice(0, 40)}…)${res.headers.has('regate-session') ? '  + Regate-Session' : ''}`,
        );
      }
      return res;
    },
  });
  try {
    const res = await api.fetch('/secure/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item: 'demo', qty: 1 }) });
    const raw = await res.text();
    let text = raw;
    try {
      text = JSON.stringify(JSON.parse(raw)); // one line
    } catch {
      // not JSON: shown as it is
    }
    return ['  The SDK (regate/client) sent {"item":"demo","qty":1} to /secure/orders:', ...wire, `  SDK result: ${res.status} ${res.headers.get('content-type') ?? ''} ${text.slice(0, 160)}`];
  } catch (err) {
    return [`  (the encrypted call failed: ${(err as Error).message})`];
  }
}

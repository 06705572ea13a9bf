/**
 * `regate demo` (what `npm start` runs): the whole stack on 127.0.0.1 — the dev token server
 * (oidc-provider), the demo APIs, and the gateway with examples/regate.demo.yaml and the example
 * policies in policies/ — then prints two user tokens and curl lines that walk a newcomer from
 * 401 through 403 to 200. Each curl line ends with `# NNN`, the status it gets (the CLI test
 * runs every printed line and checks it).
 *
 * Options: --port N (default 8080), --admin-port N (default 9901), --engine js|wasm.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import type { RequestListener, Server } from 'node:http';
import pino from 'pino';
import { loadConfigFile } from '../gateway/config/load.js';
import { ConfigError } from '../gateway/errors.js';
import { startRegate } from '../gateway/server/run.js';
import { waitForSignal } from './start.js';

interface DemoApis {
  createDemoApi(name: string, opts?: { basic?: { username: string; password: string } }): RequestListener;
  startDemoUpstream(h: RequestListener): Promise<{ server: Server; port: number }>;
}

// src/cli/demo.ts and dist/cli/demo.js both sit two levels below the package root.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function run(argv: string[]): Promise<number> {
  const opt = (name: string, fallback: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : fallback;
  };
  const port = opt('--port', process.env.REGATE_PORT ?? '8080');
  const adminPort = opt('--admin-port', process.env.REGATE_ADMIN_PORT ?? '9901');
  const engine = opt('--engine', process.env.REGATE_ENGINE ?? 'js');

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
  const file = join(root, 'examples', 'regate.demo.yaml');
  let running;
  try {
    const config = loadConfigFile(file, { env });
    running = await startRegate(config, pino({ level: config.log.level }));
  } catch (err) {
    await stopAll();
    if (err instanceof ConfigError || (err instanceof Error && /cannot listen/.test(err.message))) {
      process.stderr.write(`regate demo: ${err.message}\n(try --port / --admin-port if the ports are taken)\n`);
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

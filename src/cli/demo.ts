/**
 * `regate demo` (what `npm start` runs): starts the bundled demo upstreams from examples/ on
 * 127.0.0.1, runs the gateway with examples/regate.demo.yaml in front of them, and prints curl
 * lines that work against it. Options: --port N (default 8080), --admin-port N (default 9901).
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import type { RequestListener, Server } from 'node:http';
import pino from 'pino';
import { loadConfigFile } from '../gateway/config/load.js';
import { ConfigError } from '../gateway/errors.js';
import { startRegate } from '../gateway/server/run.js';
import { waitForSignal } from './start.js';

interface DemoUpstreams {
  carsHandler: RequestListener;
  echoHandler: RequestListener;
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

  const demo = (await import(pathToFileURL(join(root, 'examples', 'demo-upstream.mjs')).href)) as DemoUpstreams;
  const cars = await demo.startDemoUpstream(demo.carsHandler);
  const echo = await demo.startDemoUpstream(demo.echoHandler);
  const env = {
    ...process.env,
    REGATE_PORT: port,
    REGATE_ADMIN_PORT: adminPort,
    DEMO_CARS_URL: `http://127.0.0.1:${cars.port}`,
    DEMO_ECHO_URL: `http://127.0.0.1:${echo.port}`,
  };
  const file = join(root, 'examples', 'regate.demo.yaml');
  let running;
  try {
    const config = loadConfigFile(file, { env });
    running = await startRegate(config, pino({ level: config.log.level }));
  } catch (err) {
    cars.server.close();
    echo.server.close();
    if (err instanceof ConfigError || (err instanceof Error && /cannot listen/.test(err.message))) {
      process.stderr.write(`regate demo: ${err.message}\n(try --port / --admin-port if the ports are taken)\n`);
      return 1;
    }
    throw err;
  }
  const gw = `http://127.0.0.1:${running.port}`;
  const admin = `http://127.0.0.1:${running.adminPort}`;
  process.stdout.write(
    [
      '',
      `regate demo: gateway ${gw}, admin ${admin}`,
      `  cars API upstream on 127.0.0.1:${cars.port}, echo upstream on 127.0.0.1:${echo.port}`,
      '',
      'Try:',
      `  curl -s ${gw}/cars`,
      `  curl -s ${gw}/cars/1 -H 'x-request-id: demo-1' -i`,
      `  curl -s -X POST ${gw}/echo/hello -d 'hi there'`,
      `  curl -s -i ${gw}/nowhere                      # 404 JSON`,
      `  curl -s -i -X DELETE ${gw}/cars/1              # 405 JSON`,
      `  curl -s ${admin}/readyz`,
      `  curl -s ${admin}/metrics | grep regate_`,
      '',
      'Ctrl-C stops it (graceful drain).',
      '',
    ].join('\n'),
  );
  return waitForSignal(async () => {
    await running.close();
    cars.server.close();
    echo.server.close();
  }, pino({ level: 'info' }));
}

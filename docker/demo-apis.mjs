// The demo backend APIs (examples/demo-upstream.mjs) for the compose stack: each on its own port
// on all interfaces of the container, so the gateway reaches them by service name (demo-apis:8081…).
// The car API requires the gateway's basic credentials (DEMO_CAR_PASSWORD), as in `regate demo`.
import http from 'node:http';
import { createDemoApi } from '../examples/demo-upstream.mjs';

const password = process.env.DEMO_CAR_PASSWORD;
if (!password) {
  process.stderr.write('demo-apis: DEMO_CAR_PASSWORD must be set (the car API trusts only the gateway)\n');
  process.exit(1);
}
const apis = [
  ['car', Number(process.env.DEMO_CAR_PORT ?? 8081), { basic: { username: 'gateway', password } }],
  ['home', Number(process.env.DEMO_HOME_PORT ?? 8082), {}],
  ['orders', Number(process.env.DEMO_ORDERS_PORT ?? 8083), {}],
  ['mobile', Number(process.env.DEMO_MOBILE_PORT ?? 8084), {}],
];
const servers = apis.map(([name, port, opts]) => {
  const s = http.createServer(createDemoApi(name, opts));
  s.listen(port, process.env.DEMO_HOST ?? '0.0.0.0', () => process.stdout.write(`demo api ${name} on :${s.address().port}\n`));
  return s;
});
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => { for (const s of servers) s.close(); process.exit(0); });

// Demo upstream APIs for `regate demo` (plain node:http, no build step): a small "cars" JSON API
// and an echo service. Each listens on 127.0.0.1 on an ephemeral port.
import http from 'node:http';

const cars = [
  { id: 1, make: 'Volvo', model: 'EX30', owner: 'u123' },
  { id: 2, make: 'Skoda', model: 'Enyaq', owner: 'u456' },
];

function json(res, status, body) {
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The cars API: GET /cars, GET /cars/:id; it reports the identity headers the gateway sent. */
export function carsHandler(req, res) {
  const url = new URL(req.url ?? '/', 'http://cars');
  const seen = { 'x-request-id': req.headers['x-request-id'], 'x-forwarded-for': req.headers['x-forwarded-for'], forwarded: req.headers['forwarded'] };
  if (url.pathname === '/cars' || url.pathname === '/cars/') return json(res, 200, { cars, gateway_headers: seen });
  const m = /^\/cars\/(\d+)$/.exec(url.pathname);
  const car = m ? cars.find((c) => c.id === Number(m[1])) : undefined;
  if (car) return json(res, 200, { car, gateway_headers: seen });
  json(res, 404, { error: 'no such car' });
}

/** Echo: answers with the method, path, headers and body it received. */
export function echoHandler(req, res) {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => json(res, 200, { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(parts).toString('utf8') }));
}

export async function startDemoUpstream(handler) {
  const server = http.createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: server.address().port };
}

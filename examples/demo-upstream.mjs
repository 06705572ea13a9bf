// Demo backend APIs for `regate demo` (plain node:http, no build step). They stand for APIs that
// were never built for OAuth: the car API trusts HTTP basic auth from the gateway and wants the
// user id in its path, the home API trusts an x-user-id header inside the network. Each answers
// with what it received from the gateway, so a newcomer sees the mapping the policy did.
import http from 'node:http';

function json(res, status, body) {
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function basicUser(req) {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
  if (!m) return null;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? null : { username: text.slice(0, i), password: text.slice(i + 1) };
}

/**
 * A demo API named `name`. With `basic`, it refuses calls without the gateway's basic-auth
 * credentials (401), like a backend that trusts only the gateway.
 */
export function createDemoApi(name, opts = {}) {
  return (req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      const user = basicUser(req);
      if (opts.basic && (!user || user.username !== opts.basic.username || user.password !== opts.basic.password)) {
        res.setHeader('www-authenticate', 'Basic realm="car"');
        return json(res, 401, { api: name, error: 'gateway credentials required' });
      }
      json(res, 200, {
        api: name,
        method: req.method,
        path: req.url,
        basic_auth_user: user?.username ?? null,
        'x-user-id': req.headers['x-user-id'] ?? null,
        'x-client-id': req.headers['x-client-id'] ?? null,
        'x-request-id': req.headers['x-request-id'] ?? null,
        authorization_seen: req.headers.authorization ? req.headers.authorization.split(' ')[0] : null,
        body: Buffer.concat(parts).toString('utf8'),
      });
    });
  };
}

export async function startDemoUpstream(handler) {
  const server = http.createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: server.address().port };
}

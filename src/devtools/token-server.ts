/**
 * A development OAuth 2.0 token server: oidc-provider (the certified OpenID provider for Node)
 * configured for what a resource gateway needs — the client_credentials grant, RFC 9068 JWT
 * access tokens (resource indicators with `accessTokenFormat: 'jwt'`), opaque tokens, RFC 7662
 * introspection and RFC 7009 revocation — listening on 127.0.0.1 only.
 *
 * Used by the tests (test/helpers/oidc-provider.ts), the demo stack (examples/token-server.ts)
 * and the benchmarks. It is a development tool: in-memory storage, fixed demo clients.
 *
 * The HTTP server stays the same across `rotateKeys()` (a new Provider with the new keys first
 * takes over the handler) and across `stop()`/`restart()` (same port, same storage), so a
 * gateway configured with its URLs keeps working and old tokens stay known.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

/** The slice of oidc-provider's API used here (it ships no type declarations). */
interface OidcProvider {
  proxy: boolean;
  callback(): (req: IncomingMessage, res: ServerResponse) => unknown;
}
interface OidcProviderModule {
  default: (new (issuer: string, config: unknown) => OidcProvider) & { errors: { InvalidTarget: new () => Error } };
}

// Loaded lazily: oidc-provider is a development dependency, and only the demo, the tests and the
// benchmarks start a token server. A non-literal specifier keeps the compiler from wanting types.
const OIDC_PROVIDER = 'oidc-provider';
async function loadProvider(): Promise<OidcProviderModule['default']> {
  return ((await import(OIDC_PROVIDER)) as OidcProviderModule).default;
}

export interface TokenServerOptions {
  /** default 0 (ephemeral) */
  port?: number;
  /** listen address (default 127.0.0.1; a container demo may need 0.0.0.0) */
  host?: string;
  /** public base URL, when clients reach the server under another name (default http://127.0.0.1:port) */
  issuer?: string;
  /** fixed client secrets (default: random per start), e.g. from the demo's environment */
  secrets?: { app?: string; gateway?: string; gatewayPost?: string };
  /** private JWKs (with `kid` and `alg`) to sign with; default: fresh RS256 and ES256 keys */
  keys?: JWK[];
  /** lifetime of access tokens in seconds (default 300) */
  accessTokenTtlS?: number;
  /** scopes the demo resource servers accept (default read write admin car:read car:write) */
  scopes?: string[];
}

export interface DemoClient {
  client_id: string;
  client_secret: string;
}

export interface IssueOptions {
  /** space-separated scopes to request (default: all configured scopes) */
  scope?: string;
  /** signing algorithm of a JWT access token (default RS256) */
  alg?: 'RS256' | 'ES256';
}

export interface TokenServer {
  readonly issuer: string;
  readonly port: number;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  readonly introspectionEndpoint: string;
  readonly revocationEndpoint: string;
  /** `aud` of the JWT and opaque access tokens */
  readonly audience: string;
  readonly clients: {
    /** the application that obtains tokens (client_credentials) */
    app: DemoClient;
    /** the gateway, authenticating with client_secret_basic */
    gateway: DemoClient;
    /** the gateway, authenticating with client_secret_post */
    gatewayPost: DemoClient;
    /** the gateway, authenticating with private_key_jwt */
    gatewayJwt: { client_id: string; private_key: JWK };
  };
  /** current private signing keys, newest first (persist them to keep tokens valid across runs) */
  readonly keys: readonly JWK[];
  /** requests served, by endpoint: lets tests see whether a cache or cooldown held */
  readonly requests: { jwks: number; introspection: number; token: number; revocation: number };
  /** an RFC 9068 JWT access token for `clients.app` via the client_credentials grant */
  issueJwt(opts?: IssueOptions): Promise<string>;
  /** an opaque access token (only introspection can tell what it means) */
  issueOpaque(opts?: Omit<IssueOptions, 'alg'>): Promise<string>;
  /** RFC 7009 revocation, as the client that owns the token */
  revoke(token: string): Promise<void>;
  /** signs arbitrary claims/header with the current key of `alg` — for building attack tokens */
  signJwt(claims: Record<string, unknown>, opts?: { alg?: 'RS256' | 'ES256'; header?: Record<string, unknown> }): Promise<string>;
  /** new RS256 + ES256 keys sign from now on; old keys stay published unless `dropOld` */
  rotateKeys(opts?: { dropOld?: boolean }): Promise<void>;
  /** stop listening and drop open connections (an outage) */
  stop(): Promise<void>;
  /** listen again on the same port with the same keys and storage */
  restart(): Promise<void>;
}

const RESOURCE = 'urn:regate:api';
const RESOURCE_ES = 'urn:regate:api:es256';
const RESOURCE_OPAQUE = 'urn:regate:api:opaque';
const DEFAULT_SCOPES = ['read', 'write', 'admin', 'car:read', 'car:write'];

/** oidc-provider's adapter contract, kept per server so restarts and rotations share tokens. */
function createMemoryAdapterClass() {
  const store = new Map<string, { payload: Record<string, unknown>; expiresAt: number }>();
  const get = (k: string) => {
    const e = store.get(k);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      store.delete(k);
      return undefined;
    }
    return e.payload;
  };
  return class MemoryAdapter {
    constructor(readonly model: string) {}
    private k(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
      // Bound the store: a dev server under a benchmark must not grow without limit.
      if (store.size > 50_000) store.delete(store.keys().next().value as string);
      store.set(this.k(id), { payload: { ...payload }, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
      if (typeof payload.grantId === 'string') {
        const gk = `grant-members:${payload.grantId}`;
        const members = (get(gk)?.members as string[] | undefined) ?? [];
        store.set(gk, { payload: { members: [...members, this.k(id)] }, expiresAt: Infinity });
      }
    }
    async find(id: string) {
      return get(this.k(id));
    }
    async findByUserCode(userCode: string) {
      for (const [, e] of store) if (e.payload.userCode === userCode) return e.payload;
      return undefined;
    }
    async findByUid(uid: string) {
      for (const [, e] of store) if (e.payload.uid === uid) return e.payload;
      return undefined;
    }
    async consume(id: string) {
      const p = get(this.k(id));
      if (p) p.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.k(id));
    }
    async revokeByGrantId(grantId: string) {
      const gk = `grant-members:${grantId}`;
      for (const k of (get(gk)?.members as string[] | undefined) ?? []) store.delete(k);
      store.delete(gk);
    }
  };
}

async function generateSigningKeys(): Promise<JWK[]> {
  const out: JWK[] = [];
  for (const alg of ['RS256', 'ES256'] as const) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    out.push({ ...(await exportJWK(privateKey)), alg, use: 'sig', kid: `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}` });
  }
  return out;
}

function secret(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Starts the token server on 127.0.0.1.
 *
 * @example
 * const ts = await startTokenServer();
 * const jwt = await ts.issueJwt({ scope: 'read' });
 * // gateway config: { jwt: { jwks_uri: ts.jwksUri, issuer: ts.issuer, audience: ts.audience } }
 * await ts.stop();
 */
export async function startTokenServer(opts: TokenServerOptions = {}): Promise<TokenServer> {
  const scopes = opts.scopes ?? DEFAULT_SCOPES;
  const ttl = opts.accessTokenTtlS ?? 300;
  let keys: JWK[] = opts.keys ? opts.keys.map((k) => ({ ...k })) : await generateSigningKeys();
  if (!keys.every((k) => typeof k.kid === 'string' && typeof k.alg === 'string' && typeof k.d === 'string')) {
    throw new TypeError('keys must be private JWKs with kid and alg');
  }
  const { privateKey: gwPrivate } = await generateKeyPair('ES256', { extractable: true });
  const gwPrivateJwk: JWK = { ...(await exportJWK(gwPrivate)), alg: 'ES256', kid: 'gateway-1' };
  const { d: _d, ...gwPublicJwk } = gwPrivateJwk;

  const clients = {
    app: { client_id: 'demo-app', client_secret: opts.secrets?.app ?? secret() },
    gateway: { client_id: 'regate', client_secret: opts.secrets?.gateway ?? secret() },
    gatewayPost: { client_id: 'regate-post', client_secret: opts.secrets?.gatewayPost ?? secret() },
    gatewayJwt: { client_id: 'regate-jwt', private_key: gwPrivateJwk },
  };
  const Adapter = createMemoryAdapterClass();
  const requests = { jwks: 0, introspection: 0, token: 0, revocation: 0 };
  const cookieKeys = [secret()];

  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server: Server = createServer((req, res) => {
    const p = req.url?.split('?')[0];
    if (p === '/jwks') requests.jwks++;
    else if (p === '/token/introspection') requests.introspection++;
    else if (p === '/token/revocation') requests.revocation++;
    else if (p === '/token') requests.token++;
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  server.keepAliveTimeout = 5000;
  const host = opts.host ?? '127.0.0.1';
  await listen(server, opts.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  const issuer = (opts.issuer ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  const Provider = await loadProvider();

  function buildProvider(): OidcProvider {
    const provider = new Provider(issuer, {
      adapter: Adapter as never,
      clients: [
        {
          client_id: clients.app.client_id,
          client_secret: clients.app.client_secret,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: 'client_secret_basic',
          scope: scopes.join(' '),
        },
        { client_id: clients.gateway.client_id, client_secret: clients.gateway.client_secret, grant_types: [], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic' },
        { client_id: clients.gatewayPost.client_id, client_secret: clients.gatewayPost.client_secret, grant_types: [], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_post' },
        { client_id: clients.gatewayJwt.client_id, grant_types: [], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', jwks: { keys: [gwPublicJwk] } },
      ] as never,
      jwks: { keys: keys as never },
      cookies: { keys: cookieKeys },
      scopes,
      routes: { jwks: '/jwks', token: '/token', introspection: '/token/introspection', revocation: '/token/revocation' },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: { enabled: true, allowedPolicy: async () => true },
        revocation: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) => client.clientId === token.clientId },
        resourceIndicators: {
          enabled: true,
          defaultResource: async () => RESOURCE_OPAQUE,
          useGrantedResource: async () => true,
          getResourceServerInfo: async (_ctx: unknown, resource: string) => {
            const base = { scope: scopes.join(' '), audience: RESOURCE, accessTokenTTL: ttl };
            if (resource === RESOURCE) return { ...base, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
            if (resource === RESOURCE_ES) return { ...base, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
            if (resource === RESOURCE_OPAQUE) return { ...base, accessTokenFormat: 'opaque' };
            throw new Provider.errors.InvalidTarget();
          },
        },
      },
      ttl: { ClientCredentials: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) => token.resourceServer?.accessTokenTTL ?? ttl },
      clientDefaults: { id_token_signed_response_alg: 'RS256' },
    } as never);
    // A dev server on plain http behind nothing: no proxy headers to trust.
    provider.proxy = false;
    return provider;
  }

  function install(provider: OidcProvider) {
    const cb = provider.callback();
    handler = (req, res) => void cb(req, res);
  }
  install(buildProvider());

  async function tokenRequest(resource: string, scope: string | undefined): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'client_credentials', resource, scope: scope ?? scopes.join(' ') });
    const post = () =>
      fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { authorization: basic(clients.app), 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    // fetch keeps the connection alive; when a caller waits longer than the server's keep-alive
    // timeout between two tokens, the server may close it just as fetch reuses it ("fetch
    // failed"). A token request is idempotent enough to send once more on a fresh connection.
    const res = await post().catch(() => post());
    const json = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
    if (res.status !== 200 || !json.access_token) throw new Error(`token endpoint: ${res.status} ${json.error ?? ''} ${json.error_description ?? ''}`);
    return json.access_token;
  }

  let listening = true;
  const ts: TokenServer = {
    issuer,
    port,
    jwksUri: `${issuer}/jwks`,
    tokenEndpoint: `${issuer}/token`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    revocationEndpoint: `${issuer}/token/revocation`,
    audience: RESOURCE,
    clients,
    get keys() {
      return keys;
    },
    requests,
    issueJwt: (o = {}) => tokenRequest(o.alg === 'ES256' ? RESOURCE_ES : RESOURCE, o.scope),
    issueOpaque: (o = {}) => tokenRequest(RESOURCE_OPAQUE, o.scope),
    async revoke(token) {
      const res = await fetch(ts.revocationEndpoint, {
        method: 'POST',
        headers: { authorization: basic(clients.app), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`revocation endpoint: ${res.status}`);
    },
    async signJwt(claims, o = {}) {
      const alg = o.alg ?? 'RS256';
      const jwk = keys.find((k) => k.alg === alg);
      if (!jwk) throw new TypeError(`no ${alg} key`);
      const key = await importJWK(jwk, alg);
      return new SignJWT(claims).setProtectedHeader({ alg, kid: jwk.kid, typ: 'at+jwt', ...o.header }).sign(key);
    },
    async rotateKeys(o = {}) {
      const fresh = await generateSigningKeys();
      keys = o.dropOld ? fresh : [...fresh, ...keys];
      install(buildProvider());
    },
    async stop() {
      if (!listening) return;
      listening = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
    async restart() {
      if (listening) return;
      await listen(server, port, host);
      listening = true;
    },
  };
  return ts;
}

function basic(c: DemoClient): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return 'Basic ' + Buffer.from(`${enc(c.client_id)}:${enc(c.client_secret)}`).toString('base64');
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * The `tokens` section of regate.yaml that points a gateway at this token server (JWT routes via
 * its JWKS, opaque tokens via introspection as `clients.gateway`).
 *
 * @example
 * const yaml = stringify({ tokens: tokensConfigFor(ts), routes: [...] });
 */
export function tokensConfigFor(ts: TokenServer): Record<string, unknown> {
  return {
    jwt: { jwks_uri: ts.jwksUri, issuer: ts.issuer, audience: ts.audience, algorithms: ['RS256', 'ES256'], typ: 'at+jwt' },
    introspection: {
      endpoint: ts.introspectionEndpoint,
      client_id: ts.clients.gateway.client_id,
      client_secret: ts.clients.gateway.client_secret,
      auth_method: 'client_secret_basic',
      issuer: ts.issuer,
      audience: ts.audience,
    },
  };
}

/**
 * What the TLS schema fragments (config/tls-schema.ts) cannot say, checked once at load with a
 * located message (`file:line: key: message`):
 *
 * - upstream URLs are `http://host[:port]` or `https://host[:port]` (a readable message instead
 *   of a regex), and a `tls` block belongs to an https URL;
 * - every certificate, key and CA file is readable, and each key matches its certificate (Node
 *   builds a secure context from them: a mismatch or a wrong passphrase is caught here, not as
 *   uWS's bare "App construction failed" later);
 * - a listener without client certificates (`client_auth: none`) runs on uWS's SSLApp, whose
 *   options (uSockets `create_ssl_context_from_options`) have no protocol version — the floor
 *   is fixed at TLS 1.2 — so `min_version: TLSv1.3` is refused there rather than silently
 *   weakened. A listener with `client_auth: optional|required` terminates TLS in Node
 *   (server/mtls-terminator.ts: uWS cannot expose or require the client certificate), which
 *   enforces both the floor and the requirement, so both are accepted there (README "TLS").
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { ProblemList, Segment } from './problems.js';

const UPSTREAM_URL = /^(https?):\/\/([^/?#@\s]+)\/?$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A path from the config, relative to the config file's directory. */
export function resolveConfigPath(dir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(dir, p);
}

/**
 * @example checkTls(rawConfig, '/etc/regate', problems) // adds "listen.tls.key_file: cannot read ./k.pem (ENOENT)"
 */
export function checkTls(cfg: Record<string, unknown>, dir: string, problems: ProblemList): void {
  const fail = (msg: string, path: Segment[]) => {
    if (!problems.covers(path)) problems.add(msg, path);
  };
  const read = (p: unknown, path: Segment[]): Buffer | undefined => {
    if (typeof p !== 'string') return undefined;
    try {
      return readFileSync(resolveConfigPath(dir, p));
    } catch (err) {
      fail(`cannot read ${p} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, path);
      return undefined;
    }
  };
  /** cert + key (+ passphrase) make a secure context, or the problem is reported at `at` */
  const pair = (block: Record<string, unknown>, base: Segment[], certKey = 'cert_file', keyKey = 'key_file', passphrase?: unknown) => {
    const cert = read(block[certKey], [...base, certKey]);
    const key = read(block[keyKey], [...base, keyKey]);
    if (cert === undefined || key === undefined) return;
    try {
      createSecureContext({ cert, key, ...(typeof passphrase === 'string' ? { passphrase } : {}) });
    } catch (err) {
      fail(`${String(block[certKey])} and ${String(block[keyKey])} do not make a certificate and its key (${(err as Error).message})`, [...base, keyKey]);
    }
  };
  const caFile = (block: Record<string, unknown>, base: Segment[]) => {
    const ca = read(block.ca_file, [...base, 'ca_file']);
    if (ca === undefined) return;
    try {
      createSecureContext({ ca });
    } catch (err) {
      fail(`${String(block.ca_file)} holds no usable PEM CA certificate (${(err as Error).message})`, [...base, 'ca_file']);
    }
  };

  const listen = isObject(cfg.listen) ? cfg.listen : undefined;
  const ltls = listen && isObject(listen.tls) ? listen.tls : undefined;
  if (ltls) {
    const base: Segment[] = ['listen', 'tls'];
    pair(ltls, base, 'cert_file', 'key_file', ltls.passphrase);
    if (isObject(ltls.sni)) for (const [name, entry] of Object.entries(ltls.sni)) if (isObject(entry)) pair(entry, [...base, 'sni', name], 'cert_file', 'key_file', ltls.passphrase);
    caFile(ltls, base);
    const mutual = ltls.client_auth === 'optional' || ltls.client_auth === 'required';
    if (ltls.min_version === 'TLSv1.3' && !mutual) {
      fail('uWS cannot raise the listener\'s TLS floor above TLSv1.2 (its SSL options carry no protocol version); use TLSv1.2 (TLS 1.3 clients still get TLS 1.3), or set client_auth (such a listener terminates TLS in Node, which enforces TLSv1.3)', [...base, 'min_version']);
    }
    const plain = isObject(ltls.plain) ? ltls.plain : undefined;
    if (plain !== undefined && plain.port === 0 && listen?.workers !== undefined && listen.workers !== 1) {
      fail('port 0 (any free port) works with one worker only: each worker would bind its own', [...base, 'plain', 'port']);
    } else if (plain !== undefined && typeof plain.port === 'number' && plain.port !== 0 && plain.port === listen?.port) {
      fail('must differ from listen.port', [...base, 'plain', 'port']);
    }
    if (mutual && ltls.ca_file === undefined) {
      fail(`client_auth: ${String(ltls.client_auth)} needs ca_file (the CAs client certificates must chain to)`, [...base, 'client_auth']);
    } else if (!mutual && ltls.ca_file !== undefined) {
      fail('ca_file verifies client certificates: set client_auth: optional or required, or remove it (intermediates of the server certificate belong in cert_file)', [...base, 'ca_file']);
    }
  }

  const upstreams = isObject(cfg.upstreams) ? cfg.upstreams : {};
  for (const [name, u] of Object.entries(upstreams)) {
    if (!isObject(u) || typeof u.url !== 'string') continue;
    const m = UPSTREAM_URL.exec(u.url);
    if (!m) {
      fail('must be http://host[:port] or https://host[:port] (no path, query or credentials: a route\'s path is appended as it is)', ['upstreams', name, 'url']);
      continue;
    }
    if (isObject(u.tls)) {
      if (m[1] !== 'https') fail(`tls settings need an https:// url (this one is ${m[1]}://)`, ['upstreams', name, 'tls']);
      else checkClientTls(u.tls, ['upstreams', name, 'tls']);
    }
  }
  const tokens = isObject(cfg.tokens) ? cfg.tokens : {};
  for (const [kind, urlKey] of [['jwt', 'jwks_uri'], ['introspection', 'endpoint']] as const) {
    const t = tokens[kind];
    if (!isObject(t) || !isObject(t.tls)) continue;
    if (typeof t[urlKey] === 'string' && !(t[urlKey] as string).startsWith('https://')) fail(`tls settings need an https:// ${urlKey}`, ['tokens', kind, 'tls']);
    else checkClientTls(t.tls, ['tokens', kind, 'tls']);
  }

  for (const [name, c] of Object.entries(isObject(cfg.credentials) ? cfg.credentials : {})) {
    if (isObject(c) && c.type === 'oauth2_client_credentials' && isObject(c.tls)) checkClientTls(c.tls, ['credentials', name, 'tls']);
  }

  const dl = isObject(cfg.decision_logs) && isObject(cfg.decision_logs.service) ? cfg.decision_logs.service : undefined;
  if (dl && isObject(dl.tls)) {
    if (typeof dl.url === 'string' && !dl.url.startsWith('https://')) fail('tls settings need an https:// url', ['decision_logs', 'service', 'tls']);
    else checkClientTls(dl.tls, ['decision_logs', 'service', 'tls']);
  }

  function checkClientTls(block: Record<string, unknown>, base: Segment[]): void {
    caFile(block, base);
    if (block.cert_file !== undefined && block.key_file !== undefined) pair(block, base, 'cert_file', 'key_file', block.passphrase);
  }
}

/**
 * Rewrites every TLS file path of a checked config to an absolute one (relative paths mean
 * "next to the config file"), so the clients that read them need not know where the config was.
 * @example absolutiseTlsPaths(raw, '/etc/regate') // listen.tls.cert_file './a.pem' → '/etc/regate/a.pem'
 */
export function absolutiseTlsPaths(cfg: Record<string, unknown>, dir: string): void {
  const fix = (block: unknown) => {
    if (!isObject(block)) return;
    for (const k of ['cert_file', 'key_file', 'ca_file']) if (typeof block[k] === 'string') block[k] = resolveConfigPath(dir, block[k] as string);
  };
  const listen = isObject(cfg.listen) ? cfg.listen : undefined;
  if (listen && isObject(listen.tls)) {
    fix(listen.tls);
    if (isObject(listen.tls.sni)) for (const e of Object.values(listen.tls.sni)) fix(e);
  }
  for (const u of Object.values(isObject(cfg.upstreams) ? cfg.upstreams : {})) if (isObject(u)) fix(u.tls);
  const tokens = isObject(cfg.tokens) ? cfg.tokens : {};
  for (const kind of ['jwt', 'introspection']) if (isObject(tokens[kind])) fix((tokens[kind] as Record<string, unknown>).tls);
  for (const c of Object.values(isObject(cfg.credentials) ? cfg.credentials : {})) if (isObject(c)) fix(c.tls);
  const dl = isObject(cfg.decision_logs) && isObject(cfg.decision_logs.service) ? cfg.decision_logs.service : undefined;
  if (dl) {
    fix(dl.tls);
    // the bearer token file, like the TLS files, is next to the config file when relative
    const bearer = isObject(dl.credentials) && isObject(dl.credentials.bearer) ? dl.credentials.bearer : undefined;
    if (bearer && typeof bearer.token_path === 'string') bearer.token_path = resolveConfigPath(dir, bearer.token_path);
  }
}

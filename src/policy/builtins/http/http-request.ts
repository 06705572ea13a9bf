/**
 * The request half of http.send: turns the Rego request object into a TransportSpec the way
 * OPA's createHTTPRequest (topdown/http.go) reads it — keys in sorted order, the first bad one
 * wins, with OPA's error texts — and defines the failure type the builtin turns into either an
 * evaluation error or (raise_error: false) a response carrying `error`.
 *
 * @example
 *   buildTransportSpec({ method: 'get', url: 'http://127.0.0.1:8080/x', timeout: '2s' });
 *   // { method: 'GET', url: 'http://127.0.0.1:8080/x', timeoutMs: 2000, headers: [...], ... }
 */
import { X509Certificate } from 'node:crypto';
import { createSecureContext, rootCertificates } from 'node:tls';
import { readFileSync } from 'node:fs';
import { RNumber, RSet, compare, formatNumber, formatValue, objectEntries, objectGet, typeName, type PlainObject, type RObject, type Value } from '../../value/index.js';
import { marshalGo } from '../shared/go-json.js';
import { parseGoDuration } from '../shared/go-duration.js';
import { pemBlocks } from '../shared/der.js';
import type { TransportSpec, TransportTls } from './http-transport.js';

/**
 * A failed http.send. `kind` is what OPA reports under raise_error: false (`network`: a Go
 * *url.Error, eval_http_send_network_error; `internal`: anything else). `wrapped` is set when
 * OPA had already turned the error into a topdown error (its text then carries the code).
 */
export class HttpSendFailure extends Error {
  constructor(
    message: string,
    readonly kind: 'network' | 'internal',
    readonly wrapped?: 'eval_type_error' | 'eval_builtin_error',
    readonly timeout?: { op: string; url: string },
  ) {
    super(message);
    this.name = 'HttpSendFailure';
  }
}

/** A failure OPA wraps with handleBuiltinErr (an eval_builtin_error "http.send: …"). */
export function builtinFailure(message: string): HttpSendFailure {
  return new HttpSendFailure(message, 'internal', 'eval_builtin_error');
}

/** A failure OPA raises as builtins.NewOperandErr (eval_type_error "http.send: operand 1 …"). */
export function operandFailure(message: string): HttpSendFailure {
  return new HttpSendFailure(`operand 1 ${message}`, 'internal', 'eval_type_error');
}

export type RequestObject = PlainObject | RObject;

/** OPA's default, overridable with OPA's HTTP_SEND_TIMEOUT environment variable (read once, as OPA does). */
const DEFAULT_TIMEOUT_MS = readDefaultTimeoutMs();

function readDefaultTimeoutMs(): number {
  const env = process.env.HTTP_SEND_TIMEOUT;
  if (env) {
    try {
      return Number(parseGoDuration(env) / 1_000_000n);
    } catch {
      // OPA panics at start-up on a bad value; a library should not: keep the default.
    }
  }
  return 5000;
}

const STRING_KEYS = new Set([
  'method',
  'url',
  'raw_body',
  'tls_ca_cert',
  'tls_ca_cert_file',
  'tls_ca_cert_env_variable',
  'tls_client_cert',
  'tls_client_cert_file',
  'tls_client_cert_env_variable',
  'tls_client_key',
  'tls_client_key_file',
  'tls_client_key_env_variable',
  'tls_server_name',
]);

/** The text ast.Term.String() gives a value, which OPA feeds to strconv. */
export function termText(v: Value): string {
  return typeof v === 'number' ? formatNumber(v) : formatValue(v);
}

/** Go's strconv.ParseBool. */
export function parseGoBool(s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw builtinFailure(`strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
}

/** Go's http.CanonicalHeaderKey: "content-type" → "Content-Type"; names with odd bytes unchanged. */
export function canonicalHeaderKey(k: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(k)) return k;
  return k.toLowerCase().replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}

/** OPA's parseTimeout: numbers and digit strings are nanoseconds, else a Go duration. */
function parseTimeoutMs(v: Value): number {
  // A number kept as its text (`5.0`, `1e9`) is a number whose text is no int64, which is how
  // OPA reads it (ast.Number.Int64 parses the text): a builtin error, not an operand type error.
  if (v instanceof RNumber) throw builtinFailure(`invalid timeout number value ${v.text}, must be int64`);
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (typeof v === 'number' && !Number.isInteger(v)) throw builtinFailure(`invalid timeout number value ${termText(v)}, must be int64`);
    return Number(BigInt(v) / 1_000_000n);
  }
  if (typeof v === 'string') {
    if (/^[+-]?\d+$/.test(v)) return Number(BigInt(v) / 1_000_000n);
    try {
      return Number(parseGoDuration(v) / 1_000_000n);
    } catch (e) {
      throw builtinFailure(`invalid timeout value ${formatValue(v)}: ${(e as Error).message}`);
    }
  }
  throw operandFailure(`'timeout' must be one of {string, number} but got ${typeName(v)}`);
}

function readPemFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw builtinFailure(`open ${path}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
}

/** Certificates of a PEM bundle; like Go's AppendCertsFromPEM, a bundle without one is an error. */
function caCerts(pem: string, from: string): string[] {
  // Go's AppendCertsFromPEM: CERTIFICATE blocks without headers, unparsable ones skipped.
  const good: string[] = [];
  for (const b of pemBlocks(pem)) {
    if (b.type !== 'CERTIFICATE' || b.headers !== 0) continue;
    try {
      good.push(new X509Certificate(b.der).toString());
    } catch {
      // skipped, as Go does
    }
  }
  if (good.length === 0) throw builtinFailure(`could not append CA certificates from ${from}`);
  return good;
}

function keyPair(cert: string, key: string): void {
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    const msg = (e as Error).message;
    throw builtinFailure(/mismatch/i.test(msg) ? 'tls: private key does not match public key' : `tls: failed to find any PEM data in certificate or key input (${msg})`);
  }
}

/** Go's `%q` of a decoded JSON value (how OPA reports a bad header value). */
function goQuoteAny(v: Value): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'bigint' || v instanceof RNumber) return JSON.stringify(termText(v));
  if (typeof v === 'boolean') return `%!q(bool=${v})`;
  if (v === null) return '%!q(<nil>)';
  return `%!q(${termText(v)})`;
}

function fail(kind: 'network', message: string, method: string, url: string): HttpSendFailure {
  const op = method.charAt(0) + method.slice(1).toLowerCase();
  return new HttpSendFailure(`${op} ${JSON.stringify(url)}: ${message}`, kind);
}

/** Limits an embedding application puts on http.send (see createHttpSendBuiltin). */
export interface HttpSendLimits {
  /** OPA's capabilities `allow_net`: the only hosts (no port) requests and redirects may reach. */
  readonly allowNet?: readonly string[];
  /** Upper bound for `timeout`; also replaces "no timeout" (0). */
  readonly maxTimeoutMs?: number;
}

/** OPA's verifyURLHost: the host without its port must be in allow_net (when one is given). */
export function verifyUrlHost(url: string, limits: HttpSendLimits): void {
  if (!limits.allowNet) return;
  let host: string;
  try {
    host = new URL(url).host.split(':')[0] ?? '';
  } catch {
    host = '';
  }
  if (!limits.allowNet.includes(host)) throw builtinFailure(`unallowed host: ${host}`);
}

/**
 * Reads the request object into a TransportSpec. Throws HttpSendFailure with OPA's texts.
 * `maxRetries` is read separately (OPA reads it when executing, see readMaxRetries).
 */
export function buildTransportSpec(req: RequestObject, limits: HttpSendLimits = {}): Omit<TransportSpec, 'maxRetries'> {
  let url = '';
  let method = '';
  let body: string | undefined;
  let rawBody: string | undefined;
  let enableRedirect = false;
  let insecure = false;
  let useSystemCerts: boolean | undefined;
  let caPem: string | undefined;
  let caFile = '';
  let caEnv = '';
  let clientCert = '';
  let clientKey = '';
  let clientCertFile = '';
  let clientKeyFile = '';
  let clientCertEnv = '';
  let clientKeyEnv = '';
  let serverName = '';
  let custom: Map<string, Value> | undefined;
  let timeoutMs = DEFAULT_TIMEOUT_MS;

  // OPA walks obj.Keys(), which are sorted: the first offending key in that order is reported.
  const entries = [...objectEntries(req)].sort(([a], [b]) => compare(a, b));
  for (const [k, v] of entries) {
    if (typeof k !== 'string') throw builtinFailure(`invalid parameter ${JSON.stringify(termText(k))}`);
    const s = typeof v === 'string' ? v : '';
    if (typeof v !== 'string' && STRING_KEYS.has(k)) throw builtinFailure(`${JSON.stringify(k)} must be a string`);
    switch (k) {
      case 'method':
        method = s.toUpperCase();
        break;
      case 'url':
        verifyUrlHost(s, limits);
        url = s;
        break;
      case 'enable_redirect':
        enableRedirect = parseGoBool(termText(v));
        break;
      case 'body':
        body = marshalBody(v);
        break;
      case 'raw_body':
        rawBody = s;
        break;
      case 'tls_use_system_certs':
        useSystemCerts = parseGoBool(termText(v));
        break;
      case 'tls_ca_cert':
        caPem = s;
        break;
      case 'tls_ca_cert_file':
        caFile = s;
        break;
      case 'tls_ca_cert_env_variable':
        caEnv = s;
        break;
      case 'tls_client_cert':
        clientCert = s;
        break;
      case 'tls_client_cert_file':
        clientCertFile = s;
        break;
      case 'tls_client_cert_env_variable':
        clientCertEnv = s;
        break;
      case 'tls_client_key':
        clientKey = s;
        break;
      case 'tls_client_key_file':
        clientKeyFile = s;
        break;
      case 'tls_client_key_env_variable':
        clientKeyEnv = s;
        break;
      case 'tls_server_name':
        serverName = s;
        break;
      case 'headers': {
        if (typeof v !== 'object' || v === null || Array.isArray(v) || !objectEntries(v as RequestObject).every(([hk]) => typeof hk === 'string')) {
          throw builtinFailure('invalid type for headers key');
        }
        // Canonical names; like Go's map, a later spelling of the same header replaces an earlier one.
        custom = new Map();
        for (const [hk, hv] of objectEntries(v as RequestObject)) custom.set(canonicalHeaderKey(hk as string), hv);
        break;
      }
      case 'tls_insecure_skip_verify':
        insecure = parseGoBool(termText(v));
        break;
      case 'timeout':
        timeoutMs = parseTimeoutMs(v);
        break;
      case 'cache':
      case 'caching_mode':
      case 'force_cache':
      case 'force_cache_duration_seconds':
      case 'force_json_decode':
      case 'force_yaml_decode':
      case 'raise_error':
      case 'max_retry_attempts':
      case 'cache_ignored_headers':
        break;
      default:
        throw builtinFailure(`invalid parameter ${JSON.stringify(k)}`);
    }
  }

  let isTls = insecure;
  const tls: TransportTls = { rejectUnauthorized: !insecure };
  const addPair = (cert: string, key: string): void => {
    keyPair(cert, key);
    (tls.cert ??= []).push(cert);
    (tls.key ??= []).push(key);
    isTls = true;
  };
  if (clientCert !== '' && clientKey !== '') addPair(clientCert, clientKey);
  if (clientCertFile !== '' && clientKeyFile !== '') addPair(readPemFile(clientCertFile), readPemFile(clientKeyFile));
  if (clientCertEnv !== '' && clientKeyEnv !== '') {
    try {
      addPair(process.env[clientCertEnv] ?? '', process.env[clientKeyEnv] ?? '');
    } catch (e) {
      throw builtinFailure(`cannot extract public/private key pair from envvars ${JSON.stringify(clientCertEnv)}, ${JSON.stringify(clientKeyEnv)}: ${(e as Error).message}`);
    }
  }
  // Go: with no CA option the system pool is used; a CA option alone replaces it, and
  // tls_use_system_certs: true adds the custom CAs to it. Node's bundled roots stand in for
  // the system pool.
  const wantSystem = useSystemCerts ?? (caPem === undefined && caFile === '' && caEnv === '');
  const ca: string[] = [];
  if (caPem !== undefined && caPem !== '') ca.push(...caCerts(caPem.replaceAll('\\n', '\n'), 'tls_ca_cert'));
  if (caFile !== '') ca.push(...caCerts(readPemFile(caFile), caFile));
  if (caEnv !== '') {
    const pem = process.env[caEnv];
    if (!pem) throw builtinFailure(`no CA certificates found in environment variable ${JSON.stringify(caEnv)}`);
    ca.push(...caCerts(pem, caEnv));
  }
  if (ca.length > 0) {
    tls.ca = wantSystem ? [...rootCertificates, ...ca] : ca;
    isTls = true;
  }
  const host = custom?.get('Host');
  if (typeof host === 'string') {
    tls.servername = host;
    isTls = true;
  }
  if (serverName !== '') {
    tls.servername = serverName;
    isTls = true;
  }

  if (method === '') method = 'GET'; // Go's http.NewRequest
  else if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(method)) throw builtinFailure(`net/http: invalid method ${JSON.stringify(method)}`);

  if (limits.maxTimeoutMs !== undefined && (timeoutMs <= 0 || timeoutMs > limits.maxTimeoutMs)) timeoutMs = limits.maxTimeoutMs;
  const spec: Omit<TransportSpec, 'maxRetries'> = { method, url, headers: [], timeoutMs: Math.max(0, timeoutMs), followRedirects: enableRedirect };
  if (limits.allowNet) spec.allowNet = [...limits.allowNet];
  const payload = rawBody ?? body;
  if (payload !== undefined && payload !== '') spec.body = payload;
  if (isTls) spec.tls = tls;

  // URL: Go parses leniently and lets the client reject what it cannot dial (a *url.Error).
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase() ?? '';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    if (scheme === '') throw fail('network', 'unsupported protocol scheme ""', method, url);
    throw builtinFailure(`parse ${JSON.stringify(url)}: invalid URL`);
  }
  if (scheme === 'unix' && parsed.searchParams.has('socket')) {
    // OPA's useSocket: dial the socket, speak plain HTTP, drop `socket` from the query.
    spec.socketPath = parsed.searchParams.get('socket') ?? '';
    parsed.searchParams.delete('socket');
    spec.url = `http://${parsed.host}${parsed.pathname}${parsed.search}`;
  } else if (scheme !== 'http' && scheme !== 'https') {
    throw fail('network', `unsupported protocol scheme ${JSON.stringify(scheme)}`, method, url);
  } else if (parsed.hostname === '') {
    throw fail('network', 'http: no Host in request URL', method, url);
  }

  if (custom && custom.size > 0) {
    for (const [k, v] of custom) {
      if (typeof v !== 'string') throw builtinFailure(`invalid type for headers value ${goQuoteAny(v)}`);
      spec.headers.push([k, v]);
    }
  }
  // OPA sends its own User-Agent unless the policy set one (Go's default otherwise).
  if (!custom?.has('User-Agent')) spec.headers.push(['User-Agent', 'regate (http.send)']);
  return spec;
}

function marshalBody(v: Value): string {
  // ast.JSON refuses objects with non-string keys; json.Marshal then writes Go's JSON.
  const check = (x: Value): void => {
    if (typeof x !== 'object' || x === null || x instanceof RNumber) return;
    if (Array.isArray(x)) return x.forEach(check);
    if (x instanceof RSet) return x.values().forEach(check);
    for (const [k, e] of objectEntries(x)) {
      if (typeof k !== 'string') throw builtinFailure('object value has non-string key');
      check(e);
    }
  };
  check(v);
  return marshalGo(v);
}

/** OPA's getNumberValFromReqObj for max_retry_attempts (read when the request executes). */
export function readMaxRetries(req: RequestObject): number {
  const v = objectGet(req, 'max_retry_attempts');
  if (v === undefined) return 0;
  // an RNumber (`1.0`) is no int to OPA's ast.Number.Int (it parses the text): refused below with its text
  if ((typeof v === 'number' && Number.isInteger(v) && v >= 0) || (typeof v === 'bigint' && v >= 0n)) {
    // Bounded: more than a thousand attempts is a mistake, not a policy.
    return Math.min(Number(v), 1000);
  }
  throw new HttpSendFailure(`invalid value ${termText(v)} for field "max_retry_attempts"`, 'internal');
}

/**
 * providers.aws.sign_req: AWS Signature Version 4 over an http.send-style request object
 * (OPA topdown/providers.go + internal/providers/aws/signing_v4.go). Returns the request with
 * `headers` replaced by the original headers plus Authorization, host, x-amz-date,
 * x-amz-content-sha256 (s3/glacier) and x-amz-security-token (session credentials).
 *
 * Refs: https://docs.aws.amazon.com/general/latest/gr/sigv4_signing.html
 */
import { createHash, createHmac } from 'node:crypto';
import { BuiltinTypeError } from '../../errors.js';
import { isObject, objectEntries, objectGet, formatValue, ObjectBuilder, RNumber, RSet, typeName, type PlainObject, type RObject, type Value } from '../../value/index.js';
import type { BuiltinDef } from '../registry.js';
import { marshalGo } from '../shared/go-json.js';
import { HTTP_SEND_REQUEST_KEYS } from '../shared/http-request-keys.js';

const NAME = 'providers.aws.sign_req';
const REQUIRED_CONFIG = ['aws_access_key', 'aws_region', 'aws_secret_access_key', 'aws_service'];
// sign_req validates its request operand against http.send's accepted keys.
const ALLOWED_REQUEST_KEYS = HTTP_SEND_REQUEST_KEYS;
// Headers a proxy may rewrite are never signed (aws-sdk-go v4 ignoredHeaders).
const IGNORED = new Set(['authorization', 'user-agent', 'x-amzn-trace-id']);

type Obj = PlainObject | RObject;

const fail = (msg: string): never => {
  throw new BuiltinTypeError(NAME, msg);
};
const setText = (names: string[]) => formatValue(RSet.of(names));
const hex = (b: Buffer) => b.toString('hex');
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest();
const hmac = (key: Buffer | string, msg: string) => createHmac('sha256', key).update(msg).digest();
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** scheme://host/path?query split the way Go's url.Parse exposes Host, EscapedPath and RawQuery. */
function splitUrl(u: string): { host: string; path: string; query: string } {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/.exec(u);
  if (!m) {
    const q = u.indexOf('?');
    return { host: '', path: q < 0 ? u : u.slice(0, q), query: q < 0 ? '' : u.slice(q + 1) };
  }
  const host = (m[1] as string).replace(/^[^@]*@/, '');
  return { host, path: escapePath(m[2] as string), query: m[3] ?? '' };
}

/** Go's EscapedPath: keep the given form when it is a valid escaping, else escape it. */
function escapePath(p: string): string {
  if (/^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/.test(p)) return p;
  return p.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/g, (c) => [...Buffer.from(c)].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''));
}

function requestChecks(req: Obj): void {
  const keys = objectEntries(req).map(([k]) => k);
  const invalid = keys.filter((k) => typeof k !== 'string' || !ALLOWED_REQUEST_KEYS.has(k));
  if (invalid.length) fail(`operand 1 invalid request parameters(s): ${formatValue(RSet.of(invalid))}`);
  const missing = ['method', 'url'].filter((k) => objectGet(req, k) === undefined);
  if (missing.length) fail(`operand 1 missing required request parameters(s): ${setText(missing)}`);
}

function signReq(reqV: Value, cfgV: Value, tsV: Value): Value {
  if (!isObject(reqV)) return fail(`operand 1 must be object but got ${typeName(reqV)}`);
  if (!isObject(cfgV)) return fail(`operand 1 must be object but got ${typeName(cfgV)}`);
  const cfg = cfgV;
  const missing = REQUIRED_CONFIG.filter((k) => objectGet(cfg, k) === undefined);
  if (missing.length) fail(`operand 2 missing required AWS config parameters(s): ${setText(missing)}`);
  const invalid = REQUIRED_CONFIG.filter((k) => typeof objectGet(cfg, k) !== 'string');
  if (invalid.length) fail(`operand 2 invalid values for required AWS config parameters(s): ${setText(invalid)}`);
  const get = (k: string) => {
    const v = objectGet(cfg, k);
    return typeof v === 'string' ? v : '';
  };
  const service = get('aws_service');
  // A number written as a float (`-1e9`, `1.0`) is no int64 to OPA's json.Number.Int64.
  if (tsV instanceof RNumber) fail('operand 3 could not convert time_ns value into a unix timestamp');
  if (typeof tsV !== 'number' && typeof tsV !== 'bigint') return fail(`operand 1 must be number but got ${typeName(tsV)}`);
  // OPA needs an exact int64 (json.Number.Int64).
  if (typeof tsV === 'number' && !Number.isSafeInteger(tsV)) fail('operand 3 could not convert time_ns value into a unix timestamp');
  const ns = BigInt(tsV);
  if (ns < -(2n ** 63n) || ns >= 2n ** 63n) fail('operand 3 could not convert time_ns value into a unix timestamp');
  requestChecks(reqV);
  const req = reqV;
  const headersV = objectGet(req, 'headers');
  let headers: Obj = {};
  if (headersV !== undefined) {
    if (!isObject(headersV)) return fail(`operand 0 must be object but got ${typeName(headersV)}`);
    headers = headersV;
  }
  const urlV = objectGet(req, 'url');
  const methodV = objectGet(req, 'method');
  const bad = [typeof urlV !== 'string' ? 'url' : '', typeof methodV !== 'string' ? 'method' : ''].filter((x) => x !== '');
  if (bad.length) fail(`operand 1 invalid values for required request parameters(s): ${setText(bad)}`);
  const url = splitUrl(urlV as string);
  const method = methodV as string;
  const rawBody = objectGet(req, 'raw_body');
  const body = objectGet(req, 'body');
  const bodyBytes = rawBody !== undefined ? Buffer.from(typeof rawBody === 'string' ? rawBody : '') : body !== undefined ? Buffer.from(marshalGo(body)) : Buffer.alloc(0);
  const disableV = objectGet(cfg, 'disable_payload_signing');
  if (disableV !== undefined && typeof disableV !== 'boolean') fail("operand 2 invalid value for 'disable_payload_signing' in AWS config");
  const disablePayloadSigning = disableV === true;

  // Request headers as strings (OPA's objectToMap: non-string keys/values become "").
  const reqHeaders = new Map<string, string>();
  for (const [k, v] of objectEntries(headers)) reqHeaders.set(typeof k === 'string' ? k : '', typeof v === 'string' ? v : '');

  const secs = Number(ns >= 0n ? ns / 1_000_000_000n : -((-ns + 999_999_999n) / 1_000_000_000n));
  const d = new Date(secs * 1000);
  const dateNow = `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
  const isoNow = `${dateNow}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  const payloadHash = disablePayloadSigning ? 'UNSIGNED-PAYLOAD' : hex(sha256(bodyBytes));

  const awsHeaders = new Map<string, string>([
    ['host', url.host],
    ['x-amz-date', isoNow],
  ]);
  if (service === 's3' || service === 'glacier') awsHeaders.set('x-amz-content-sha256', payloadHash);
  const token = get('aws_session_token');
  if (token !== '') awsHeaders.set('x-amz-security-token', token);

  const toSign = new Map(awsHeaders);
  for (const [k, v] of reqHeaders) {
    const lk = k.toLowerCase();
    if (!IGNORED.has(lk)) toSign.set(lk, v);
  }
  // As in OPA, a caller-supplied header of the same (lower-cased) name is what gets signed,
  // while the returned headers carry the computed AWS values.
  const keys = [...toSign.keys()].sort();
  const headerList = keys.join(';');
  const canonical = [method, url.path, url.query, ...keys.map((k) => `${k}:${toSign.get(k) as string}`), '', headerList, payloadHash].join('\n');
  const region = get('aws_region');
  const scope = `${dateNow}/${region}/${service}/aws4_request`;
  const strToSign = `AWS4-HMAC-SHA256\n${isoNow}\n${scope}\n${hex(sha256(canonical))}`;
  let key = hmac('AWS4' + get('aws_secret_access_key'), dateNow);
  key = hmac(key, region);
  key = hmac(key, service);
  key = hmac(key, 'aws4_request');
  const signature = hex(hmac(key, strToSign));
  const auth = `AWS4-HMAC-SHA256 Credential=${get('aws_access_key')}/${scope},SignedHeaders=${headerList},Signature=${signature}`;

  const hb = new ObjectBuilder();
  for (const [k, v] of reqHeaders) hb.set(k, v);
  hb.set('Authorization', auth);
  for (const [k, v] of awsHeaders) hb.set(k, v);
  const out = new ObjectBuilder();
  for (const [k, v] of objectEntries(req)) out.set(k, v);
  out.set('headers', hb.build());
  return out.build();
}

export const awsBuiltins: BuiltinDef[] = [{ name: NAME, arity: 3, impl: ([r, c, t]) => signReq(r as Value, c as Value, t as Value) }];

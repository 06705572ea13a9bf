/**
 * The payload stage (issue #18, README "Payload encryption"): JWE request and answer bodies
 * between an app's SDK and the gateway, on top of TLS.
 *
 * Built once from `payload_encryption` and the routes that use it. Per request on such a route
 * the server wraps its exchange (`wrap`, exchange.ts); the stage then, after authenticate and
 * before authorize (pipeline/compose.ts):
 * - lets a plaintext body through on `optional`, refuses it on `required` (415);
 * - reads the JWE whole (up to `max_request_bytes`), opens it (open-request.ts), and replaces the
 *   body the upstream gets with the plaintext and its `Content-Type` with `cty`;
 * - notes the key in `ctx.encryption` (policy input, audit event) and, when the client named an
 *   answer key or a session, has the answer sealed; a new session is issued when asked for.
 * The plaintext is never logged: refusals log the check that failed, not the body.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { GatewayError } from '../errors.js';
import type { PayloadEncryptionConfig, RouteConfig } from '../config/types.js';
import type { RequestContext, Stage } from '../pipeline/context.js';
import type { ClientExchange } from '../pipeline/exchange.js';
import type { RedisClient } from '../shared/redis-connection.js';
import { loadPayloadKeys, type PayloadKeySet } from './keys.js';
import { createReplayGuard } from './replay.js';
import { createSessionStore } from './sessions.js';
import { createRequestOpener, type OpenedRequest } from './open-request.js';
import { PayloadExchange, type AnswerRules } from './exchange.js';
import { sealSessionGrant } from './session-grant.js';
import { createPayloadMetrics } from './metrics.js';

export { PayloadKeyError } from './keys.js';

export interface PayloadStage extends Stage {
  readonly name: 'payload';
  /** the JWKS path on the data listener and its body */
  readonly jwksPath: string;
  readonly jwksJson: string;
  readonly jwksMaxAgeS: number;
  /** the exchange the pipeline should use for this request (the same one on routes without encryption) */
  wrap(ctx: RequestContext, ex: ClientExchange): ClientExchange;
  close(): Promise<void>;
}

export interface PayloadStageOptions {
  config: PayloadEncryptionConfig;
  routes: readonly RouteConfig[];
  /** directory relative key files resolve from */
  baseDir: string;
  /** Redis for the jti set and sessions (null: local only) */
  redis: RedisClient | null;
  redisPrefix: string;
  logger: Logger;
  /** where the payload metrics go (metrics.ts) */
  registry: Registry;
  env?: NodeJS.ProcessEnv;
}

const byCtx = new WeakMap<RequestContext, PayloadExchange>();
/** the JWE of a bodyless request (README "Payload encryption") */
const HEADER_JWE = 'regate-jwe';

/**
 * @example const stage = await createPayloadStage({ config: cfg.payload_encryption, routes: cfg.routes, baseDir, redis: null, redisPrefix: 'regate', logger });
 */
export async function createPayloadStage(opts: PayloadStageOptions): Promise<PayloadStage> {
  const { config, logger } = opts;
  const keys: PayloadKeySet = await loadPayloadKeys(config.keys, opts.baseDir, opts.env);
  const modes = new Map<string, 'required' | 'optional'>();
  for (const r of opts.routes) if (r.payload_encryption !== 'off') modes.set(r.id, r.payload_encryption);
  const windowMs = config.replay_window_s * 1000;
  // A JWE is accepted while |now - iat| <= window, so one stamped up to a window ahead stays
  // acceptable for two windows from its first use: its jti is remembered that long.
  const replay = createReplayGuard({ windowMs: 2 * windowMs, entries: config.replay_cache_entries, redis: opts.redis, prefix: opts.redisPrefix });
  const sessions = config.sessions.enabled ? createSessionStore({ ttlS: config.sessions.ttl_s, entries: config.sessions.cache_entries, redis: opts.redis, prefix: opts.redisPrefix, keys }) : null;
  const opener = createRequestOpener({ keys, replay, sessions, windowMs });
  const metrics = createPayloadMetrics(opts.registry);
  const answerRules: AnswerRules = {
    maxBytes: config.max_response_bytes,
    oversize: config.oversize,
    onSealError(ctx: RequestContext, err: unknown) {
      logger.error({ req_id: ctx.id, route: ctx.route.id, err }, 'sealing the answer failed');
    },
    onAnswer(ctx, to, result) {
      metrics.answer(ctx.route.id, to, result);
    },
  };

  const accept = async (ctx: RequestContext, ex: PayloadExchange, jwe: string, bodyless: boolean): Promise<void> => {
    const now = Date.now();
    const opened: OpenedRequest = await opener.open(jwe, ctx, now);
    if (bodyless && opened.plaintext.length > 0) throw new GatewayError('GW_ERR_PAYLOAD_DECRYPT', { cause: 'a Regate-JWE header must seal an empty plaintext' });
    if (!bodyless) ex.plaintext = opened.plaintext;
    ex.answer = opened.answer;
    if (opened.wantsSession && sessions !== null && opened.answer?.kind === 'rsp') {
      const s = await sessions.issue(opened.binding, Math.floor(now / 1000)).catch((err: unknown) => {
        throw new GatewayError('GW_ERR_PAYLOAD_UNAVAILABLE', { cause: err });
      });
      ex.answerHeaders = ['regate-session', await sealSessionGrant(s, opened.answer)];
      metrics.sessionIssued();
    }
    ctx.encryption = { kid: opened.kid, alg: opened.alg, session: opened.session !== null, response: opened.answer !== null };
    metrics.opened(ctx.route.id, opened.alg);
    replaceBodyHeaders(ctx, bodyless ? null : opened.plaintext.length, opened.cty, opened.answer !== null);
  };

  return {
    name: 'payload',
    jwksPath: config.jwks_path,
    jwksJson: keys.jwksJson,
    jwksMaxAgeS: config.jwks_max_age_s,
    wrap(ctx, ex) {
      if (!modes.has(ctx.route.id)) return ex;
      const pex = new PayloadExchange(ex, ctx, answerRules);
      byCtx.set(ctx, pex);
      return pex;
    },
    run(ctx) {
      const ex = byCtx.get(ctx);
      if (ex === undefined) return;
      // every outcome counted once (metrics.ts): decrypted in accept, plaintext here, refusals by code
      let r: void | Promise<void>;
      try {
        r = runOn(ctx, ex);
      } catch (err) {
        metrics.refused(ctx.route.id, err);
        throw err;
      }
      if (r === undefined) {
        metrics.plaintext(ctx.route.id);
        return;
      }
      return r.catch((err: unknown) => {
        metrics.refused(ctx.route.id, err);
        throw err;
      });
    },
    async close() {},
  };

  function runOn(ctx: RequestContext, ex: PayloadExchange): void | Promise<void> {
    const ct = ctx.headers['content-type'];
    const sealedHead = ctx.headers[HEADER_JWE];
    if (ex.inner.hasBody !== true && sealedHead !== undefined) {
      // a bodyless request (GET, DELETE…) carries its JWE, of an empty plaintext, in a header
      return accept(ctx, ex, sealedHead, true);
    }
    if (sealedHead !== undefined) stripHeader(ctx, HEADER_JWE);
    const jose = ct !== undefined && mediaTypeOf(ct) === 'application/jose';
    if (!jose) {
      // OPTIONS stays open: a CORS preflight carries no credentials nor body
      if (modes.get(ctx.route.id) === 'required' && ctx.method !== 'OPTIONS') throw new GatewayError('GW_ERR_PAYLOAD_REQUIRED', { cause: `content-type ${ct ?? '(none)'}` });
      return;
    }
    const cl = ctx.headers['content-length'];
    if (cl !== undefined && Number(cl) > config.max_request_bytes) throw new GatewayError('GW_ERR_PAYLOAD_TOO_LARGE', { cause: `content-length ${cl}` });
    if (ex.inner.hasBody !== true) throw new GatewayError('GW_ERR_PAYLOAD_DECRYPT', { cause: 'application/jose without a body' });
    return readWhole(ex.inner, config.max_request_bytes).then((jwe) => accept(ctx, ex, jwe, false));
  }
}

/** `Application/JOSE; charset=x` → `application/jose` */
function mediaTypeOf(ct: string): string {
  const i = ct.indexOf(';');
  return (i < 0 ? ct : ct.slice(0, i)).trim().toLowerCase();
}

/** Reads the whole request body as latin1 text (a compact JWE is ASCII), refusing more than `max` bytes. */
function readWhole(ex: ClientExchange, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const fail = (err: Error) => reject(err);
    const feed = () => {
      if (!ex.feedBody) return reject(new GatewayError('GW_ERR_INTERNAL', { cause: 'the exchange cannot feed a sink' }));
      ex.feedBody({
        data(chunk, last) {
          total += chunk.length;
          if (total > max) {
            fail(new GatewayError('GW_ERR_PAYLOAD_TOO_LARGE', { cause: `more than ${max} bytes` }));
            return false;
          }
          chunks.push(Buffer.copyBytesFrom(chunk));
          if (last) resolve(Buffer.concat(chunks).toString('latin1'));
          return true;
        },
        error: fail,
      });
    };
    if (ex.whenBuffered) ex.whenBuffered(max + 1, (err) => (err !== undefined ? fail(err) : feed()));
    else feed();
  });
}

/**
 * The upstream gets the plaintext: its length, `cty` as its type (RFC 7516 §4.1.12), no
 * transfer coding, no `Regate-JWE`; and, when the answer is sealed, no `Accept-Encoding` (a
 * compressed answer would be sealed compressed with nothing outside saying so). `length` null:
 * a bodyless request, whose framing stays as it was.
 */
function replaceBodyHeaders(ctx: RequestContext, length: number | null, cty: string | undefined, sealed: boolean): void {
  const body = length !== null;
  const drop = (n: string) => n === HEADER_JWE || (body && (n === 'content-type' || n === 'content-length' || n === 'transfer-encoding')) || (sealed && n === 'accept-encoding');
  const raw = ctx.rawHeaders ?? [];
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (!drop(raw[i] as string)) out.push(raw[i] as string, raw[i + 1] as string);
  const h = ctx.headers;
  delete h[HEADER_JWE];
  if (sealed) delete h['accept-encoding'];
  if (body) {
    if (cty !== undefined) out.push('content-type', cty);
    out.push('content-length', String(length));
    delete h['transfer-encoding'];
    if (cty !== undefined) h['content-type'] = cty;
    else delete h['content-type'];
    h['content-length'] = String(length);
  }
  (ctx as { rawHeaders?: readonly string[] }).rawHeaders = out;
}

/** Removes one header from what the upstream and the policy see. */
function stripHeader(ctx: RequestContext, name: string): void {
  const raw = ctx.rawHeaders ?? [];
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i] !== name) out.push(raw[i] as string, raw[i + 1] as string);
  (ctx as { rawHeaders?: readonly string[] }).rawHeaders = out;
  delete ctx.headers[name];
}

/**
 * The client exchange of a request on an encrypted route (ClientExchange, pipeline/exchange.ts),
 * wrapped around the server's: the proxy and the error writer use it unchanged.
 *
 * Request side: once the payload stage has decrypted the body, the wrapper hands the proxy the
 * plaintext (as a sink feed, a stream or "already buffered") instead of the JWE.
 * Answer side, when the request named an answer key (`rsp`) or came in a session: the upstream's
 * status and headers are held, its body is buffered up to `max_response_bytes`, then sealed
 * (seal-answer.ts) and sent in one piece with `Content-Type: application/jose`. A larger body is
 * refused (502 GW_ERR_PAYLOAD_RESPONSE_TOO_LARGE, the upstream call cut) or, with
 * `oversize: pass`, relayed as it is. The gateway's own error answers are sealed the same way.
 * Sealing is asynchronous (jose): the answer leaves a few microseconds after the proxy's `end`.
 */
import { Readable } from 'node:stream';
import { GatewayError } from '../errors.js';
import type { RequestContext } from '../pipeline/context.js';
import type { BodyFraming, BodySink, ClientExchange } from '../pipeline/exchange.js';
import type { AnswerTarget } from './open-request.js';
import type { AnswerResult } from './metrics.js';
import { sealAnswer } from './seal-answer.js';

export interface AnswerRules {
  maxBytes: number;
  oversize: 'refuse' | 'pass';
  onSealError(ctx: RequestContext, err: unknown): void;
  /** one call per answer that was to be sealed, with what became of it (metrics.ts) */
  onAnswer(ctx: RequestContext, to: AnswerTarget['kind'], result: AnswerResult): void;
}

type Mode = 'pass' | 'hold' | 'sent';

export class PayloadExchange implements ClientExchange {
  /** the decrypted body, once the payload stage set it */
  plaintext: Uint8Array | null = null;
  /** where the answer is encrypted to; null = answers pass through */
  answer: AnswerTarget | null = null;
  /** extra answer headers (the sealed session: `regate-session`) */
  answerHeaders: string[] = [];

  private mode: Mode = 'pass';
  private held: { status: number; statusText: string; headers: readonly string[]; framing: BodyFraming } | null = null;
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  private cut = false;
  private ownStarted = false;
  private ownFinished = false;
  private abortCbs: (() => void)[] = [];

  constructor(
    readonly inner: ClientExchange,
    private readonly ctx: RequestContext,
    private readonly rules: AnswerRules,
  ) {}

  get aborted(): boolean {
    return this.cut || this.inner.aborted;
  }
  get started(): boolean {
    return this.ownStarted || this.inner.started;
  }
  get finished(): boolean {
    return this.ownFinished || this.inner.finished;
  }

  // ── request body ────────────────────────────────────────────────────────────────────
  get hasBody(): boolean {
    return this.plaintext !== null ? this.plaintext.length > 0 : this.inner.hasBody ?? this.inner.body !== null;
  }
  get body(): Readable | null {
    if (this.plaintext === null) return this.inner.body;
    return this.plaintext.length > 0 ? Readable.from([Buffer.from(this.plaintext)]) : null;
  }
  feedBody(sink: BodySink): void {
    if (this.plaintext !== null) {
      sink.data(this.plaintext, true);
      return;
    }
    if (!this.inner.feedBody) throw new TypeError('the exchange cannot feed a sink');
    this.inner.feedBody(sink);
  }
  resumeBody(): void {
    if (this.plaintext === null) this.inner.resumeBody?.();
  }
  whenBuffered(limit: number, cb: (err?: Error) => void): void {
    if (this.plaintext !== null || !this.inner.whenBuffered) return cb();
    this.inner.whenBuffered(limit, cb);
  }

  onAbort(cb: () => void): void {
    this.abortCbs.push(cb);
    this.inner.onAbort(cb);
  }

  // ── answer ──────────────────────────────────────────────────────────────────────────
  start(status: number, statusText: string, headers: readonly string[], framing: BodyFraming): void {
    const to = this.answer;
    if (to === null || this.ownStarted || this.inner.started) return this.inner.start(status, statusText, [...headers, ...this.answerHeaders], framing);
    if (framing.kind === 'none') {
      // no body to seal (HEAD, 204, 304): the head goes as it is, with the session if one was issued
      return this.inner.start(status, statusText, [...headers, ...this.answerHeaders], framing);
    }
    this.ownStarted = true;
    this.held = { status, statusText, headers, framing };
    this.mode = 'hold';
    if (framing.kind === 'length' && framing.size > this.rules.maxBytes) this.overflow();
  }

  write(chunk: Uint8Array): boolean {
    if (this.mode === 'pass') return this.inner.write(chunk);
    if (this.mode === 'sent') return true;
    this.bytes += chunk.length;
    if (this.bytes > this.rules.maxBytes) {
      this.chunks.push(chunk);
      this.overflow();
      return true;
    }
    this.chunks.push(Buffer.copyBytesFrom(chunk)); // the chunk may be a view of a reused read buffer
    return true;
  }

  onDrain(cb: () => void): void {
    if (this.mode === 'pass') this.inner.onDrain(cb);
  }

  end(): void {
    if (this.mode === 'pass') return this.inner.end();
    if (this.mode === 'sent') return;
    this.mode = 'sent';
    this.ownFinished = true;
    const held = this.held as NonNullable<PayloadExchange['held']>;
    const body = Buffer.concat(this.chunks);
    this.chunks = [];
    const cty = headerOf(held.headers, 'content-type');
    const to = this.answer as AnswerTarget;
    sealAnswer(body, cty, to).then(
      (jwe) => {
        this.rules.onAnswer(this.ctx, to.kind, 'sealed');
        const out = Buffer.from(jwe, 'latin1');
        const headers = [...withoutBodyHeaders(held.headers), 'content-type', 'application/jose', ...this.answerHeaders];
        this.inner.start(held.status, held.statusText, headers, { kind: 'length', size: out.length });
        this.inner.write(out);
      },
      (err: unknown) => {
        this.rules.onAnswer(this.ctx, to.kind, 'failed');
        this.rules.onSealError(this.ctx, err);
        this.inner.destroy();
      },
    );
  }

  destroy(): void {
    // our own sealed answer is on its way (an error after a cut upstream): that ends the exchange
    if (this.ownFinished) return;
    this.mode = 'sent';
    this.inner.destroy();
  }

  respond(status: number, headers: readonly string[], body: string, headOnly: boolean, closeConnection?: boolean): void {
    this.sealAndRespond(status, headers, body, headOnly, closeConnection, true);
  }

  /** `count` false: the answer that replaces one refused as too large (counted as that refusal) */
  private sealAndRespond(status: number, headers: readonly string[], body: string, headOnly: boolean, closeConnection: boolean | undefined, count: boolean): void {
    const to = this.answer;
    if (to === null) return this.inner.respond(status, headers, body, headOnly, closeConnection);
    if (this.inner.aborted || this.inner.started || this.ownStarted) return;
    this.ownStarted = true;
    this.ownFinished = true;
    this.mode = 'sent';
    const cty = headerOf(headers, 'content-type');
    sealAnswer(Buffer.from(body), cty, to).then(
      (jwe) => {
        if (count) this.rules.onAnswer(this.ctx, to.kind, 'sealed');
        this.inner.respond(status, [...withoutBodyHeaders(headers), 'content-type', 'application/jose'], jwe, headOnly, closeConnection);
      },
      (err: unknown) => {
        if (count) this.rules.onAnswer(this.ctx, to.kind, 'failed');
        this.rules.onSealError(this.ctx, err);
        this.inner.destroy();
      },
    );
  }

  /** The answer outgrew `max_response_bytes`: refuse it (502, the upstream call cut) or relay it as is. */
  private overflow(): void {
    const held = this.held as NonNullable<PayloadExchange['held']>;
    if (this.rules.oversize === 'pass') {
      this.mode = 'pass';
      this.ownStarted = false;
      const framing: BodyFraming = held.framing.kind === 'length' ? held.framing : { kind: 'chunked' };
      this.inner.start(held.status, held.statusText, held.headers, framing);
      for (const c of this.chunks) this.inner.write(c);
      this.chunks = [];
      const enc = this.ctx.encryption;
      if (enc !== null) this.ctx.encryption = { ...enc, response: false };
      this.rules.onAnswer(this.ctx, (this.answer as AnswerTarget).kind, 'passed');
      return;
    }
    this.rules.onAnswer(this.ctx, (this.answer as AnswerTarget).kind, 'GW_ERR_PAYLOAD_RESPONSE_TOO_LARGE');
    this.mode = 'sent';
    this.chunks = [];
    const err = new GatewayError('GW_ERR_PAYLOAD_RESPONSE_TOO_LARGE', { cause: `the upstream answer exceeds ${this.rules.maxBytes} bytes` });
    this.ctx.error = err;
    this.ctx.status = err.status;
    this.ownStarted = false;
    this.sealAndRespond(err.status, ['content-type', 'application/json', 'x-request-id', this.ctx.id, 'cache-control', 'no-store'], err.toResponseBody(this.ctx.id), this.ctx.method === 'HEAD', true, false);
    // stop the upstream: the proxy hears it as the client going away (its abort callbacks)
    this.cut = true;
    this.ownFinished = true;
    const cbs = this.abortCbs;
    this.abortCbs = [];
    queueMicrotask(() => {
      for (const cb of cbs) cb();
    });
  }
}

function headerOf(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
  return undefined;
}

/** the answer's own body fields go: the sealed body has its own type and length */
function withoutBodyHeaders(headers: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const n = headers[i] as string;
    if (n === 'content-type' || n === 'content-length' || n === 'content-encoding' || n === 'etag' || n === 'content-md5' || n === 'digest') continue;
    out.push(n, headers[i + 1] as string);
  }
  return out;
}

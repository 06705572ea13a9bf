/**
 * llhttp — Node's own HTTP/1.1 parser, with no lenient flag set — as the reference for what a
 * strict recipient reads out of a byte stream. The security tests parse what the client sent and
 * what the upstream received with it, so "what the upstream sees" is judged by a parser regate
 * does not own, byte for byte (header names, values and the target come back as latin1 strings:
 * one char per byte).
 *
 * `_http_common` is Node's internal module behind `http`; its HTTPParser is the llhttp binding
 * the `http` server uses. It is not a public API, which is acceptable for a test oracle: if a
 * Node release drops it, these tests fail loudly rather than silently passing.
 *
 * @example
 * const { requests, error } = parseRequests(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
 * requests[0].method // 'GET'
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
interface HttpParser {
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  [k: number]: unknown;
}
const common = require('_http_common') as {
  HTTPParser: { new (): HttpParser; REQUEST: number; RESPONSE: number; kOnHeaders: number; kOnHeadersComplete: number; kOnBody: number; kOnMessageComplete: number; kOnExecute: number; kLenientNone: number };
  methods: string[];
};
const { HTTPParser } = common;

export interface ParsedMessage {
  method: string;
  url: string;
  /** HTTP version, e.g. '1.1' */
  version: string;
  /** [name, value] pairs in wire order, names as sent (latin1: one char per byte) */
  headers: [string, string][];
  body: Buffer;
  /** the message ended (body complete) */
  complete: boolean;
  /** status code (responses only) */
  status?: number;
}

export interface ParseResult {
  messages: ParsedMessage[];
  /** llhttp's error code and reason when the bytes are not valid HTTP/1.1, else null */
  error: string | null;
}

/** A streaming parser: feed chunks as they arrive; `onMessage` runs when a message completes. */
export interface StreamParser {
  readonly messages: ParsedMessage[];
  readonly error: string | null;
  push(chunk: Buffer): void;
}

/**
 * @example
 * const p = createStreamParser('request', (m) => reply(m));
 * socket.on('data', (d) => p.push(d));
 */
export function createStreamParser(kind: 'request' | 'response', onMessage?: (m: ParsedMessage) => void, maxHeaderSize = 256 * 1024): StreamParser {
  const p = new HTTPParser();
  const messages: ParsedMessage[] = [];
  let current: ParsedMessage | null = null;
  let pendingHeaders: string[] = [];
  let pendingUrl = '';
  let error: string | null = null;
  const pairs = (flat: string[]): [string, string][] => {
    const out: [string, string][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as string]);
    return out;
  };
  // llhttp flushes long header lists early through kOnHeaders; the rest comes with completion.
  p[HTTPParser.kOnHeaders] = (headers: string[], url: string) => {
    pendingHeaders = pendingHeaders.concat(headers);
    pendingUrl += url;
  };
  p[HTTPParser.kOnHeadersComplete] = (major: number, minor: number, headers: string[] | undefined, method: number, url: string | undefined, status: number) => {
    const all = pendingHeaders.concat(headers ?? []);
    current = {
      method: kind === 'request' ? (common.methods[method] ?? '?') : '',
      url: pendingUrl + (url ?? ''),
      version: `${major}.${minor}`,
      headers: pairs(all),
      body: Buffer.alloc(0),
      complete: false,
      ...(kind === 'response' ? { status } : {}),
    };
    pendingHeaders = [];
    pendingUrl = '';
    messages.push(current);
    return 0;
  };
  p[HTTPParser.kOnBody] = (b: Buffer) => {
    if (current) current.body = Buffer.concat([current.body, Buffer.from(b)]);
  };
  p[HTTPParser.kOnMessageComplete] = () => {
    if (!current) return;
    current.complete = true;
    const done = current;
    current = null;
    onMessage?.(done);
  };
  p[HTTPParser.kOnExecute] = () => {};
  p.initialize(kind === 'request' ? HTTPParser.REQUEST : HTTPParser.RESPONSE, {}, maxHeaderSize, HTTPParser.kLenientNone);
  return {
    messages,
    get error() {
      return error;
    },
    push(chunk) {
      if (error !== null) return;
      const r = p.execute(chunk);
      if (r instanceof Error) {
        const e = r as Error & { code?: string; reason?: string };
        error = `${e.code ?? 'HPE_ERROR'} ${e.reason ?? e.message}`;
      }
    },
  };
}

/** Parses a whole byte string of requests (or responses). */
export function parseMessages(data: Buffer, kind: 'request' | 'response' = 'request'): ParseResult {
  const p = createStreamParser(kind);
  p.push(data);
  return { messages: p.messages, error: p.error };
}

/** The value of the first header named `name` (case-insensitive), or undefined. */
export function headerOf(m: ParsedMessage, name: string): string | undefined {
  const n = name.toLowerCase();
  return m.headers.find(([k]) => k.toLowerCase() === n)?.[1];
}

/** Every value of headers named `name` (case-insensitive). */
export function headersOf(m: ParsedMessage, name: string): string[] {
  const n = name.toLowerCase();
  return m.headers.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
}

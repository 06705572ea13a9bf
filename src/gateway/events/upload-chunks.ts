/**
 * Splits encoded decision-log events into upload bodies: each a gzip-compressed JSON array of
 * whole events whose compressed size is at most the limit (OPA's `upload_size_limit_bytes`,
 * which also counts compressed bytes, plugins/logs chunk encoder).
 *
 * The compressed size of a body is only known after compressing it, so the events are first cut
 * by their uncompressed size at a guessed ratio, and a body that still comes out too big is
 * split in half and compressed again. The ratio is learnt from the bodies compressed so far, so
 * a steady stream of similar events costs one compression per body. An event that alone
 * compresses above the limit can never be uploaded: it is returned in `tooLarge` (the caller
 * counts and logs it; OPA drops such events too).
 *
 * Example:
 * ```ts
 * const chunker = createUploadChunker(32768);
 * const { bodies, tooLarge } = await chunker.split(['{"decision_id":"a"}', '{"decision_id":"b"}']);
 * // bodies[0].gzip is gzip('[{"decision_id":"a"},{"decision_id":"b"}]'), bodies[0].events the two texts
 * ```
 */
import { gzip as gzipCb } from 'node:zlib';
import { promisify } from 'node:util';

const gzip = promisify(gzipCb);

export interface UploadBody {
  /** the events it carries, as their JSON texts (so a failed upload can be spooled as they were) */
  events: string[];
  gzip: Buffer;
}

export interface UploadChunker {
  split(events: readonly string[]): Promise<{ bodies: UploadBody[]; tooLarge: string[] }>;
}

export function createUploadChunker(limitBytes: number): UploadChunker {
  if (!Number.isInteger(limitBytes) || limitBytes < 1) throw new TypeError('limitBytes must be a positive integer');
  // compressed / uncompressed; JSON events with repeated keys compress ~5-15x, start cautious
  let ratio = 0.25;

  async function compress(events: readonly string[], out: UploadBody[], tooLarge: string[]): Promise<void> {
    const text = '[' + events.join(',') + ']';
    const z = await gzip(text);
    if (text.length > 0) ratio = Math.max(0.01, Math.min(1, 0.7 * ratio + 0.3 * (z.length / text.length)));
    if (z.length <= limitBytes) {
      out.push({ events: [...events], gzip: z });
      return;
    }
    if (events.length === 1) {
      tooLarge.push(events[0]!);
      return;
    }
    const mid = events.length >> 1;
    await compress(events.slice(0, mid), out, tooLarge);
    await compress(events.slice(mid), out, tooLarge);
  }

  return {
    async split(events) {
      const bodies: UploadBody[] = [];
      const tooLarge: string[] = [];
      let start = 0;
      while (start < events.length) {
        // 90 % of the guessed capacity: most cuts then fit at the first compression
        const budget = Math.max(1, Math.floor((limitBytes / ratio) * 0.9));
        let end = start;
        let size = 2;
        while (end < events.length && (end === start || size + events[end]!.length + 1 <= budget)) size += events[end++]!.length + 1;
        await compress(events.slice(start, end), bodies, tooLarge);
        start = end;
      }
      return { bodies, tooLarge };
    },
  };
}

/**
 * A BullMQ Queue whose jobs may carry data that is already serialised, so a batch of events is
 * turned into JSON once by the emitter instead of by BullMQ, and reaches Redis as bytes.
 *
 * Why: BullMQ stores `job.data` as `JSON.stringify(data)` (Job#asJSON) and ioredis then, because
 * BullMQ's packed options are a Buffer, writes every argument through a MixedBuffers copy that
 * measures and re-encodes a half-megabyte string several times (ioredis Command#toWritable).
 * Handing BullMQ a Buffer skips both; Redis stores the same bytes `JSON.stringify` would have
 * produced, so workers (src/consumer, or any BullMQ worker) read the same `job.data`.
 *
 * The override is the documented extension point (QueueBase#Job, "Helper to easily extend Job
 * class calls"); test/gateway/events/encoded-queue.test.ts checks the stored job against
 * BullMQ's own encoding, so a BullMQ upgrade that changes Job#asJSON shows up there.
 *
 * Example:
 * ```ts
 * const q = new EncodedQueue('audit', { connection, prefix: 'regate' });
 * await q.add('batch', new EncodedJobData(Buffer.from('{"events":[]}')), { jobId });
 * ```
 */
import { Job, Queue } from 'bullmq';
import type { JobJson } from 'bullmq';

/** `job.data` as its UTF-8 JSON text (must be a JSON object, as BullMQ workers expect). */
export class EncodedJobData {
  constructor(readonly json: Buffer) {}
}

class EncodedJob extends Job {
  override asJSON(): JobJson {
    const data: unknown = this.data;
    if (!(data instanceof EncodedJobData)) return super.asJSON();
    // Serialise everything else BullMQ's way; `data` is swapped for the bytes (ioredis sends a
    // Buffer argument as it is; BullMQ's Lua script stores it unchanged).
    this.data = undefined;
    try {
      const json = super.asJSON();
      json.data = data.json as unknown as string;
      return json;
    } finally {
      this.data = data;
    }
  }
}

export class EncodedQueue extends Queue {
  protected override get Job(): typeof Job {
    return EncodedJob as typeof Job; // generic parameters aside, the same constructor
  }
}

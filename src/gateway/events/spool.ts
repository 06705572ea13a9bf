/**
 * The disk spool: where event batches go while Redis is away, so nothing accepted is lost.
 *
 * Format: JSONL, one sealed batch per line `{"q":"audit","id":"<batch id>","events":[…]}`. The
 * batch id becomes the BullMQ job id on replay, so a batch that did reach Redis before its send
 * was reported failed (a paused Redis that executes late) is not added twice while the first copy
 * is still queued. Appends are asynchronous and serialised; fsync runs on an interval (not per
 * write: the request path must never wait on a disk either), so a host crash can lose at most
 * `fsync_ms` of spooled events — a process crash loses none that reached `write()`.
 *
 * Files: `<dir>/<host>-<pid>-<instance>-<n>.jsonl` is this emitter's active file. Replay first rotates it
 * (`….jsonl` → `….replay`) so new appends go to a fresh file, then replays every `.replay` file it
 * owns plus files left by processes of this host that are gone (pid no longer alive). A spool
 * directory must therefore not be shared between hosts.
 *
 * Example:
 * ```ts
 * const spool = openSpool({ dir: './var/spool', maxBytes: 1 << 30, fsyncMs: 200, logger });
 * spool.append({ q: 'audit', id, n: events.length, data: Buffer.from(JSON.stringify({ events })) });
 * await spool.replay(async (b) => { await queue.add('batch', { events: b.events }, { jobId: b.id }); });
 * ```
 */
import { createReadStream, createWriteStream, mkdirSync, readdirSync, statSync } from 'node:fs';
import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';

/** A batch as replay reads it back from a spool line. */
export interface SpooledBatch {
  q: string;
  id: string;
  events: unknown[];
}

/** A batch as the emitter seals it: `data` is `{"events":[…]}` as bytes (batch-buffer.ts). */
export interface EncodedBatch {
  q: string;
  id: string;
  /** events in `data` */
  n: number;
  data: Buffer;
}

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  fsyncMs: number;
  logger: Logger;
  /** events allowed to wait in memory for the disk; beyond it appends are dropped */
  maxPendingEvents?: number;
  /** called with (queue, count, reason) whenever events are dropped */
  onDrop?: (queue: string, count: number, reason: 'spool_full' | 'spool_backlog' | 'spool_error') => void;
}

export interface Spool {
  /** Queue a batch for the disk; never throws, never waits. Returns false when it was dropped. */
  append(batch: EncodedBatch): boolean;
  /** Bytes on disk plus bytes waiting to be written. */
  bytes(): number;
  /** True when there is anything to replay. */
  pending(): boolean;
  /**
   * Send every spooled batch through `send`, deleting what was sent. Stops at the first failure
   * and keeps the rest for the next call. Single-flight: concurrent calls share one run.
   */
  replay(send: (b: SpooledBatch) => Promise<void>): Promise<{ sent: number; events: number; failed: boolean }>;
  close(): Promise<void>;
}

/** `<host>-<pid>-<instance>-<seq>.(jsonl|replay)`: several emitters may share a process (worker threads). */
/** Spools of this process that were closed: their files are orphans, like a dead process's. */
const closedInstances = new Set<string>();

const NEWLINE = Buffer.from('\n');

const FILE_RE = /^(.+)-(\d+)-([a-z0-9]+)-(\d+)\.(jsonl|replay)$/;

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Synchronous on purpose: it runs once at start-up, and the emitter's constructor is synchronous. */
export function openSpool(opts: SpoolOptions): Spool {
  if (!opts.dir) throw new TypeError('spool dir is required');
  mkdirSync(opts.dir, { recursive: true });
  const host = hostname().replace(/[^A-Za-z0-9_.]/g, '_');
  const maxPending = opts.maxPendingEvents ?? 100_000;
  let seq = 0;
  const inst = randomBytes(4).toString('hex');
  let fh: FileHandle | null = null;
  let activePath = '';
  let activeBytes = 0;
  let dirty = false;
  let diskBytes = 0; // every spool file of ours or of dead processes (active file included)
  let pendingBytes = 0;
  let pendingEvents = 0;
  let queue: { line: Buffer; q: string; n: number }[] = [];
  let writing: Promise<void> | null = null;
  let replaying: Promise<{ sent: number; events: number; failed: boolean }> | null = null;
  let closed = false;

  // Start-up accounting: files left by earlier runs count against the cap and will be replayed.
  for (const name of readdirSync(opts.dir)) {
    // Only this host's files: another host's are not ours to replay (see the header comment).
    if (FILE_RE.exec(name)?.[1] !== host) continue;
    try {
      diskBytes += statSync(join(opts.dir, name)).size;
    } catch {
      /* raced with another process's replay */
    }
  }

  async function ensureFile(): Promise<FileHandle> {
    if (fh) return fh;
    activePath = join(opts.dir, `${host}-${process.pid}-${inst}-${Date.now()}${String(seq++).padStart(4, '0')}.jsonl`);
    fh = await open(activePath, 'a');
    activeBytes = 0;
    return fh;
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const chunk = queue;
      queue = [];
      const text = chunk.length === 1 ? chunk[0]!.line : Buffer.concat(chunk.map((c) => c.line));
      const size = text.length;
      try {
        const f = await ensureFile();
        await f.write(text);
        activeBytes += size;
        diskBytes += size;
        dirty = true;
      } catch (err) {
        let n = 0;
        for (const c of chunk) {
          n += c.n;
          opts.onDrop?.(c.q, c.n, 'spool_error');
        }
        opts.logger.error({ err, events: n, code: 'GW_ERR_EVENTS_SPOOL_WRITE' }, 'events: spool write failed, events dropped');
      }
      pendingBytes -= size;
      for (const c of chunk) pendingEvents -= c.n;
    }
  }

  function kick(): void {
    if (writing) return;
    writing = drain().finally(() => {
      writing = null;
      if (queue.length > 0 && !closed) kick();
    });
  }

  const fsyncTimer = setInterval(() => {
    if (dirty && fh && !writing) {
      dirty = false;
      fh.sync().catch((err: unknown) => opts.logger.warn({ err }, 'events: spool fsync failed'));
    }
  }, opts.fsyncMs);
  fsyncTimer.unref();

  function append(b: EncodedBatch): boolean {
    const n = b.n;
    if (closed) {
      opts.onDrop?.(b.q, n, 'spool_error');
      return false;
    }
    // The line JSON.stringify({ q, id, events }) would give: the batch's bytes behind its `{`.
    const line = Buffer.concat([Buffer.from('{"q":' + JSON.stringify(b.q) + ',"id":' + JSON.stringify(b.id) + ','), b.data.subarray(1), NEWLINE]);
    const size = line.length;
    if (diskBytes + pendingBytes + size > opts.maxBytes) {
      opts.onDrop?.(b.q, n, 'spool_full');
      opts.logger.error({ events: n, queue: b.q, code: 'GW_ERR_EVENTS_DROPPED' }, 'events: spool full, events dropped');
      return false;
    }
    if (pendingEvents + n > maxPending) {
      opts.onDrop?.(b.q, n, 'spool_backlog');
      opts.logger.error({ events: n, queue: b.q, code: 'GW_ERR_EVENTS_DROPPED' }, 'events: spool backlog full, events dropped');
      return false;
    }
    pendingBytes += size;
    pendingEvents += n;
    queue.push({ line, q: b.q, n });
    kick();
    return true;
  }

  /** Close the active file and rename it so that appends during the replay start a new file. */
  async function rotate(): Promise<void> {
    while (writing) await writing;
    if (!fh) return;
    // Capture before the first await: an append during the awaits below opens a new active
    // file and changes activePath/activeBytes, and that file must not be renamed under it.
    const f = fh;
    const path = activePath;
    const bytes = activeBytes;
    fh = null;
    await f.sync().catch(() => undefined);
    await f.close();
    if (bytes === 0) {
      await unlink(path).catch(() => undefined);
      return;
    }
    await rename(path, path.replace(/\.jsonl$/, '.replay'));
  }

  async function claimable(): Promise<string[]> {
    const out: string[] = [];
    for (const name of (await readdir(opts.dir)).sort()) {
      const m = FILE_RE.exec(name);
      if (!m) continue;
      const full = join(opts.dir, name);
      if (full === activePath) continue; // the active file (possibly still being opened)
      const mine = m[1] === host && Number(m[2]) === process.pid && m[3] === inst;
      // Another emitter's files: only when it is gone — its process dead, or closed if it ran in
      // this process (a live one may still be writing its active file).
      const orphan = m[1] === host && (Number(m[2]) === process.pid ? closedInstances.has(m[3]!) : !pidAlive(Number(m[2])));
      if (!mine && !orphan) continue;
      if (mine && m[5] === 'replay') {
        out.push(full);
        continue;
      }
      // A dead process's file: claim it by renaming (atomic; a concurrent claimer loses).
      const to = join(opts.dir, `${host}-${process.pid}-${inst}-${m[4]}.replay`);
      try {
        await rename(full, to);
        out.push(to);
      } catch {
        /* someone else took it */
      }
    }
    return out;
  }

  async function replayFile(path: string, send: (b: SpooledBatch) => Promise<void>): Promise<{ sent: number; events: number; failed: boolean }> {
    const size = (await stat(path)).size;
    const input = createReadStream(path, { encoding: 'utf8' });
    const rl = createInterface({ input, crlfDelay: Infinity });
    let sent = 0;
    let events = 0;
    let failedAt = -1; // byte offset of the first line not sent
    let offset = 0; // lines are JSON (no raw newlines) + '\n', so offsets add up exactly
    for await (const line of rl) {
      const lineStart = offset;
      offset += Buffer.byteLength(line) + 1;
      if (line === '') continue;
      let b: SpooledBatch;
      try {
        b = JSON.parse(line) as SpooledBatch;
      } catch {
        // A torn last line (crash mid-write) cannot be recovered; say so rather than loop on it.
        opts.logger.error({ path, code: 'GW_ERR_EVENTS_SPOOL_CORRUPT' }, 'events: unreadable spool line skipped');
        continue;
      }
      try {
        await send(b);
        sent++;
        events += b.events.length;
      } catch {
        failedAt = lineStart;
        break;
      }
    }
    rl.close();
    input.destroy();
    if (failedAt < 0) {
      await unlink(path);
      diskBytes -= size;
      return { sent, events, failed: false };
    }
    // Keep what was not sent: copy the tail to a new file by streaming (the spool may be large),
    // fsync it, then rename it over the old one.
    const tmp = path + '.tmp';
    await pipeline(createReadStream(path, { start: failedAt }), createWriteStream(tmp));
    const t = await open(tmp, 'r+');
    await t.sync();
    await t.close();
    await rename(tmp, path);
    diskBytes -= failedAt;
    return { sent, events, failed: true };
  }

  function replay(send: (b: SpooledBatch) => Promise<void>): Promise<{ sent: number; events: number; failed: boolean }> {
    if (replaying) return replaying;
    replaying = (async () => {
      let sent = 0;
      let events = 0;
      await rotate();
      for (const path of await claimable()) {
        const r = await replayFile(path, send);
        sent += r.sent;
        events += r.events;
        if (r.failed) return { sent, events, failed: true };
      }
      return { sent, events, failed: false };
    })().finally(() => {
      replaying = null;
    });
    return replaying;
  }

  return {
    append,
    bytes: () => diskBytes + pendingBytes,
    pending: () => diskBytes + pendingBytes > 0,
    replay,
    async close() {
      closed = true;
      clearInterval(fsyncTimer);
      while (writing) await writing;
      if (replaying) await replaying.catch(() => undefined);
      if (fh) {
        const f = fh;
        const path = activePath;
        const bytes = activeBytes;
        fh = null;
        await f.sync().catch(() => undefined);
        await f.close();
        if (bytes === 0) await unlink(path).catch(() => undefined);
      }
      // only now, with the active file closed, may another spool of this process take our files
      closedInstances.add(inst);
    },
  };
}

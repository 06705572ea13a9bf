/**
 * Reload on file change: the TLS files a SIGHUP re-reads (the listener's certificate, key, client
 * CA and SNI pairs; the upstreams' and token servers' CA and client certificates) are watched, and
 * a change of their content runs the same reload as SIGHUP — so a certificate renewed by certbot,
 * cert-manager or a Kubernetes Secret update takes effect without anyone sending a signal.
 *
 * Why directories and content, not the files' own watchers: renewal tools replace a file by
 * rename, and Kubernetes swaps a `..data` symlink beside the files; a watcher on the file's inode
 * sees neither after the first replacement (policy-holder.ts found the same for policies). One
 * non-recursive watcher per directory reports every name that changes there; each event schedules
 * one look at the files after `debounceMs` of quiet (a renewal writes certificate and key in two
 * steps: reading between them would pair a new certificate with the old key), and only a change
 * of some file's SHA-256 reloads — a touch, an unrelated file in /etc/ssl, or the reload's own
 * reads do not. A file that cannot be read (mid-rotation, removed) counts as changed: the reload
 * then fails, is logged and keeps the running certificates, and the file's return reloads again.
 *
 * @example
 * const w = watchTlsFiles(tlsFilesOf(config), () => void running.reload(), { logger });
 * w.close();
 */
import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { ClientTlsConfig, GatewayConfig } from '../config/types.js';

export interface TlsFileWatch {
  /** the files watched, absolute, deduplicated (for the start-up log) */
  readonly files: readonly string[];
  close(): void;
}

export interface TlsFileWatchOptions {
  logger: Pick<Logger, 'warn'>;
  /** quiet time after the last event before the files are read (default 1000 ms) */
  debounceMs?: number;
}

/** Every file a TLS reload re-reads (server/run.ts Plane.reload), absolute as the config loader leaves them. */
export function tlsFilesOf(config: GatewayConfig): string[] {
  const out: string[] = [];
  const client = (tls: ClientTlsConfig | undefined) => {
    if (tls === undefined) return;
    for (const f of [tls.ca_file, tls.cert_file, tls.key_file]) if (f !== undefined) out.push(f);
  };
  const l = config.listen.tls;
  if (l !== undefined) {
    out.push(l.cert_file, l.key_file);
    if (l.ca_file !== undefined) out.push(l.ca_file);
    for (const e of Object.values(l.sni)) out.push(e.cert_file, e.key_file);
  }
  for (const u of Object.values(config.upstreams)) client(u.tls);
  client(config.tokens.jwt?.tls);
  client(config.tokens.introspection?.tls);
  // credentials are typed per `type` (mapping/credentials); those with a token endpoint may carry `tls`
  for (const c of Object.values(config.credentials)) client((c as { tls?: ClientTlsConfig }).tls);
  return [...new Set(out)];
}

function digest(file: string): string {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch (err) {
    // unreadable is a state of its own: its return to a readable file is a change too
    return `unreadable:${(err as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

export function watchTlsFiles(files: readonly string[], onChange: (changed: string[]) => void, opts: TlsFileWatchOptions): TlsFileWatch {
  const debounceMs = opts.debounceMs ?? 1000;
  const known = new Map<string, string>(files.map((f) => [f, digest(f)]));
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const look = () => {
    timer = null;
    if (closed) return;
    const changed: string[] = [];
    for (const [f, before] of known) {
      const now = digest(f);
      if (now !== before) {
        known.set(f, now);
        changed.push(f);
      }
    }
    if (changed.length > 0) onChange(changed);
  };
  const schedule = () => {
    if (closed) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(look, debounceMs);
    // a pending look never keeps a stopping process alive
    timer.unref();
  };

  for (const dir of new Set(files.map((f) => dirname(f)))) {
    try {
      const w = watch(dir, { persistent: false }, schedule);
      w.on('error', (err) => opts.logger.warn({ dir, err: err.message }, 'TLS file watch stopped for this directory; SIGHUP still reloads'));
      watchers.push(w);
    } catch (err) {
      // e.g. a file system without inotify: SIGHUP remains the way to reload
      opts.logger.warn({ dir, err: (err as Error).message }, 'cannot watch TLS files in this directory; SIGHUP still reloads');
    }
  }

  return {
    files: [...known.keys()],
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}

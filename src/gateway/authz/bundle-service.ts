/**
 * The bundle service client (`policies.bundles`): downloads each OPA bundle over OPA's HTTP
 * protocol, keeps the last good one on disk, and asks the gateway to activate new revisions.
 *
 * - Conditional GET: the ETag of the last download goes out as `If-None-Match`; 304 = no change.
 * - Long polling (`long_polling_timeout_s` > 0): `Prefer: wait=N`; a server that answers with
 *   `Content-Type: application/vnd.openpolicyagent.bundles` holds the request until a new
 *   revision, so the next request goes out at once; otherwise polls are `min_delay_s` to
 *   `max_delay_s` apart (uniformly random, so a fleet does not poll in step).
 * - Credentials (bearer, client TLS, OAuth2 client credentials) and the server's CA: bundle-credentials.ts.
 * - Errors back off exponentially from min_delay_s to max_delay_s, with full jitter.
 * - A download is verified (signature, manifest, roots) before anything else; it is written as
 *   `<persist_dir>/<name>/candidate.tar.gz` and activated (compiled off the request path, then
 *   swapped: see policy-holder.ts and server/run.ts for worker threads); only an activated
 *   bundle becomes `bundle.tar.gz`, the one a restart loads when the server is down. A bundle that
 *   fails is dropped, the previous revision keeps serving, and /readyz and the status API say why.
 *
 * @example
 *   const svc = createBundleService({ bundles: cfg.policies.bundles, persistDir, baseDir, logger, activate: () => holder.reload() });
 *   await svc.initial(); svc.start();
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import type { Logger } from 'pino';
import { importVerificationKey, readOpaBundle, type BundleVerificationOptions } from '../../policy/index.js';
import type { BundleServiceConfig } from '../config/types.js';
import { REGATE_VERSION } from '../shared/version.js';
import { createBundleCredentials, type BundleCredentials } from './bundle-credentials.js';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.openpolicyagent.bundles';

/** One bundle's state, in the shape of OPA's status API (`bundles.<name>`). */
export interface BundleStatus {
  name: string;
  active_revision: string | null;
  last_request: string | null;
  last_successful_request: string | null;
  last_successful_download: string | null;
  last_successful_activation: string | null;
  code?: string;
  message?: string;
}

export interface BundleServiceOptions {
  readonly bundles: Readonly<Record<string, BundleServiceConfig>>;
  /** `policies.persist_dir`, resolved */
  readonly persistDir: string;
  /** the config file's directory (key files resolve from it) */
  readonly baseDir: string;
  readonly logger: Logger;
  /** compiles and swaps in the set with the candidates; resolves false (old set kept) or rejects on failure */
  activate(): Promise<boolean | string | null>;
  /** OPA status API endpoint */
  readonly status?: { readonly url: string; readonly timeout_ms: number };
}

export interface BundleReader {
  readonly name: string;
  /** the candidate being activated, else the last activated bundle, else null */
  read(): Promise<Uint8Array | null>;
  verify?: () => Promise<BundleVerificationOptions>;
}

export interface BundleService {
  readers(): BundleReader[];
  /** one download round for every bundle; then the persisted ones must cover what failed */
  initial(): Promise<void>;
  /**
   * after the first load: promote the staged downloads (ok) or drop them; resolves whether there
   * were any (when the load failed with some, the caller loads once more, from the persisted ones)
   */
  confirmInitial(ok: boolean): Promise<boolean>;
  /** starts the polling loops */
  start(): void;
  status(): BundleStatus[];
  close(): Promise<void>;
}

const now = () => new Date().toISOString();

/**
 * The bundles' last download failures as ` (name: message; …)`, '' when none: appended to a
 * start-up error, because with nothing persisted why the download failed (token endpoint, TLS,
 * a 401) is what the operator needs, not only that no bundle is there.
 */
export function downloadFailures(statuses: readonly BundleStatus[]): string {
  const failed = statuses.flatMap((b) => (b.message !== undefined ? [`${b.name}: ${b.message}`] : []));
  return failed.length > 0 ? ` (${failed.join('; ')})` : '';
}

/** Verification options of a bundle's `signing` section, keys read once. */
export function bundleVerifier(cfg: BundleServiceConfig, baseDir: string): (() => Promise<BundleVerificationOptions>) | undefined {
  const s = cfg.signing;
  if (s === undefined) return undefined;
  let cached: Promise<BundleVerificationOptions> | undefined;
  return () =>
    (cached ??= (async () => {
      const keyid = s.keyid ?? 'default';
      const material = s.secret ?? (await readFile(resolve(baseDir, s.public_key_file ?? ''), 'utf8'));
      return {
        keys: { [keyid]: { key: await importVerificationKey(material, s.algorithm), algorithm: s.algorithm } },
        keyid,
        ...(s.scope !== undefined ? { scope: s.scope } : {}),
        ...(s.exclude_files ? { excludeFiles: s.exclude_files } : {}),
      };
    })());
}

/** Readers of the persisted bundles only (worker threads: the main thread downloads). */
export function persistedBundleReaders(bundles: Readonly<Record<string, BundleServiceConfig>>, persistDir: string, baseDir: string): BundleReader[] {
  return Object.entries(bundles).map(([name, cfg]) => {
    const dir = join(persistDir, name);
    const verify = bundleVerifier(cfg, baseDir);
    return {
      name,
      async read() {
        for (const f of ['candidate.tar.gz', 'bundle.tar.gz']) {
          try {
            return await readFile(join(dir, f));
          } catch {
            /* next */
          }
        }
        return null;
      },
      ...(verify ? { verify } : {}),
    };
  });
}

export function createBundleService(opts: BundleServiceOptions): BundleService {
  const entries = Object.entries(opts.bundles);
  const readers = persistedBundleReaders(opts.bundles, opts.persistDir, opts.baseDir);
  const states = new Map<string, BundleStatus>(entries.map(([name]) => [name, { name, active_revision: null, last_request: null, last_successful_request: null, last_successful_download: null, last_successful_activation: null }]));
  const etags = new Map<string, string>();
  // the ETag of a download that was refused (bad signature, does not compile): a 304 for it is no recovery
  const refusedTags = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();
  const aborts = new Set<AbortController>();
  let closed = false;
  // activations of several bundles never overlap: the set is compiled as a whole
  let chain: Promise<unknown> = Promise.resolve();
  // per bundle: the Authorization header (bearer, OAuth2 token) and the TLS agent
  const credentials = new Map<string, BundleCredentials>(entries.map(([name, cfg]) => [name, createBundleCredentials(cfg, opts.baseDir)]));

  // initial(): downloads staged as candidates until the first load says whether they compile
  const staged = new Map<string, { etag: string | undefined; revision: string }>();
  const dirOf = (name: string) => join(opts.persistDir, name);

  function postStatus(): void {
    if (!opts.status) return;
    const bundles: Record<string, BundleStatus> = {};
    for (const s of states.values()) bundles[s.name] = s;
    const payload = { labels: { id: `regate-${process.pid}`, version: `regate/${REGATE_VERSION}` }, bundles };
    request(opts.status.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload), headersTimeout: opts.status.timeout_ms, bodyTimeout: opts.status.timeout_ms })
      .then((r) => r.body.dump())
      .catch((err: unknown) => opts.logger.warn({ err: String(err) }, 'status API POST failed'));
  }

  /** One request; resolves whether the server holds long polls (its answer's media type). */
  async function poll(name: string, cfg: BundleServiceConfig, stageOnly = false): Promise<boolean> {
    const st = states.get(name)!;
    st.last_request = now();
    const headers: Record<string, string> = { 'user-agent': `regate/${REGATE_VERSION}`, accept: `${BUNDLE_MEDIA_TYPE}, application/gzip, application/octet-stream` };
    const etag = etags.get(name);
    if (etag !== undefined) headers['if-none-match'] = etag;
    const wait = cfg.polling.long_polling_timeout_s;
    if (wait > 0) headers['prefer'] = `wait=${wait}`;
    const creds = credentials.get(name)!;
    const ac = new AbortController();
    aborts.add(ac);
    try {
      Object.assign(headers, await creds.headers(ac.signal));
      const dispatcher = await creds.dispatcher();
      const res = await request(cfg.url, { method: 'GET', headers, signal: ac.signal, headersTimeout: (wait + 30) * 1000, bodyTimeout: 60_000, ...(dispatcher ? { dispatcher } : {}) }).catch((err: unknown) => {
        throw new Error(`bundle download failed: ${creds.describe(err)}`);
      });
      const longPoll = String(res.headers['content-type'] ?? '').startsWith(BUNDLE_MEDIA_TYPE);
      if (res.statusCode === 304) {
        await res.body.dump();
        st.last_successful_request = now();
        // the server and the credentials work again: an earlier failure is over, unless it was this revision's
        if (st.code !== undefined && (etag === undefined || refusedTags.get(name) !== etag)) {
          clearFailure(st);
          opts.logger.info({ bundle: name, active_revision: st.active_revision }, 'bundle server reachable again; the active revision is current');
          postStatus();
        }
        return longPoll;
      }
      if (res.statusCode !== 200) {
        await res.body.dump();
        // RFC 6750 §3: a refused token says why in WWW-Authenticate; the next request gets a new one
        const challenge = res.statusCode === 401 ? String(res.headers['www-authenticate'] ?? '').slice(0, 200) : '';
        if (res.statusCode === 401) creds.refused();
        throw Object.assign(new Error(`bundle server answered ${res.statusCode}${challenge ? ` (${challenge})` : ''}`), { code: 'bundle_error' });
      }
      const bytes = new Uint8Array(await res.body.arrayBuffer());
      st.last_successful_request = st.last_successful_download = now();
      const newTag = typeof res.headers['etag'] === 'string' ? res.headers['etag'] : undefined;
      await install(name, cfg, bytes, newTag, stageOnly);
      return longPoll;
    } finally {
      aborts.delete(ac);
    }
  }

  /** Verify, stage as the candidate, activate; persist as the bundle only when activation succeeded. */
  async function install(name: string, cfg: BundleServiceConfig, bytes: Uint8Array, etag: string | undefined, stageOnly = false): Promise<void> {
    const st = states.get(name)!;
    const verify = bundleVerifier(cfg, opts.baseDir);
    // verified here, before anything is written: a tampered download never reaches the disk
    const b = await readOpaBundle(bytes, { name, ...(verify ? { verify: await verify() } : {}) }).catch((err: unknown) => {
      if (etag !== undefined) refuse(name, etag); // no re-download of the same bad bytes
      throw Object.assign(err as Error, { bundleCode: 'bundle_error' });
    });
    const dir = dirOf(name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'candidate.tar.gz.tmp'), bytes);
    await rename(join(dir, 'candidate.tar.gz.tmp'), join(dir, 'candidate.tar.gz'));
    if (stageOnly) {
      staged.set(name, { etag, revision: b.manifest.revision });
      return;
    }
    const run = chain.then(() => opts.activate());
    chain = run.catch(() => undefined);
    let result: boolean | string | null;
    try {
      result = await run;
    } catch (err) {
      result = err instanceof Error ? err.message : String(err);
    }
    if (result === true) {
      await rename(join(dir, 'candidate.tar.gz'), join(dir, 'bundle.tar.gz'));
      if (etag !== undefined) {
        etags.set(name, etag);
        await writeFile(join(dir, 'etag'), etag);
      } else etags.delete(name);
      st.active_revision = b.manifest.revision;
      st.last_successful_activation = now();
      refusedTags.delete(name);
      clearFailure(st);
      opts.logger.info({ bundle: name, revision: b.manifest.revision }, 'bundle activated');
      postStatus();
      return;
    }
    await rm(join(dir, 'candidate.tar.gz'), { force: true });
    if (etag !== undefined) refuse(name, etag);
    throw Object.assign(new Error(`activation failed: ${typeof result === 'string' ? result : 'the policy set does not load'}`), { bundleCode: 'bundle_error' });
  }

  function refuse(name: string, etag: string): void {
    etags.set(name, etag);
    refusedTags.set(name, etag);
  }

  function clearFailure(st: BundleStatus): void {
    delete st.code;
    delete st.message;
  }

  function fail(name: string, err: unknown): void {
    const st = states.get(name)!;
    st.code = 'bundle_error';
    st.message = err instanceof Error ? err.message : String(err);
    opts.logger.error({ bundle: name, error: st.message, active_revision: st.active_revision }, 'bundle download or activation failed; keeping the active revision');
    postStatus();
  }

  function loop(name: string, cfg: BundleServiceConfig): void {
    let failures = 0;
    const { min_delay_s: min, max_delay_s: max } = cfg.polling;
    const next = (ms: number) => {
      if (closed) return;
      const t = setTimeout(() => {
        timers.delete(t);
        void poll(name, cfg).then(
          (longPoll) => {
            failures = 0;
            next(longPoll && cfg.polling.long_polling_timeout_s > 0 ? 0 : (min + Math.random() * Math.max(0, max - min)) * 1000);
          },
          (err: unknown) => {
            if (closed) return;
            fail(name, err);
            failures++;
            // exponential from min_delay_s, capped at max_delay_s, full jitter
            const cap = Math.min(max, Math.max(min, 0.5) * 2 ** Math.min(failures - 1, 16));
            next(Math.random() * cap * 1000);
          },
        );
      }, ms);
      t.unref();
      timers.add(t);
    };
    // long polling: the server holds the request until there is something new, so ask at once
    next(cfg.polling.long_polling_timeout_s > 0 ? 0 : (min + Math.random() * Math.max(0, max - min)) * 1000);
  }

  return {
    readers: () => readers,
    async initial() {
      for (const [name, cfg] of entries) {
        // a candidate left by a process that died while activating it is not trusted
        await rm(join(dirOf(name), 'candidate.tar.gz'), { force: true });
        // the persisted ETag goes out with the first request: an unchanged bundle is a 304
        try {
          const persisted = await readFile(join(dirOf(name), 'bundle.tar.gz'));
          const tag = await readFile(join(dirOf(name), 'etag'), 'utf8').catch(() => undefined);
          if (tag !== undefined) etags.set(name, tag);
          states.get(name)!.active_revision = (await readOpaBundle(persisted, { name })).manifest.revision;
        } catch {
          /* nothing persisted yet */
        }
        try {
          await poll(name, cfg, true);
        } catch (err) {
          fail(name, err);
        }
      }
    },
    async confirmInitial(ok: boolean) {
      for (const [name, s] of staged) {
        const dir = dirOf(name);
        const st = states.get(name)!;
        if (ok) {
          await rename(join(dir, 'candidate.tar.gz'), join(dir, 'bundle.tar.gz'));
          if (s.etag !== undefined) (etags.set(name, s.etag), await writeFile(join(dir, 'etag'), s.etag));
          st.active_revision = s.revision;
          st.last_successful_activation = now();
          refusedTags.delete(name);
          clearFailure(st);
        } else {
          await rm(join(dir, 'candidate.tar.gz'), { force: true });
          if (s.etag !== undefined) refuse(name, s.etag);
          fail(name, new Error(`revision ${s.revision} does not load; the persisted bundle is used`));
        }
      }
      const had = staged.size > 0;
      staged.clear();
      if (ok && had) postStatus();
      return had;
    },
    start() {
      for (const [name, cfg] of entries) loop(name, cfg);
    },
    status: () => [...states.values()].map((s) => ({ ...s })),
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      for (const a of aborts) a.abort();
      await Promise.allSettled([...credentials.values()].map((c) => c.close()));
    },
  };
}

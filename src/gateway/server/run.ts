/**
 * Runs regate from a validated config: the data plane (one gateway, or `listen.workers` worker
 * threads each running its own uWS app on the same port), the admin listener, and graceful
 * drain. What `regate start` and `regate demo` call.
 *
 * Port sharing: N worker threads listen on one port; uSockets binds with SO_REUSEPORT (both the
 * trufflesuite v20.30 and the official v20.56 builds), and the kernel spreads connections over
 * the threads' accept queues. It does so only for a given port — an ephemeral bind cannot be
 * joined — so `port: 0` first picks a free port for all workers. A build that cannot share a
 * port makes `workers` > 1 a ConfigError on `listen.workers` rather than silently one worker.
 * Metrics: every worker has its own prom-client registry; /metrics merges them on request
 * (AggregatorRegistry.aggregate), so counters and histograms are totals across workers.
 */
import { availableParallelism } from 'node:os';
import { createServer } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { AggregatorRegistry, collectDefaultMetrics, Registry } from 'prom-client';
import type { GatewayConfig } from '../config/types.js';
import { buildStages } from '../pipeline/stages.js';
import { startAdminServer, type AdminServer } from '../admin/admin-server.js';
import { createGateway, type GatewayStatus } from './gateway.js';
import { loadUws } from './uws-loader.js';
import { assertPortFree, PortInUseError } from './port-guard.js';
import { createMtlsTerminator, type MtlsTarget } from './mtls-terminator.js';
import { assertListenerFiles } from './tls-listener.js';
import { ConfigError } from '../errors.js';
import { lineOfKey } from '../config/load.js';
import { registerCertExpiry } from './cert-expiry.js';
import { tlsFilesOf, watchTlsFiles } from './tls-file-watch.js';
import { resolve } from 'node:path';

export interface RunningRegate {
  port: number;
  adminPort: number | null;
  workers: number;
  /** graceful: stop accepting, finish in-flight requests up to the drain deadline, close pools */
  close(): Promise<void>;
  /**
   * re-reads the TLS files (listener, upstreams, token servers) in every worker (SIGHUP; also run
   * when the watched files change, tls-file-watch.ts); reloads never overlap: one waits for the other
   */
  reload(): Promise<void>;
}

export function resolveWorkers(config: GatewayConfig): number {
  return config.listen.workers === 'auto' ? Math.max(1, availableParallelism()) : config.listen.workers;
}

/**
 * @example const running = await startRegate(loadConfigFile('regate.yaml'), pino());
 */
export async function startRegate(config: GatewayConfig, logger: Logger): Promise<RunningRegate> {
  const { build } = loadUws(); // fail fast, before threads, when no uWS build runs here
  logger.info({ uws: build }, `uWebSockets.js ${build.package}@${build.version} (${build.binary})`);
  const n = resolveWorkers(config);
  // another process on our ports would share them (SO_REUSEPORT) or fail us later: refuse now
  await assertPortFree(config.listen.host, config.listen.port, 'listen.port');
  if (config.listen.tls?.plain) await assertPortFree(config.listen.host, config.listen.tls.plain.port, 'listen.tls.plain.port');
  if (config.admin.enabled) await assertPortFree(config.admin.host, config.admin.port, 'admin.port');
  const plane = n === 1 ? await startInProcess(config, logger) : await startWorkers(config, logger, n);
  let admin: AdminServer | null = null;
  if (config.admin.enabled) {
    admin = await startAdminServer({ host: config.admin.host, port: config.admin.port, build, metrics: plane.metrics, workers: plane.status, checks: plane.checks, ...(plane.jwks ? { jwks: plane.jwks } : {}) });
    logger.info({ host: config.admin.host, port: admin.port }, 'admin listening');
  }
  // SIGHUP and a file change may meet: one reload at a time, each after the one before
  let last: Promise<void> = Promise.resolve();
  const reload = () => {
    const next = last.then(() => plane.reload());
    last = next.catch(() => undefined);
    return next;
  };
  const files = tlsFilesOf(config);
  const watcher =
    files.length > 0
      ? watchTlsFiles(
          files,
          (changed) =>
            void reload().then(
              () => logger.info({ files: changed }, 'TLS files changed: certificates reloaded'),
              (err: unknown) => logger.error({ err, files: changed }, 'TLS files changed: reload failed; the old certificates stay in use'),
            ),
          { logger },
        )
      : null;
  return {
    port: plane.port,
    adminPort: admin?.port ?? null,
    workers: n,
    async close() {
      watcher?.close();
      await plane.close();
      await admin?.close();
    },
    reload,
  };
}

interface Plane {
  port: number;
  metrics(): Promise<{ contentType: string; body: string }>;
  status(): Promise<GatewayStatus[]>;
  checks: Map<string, () => { ok: boolean; detail?: unknown }>;
  /** public keys of gateway-signed JWT credentials (admin /.well-known/jwks.json) */
  jwks?: () => { keys: unknown[] };
  close(): Promise<void>;
  reload(): Promise<void>;
}

async function startInProcess(config: GatewayConfig, logger: Logger): Promise<Plane> {
  const registry = new Registry();
  collectProcessMetrics(registry);
  const certs = registerCertExpiry(registry, config, logger);
  const built = await buildStages(config, { logger, registry });
  const gw = createGateway({ config, logger, registry, stages: built.stages, ...(built.onComplete ? { onComplete: built.onComplete } : {}), ...(built.payload ? { payload: built.payload } : {}), ...(built.telemetry ? { telemetry: built.telemetry } : {}) });
  const port = await gw.listen(config.listen.port, { exclusive: true });
  return {
    port,
    metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
    status: async () => [gw.status()],
    checks: built.checks,
    ...(built.jwks ? { jwks: built.jwks } : {}),
    async close() {
      await gw.close();
      await built.close();
    },
    // SIGHUP: the token servers' TLS files, then the listener's and the upstreams'
    // (both are tried: a bad token-server file does not hold back a renewed listener certificate)
    reload: async () => {
      let failure: { err: unknown } | null = null;
      try {
        built.reloadTls();
      } catch (err) {
        failure = { err };
      }
      await gw.reloadTls();
      // expiry values only for the files a reload took: a failed one keeps serving the old ones
      certs.refresh(failure === null);
      if (failure !== null) throw failure.err;
    },
  };
}

type Reply = { id: number; ok: boolean; value?: unknown; error?: string };

async function startWorkers(config: GatewayConfig, logger: Logger, n: number): Promise<Plane> {
  // policies.bundles: one download per instance, here, and one compile per instance, in this
  // thread's compile thread (authz/compile-thread.ts); the workers get the compiled set and
  // switch revisions together (two-phase: all instantiate, then all swap)
  const policies = config.policies;
  const bundles = policies?.bundles !== undefined && config.routes.some((r) => r.policy !== undefined) ? policies.bundles : undefined;
  // loaded only then: a gateway without policies never loads the policy engine (stages.ts)
  const authz = bundles !== undefined ? await import('../authz/index.js') : undefined;
  // kept warm: every downloaded revision compiles there (authz/compile-thread.ts)
  const compiler = authz !== undefined ? authz.createCompileThread(authz.policyCompileSpec(config), { idleMs: Number.POSITIVE_INFINITY }) : undefined;
  const service =
    authz !== undefined && compiler !== undefined && bundles !== undefined && policies !== undefined
      ? authz.createBundleService({
          bundles,
          persistDir: resolve(config.source.dir, policies.persist_dir),
          baseDir: config.source.dir,
          logger,
          ...(policies.status ? { status: policies.status } : {}),
          activate: async () => {
            // a compile error goes to the workers too: each records it (/readyz, metrics, log)
            const from = await compiler.compile().then(
              (compiled) => ({ compiled }),
              (err: unknown) => ({ error: authz.serializeCompileError(err) }),
            );
            const staged = (await Promise.all(workers.map((w) => ask(w, { type: 'bundles-stage', ...from }, 120_000)))) as (string | null)[];
            const error = staged.find((e) => e !== null);
            if (error !== undefined && error !== null) {
              await Promise.all(workers.map((w) => ask(w, { type: 'bundles-abort' })));
              return error;
            }
            await Promise.all(workers.map((w) => ask(w, { type: 'bundles-commit' })));
            return true;
          },
        })
      : undefined;
  await service?.initial();
  const entry = new URL(`./worker-main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  const workers: Worker[] = [];
  const pending = new Map<number, { w: Worker; done: (r: Reply) => void }>();
  let nextId = 1;
  const ask = (w: Worker, msg: object, ms = 30_000) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`worker ${w.threadId} did not answer`));
      }, ms);
      pending.set(id, {
        w,
        done: (r) => {
          pending.delete(id);
          clearTimeout(timer);
          if (r.ok) resolve(r.value);
          else reject(new Error(r.error));
        },
      });
      w.postMessage({ ...msg, id });
    });
  const spawn = (index: number) => {
    // From source (tests, `tsx`), a worker does not inherit the parent's TypeScript loader on
    // Node 20, so it registers tsx itself (or the test suite's lighter loader, REGATE_TS_LOADER, which
    // test/helpers/ts-loader.mjs sets) before importing the entry. Built code runs the .js.
    const w = entry.pathname.endsWith('.ts')
      ? new Worker(`(process.env.REGATE_TS_LOADER ? import(process.env.REGATE_TS_LOADER) : import('tsx/esm/api').then((m) => m.register())).then(() => import(${JSON.stringify(entry.href)}))`, { eval: true, workerData: { config, index, ...(service ? { bundleDriver: 'parent' } : {}) } })
      : new Worker(entry, { workerData: { config, index, ...(service ? { bundleDriver: 'parent' } : {}) } });
    w.on('message', (r: Reply) => pending.get(r.id)?.done(r));
    // a worker that fails (its first policy load, say) never answers: its questions fail with
    // its error at once, rather than 30 s later as "did not answer"
    const failPending = (error: string) => {
      for (const [id, p] of pending) if (p.w === w) p.done({ id, ok: false, error });
    };
    w.on('error', (err) => {
      logger.error({ worker: index, err }, 'gateway worker failed');
      failPending(err instanceof Error ? err.message : String(err));
    });
    w.on('exit', (code) => failPending(`worker ${index} exited (code ${code})`));
    workers.push(w);
    return w;
  };
  if (config.listen.tls !== undefined && config.listen.tls.client_auth !== 'none') return startMtlsWorkers(config, logger, n, { spawn, ask, workers, service, compiler });
  // uSockets sets SO_REUSEPORT only when binding a given port: an ephemeral bind (port 0) cannot
  // be joined. So with `port: 0` we pick a free port first, and every worker binds that one.
  const wanted = config.listen.port === 0 ? await freePort(config.listen.host) : config.listen.port;
  const port = (await ask(spawn(0), { type: 'listen', port: wanted }).catch(async (err: unknown) => {
    // the first worker's load failed: with nothing persisted, say why the download failed too
    if (service && err instanceof Error) err.message += (await import('../authz/index.js')).downloadFailures(service.status());
    throw err;
  })) as number;
  const joins = await Promise.allSettled(Array.from({ length: n - 1 }, (_, i) => ask(spawn(i + 1), { type: 'listen', port })));
  if (joins.some((j) => j.status === 'rejected')) {
    // uWS threads may only exit after their app is closed (else Node aborts on open handles).
    await Promise.allSettled(workers.map((w) => ask(w, { type: 'close' }, 5000)));
    await Promise.all(workers.map((w) => w.terminate()));
    const { build } = loadUws();
    throw new ConfigError(
      `${n} workers cannot share port ${port}: the loaded uWS build (${build.package}@${build.version}) does not listen with SO_REUSEPORT. ` +
        'Use workers: 1 and run one regate process per core on its own port behind a load balancer, or a build that shares ports',
      'listen.workers',
      lineOfKey(config, ['listen', 'workers']),
      config.source.file,
    );
  }
  logger.info({ port, workers: n }, 'gateway workers listening');
  // every worker loaded the staged downloads (a worker whose first load fails never listens)
  await service?.confirmInitial(true);
  compiler?.warm();
  service?.start();
  const { certs, ...readouts } = workerReadouts(config, logger, workers, ask, service);
  return {
    port,
    ...readouts,
    async reload() {
      await Promise.all(workers.map((w) => ask(w, { type: 'reload' })));
      certs.refresh(true);
    },
    async close() {
      await service?.close();
      await compiler?.close();
      await Promise.allSettled(workers.map((w) => ask(w, { type: 'close' }, config.listen.drain_timeout_ms + 10_000)));
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/**
 * Workers behind one mTLS terminator (`client_auth: optional|required`, mtls-terminator.ts).
 * Node 20's `net` cannot share a port between threads (no SO_REUSEPORT), so the terminator — TLS
 * handshakes, certificate checks, encryption — runs here, in the main thread, and hands each
 * connection to the next worker's private unix socket in turn. The worker learns the
 * connection's certificate and address by message before the stream opens (one message round
 * trip per connection, none per request) and drops it when its uWS closed the stream.
 */
async function startMtlsWorkers(
  config: GatewayConfig,
  logger: Logger,
  n: number,
  w: {
    spawn(index: number): Worker;
    ask(worker: Worker, msg: object, ms?: number): Promise<unknown>;
    workers: Worker[];
    service: { confirmInitial(ok: boolean): Promise<unknown>; start(): void; close(): Promise<unknown>; status(): unknown } | undefined;
    compiler: { warm(): void; close(): Promise<unknown> } | undefined;
  },
): Promise<Plane> {
  const tls = config.listen.tls as NonNullable<GatewayConfig['listen']['tls']>;
  const paths = (await Promise.all(Array.from({ length: n }, (_, i) => w.ask(w.spawn(i), { type: 'listen', mtls: 'external' })))) as string[];
  // a worker that exited gets no more connections (its unix socket went with it)
  const exited = new Set<Worker>();
  for (const worker of w.workers) worker.once('exit', () => exited.add(worker));
  const targets: MtlsTarget[] = w.workers.map((worker, i) => ({
    path: paths[i] as string,
    usable: () => !exited.has(worker),
    open: (cid, conn) => w.ask(worker, { type: 'mtls-open', cid, conn }).then(() => undefined),
    close: (cid) => worker.postMessage({ type: 'mtls-close', cid }),
  }));
  const terminator = createMtlsTerminator({ tls, targets, logger });
  let port: number;
  try {
    port = await terminator.listen(config.listen.port, config.listen.host);
  } catch (err) {
    await Promise.allSettled(w.workers.map((x) => w.ask(x, { type: 'close' }, 5000)));
    await Promise.all(w.workers.map((x) => x.terminate()));
    throw (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new PortInUseError(config.listen.host, config.listen.port, 'listen.port') : err;
  }
  logger.info({ port, workers: n, mtls: tls.client_auth }, 'gateway workers listening behind the mTLS terminator');
  await w.service?.confirmInitial(true);
  w.compiler?.warm();
  w.service?.start();
  const { certs, ...readouts } = workerReadouts(config, logger, w.workers, w.ask, w.service);
  return {
    port,
    ...readouts,
    async reload() {
      // the listener's files here (a bad one throws and keeps the running ones), the rest in the workers
      let failure: { err: unknown } | null = null;
      try {
        assertListenerFiles(tls);
        terminator.reload();
        logger.info({ port, mtls: true }, 'TLS certificates reloaded');
      } catch (err) {
        failure = { err };
      }
      await Promise.all(w.workers.map((x) => w.ask(x, { type: 'reload' })));
      certs.refresh(failure === null);
      if (failure !== null) throw failure.err;
    },
    async close() {
      terminator.stopAccepting();
      await w.service?.close();
      await w.compiler?.close();
      await Promise.allSettled(w.workers.map((x) => w.ask(x, { type: 'close' }, config.listen.drain_timeout_ms + 10_000)));
      terminator.destroyAll();
      await Promise.all(w.workers.map((x) => x.terminate()));
    },
  };
}

/**
 * What every worker plane (plain workers, workers behind the mTLS terminator) reads the same way:
 * /metrics merged over the workers plus this thread's process metrics — taken here, once, since a
 * worker's would count the one process N times — each worker's status, the bundles check, and the
 * certificate-expiry gauges (refreshed by the plane's reload).
 */
function workerReadouts(
  config: GatewayConfig,
  logger: Logger,
  workers: readonly Worker[],
  ask: (worker: Worker, msg: object) => Promise<unknown>,
  service: { status(): unknown } | undefined,
): Pick<Plane, 'metrics' | 'status' | 'checks'> & { certs: ReturnType<typeof registerCertExpiry> } {
  const checks: Plane['checks'] = new Map();
  if (service) checks.set('bundles', () => ({ ok: true, detail: service.status() }));
  const aggregate = AggregatorRegistry as unknown as { aggregate(list: unknown[][]): Registry };
  const own = new Registry();
  collectProcessMetrics(own);
  const certs = registerCertExpiry(own, config, logger);
  return {
    certs,
    checks,
    async metrics() {
      const all = (await Promise.all([...workers.map((x) => ask(x, { type: 'metrics' })), own.getMetricsAsJSON()])) as unknown[][];
      const reg = aggregate.aggregate(all);
      return { contentType: reg.contentType, body: await reg.metrics() };
    },
    status: async () => (await Promise.all(workers.map((x) => ask(x, { type: 'status' })))) as GatewayStatus[],
  };
}

/**
 * prom-client's process and Node.js metrics (CPU, memory, heap spaces, event-loop lag, GC,
 * handles), under the `regate_` prefix so they sit with the gateway's own. With worker threads
 * they describe the process and the main thread's event loop (README "Metrics").
 */
function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, prefix: 'regate_' });
}

/** A port that is free right now on `host` (the kernel's choice for an ephemeral bind). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

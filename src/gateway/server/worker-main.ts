/**
 * Entry of one gateway worker thread (see run.ts): builds its own stages, registry and uWS
 * app from the config the main thread validated, and answers the main thread's requests
 * (listen, metrics, status, close).
 */
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { GatewayConfig } from '../config/types.js';
import { buildStages } from '../pipeline/stages.js';
import { createGateway } from './gateway.js';
import { createLoopMetrics } from '../admin/loop-metrics.js';
import type { CompiledPolicySet, SerializedCompileError } from '../authz/index.js';
import type { MtlsConnection } from './mtls-connections.js';

const { config, index, bundleDriver } = workerData as { config: GatewayConfig; index: number; bundleDriver?: 'self' | 'parent' };
const logger = pino({ level: config.log.level }).child({ worker: index });
const registry = new Registry();
const stopLoopMetrics = createLoopMetrics(registry, index);
const built = await buildStages(config, { logger, registry, ...(bundleDriver ? { bundleDriver } : {}) });
const gw = createGateway({ config, logger, registry, stages: built.stages, worker: index, ...(built.onComplete ? { onComplete: built.onComplete } : {}), ...(built.payload ? { payload: built.payload } : {}), ...(built.telemetry ? { telemetry: built.telemetry } : {}) });

parentPort?.on('message', (msg: { id: number; type: string; port?: number; mtls?: 'external'; cid?: string; conn?: MtlsConnection; compiled?: CompiledPolicySet; error?: SerializedCompileError }) => {
  const reply = (p: Promise<unknown>) =>
    p.then(
      (value) => parentPort?.postMessage({ id: msg.id, ok: true, value }),
      (err: unknown) => parentPort?.postMessage({ id: msg.id, ok: false, error: String(err) }),
    );
  switch (msg.type) {
    case 'listen':
      // behind the main thread's mTLS terminator (run.ts): the answer is the unix socket's path
      if (msg.mtls === 'external') return reply(gw.listen(0, { mtls: 'external' }).then(() => gw.mtls()?.path));
      return reply(gw.listen(msg.port));
    // the terminator's connection table entries (mtls-connections.ts): an open is answered, so
    // the terminator opens the stream only once this worker knows the connection
    case 'mtls-open':
      gw.mtls()?.connections.open(msg.cid as string, msg.conn as MtlsConnection);
      return reply(Promise.resolve(true));
    case 'mtls-close':
      gw.mtls()?.connections.close(msg.cid as string);
      return;
    case 'metrics':
      return reply(registry.getMetricsAsJSON());
    case 'status':
      return reply(Promise.resolve(gw.status()));
    case 'reload':
      // the token servers' TLS files (stages.ts), then the listener's and the upstreams'
      // (both are tried: a bad token-server file does not hold back a renewed listener certificate)
      return reply(
        Promise.resolve()
          .then(() => built.reloadTls())
          .then(
            () => gw.reloadTls(),
            (err: unknown) => gw.reloadTls().then(() => Promise.reject(err)),
          ),
      );
    // policies.bundles: the main thread downloaded a new revision and compiled it once (its
    // compile thread); every worker instantiates it (stage), then all swap on the next message
    // (commit), or drop it (abort) if one failed. A compile error comes as `error`: recorded
    // here as a failed reload, like one of this worker's own.
    case 'bundles-stage':
      return reply(built.policy ? built.policy.stage(msg.compiled ? { compiled: msg.compiled } : msg.error ? { error: msg.error } : undefined) : Promise.resolve(null));
    case 'bundles-commit':
      return reply(Promise.resolve(built.policy?.commit() ?? false));
    case 'bundles-abort':
      return reply(Promise.resolve(built.policy?.abort()));
    case 'close':
      return reply(gw.close().then(() => built.close()).finally(stopLoopMetrics));
  }
});

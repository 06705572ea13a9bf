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

const { config, index } = workerData as { config: GatewayConfig; index: number };
const logger = pino({ level: config.log.level }).child({ worker: index });
const registry = new Registry();
const stopLoopMetrics = createLoopMetrics(registry, index);
const built = await buildStages(config, { logger, registry });
const gw = createGateway({ config, logger, registry, stages: built.stages, worker: index, ...(built.onComplete ? { onComplete: built.onComplete } : {}), ...(built.payload ? { payload: built.payload } : {}), ...(built.telemetry ? { telemetry: built.telemetry } : {}) });

parentPort?.on('message', (msg: { id: number; type: string; port?: number }) => {
  const reply = (p: Promise<unknown>) =>
    p.then(
      (value) => parentPort?.postMessage({ id: msg.id, ok: true, value }),
      (err: unknown) => parentPort?.postMessage({ id: msg.id, ok: false, error: String(err) }),
    );
  switch (msg.type) {
    case 'listen':
      return reply(gw.listen(msg.port));
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
    case 'close':
      return reply(gw.close().then(() => built.close()).finally(stopLoopMetrics));
  }
});

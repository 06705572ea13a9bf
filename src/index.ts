/**
 * regate as a library: run the gateway from a config, and reach the two public subsystems.
 *
 * @example
 * import { loadConfigFile, startRegate } from 'regate';
 * import pino from 'pino';
 * const running = await startRegate(loadConfigFile('regate.yaml'), pino());
 * // … later
 * await running.close();
 *
 * Event consumers live in `regate/consumer`, the Rego toolchain in `regate/policy`.
 */
export { loadConfigFile, loadConfigText } from './gateway/config/load.js';
export { startRegate, type RunningRegate } from './gateway/server/run.js';
export { createGateway, type Gateway, type GatewayOptions } from './gateway/server/gateway.js';
export { GatewayError, ConfigError, GATEWAY_ERRORS, type GatewayErrorCode } from './gateway/errors.js';
export type { RequestContext, Stage, TokenInfo, Decision } from './gateway/pipeline/context.js';
export { verifyHmacSignature, contentDigest } from './gateway/mapping/credentials/index.js';

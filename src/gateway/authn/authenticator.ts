/**
 * What the JWT and introspection authenticators share: one method that answers synchronously
 * from the cache and with a promise otherwise, so a cached token allocates no promise
 * (context.ts "Stages return synchronously when they can").
 */
import type { Logger } from 'pino';
import type { AuthOutcome } from '../pipeline/context.js';
import type { AuthnMetrics } from './metrics.js';

export interface TokenAuthenticator {
  /** `key` is `hashToken(token)`, computed once by the stage. Rejects with a GatewayError. */
  authenticate(token: string, key: string): AuthOutcome | Promise<AuthOutcome>;
  /** Forgets what the caches hold for `key` (a revoked token must not be answered from them). */
  evict(key: string): void;
  close(): Promise<void>;
}

export interface AuthenticatorDeps {
  logger: Logger;
  metrics: AuthnMetrics;
  realm: string;
  /** wall clock in ms; tests move it to cross `exp` and cache lifetimes without sleeping */
  now: () => number;
  /**
   * where an authenticator with an https token server puts the re-read of its `tls` files
   * (AuthenticateStage.reloadTls, called on SIGHUP); absent: nothing to reload
   */
  tlsReloads?: (() => void)[];
}

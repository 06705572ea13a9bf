/**
 * Config sections for tests and benches that build one stage without a whole regate.yaml: each
 * part goes through the loader's own schema fragment (defaults, validation, freezing), exactly
 * what the stage gets in production (config/load.ts `resolveConfigSection`).
 *
 * Example:
 * ```ts
 * createRateLimitStage(configSections({ redis: { url }, ratelimit: { timeout_ms: 500 } }), deps);
 * createAuthenticateStage(configSections({ tokens: { jwt: {...} } }).tokens, deps);
 * ```
 */
import { resolveConfigSection } from '../../src/gateway/config/load.js';
import type { ConfigSections } from '../../src/gateway/config/types.js';

export function configSections<T extends { [K in keyof ConfigSections]?: unknown }>(raw: T): { [K in keyof T & keyof ConfigSections]: ConfigSections[K] } {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(raw) as (keyof ConfigSections)[]) out[k] = resolveConfigSection(k, raw[k]);
  return out as { [K in keyof T & keyof ConfigSections]: ConfigSections[K] };
}

/** The `tokens` section alone. */
export function tokensSection(raw: unknown): ConfigSections['tokens'] {
  return resolveConfigSection('tokens', raw);
}

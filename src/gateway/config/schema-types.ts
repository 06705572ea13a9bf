/**
 * Compile-time check that the hand-written section types (types.ts) and the JSON schema
 * (schema.ts and its fragments) name the same keys: a key added to one and not the other fails
 * `tsc` here, naming the section. The types are written out rather than inferred from the schema
 * because they carry documentation and narrower shapes (`readonly`, unions) that inference loses.
 */
import type { configSchema } from './schema.js';
import type { eventsSchema, redisSchema } from './events-schema.js';
import type { rateLimitSchema } from './ratelimit-schema.js';
import type { tokensSchema } from './tokens-schema.js';
import type { payloadEncryptionSchema } from './payload-schema.js';
import type { telemetrySchema } from './telemetry-schema.js';
import type { EventsConfig, GatewayConfig, IntrospectionConfig, JwtConfig, PayloadEncryptionConfig, RateLimitConfig, RedisConfig, RevocationConfig, TelemetryConfig, TokensConfig } from './types.js';

type Props<S> = S extends { readonly properties: infer P } ? keyof P : never;
/** `true` when T's keys and the schema's properties are the same set; otherwise the odd keys. */
type SameKeys<T, S> = [Exclude<keyof T, Props<S>>, Exclude<Props<S>, keyof T>] extends [never, never] ? true : { onlyInType: Exclude<keyof T, Props<S>>; onlyInSchema: Exclude<Props<S>, keyof T> };

export const sectionKeysMatch: {
  root: SameKeys<Omit<GatewayConfig, 'source'>, typeof configSchema>;
  tokens: SameKeys<TokensConfig, typeof tokensSchema>;
  jwt: SameKeys<JwtConfig, (typeof tokensSchema)['properties']['jwt']>;
  introspection: SameKeys<IntrospectionConfig, (typeof tokensSchema)['properties']['introspection']>;
  revocation: SameKeys<RevocationConfig, (typeof tokensSchema)['properties']['revocation']>;
  redis: SameKeys<RedisConfig, typeof redisSchema>;
  events: SameKeys<EventsConfig, typeof eventsSchema>;
  ratelimit: SameKeys<RateLimitConfig, typeof rateLimitSchema>;
  leases: SameKeys<RateLimitConfig['leases'], (typeof rateLimitSchema)['properties']['leases']>;
  payload: SameKeys<PayloadEncryptionConfig, typeof payloadEncryptionSchema>;
  telemetry: SameKeys<TelemetryConfig, typeof telemetrySchema>;
} = { root: true, tokens: true, jwt: true, introspection: true, revocation: true, redis: true, events: true, ratelimit: true, leases: true, payload: true, telemetry: true };

/**
 * JSON schema fragments for the `redis` and `events` sections of regate.yaml. The config loader
 * (src/gateway/config) composes the fragments; defaults live here, next to the code that uses them.
 */
export const redisSchema = { type: 'object' } as const;
export const eventsSchema = { type: 'object' } as const;

/**
 * JSON schema fragment for this stage's section of regate.yaml. The config loader
 * (src/gateway/config) composes the fragments; defaults live here, next to the code that uses them.
 */
export const rateLimitSchema = { type: 'object' } as const;

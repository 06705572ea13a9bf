/**
 * The shape most of regate.yaml's mappings share: every key listed (a misspelt key is an error
 * naming it, not silently ignored), and an absent mapping filled in with its keys' defaults (Ajv
 * `useDefaults` applies `default: {}`, then the defaults inside it), so the stages read
 * `config.x.y` without checking whether `x` was written. Mappings with required keys, or that
 * stay absent when not written (they switch something on), are spelt out where they are.
 *
 * The literal types of `properties` are kept (`const` type parameter), so schema-types.ts still
 * compares each section's keys with its type in types.ts.
 *
 * @example
 *   export const telemetrySchema = section({ sample_ratio: { type: 'number', minimum: 0, maximum: 1, default: 1 } });
 *   // = { type: 'object', additionalProperties: false, default: {}, properties: { sample_ratio: … } }
 */
export function section<const P extends Readonly<Record<string, unknown>>>(properties: P) {
  return { type: 'object', additionalProperties: false, default: {}, properties } as const;
}

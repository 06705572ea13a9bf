/**
 * The parts of Go's `time` package that OPA's time.* builtins expose: civil time and zones
 * (go-civil.ts), reference-time layouts (go-layout.ts) and durations (go-duration.ts).
 */
export * from '../shared/go-civil.js';
export * from './go-layout.js';
export * from '../shared/go-duration.js';

/** Public surface of the Rego value model. See ./types.ts for the representation. */
export * from './types.js';
export { parseJson, fromJs, toJs, stringifyJson, formatNumber } from './json.js';
export { formatValue } from './format.js';

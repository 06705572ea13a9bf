/**
 * Rego term syntax for values — what `sprintf("%v")`, `print` and error messages show:
 * strings quoted, sets as `{1, 2}` (empty: `set()`), objects as `{"a": 1}`.
 */
import { formatNumber } from './number-text.js';
import { RNumber, RSet, objectEntries, type Value } from './types.js';

export function formatValue(v: Value): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return formatNumber(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      if (v === null) return 'null';
      if (v instanceof RNumber) return v.text;
      if (Array.isArray(v)) return '[' + v.map(formatValue).join(', ') + ']';
      if (v instanceof RSet) return v.size === 0 ? 'set()' : '{' + v.values().map(formatValue).join(', ') + '}';
      return '{' + objectEntries(v).map(([k, x]) => formatValue(k) + ': ' + formatValue(x)).join(', ') + '}';
  }
}

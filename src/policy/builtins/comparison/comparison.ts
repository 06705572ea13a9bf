/**
 * Comparison operators (`==`, `!=`, `<`, …). Rego orders all values totally
 * (null < boolean < number < string < array < object < set) so these never raise;
 * numbers compare exactly across double/bigint (OPA compares big.Float/big.Int exactly).
 */
import type { BuiltinDef } from '../registry.js';
import { compare, equal, type Value } from '../../value/index.js';

function cmp(name: string, test: (c: number) => boolean): BuiltinDef {
  return { name, arity: 2, impl: (args) => test(compare(args[0] as Value, args[1] as Value)) };
}

export const comparisonBuiltins: BuiltinDef[] = [
  { name: 'equal', arity: 2, impl: (args) => equal(args[0] as Value, args[1] as Value) },
  { name: 'neq', arity: 2, impl: (args) => !equal(args[0] as Value, args[1] as Value) },
  cmp('lt', (c) => c < 0),
  cmp('lte', (c) => c <= 0),
  cmp('gt', (c) => c > 0),
  cmp('gte', (c) => c >= 0),
];

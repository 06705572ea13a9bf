/**
 * Type predicates and `type_name` (OPA topdown/type.go, typename.go). The predicates return
 * false rather than undefined, matching OPA v1.
 */
import type { BuiltinDef } from '../registry.js';
import { typeName, type TypeName, type Value } from '../../value/index.js';

function is(name: string, t: TypeName): BuiltinDef {
  return { name, arity: 1, impl: (args) => typeName(args[0] as Value) === t };
}

export const typesBuiltins: BuiltinDef[] = [
  is('is_number', 'number'),
  is('is_string', 'string'),
  is('is_boolean', 'boolean'),
  is('is_array', 'array'),
  is('is_set', 'set'),
  is('is_object', 'object'),
  is('is_null', 'null'),
  { name: 'type_name', arity: 1, impl: (args) => typeName(args[0] as Value) },
];

/**
 * Converts a ground Rego term (the front end's AST, e.g. from `parseTerm('{"x": {1, 2}}')`) into
 * a Value. Used for the cases' `input_term`, which may hold sets and non-string keys that JSON
 * cannot express.
 *
 * @example
 * ```ts
 * termToValue(parseTerm('{1, "a"}')); // → RSet {1, "a"}
 * ```
 */
import { RegoError } from '../errors.js';
import { parseNumberText } from '../backend/js/runtime.js';
import { ObjectBuilder, RSet, type Value } from '../value/index.js';

/** The subset of the AST's term shapes a ground value can take (see syntax/ast.ts). */
export type GroundTerm =
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'number'; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'array'; items: GroundTerm[] }
  | { kind: 'set'; items: GroundTerm[] }
  | { kind: 'object'; entries: [GroundTerm, GroundTerm][] }
  | { kind: string };

export function termToValue(t: GroundTerm): Value {
  switch (t.kind) {
    case 'null':
      return null;
    case 'bool':
      return (t as { value: boolean }).value;
    case 'number':
      return parseNumberText((t as { text: string }).text);
    case 'string':
      return (t as { value: string }).value;
    case 'array':
      return (t as { items: GroundTerm[] }).items.map(termToValue);
    case 'set':
      return RSet.of((t as { items: GroundTerm[] }).items.map(termToValue));
    case 'object': {
      const b = new ObjectBuilder();
      for (const [k, v] of (t as { entries: [GroundTerm, GroundTerm][] }).entries) b.set(termToValue(k), termToValue(v));
      return b.build();
    }
    default:
      throw new RegoError('REGO_ERR_NOT_GROUND', `term of kind ${t.kind} is not a ground value`);
  }
}

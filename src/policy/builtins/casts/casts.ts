/**
 * `to_number` and the deprecated `cast_*` builtins (OPA topdown/casts.go).
 */
import type { BuiltinDef } from '../registry.js';
import { BuiltinError } from '../../errors.js';
import { RSet, isNumber, isNumberText, isObject, numberFromText, type Value } from '../../value/index.js';
import { operandTypeError } from '../shared/args.js';
import { isGoFloatSyntax, parseNumberText } from '../shared/num.js';

function castIdentity(name: string, test: (v: Value) => boolean, expected: string): BuiltinDef {
  return {
    name,
    arity: 1,
    impl: (args) => {
      const v = args[0] as Value;
      if (!test(v)) throw operandTypeError(name, 1, v, expected);
      return v;
    },
  };
}

export const castsBuiltins: BuiltinDef[] = [
  {
    name: 'to_number',
    arity: 1,
    impl: (args) => {
      const v = args[0] as Value;
      if (v === null) return 0;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (isNumber(v)) return v;
      if (typeof v === 'string') {
        // Go's ParseFloat accepts "inf"/"nan"; OPA refuses them as a type error.
        const lower = v.replace(/^[+-]+/, '').toLowerCase();
        if (lower === 'inf' || lower === 'infinity' || lower === 'nan') throw operandTypeError('to_number', 1, v, 'valid number string');
        const n = parseNumberText(v);
        // OPA runs strconv.ParseFloat(s, 64) on every string: beyond a double's range (an integer
        // of 400 digits too) it fails with ErrRange, a builtin error, not with a syntax error.
        if (n === undefined || (typeof n === 'bigint' && !Number.isFinite(Number(n)))) {
          const why = isGoFloatSyntax(v) ? 'value out of range' : 'invalid syntax';
          throw new BuiltinError('to_number', `strconv.ParseFloat: parsing ${JSON.stringify(v)}: ${why}`);
        }
        // OPA keeps the string as the number's text (json.Number), so "1.0" stays a float.
        return isNumberText(v) ? numberFromText(v) : n;
      }
      throw operandTypeError('to_number', 1, v, 'null', 'boolean', 'number', 'string');
    },
  },
  {
    name: 'cast_array',
    arity: 1,
    impl: (args) => {
      const v = args[0] as Value;
      if (Array.isArray(v)) return v;
      if (v instanceof RSet) return [...v.values()];
      throw operandTypeError('cast_array', 1, v, 'array', 'set');
    },
  },
  {
    name: 'cast_set',
    arity: 1,
    impl: (args) => {
      const v = args[0] as Value;
      if (Array.isArray(v)) return RSet.of(v);
      if (v instanceof RSet) return v;
      throw operandTypeError('cast_set', 1, v, 'array', 'set');
    },
  },
  castIdentity('cast_string', (v) => typeof v === 'string', 'string'),
  castIdentity('cast_boolean', (v) => typeof v === 'boolean', 'boolean'),
  castIdentity('cast_null', (v) => v === null, 'null'),
  castIdentity('cast_object', isObject, 'object'),
];

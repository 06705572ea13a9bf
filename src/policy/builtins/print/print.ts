/**
 * internal.print — what `print(...)` compiles to (OPA topdown/print.go). Its one operand is an
 * array with one set per printed argument (the set of that argument's values; empty when the
 * argument was undefined). Every combination of values becomes one line: strings verbatim,
 * other values in Rego syntax, "<undefined>" for an empty set, joined by spaces.
 */
import { BuiltinError, BuiltinTypeError } from '../../errors.js';
import { formatValue, isNumber, RSet, typeName, type Value } from '../../value/index.js';
import type { BuiltinDef } from '../registry.js';

/** Lines printed at most per call: a cross product of large sets must stay bounded. */
const MAX_LINES = 10_000;

const show = (v: Value) => (typeof v === 'string' ? v : formatValue(v));

export const printBuiltins: BuiltinDef[] = [
  {
    name: 'internal.print',
    arity: 1,
    impl: ([arr], ctx) => {
      const name = 'internal.print';
      if (!Array.isArray(arr)) throw new BuiltinTypeError(name, `operand 1 must be array but got ${typeName(arr as Value)}`);
      let lines: string[][] = [[]];
      for (const x of arr) {
        let opts: string[];
        if (typeof x === 'string' || isNumber(x) || typeof x === 'boolean' || x === null) opts = [show(x)];
        else if (x instanceof RSet) opts = x.size === 0 ? ['<undefined>'] : x.values().map(show);
        else throw new BuiltinError(name, `illegal argument type: ${typeName(x)}`);
        const next: string[][] = [];
        for (const l of lines) for (const o of opts) if (next.length < MAX_LINES) next.push([...l, o]);
        lines = next;
      }
      for (const l of lines) ctx.print(l.join(' '));
      // A void builtin in OPA; a defined result keeps the enclosing body true for back ends
      // that do not special-case void declarations.
      return true;
    },
  },
];

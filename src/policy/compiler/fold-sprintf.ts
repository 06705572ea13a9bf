/**
 * Constant folding of `sprintf(<string literal>, [<scalar literals>…])`, so that a number literal
 * keeps the type its text gives it in OPA (topdown/strings.go builtinSprintf): `101` is a Go int,
 * `101.00` or `1e2` a float64 (its text is not an integer), so `sprintf("%.2f", [101.00])` is
 * "101.00" and `sprintf("%.2f", [101])` is "%!f(int=101)". At run time the value model has one
 * number type and cannot tell those two apart; at compile time the literal text is still here.
 * sprintf is pure, so folding changes no result.
 *
 * @example foldSprintf(call) // { kind: 'string', value: '101.00', … } for sprintf("%.2f", [101.00])
 */
import { formatGo, GoFloat64 } from '../builtins/strings/go-format.js';
import type { CallTerm, StringTerm, Term } from '../syntax/ast.js';

function goOperand(t: Term): unknown {
  switch (t.kind) {
    case 'string':
      return t.value;
    case 'bool':
      return t.value ? 'true' : 'false'; // OPA passes non-number, non-string operands as their text
    case 'null':
      return 'null';
    case 'number': {
      if (/^-?\d+$/.test(t.text)) {
        const b = BigInt(t.text);
        return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
      }
      const n = Number(t.text);
      if (!Number.isFinite(n)) return undefined;
      return Number.isInteger(n) ? new GoFloat64(n) : n;
    }
    default:
      return undefined;
  }
}

export function foldSprintf(call: CallTerm): StringTerm | undefined {
  const [fmt, list] = call.args;
  if (call.args.length !== 2 || fmt?.kind !== 'string' || list?.kind !== 'array') return undefined;
  const ops: unknown[] = [];
  for (const item of list.items) {
    const op = goOperand(item);
    if (op === undefined) return undefined;
    ops.push(op);
  }
  // nothing to gain unless a literal's text says float64 where its value is integral
  if (!ops.some((o) => o instanceof GoFloat64)) return undefined;
  return { kind: 'string', value: formatGo(fmt.value, ops), span: call.span };
}
